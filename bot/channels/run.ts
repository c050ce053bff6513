// `daiban start` with official WeCom channels configured: one process serves
// 微信客服 (on the one HTTP server) and the intelligent bot (long connection)
// over the one app (openApp): each channel hands Inbound to app.handle and is
// registered with the app, whose outbox delivers the Outbound addressed to it.
import type { Config } from '../../src/config/env.ts';
import { openApp, type OpenedApp } from '../../src/app.ts';
import { addressKey, type Inbound } from '../../src/core/messages.ts';
import { ConfigError } from '../../src/errors.ts';
import { helpText } from '../../src/intents/texts.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { Store } from '../../src/store/index.ts';
import { progressLogger, TICK_MS } from '../wechaty/main.ts';
import { BOT_CHANNEL, createBotChannel, type BotChannel } from '../wecom-bot/channel.ts';
import { createKfChannel, type KfChannel } from '../wecom-kf/channel.ts';
import { createHttpServer, type HttpServer } from './http-server.ts';

/** WECOM_KF_TOWNS may name a town by short or Traditional name; refuse towns the knowledge base does not know. */
export function resolveKfTowns(towns: Record<string, string>, kb: { resolveTown(name: string): string | null; towns(): string[] }): Record<string, string> {
  const problems: { variable: string; value: string; expected: string }[] = [];
  const out: Record<string, string> = {};
  for (const [kfid, name] of Object.entries(towns)) {
    const town = kb.resolveTown(name);
    if (town) out[kfid] = town;
    else problems.push({ variable: 'WECOM_KF_TOWNS', value: `${kfid}=${name}`, expected: `知识库里的镇（街道）：${kb.towns().join('、')}` });
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/** The intelligent bot's staff groups join STAFF_ROOMS as address keys (wecom-bot:group:chatid), with their towns. */
export function withWecomStaffGroups(config: Config): Config {
  const bot = config.channels.wecomBot;
  if (!bot) return config;
  const rooms = Object.entries(bot.towns).map(([id, town]) => ({ roomId: addressKey({ channel: BOT_CHANNEL, kind: 'group', id }), town }));
  return { ...config, staffRooms: [...config.staffRooms, ...rooms] };
}

export interface RunningChannels {
  core: OpenedApp;
  http: HttpServer | null;
  /** The port the HTTP server listens on (null without 微信客服). */
  port: number | null;
  kf: KfChannel | null;
  bot: BotChannel | null;
  logger: Logger;
  /** Resolves when every inbound handed in so far is handled (and its messages delivered). */
  idle(): Promise<void>;
  stopped: Promise<void>;
  stop(reason?: string): Promise<void>;
}

export interface ChannelsOptions {
  logger?: Logger;
  handleSignals?: boolean;
  /** Tests: a PostgreSQL schema, shorter bot timings. */
  openStore?: () => Promise<Store>;
  botTiming?: Parameters<typeof createBotChannel>[0]['timing'];
  hostname?: string;
}

export async function startChannels(configIn: Config, opts: ChannelsOptions = {}): Promise<RunningChannels> {
  const logger = opts.logger ?? createLogger(configIn);
  const config = withWecomStaffGroups(configIn);
  const core = await openApp(config, { logger, onProgress: progressLogger(logger), ...(opts.openStore ? { openStore: opts.openStore } : {}) }).catch(
    (err: unknown) => {
      // The bot's staff groups reach the app as staff rooms: name the variable they came from.
      if (!(err instanceof ConfigError)) throw err;
      const prefix = `${BOT_CHANNEL}:group:`;
      throw new ConfigError(
        err.problems.map((p) =>
          p.variable === 'STAFF_ROOMS' && p.value?.startsWith(prefix) ? { ...p, variable: 'WECOM_BOT_TOWNS', value: p.value.slice(prefix.length) } : p,
        ),
      );
    },
  );
  let kfConfig = config.channels.kf;
  if (kfConfig) {
    try {
      kfConfig = { ...kfConfig, towns: resolveKfTowns(kfConfig.towns, core.answerer) };
    } catch (err) {
      await core.close();
      throw err;
    }
  }
  const { app } = core;
  let inflight = 0;
  let idleWaiters: (() => void)[] = [];

  /** Counts turns in flight so idle() and shutdown can wait for them. */
  function onInbound(inbound: Inbound): Promise<void> {
    inflight++;
    return app
      .handle(inbound)
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err, channel: inbound.chat.channel }, 'turn failed'))
      .finally(() => {
        if (--inflight === 0) {
          const w = idleWaiters;
          idleWaiters = [];
          for (const r of w) r();
        }
      });
  }

  let http: HttpServer | null = null;
  let port: number | null = null;
  let kf: KfChannel | null = null;
  let bot: BotChannel | null = null;
  try {
    if (kfConfig) {
      kf = createKfChannel({
        config: kfConfig,
        dataDir: config.dataDir,
        logger,
        onInbound,
        // Opening the kf link: the same help text a new contact gets.
        welcome: async () => helpText(config.botName),
      });
      app.registerChannel(kf);
      http = createHttpServer({ port: config.channels.httpPort, hostname: opts.hostname });
      kf.mount(http.app);
      port = await http.start();
      logger.info({ port, path: kfConfig.path }, '微信客服 callback URL is served');
    }
    if (config.channels.wecomBot) {
      bot = createBotChannel({ config: config.channels.wecomBot, dataDir: config.dataDir, logger, onInbound, timing: opts.botTiming });
      app.registerChannel(bot);
      await bot.start();
    }
  } catch (err) {
    await http?.close();
    await bot?.stop();
    await core.close();
    throw err;
  }
  if (config.puppet) logger.warn({ puppet: config.puppet }, 'WECHATY_PUPPET is set: Wechaty does not run next to the WeCom channels in this process');

  const tick = setInterval(() => {
    void app.tick(Date.now()).catch((err: unknown) => logger.error({ err }, 'tick failed'));
  }, TICK_MS);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  const idle = async () => {
    for (;;) {
      await kf?.idle();
      if (inflight === 0) return;
      await new Promise<void>((r) => idleWaiters.push(r));
    }
  };
  const stop = (reason = 'stop') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down the WeCom channels');
      clearInterval(tick);
      kf?.stop();
      await http?.close();
      await Promise.race([idle(), new Promise((r) => setTimeout(r, 15_000).unref())]);
      await bot?.stop();
      await core.close();
      resolveStopped();
    })();
    return stopping;
  };
  if (opts.handleSignals !== false) {
    const onSignal = (signal: NodeJS.Signals) => void stop(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void stopped.then(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  }
  logger.info({ kf: Boolean(kf), bot: Boolean(bot) }, 'WeCom channels started');
  return { core, http, port, kf, bot, logger, idle, stopped, stop };
}
