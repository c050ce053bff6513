// The local demo (`npm start` with no WECHATY_PUPPET): real Wechaty on
// wechaty-puppet-mock, a simulated town group and staff group, and the
// terminal as 张老板's (or the clerk's) keyboard. Every message goes through
// the production transport, app, answering core and ticket desk.
import { parse as parseYaml } from 'yaml';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Config } from '../../src/config/env.ts';
import { createLogger } from '../../src/log.ts';
import type { BuildProgress } from '../../src/retrieval/index-store.ts';
import { openApp, type OpenedApp } from '../../src/app.ts';
import { createMockWorld } from './mock-world.ts';
import { refreshStaff } from './staff.ts';
import { botIdOf, createTransport } from './transport.ts';
import { startTicking } from './main.ts';

export const DEMO_GROUP_ID = 'yongan-service@chatroom';
export const DEMO_STAFF_ROOM_ID = 'yongan-staff@chatroom';
/** The demo plays in the knowledge folder's first town (any county's folder works). */
export function demoTown(knowledgeDir: string): string {
  try {
    const regions = parseYaml(fs.readFileSync(path.join(knowledgeDir, 'regions.yaml'), 'utf8')) as { towns?: { name?: string }[] };
    return regions.towns?.[0]?.name ?? '示例镇';
  } catch {
    return '示例镇';
  }
}
const groupTopic = (town: string) => `${town}企业服务群`;
const staffRoomTopic = (town: string) => `${town}代办员工作群`;

export interface DemoIO {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Interactive terminal: show a banner and a prompt. */
  interactive?: boolean;
}

const help = (town: string) => `本地演示：没有连接真实微信，下面的对话经过与正式运行完全相同的机器人代码。
  直接输入        张老板在「${groupTopic(town)}」里 @机器人 说这句话
  /私 文本        张老板私聊机器人
  /不@ 文本       张老板在群里说话但不 @机器人（机器人应保持安静）
  /员 文本        李办事员在「${staffRoomTopic(town)}」里说话（如：待办、接单 1）
  /员私 文本      李办事员私聊机器人
  /加好友         张老板加机器人为好友
  /帮助           显示本说明；Ctrl+D 退出
`;

/** The demo's configuration: its own fresh SQLite file, the demo staff room, relaxed rate limits. */
export function demoConfig(config: Config): Config {
  const dir = path.join(config.dataDir, 'demo');
  return {
    ...config,
    puppet: 'wechaty-puppet-mock',
    databaseUrl: null,
    sqlitePath: path.join(dir, 'daiban-demo.sqlite'),
    staffRooms: [
      ...config.staffRooms.filter((r) => r.roomId !== DEMO_STAFF_ROOM_ID),
      { roomId: DEMO_STAFF_ROOM_ID, town: demoTown(config.knowledgeDir) },
    ],
    groupAllowlist: config.groupAllowlist.length ? [...config.groupAllowlist, DEMO_GROUP_ID] : [],
    // A scripted demo types faster than any person; do not throttle it.
    ratePerson: { capacity: Math.max(config.ratePerson.capacity, 60), perSeconds: config.ratePerson.perSeconds },
    rateGroup: { capacity: Math.max(config.rateGroup.capacity, 120), perSeconds: config.rateGroup.perSeconds },
  };
}

/** Runs the demo until the input ends; returns the exit code. */
export async function runDemo(baseConfig: Config, io: DemoIO): Promise<number> {
  const config = demoConfig(baseConfig);
  // A fresh demo each run: the first ticket is #1.
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(config.sqlitePath + suffix, { force: true });
  const logFile = path.join(config.dataDir, 'demo.log');
  const logger = createLogger({ logLevel: config.logLevel, logFormat: 'json' }, { file: logFile });

  const world = createMockWorld({ botName: config.botName, botId: 'daiban-bot' });
  const zhang = world.contact('demo-zhang', '张老板');
  const li = world.contact('demo-li', '李办事员');
  const demoTownName = demoTown(config.knowledgeDir);
  const group = world.room(DEMO_GROUP_ID, groupTopic(demoTownName), [zhang, li]);
  const staffRoom = world.room(DEMO_STAFF_ROOM_ID, staffRoomTopic(demoTownName), [li]);

  let stage = '';
  const onProgress = (p: BuildProgress) => {
    if (p.stage !== stage) {
      stage = p.stage;
      io.stderr(`首次运行，正在建立知识索引：${p.stage}…\n`);
    }
  };
  let core: OpenedApp;
  try {
    core = await openApp(config, { logger, onProgress, botId: botIdOf(world.bot) });
  } catch (err) {
    logger.error({ err }, 'demo could not start');
    throw err;
  }
  const town = core.answerer.resolveTown(demoTownName);
  if (town) await core.store.bindings.set(DEMO_GROUP_ID, town, 'demo');

  const transport = createTransport({ bot: world.bot, app: core.app, config: core.config, logger });
  transport.attach();
  let printed = 0;
  world.onSent((m) => {
    printed++;
    io.stdout(`[${m.chatType === 'group' ? m.chat : `私聊 ${m.chat}`}] ${m.text}\n`);
  });
  await world.start();
  await refreshStaff(world.bot, core.app, config, logger);
  const tick = startTicking(core, logger);

  if (io.interactive) {
    io.stderr(`${help(demoTownName)}日志写在 ${logFile}\n`);
  }

  /** Waits until the message is handled and every reply has come back through Wechaty. */
  const settle = async (id: string) => {
    await transport.whenHandled(id);
    await waitUntil(() => printed >= transport.stats.sent, 10_000);
  };

  const rl = readline.createInterface({ input: io.stdin, terminal: false });
  const prompt = () => {
    if (io.interactive) io.stderr('> ');
  };
  prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '') {
        prompt();
        continue;
      }
      const m = /^\/(\S+)\s*(.*)$/s.exec(line);
      let id: string | null = null;
      if (!m) {
        id = world.say(zhang, line, { room: group, mention: true });
      } else {
        const [, cmd, text = ''] = m;
        switch (cmd) {
          case '私':
            id = world.say(zhang, text);
            break;
          case '不@':
            id = world.say(zhang, text, { room: group });
            break;
          case '员':
            id = world.say(li, text, { room: staffRoom });
            break;
          case '员私':
            id = world.say(li, text);
            break;
          case '加好友': {
            const sentBefore = transport.stats.sent;
            await world.friendRequest(zhang);
            await waitUntil(() => transport.stats.sent > sentBefore, 5_000);
            await transport.idle();
            await waitUntil(() => printed >= transport.stats.sent, 5_000);
            break;
          }
          case '帮助':
          case 'help':
            io.stderr(help(demoTownName));
            break;
          default:
            // Not a demo command: 张老板 says it in the group, with a mention.
            id = world.say(zhang, line, { room: group, mention: true });
        }
      }
      if (id) await settle(id);
      prompt();
    }
  } finally {
    clearInterval(tick);
    transport.stop();
    await transport.idle();
    await world.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the mock failed'));
    await core.close();
  }
  return 0;
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
