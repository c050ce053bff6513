// The `daiban` command line. Each subcommand lives in src/cli/commands/ and
// registers itself on the program; this file only wires them up.
import { Command, CommanderError } from 'commander';
import { ConfigError, DependencyError, KnowledgeError, UserInputError } from '../errors.ts';
import { registerAsk } from './commands/ask.ts';
import { registerBench } from './commands/bench.ts';
import { registerEval } from './commands/eval.ts';
import { registerKb } from './commands/kb.ts';
import { registerTickets } from './commands/tickets.ts';
import { registerStart } from './commands/start.ts';

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
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('daiban')
    .description('代办小助手：乡镇下放事项问答与帮办代办')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const ctx = { io, setExit };
  registerKb(program, ctx);
  registerAsk(program, ctx);
  registerEval(program, ctx);
  registerBench(program, ctx);
  registerTickets(program, ctx);
  registerStart(program, ctx);
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

export type CliContext = { io: CliIO; setExit: (code: number) => void };
