// `daiban start` with a puppet configured: the production bot.
import path from 'node:path';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import type { Config } from '../../src/config/env.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { BuildProgress } from '../../src/retrieval/index-store.ts';
import { openApp, type OpenedApp } from '../../src/app.ts';
import { attachLogin, createPuppet } from './puppet.ts';
import { refreshStaff, watchStaffRooms } from './staff.ts';
import { botIdOf, createTransport, type Transport } from './transport.ts';

/** The assistant's housekeeping (SLA re-announcements) runs this often. */
export const TICK_MS = 60_000;
/** Staff-room membership is re-read this often (joins and leaves also trigger it). */
const STAFF_REFRESH_MS = 10 * 60_000;
/** Replies in flight get this long to finish on shutdown. */
const DRAIN_MS = 15_000;
/** Pause between two WeChat messages on a real account. */
const SEND_DELAY_MS = 400;

export interface BotIO {
  stderr: (s: string) => void;
}

export interface RunningBot {
  bot: Wechaty;
  core: OpenedApp;
  transport: Transport;
  logger: Logger;
  /** Resolves when the bot has stopped (after a signal or stop()). */
  stopped: Promise<void>;
  stop(reason?: string): Promise<void>;
}

/** Runs the app's housekeeping (SLA re-announcements) every TICK_MS; the app delivers what it produces. */
export function startTicking(core: OpenedApp, logger: Logger): NodeJS.Timeout {
  return setInterval(() => {
    void core.app.tick(Date.now()).catch((err: unknown) => logger.error({ err }, 'tick failed'));
  }, TICK_MS);
}

/** Logs index building progress, one line per stage. */
export const progressLogger = (logger: Logger) => {
  let stage = '';
  return (p: BuildProgress) => {
    if (p.stage !== stage || p.done === p.total) {
      stage = p.stage;
      logger.info({ stage: p.stage, done: p.done, total: p.total }, 'building the knowledge index');
    }
  };
};

/**
 * Runs the bot until SIGINT/SIGTERM: opens the core, starts Wechaty on the
 * configured puppet, answers messages, ticks every minute. On a signal it
 * stops taking messages, finishes replies in flight and closes the stores.
 */
export async function startBot(
  config: Config,
  opts: {
    io?: BotIO;
    logger?: Logger;
    handleSignals?: boolean;
    /** A ready-made Wechaty (tests); default: built on the configured puppet. */
    bot?: Wechaty;
  } = {},
): Promise<RunningBot> {
  const io = opts.io ?? { stderr: (s: string) => process.stderr.write(s) };
  const logger = opts.logger ?? createLogger(config);
  // `name` makes Wechaty keep the login session in data/, so a restart need not scan again.
  const bot =
    opts.bot ?? WechatyBuilder.build({ name: path.join(config.dataDir, 'wechaty'), puppet: await createPuppet(config) });
  const core = await openApp(config, { logger, onProgress: progressLogger(logger), botId: botIdOf(bot) });
  const transport = createTransport({ bot, app: core.app, config: core.config, logger, sendDelayMs: SEND_DELAY_MS });
  transport.attach();
  attachLogin(bot, config, logger, io);
  watchStaffRooms(bot, core.app, config, logger);
  bot.on('login', () => {
    // Room lists arrive a little after login on the web protocol.
    setTimeout(() => void refreshStaff(bot, core.app, config, logger), 5_000);
  });

  const tick = startTicking(core, logger);
  const staffTimer = setInterval(() => {
    if (bot.isLoggedIn) void refreshStaff(bot, core.app, config, logger);
  }, STAFF_REFRESH_MS);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new messages, finishing replies in flight');
      transport.stop();
      clearInterval(tick);
      clearInterval(staffTimer);
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([transport.idle(), new Promise((r) => (drainTimer = setTimeout(r, DRAIN_MS)))]);
      clearTimeout(drainTimer);
      await bot.stop().catch((err: unknown) => logger.error({ err }, 'stopping Wechaty failed'));
      await core.close();
      logger.info('stopped');
      resolveStopped();
    })();
    return stopping;
  };

  if (opts.handleSignals !== false) {
    const onSignal = (signal: NodeJS.Signals) => {
      void stop(signal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void stopped.then(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  }

  try {
    await bot.start();
  } catch (err) {
    logger.error({ err }, 'Wechaty could not start');
    await stop('start failed');
    throw err;
  }
  logger.info({ puppet: config.puppet }, 'bot started');
  return { bot, core, transport, logger, stopped, stop };
}
