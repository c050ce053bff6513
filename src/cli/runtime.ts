// Shared set-up for CLI commands: the app (src/app.ts) with its store and
// answering core, with a progress bar on stderr while an index is built.
import cliProgress from 'cli-progress';
import type { App } from '../app.ts';
import type { Config } from '../config/env.ts';
import type { Engine } from '../answering/engine.ts';
import type { BuildProgress } from '../retrieval/index-store.ts';
import type { Store } from '../store/index.ts';
import { cliConfig } from './config.ts';
import type { CliIO } from './main.ts';

/** A progress bar on stderr that switches bars as build stages change. */
export function progressReporter(io: CliIO): { onProgress: (p: BuildProgress) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | null = null;
  let stage = '';
  const stream = process.stderr;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress: (p) => {
      if (p.stage !== stage) {
        stop();
        stage = p.stage;
        if (!stream.isTTY) {
          io.stderr(`${p.stage}…\n`);
        } else {
          bar = new cliProgress.SingleBar(
            { format: `${p.stage.padEnd(10, '　')} [{bar}] {value}/{total}`, stream, hideCursor: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(p.total, p.done);
        }
      }
      bar?.update(p.done);
    },
    stop,
  };
}

export interface Runtime {
  config: Config;
  store: Store;
  engine: Engine;
  /** The same app the bot runs (without the ticket desk unless asked for). */
  app: App;
  close(): Promise<void>;
}

/** Opens the one composition root (src/app.ts) for a CLI command, with a progress bar while an index is built. */
export async function openRuntime(io: CliIO, opts: { recordUnanswered?: boolean; tickets?: boolean } = {}): Promise<Runtime> {
  const config = cliConfig(io);
  const progress = progressReporter(io);
  // The app (and with it the database layer and the answering core) is loaded only by commands that use it.
  const { openApp } = await import('../app.ts');
  const { silentLogger } = await import('../log.ts');
  try {
    const opened = await openApp(config, {
      logger: silentLogger(),
      onProgress: progress.onProgress,
      tickets: opts.tickets ?? false,
      ...(opts.recordUnanswered === false ? { recordUnanswered: false } : {}),
    });
    progress.stop();
    return { config: opened.config, store: opened.store, engine: opened.answerer, app: opened.app, close: () => opened.close() };
  } finally {
    progress.stop();
  }
}
