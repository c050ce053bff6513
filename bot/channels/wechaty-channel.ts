// Wechaty next to the official WeCom channels in one process (pilots): the
// existing transport (bot/transport.ts) on the same core, and a sender so
// replies the core addresses to Wechaty chats from other channels' turns
// (a ticket posted to a Wechaty staff room, an SLA notice) are delivered.
import path from 'node:path';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import type { Config } from '../../src/config/env.ts';
import type { ChannelSender, Outbound } from '../../src/core/messages.ts';
import type { Logger } from '../../src/log.ts';
import { attachLogin, createPuppet } from '../puppet.ts';
import { refreshStaff, watchStaffRooms } from '../staff.ts';
import { botIdOf, createTransport, type Transport } from '../transport.ts';
import type { LegacyHandler } from './legacy-core.ts';

/** Staff-room membership is re-read this often (joins and leaves also trigger it). */
const STAFF_REFRESH_MS = 10 * 60_000;
/** Pause between two WeChat messages on a real account. */
const SEND_DELAY_MS = 400;

export interface WechatyChannel extends ChannelSender {
  readonly bot: Wechaty;
  readonly transport: Transport;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WechatyChannelDeps {
  config: Config;
  handler: LegacyHandler;
  deliver: (out: Outbound[]) => Promise<void>;
  logger: Logger;
  io?: { stderr: (s: string) => void };
  bot: Wechaty;
  /** Tests: the mock world's own start/stop (login) instead of the production login. */
  lifecycle?: { start(): Promise<void>; stop(): Promise<void> };
}

export function createWechatyChannel(deps: WechatyChannelDeps): WechatyChannel {
  const { config, logger } = deps;
  const io = deps.io ?? { stderr: (s: string) => process.stderr.write(s) };
  const bot = deps.bot;
  const assistant = deps.handler.forWechaty(deps.deliver);
  const production = !deps.lifecycle;
  const transport = createTransport({ bot, assistant, config, logger, sendDelayMs: production ? SEND_DELAY_MS : 0 });
  let staffTimer: NodeJS.Timeout | null = null;
  return {
    name: 'wechaty',
    bot,
    transport,
    async send(message) {
      await transport.send([
        {
          chatId: message.to.id,
          chatType: message.to.kind === 'group' ? 'group' : 'private',
          text: message.text,
          ...(message.mention ? { mention: message.mention } : {}),
        },
      ]);
    },
    async start() {
      transport.attach();
      if (production) attachLogin(bot, config, logger, io);
      watchStaffRooms(bot, assistant, config, logger);
      bot.on('login', () => void refreshStaff(bot, assistant, config, logger));
      staffTimer = setInterval(() => {
        if (bot.isLoggedIn) void refreshStaff(bot, assistant, config, logger);
      }, STAFF_REFRESH_MS);
      await (deps.lifecycle ? deps.lifecycle.start() : bot.start());
      if (bot.isLoggedIn) await refreshStaff(bot, assistant, config, logger);
    },
    async stop() {
      if (staffTimer) clearInterval(staffTimer);
      transport.stop();
      await transport.idle();
      await (deps.lifecycle ? deps.lifecycle.stop() : bot.stop()).catch((err: unknown) => logger.error({ err }, 'stopping Wechaty failed'));
    },
  };
}

/** The production Wechaty on the configured puppet (its login session kept in DATA_DIR). */
export async function buildWechaty(config: Config): Promise<Wechaty> {
  return WechatyBuilder.build({ name: path.join(config.dataDir, 'wechaty'), puppet: await createPuppet(config) });
}

export { botIdOf };
