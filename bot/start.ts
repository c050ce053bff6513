// What `daiban start` runs: the official WeCom channels when configured, else
// the Wechaty bot on the configured puppet, or the
// local demo (real Wechaty on the mock puppet, the terminal as the keyboard).
import type { CliIO } from '../src/cli/main.ts';
import type { Config } from '../src/config/env.ts';

export async function start(config: Config, io: CliIO): Promise<number> {
  if (config.channels.kf || config.channels.wecomBot) {
    // Official WeCom channels (微信客服, intelligent bot) configured: serve them, no demo.
    const { startChannels } = await import('./channels/run.ts');
    const running = await startChannels(config);
    await running.stopped;
    return 0;
  }
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
