// Runs the daiban CLI in-process with captured output.
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin: string | string[] = [],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    env,
    cwd: process.cwd(),
    stdin: Readable.from(typeof stdin === 'string' ? [stdin] : stdin),
  });
  return { code, out, err };
}
