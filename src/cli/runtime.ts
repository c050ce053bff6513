// Shared set-up for CLI commands: configuration, the store and the answering
// core, with a progress bar on stderr while an index is built.
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Config } from '../config/env.ts';
import { openAnswerer, type Engine } from '../answering/engine.ts';
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
  close(): Promise<void>;
}

export async function openRuntime(io: CliIO, opts: { recordUnanswered?: boolean } = {}): Promise<Runtime> {
  const config = cliConfig(io);
  // The database layer is loaded only by commands that use it.
  const { openStore } = await import('../store/index.ts');
  const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  const progress = progressReporter(io);
  try {
    const offline = await openAnswerer(config, { onProgress: progress.onProgress, unanswered: opts.recordUnanswered === false ? undefined : store.unanswered,
    });
    // With a model configured, `ask` also rewrites questions and rewords replies (src/llm); otherwise nothing changes.
    const engine = config.openai
      ? (await import('../llm/answerer.ts')).withLlm(offline, config.openai, { budgetFile: path.join(config.dataDir, 'llm-usage.json') })
      : offline;
    progress.stop();
    return {
      config,
      store,
      engine,
      close: async () => {
        await engine.close();
        await store.close();
      },
    };
  } catch (err) {
    progress.stop();
    await store.close();
    throw err;
  }
}
