// What `daiban start` runs: the Wechaty bot on the configured puppet, or the
// local demo (real Wechaty on the mock puppet, the terminal as the keyboard).
import type { CliIO } from '../src/cli/main.ts';
import type { Config } from '../src/config/env.ts';

export async function start(config: Config, io: CliIO): Promise<number> {
  if (config.puppet) {
    const { startBot } = await import('./wechaty/main.ts');
    const running = await startBot(config, { io });
    await running.stopped;
    return 0;
  }
  const { runDemo } = await import('./wechaty/demo.ts');
  const stdin = io.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
  return runDemo(config, { stdin, stdout: io.stdout, stderr: io.stderr, interactive: Boolean(stdin.isTTY) });
}
