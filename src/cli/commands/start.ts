// `daiban start`: the WeChat bot with the configured puppet, or the local
// demo (terminal chat on a simulated WeChat) when no puppet is configured.
import type { Command } from 'commander';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';

export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('启动微信机器人；未配置 WECHATY_PUPPET 时运行本地演示（终端里模拟群聊和私聊）')
    .action(async () => {
      const { io } = ctx;
      const config = cliConfig(io);
      if (config.channels.kf || config.channels.wecomBot) {
        // Official WeCom channels (微信客服, intelligent bot) configured: serve them (and Wechaty if a puppet is set), no demo.
        const { startChannels } = await import('../../../bot/channels/run.ts');
        const running = await startChannels(config, { io });
        await running.stopped;
        return;
      }
      if (config.puppet) {
        const { startBot } = await import('../../../bot/main.ts');
        const running = await startBot(config, { io });
        await running.stopped;
        return;
      }
      const { runDemo } = await import('../../../bot/demo.ts');
      const stdin = io.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
      const code = await runDemo(config, {
        stdin,
        stdout: io.stdout,
        stderr: io.stderr,
        interactive: Boolean(stdin.isTTY),
      });
      ctx.setExit(code);
    });
}
