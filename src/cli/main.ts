// The `daiban` command line. Each subcommand lives in src/cli/commands/ and
// registers itself on the program; this file only wires them up, loading
// only the module of the command that runs (all of them for --help). The
// channels that `daiban start` runs live in bot/ and are handed in by the
// executable (cli/bin.ts): nothing in src/ imports bot/.
import { Command, CommanderError } from 'commander';
import type { Config } from '../config/env.ts';
import { ConfigError, DependencyError, KnowledgeError, UserInputError } from '../errors.ts';

type Register = (program: Command, ctx: CliContext) => unknown;

/** Command name → its module, loaded on demand. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  kb: async () => (await import('./commands/kb.ts')).registerKb,
  ask: async () => (await import('./commands/ask.ts')).registerAsk,
  eval: async () => (await import('./commands/eval.ts')).registerEval,
  bench: async () => (await import('./commands/bench.ts')).registerBench,
  'bench-phase': async () => (await import('./commands/bench.ts')).registerBench,
  tickets: async () => (await import('./commands/tickets.ts')).registerTickets,
  start: async () => (await import('./commands/start.ts')).registerStart,
};

/** What `daiban start` runs: the channels (bot/), given by the executable. */
export interface Channels {
  /** Runs the configured channel (or the local demo) until it stops; returns the exit code. */
  start(config: Config, io: CliIO): Promise<number>;
}

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  stdin: NodeJS.ReadableStream;
}

export const defaultIO = (): CliIO => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
});

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO(), channels?: Channels): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('daiban')
    .description('代办小助手：乡镇下放事项问答与帮办代办')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const ctx: CliContext = { io, setExit, ...(channels ? { channels } : {}) };
  const wanted = COMMANDS[argv[0] ?? ''] ? [COMMANDS[argv[0]!]!] : Object.values(COMMANDS);
  for (const register of new Set(await Promise.all(wanted.map((load) => load())))) register(program, ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? exitCode : 2;
    }
    if (err instanceof ConfigError || err instanceof KnowledgeError || err instanceof UserInputError) {
      io.stderr(err.message + '\n');
      return 1;
    }
    if (err instanceof DependencyError) {
      // A database or endpoint that cannot be reached: say which and what to do, no stack trace.
      io.stderr(`${err.message}\n`);
      return 3;
    }
    throw err;
  }
  return exitCode;
}

export type CliContext = { io: CliIO; setExit: (code: number) => void; channels?: Channels };
