// `daiban start` with official WeCom channels configured: one process serves
// 微信客服 (on the one HTTP server) and the intelligent bot (long connection),
// over one core. Outbound messages are routed to the channel they address.
import type { Config } from '../../src/config/env.ts';
import type { ChannelSender, Inbound, Outbound } from '../../src/core/messages.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { Store } from '../../src/store/index.ts';
import { openCore, type Core } from '../core.ts';
import { progressLogger, TICK_MS } from '../main.ts';
import { BOT_CHANNEL, createBotChannel, type BotChannel } from '../wecom-bot/channel.ts';
import { createKfChannel, type KfChannel } from '../wecom-kf/channel.ts';
import type { Wechaty } from 'wechaty';
import { createHttpServer, type HttpServer } from './http-server.ts';
import { botIdOf, buildWechaty, createWechatyChannel, type WechatyChannel } from './wechaty-channel.ts';
import { createLegacyHandler, legacyConfig, type InboundHandler } from './legacy-core.ts';

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

const DELIVERED_KEEP = 1000;

export interface RunningChannels {
  core: Core;
  handler: InboundHandler;
  http: HttpServer | null;
  /** The port the HTTP server listens on (null without 微信客服). */
  port: number | null;
  kf: KfChannel | null;
  bot: BotChannel | null;
  /** Wechaty, when a puppet is configured too. */
  wechaty: WechatyChannel | null;
  logger: Logger;
  /** The last Outbound messages handed to a channel, in order (for logs and tests). */
  readonly delivered: Outbound[];
  /** Resolves when every inbound handed in so far is handled and its replies delivered. */
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
  /** Tests: Wechaty on the mock puppet, with the mock world's start/stop. */
  wechaty?: { bot: Wechaty; start(): Promise<void>; stop(): Promise<void> };
  io?: { stderr: (s: string) => void };
}

export async function startChannels(configIn: Config, opts: ChannelsOptions = {}): Promise<RunningChannels> {
  const logger = opts.logger ?? createLogger(configIn);
  const config = legacyConfig(configIn);
  // With a puppet configured, Wechaty runs here too (pilots), on the same core.
  const wechatyBot = opts.wechaty?.bot ?? (config.puppet ? await buildWechaty(config) : null);
  const core = await openCore(config, {
    logger,
    onProgress: progressLogger(logger),
    openStore: opts.openStore,
    ...(wechatyBot ? { botId: botIdOf(wechatyBot) } : {}),
  }).catch((err: unknown) => {
    // The bot's staff groups reach the old core as staff rooms: name the variable they came from.
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      err.problems.map((p) =>
        p.variable === 'STAFF_ROOMS' && p.value?.startsWith(`${BOT_CHANNEL}|`) ? { ...p, variable: 'WECOM_BOT_TOWNS', value: p.value.slice(BOT_CHANNEL.length + 1) } : p,
      ),
    );
  });
  let kfConfig = config.channels.kf;
  if (kfConfig) {
    try {
      kfConfig = { ...kfConfig, towns: resolveKfTowns(kfConfig.towns, core.answerer) };
    } catch (err) {
      await core.close();
      throw err;
    }
  }
  const handler = createLegacyHandler(core);
  let wechaty: WechatyChannel | null = null;
  const senders = new Map<string, ChannelSender>();
  const delivered: Outbound[] = [];
  let inflight = 0;
  let idleWaiters: (() => void)[] = [];
  /** One turn at a time per person, so a person's replies keep their order. */
  const queues = new Map<string, Promise<void>>();

  async function deliver(out: Outbound[]): Promise<void> {
    for (const message of out) {
      const sender = senders.get(message.to.channel);
      if (!sender) {
        logger.warn({ channel: message.to.channel }, 'no channel to deliver to; message dropped');
        continue;
      }
      try {
        delivered.push(message);
        if (delivered.length > DELIVERED_KEEP) delivered.splice(0, delivered.length - DELIVERED_KEEP);
        await sender.send(message);
      } catch (err) {
        logger.error({ err, channel: message.to.channel }, 'delivery failed');
      }
    }
  }

  /** Counts work in flight so idle() and shutdown can wait for it. */
  function track(work: Promise<void>): Promise<void> {
    inflight++;
    return work
      .catch((err: unknown) => logger.error({ err }, 'turn failed'))
      .finally(() => {
        if (--inflight === 0) {
          const w = idleWaiters;
          idleWaiters = [];
          for (const r of w) r();
        }
      });
  }

  function onInbound(inbound: Inbound): Promise<void> {
    const key = `${inbound.sender.channel}:${inbound.sender.id}`;
    const next = track((queues.get(key) ?? Promise.resolve()).then(async () => deliver(await handler.handle(inbound)))).finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    });
    queues.set(key, next);
    return next;
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
        welcome: (customer) => handler.welcome({ channel: 'wecom-kf', kind: 'direct', id: customer }),
        onHeld: async (customer, text, reason) => {
          // Told to the clerk after the turn in flight has finished sending.
          void track(handler.held({ channel: 'wecom-kf', kind: 'direct', id: customer }, text, reason).then(deliver));
        },
      });
      senders.set(kf.name, kf);
      http = createHttpServer({ port: config.channels.httpPort, hostname: opts.hostname });
      kf.mount(http.app);
      port = await http.start();
      logger.info({ port, path: kfConfig.path }, '微信客服 callback URL is served');
    }
    if (wechatyBot) {
      wechaty = createWechatyChannel({
        config,
        handler,
        deliver,
        logger,
        io: opts.io,
        bot: wechatyBot,
        ...(opts.wechaty ? { lifecycle: opts.wechaty } : {}),
      });
      senders.set(wechaty.name, wechaty);
    }
    if (config.channels.wecomBot) {
      bot = createBotChannel({ config: config.channels.wecomBot, dataDir: config.dataDir, logger, onInbound, timing: opts.botTiming });
      senders.set(bot.name, bot);
      await bot.start();
    }
    await wechaty?.start();
  } catch (err) {
    await http?.close();
    await bot?.stop();
    await wechaty?.stop();
    await core.close();
    throw err;
  }

  const tick = setInterval(() => {
    void handler
      .tick(new Date())
      .then(deliver)
      .catch((err: unknown) => logger.error({ err }, 'tick failed'));
  }, TICK_MS);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  const idle = async () => {
    for (;;) {
      await kf?.idle();
      await wechaty?.transport.idle();
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
      await wechaty?.stop();
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
  logger.info({ kf: Boolean(kf), bot: Boolean(bot), wechaty: Boolean(wechaty) }, 'WeCom channels started');
  return { core, handler, http, port, kf, bot, wechaty, logger, delivered, idle, stopped, stop };
}
