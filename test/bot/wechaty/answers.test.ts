// End to end with the production core: real Wechaty + mock puppet, the real
// answering engine over knowledge/, the SQLite store and the ticket desk.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type OpenedApp } from '../../../src/app.ts';
import { loadConfig, type Config } from '../../../src/config/env.ts';
import { silentLogger } from '../../../src/log.ts';
import { createHarness, GROUP, OTHER_GROUP, STAFF_ROOM, type Harness } from './harness.ts';
import { refreshStaff } from '../../../bot/wechaty/staff.ts';
import { startBot } from '../../../bot/wechaty/main.ts';
import { createMockWorld } from '../../../bot/wechaty/mock-world.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let dataDir: string;
let h: Harness | undefined;
let core: OpenedApp | undefined;

const env = () => ({
  KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
  DATA_DIR: dataDir,
  STAFF_ROOMS: `${STAFF_ROOM}=永安镇`,
});

/** A harness whose assistant is the production core on a fresh SQLite file. */
async function realHarness(name: string): Promise<Harness> {
  return createHarness({
    env: env(),
    configure: (c: Config) => ({ ...c, sqlitePath: path.join(dataDir, `${name}.sqlite`) }),
    appFactory: async (config, botId) => {
      core = await openApp(config, { logger: silentLogger(), botId });
      return core.app;
    },
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-bot-'));
  // Build the knowledge index once for the whole file.
  const c = await openApp(
    { ...loadConfig(env(), ROOT), sqlitePath: path.join(dataDir, 'warmup.sqlite') },
    { logger: silentLogger() },
  );
  await c.close();
}, 120_000);

afterEach(async () => {
  await h?.close();
  await core?.close();
  h = undefined;
  core = undefined;
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('WeChat bot with the real answering core', () => {
  it('answers a group mention with the knowledge, quoting the asker', async () => {
    h = await realHarness('mention');
    const sent = await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/^@张老板[\s\u2005]/);
    expect(sent[0]!.text).toContain('永安镇可以办理「食品经营许可」');
  });

  it('uses the bound town, and a town named in the question beats it', async () => {
    h = await realHarness('bound');
    await refreshStaff(h.world.bot, h.app, h.config, silentLogger());
    const bound = await h.say(h.li, '#绑定 永安镇', { room: h.group, mention: true });
    expect(bound[0]!.text).toContain('已将本群绑定到永安镇');
    expect(await core!.store.bindings.get(GROUP)).toBe('永安镇');

    const byBinding = await h.say(h.zhang, '能办食品经营许可吗', { room: h.group, mention: true });
    expect(byBinding[0]!.text).toContain('永安镇可以办理「食品经营许可」');
    const named = await h.say(h.zhang, '大瑶镇能办食品经营许可吗', { room: h.group, mention: true });
    expect(named[0]!.text).toContain('大瑶镇可以办理「食品经营许可」');
    expect(named[0]!.text).not.toContain('永安镇可以办理');
    const traditional = await h.say(h.zhang, '大瑤鎮能辦食品經營許可嗎', { room: h.group, mention: true });
    expect(traditional[0]!.text).toContain('大瑶镇可以办理「食品经营许可」');
  });

  it('answers for every town in an unbound group', async () => {
    h = await realHarness('unbound');
    const sent = await h.say(h.zhang, '能办食品经营许可吗', { room: h.otherGroup, mention: true });
    expect(sent[0]!.text).toMatch(/可以在 .*永安镇.*大瑶镇.* 办理/);
    expect(await core!.store.bindings.get(OTHER_GROUP)).toBeNull();
  });

  it('answers follow-ups in the same conversation', async () => {
    h = await realHarness('followup');
    await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    const materials = await h.say(h.zhang, '材料', { room: h.group, mention: true });
    expect(materials[0]!.text).toMatch(/^@张老板/);
    expect(materials[0]!.text).toContain('营业执照');
  });

  it('turns 「代办」 after an answer into a request that continues in private chat', async () => {
    h = await realHarness('proxy');
    await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    const sent = await h.say(h.zhang, '代办', { room: h.group, mention: true });
    expect(sent[0]!.text).toMatch(/^@张老板/);
    expect(sent[0]!.text).toContain('食品经营许可');
    expect(sent[0]!.text).toContain('私聊');
    const priv = await h.say(h.zhang, '代办');
    expect(priv[0]!.chatType).toBe('private');
    expect(priv[0]!.text).toContain('企业名称');
  });

  it('takes staff commands in the staff room without a mention, and ignores chatter there', async () => {
    h = await realHarness('staff');
    await refreshStaff(h.world.bot, h.app, h.config, silentLogger());
    const todo = await h.say(h.li, '待办', { room: h.staffRoom });
    expect(todo).toHaveLength(1);
    expect(todo[0]!.chat).toBe('永安镇代办员工作群');
    expect(await h.say(h.li, '今天中午吃什么', { room: h.staffRoom })).toEqual([]);
  });
});

describe('startBot', () => {
  it('finishes replies in flight on shutdown and closes the stores', async () => {
    const world = createMockWorld({ botName: '代办小助手' });
    const zhang = world.contact('zhang', '张老板');
    const config = { ...loadConfig(env(), ROOT), sqlitePath: path.join(dataDir, 'startbot.sqlite') };
    const running = await startBot(config, { bot: world.bot, handleSignals: false, logger: silentLogger() });
    await world.start();
    const received = running.transport.stats.received;
    world.say(zhang, '永安镇能办食品经营许可吗');
    while (running.transport.stats.received === received) await new Promise((r) => setTimeout(r, 2));
    await running.stop('test');
    await running.stopped;
    expect(running.transport.stats.sent).toBe(1);
    // Stopped: no new messages are taken.
    running.transport.onMessage({ self: () => false } as never);
    expect(running.transport.stats.received).toBe(received + 1);
    await expect(running.core.store.bindings.get('x')).rejects.toThrow();
  });
});

describe('npm start (local demo)', () => {
  it('answers piped lines in order and exits at the end of input', async () => {
    const input = '永安镇能办食品经营许可吗\n/不@ 大家好\n/私 货车营运证在哪办\n';
    const child = execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/bin.ts'), 'start'], {
      cwd: ROOT,
      env: { ...process.env, ...env(), STAFF_ROOMS: '', WECHATY_PUPPET: '', LOG_LEVEL: 'info' },
      timeout: 120_000,
    });
    const out = promisify((cb: (err: Error | null, v?: { stdout: string; code: number | null }) => void) => {
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('exit', (code) => cb(null, { stdout, code }));
    })();
    child.stdin!.end(input);
    const { stdout, code } = (await out)!;
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const group = lines.findIndex((l) => l.startsWith('[永安镇企业服务群] @张老板 '));
    const priv = lines.findIndex((l) => l.startsWith('[私聊 张老板] '));
    expect(group).toBeGreaterThanOrEqual(0);
    expect(priv).toBeGreaterThan(group);
    expect(lines[group]).toContain('永安镇可以办理「食品经营许可」');
    expect(stdout).toContain('道路运输证');
    expect(stdout).not.toContain('大家好');
    // Only the two answers: every chat line is one of them.
    expect(lines.filter((l) => /^\[.+?\] /.test(l))).toHaveLength(2);
    expect(fs.existsSync(path.join(dataDir, 'demo.log'))).toBe(true);
  }, 120_000);
});
