// `daiban start`: the configured channel (the WeChat bot), or the local demo
// (terminal chat on a simulated WeChat) when no puppet is configured. The
// channels live in bot/; the executable (cli/bin.ts) hands them in.
import type { Command } from 'commander';
import { UserInputError } from '../../errors.ts';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';

export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('启动微信机器人；未配置 WECHATY_PUPPET 时运行本地演示（终端里模拟群聊和私聊）')
    .action(async () => {
      const { io } = ctx;
      const config = cliConfig(io);
      if (!ctx.channels) throw new UserInputError('这个程序入口没有接入任何渠道（请用 daiban 命令或 npm start 启动）。');
      ctx.setExit(await ctx.channels.start(config, io));
    });
}
