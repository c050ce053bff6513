// The whole proxy-handling flow through real Wechaty + the mock puppet, with
// the production core (answering engine, ticket desk) on both store backends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type OpenedApp } from '../../../src/app.ts';
import { refreshStaff } from '../../../bot/wechaty/staff.ts';
import { loadConfig, type Config } from '../../../src/config/env.ts';
import { silentLogger } from '../../../src/log.ts';
import type { StoreOptions } from '../../../src/store/index.ts';
import { backends, type Backend } from '../../store/backends.ts';
import { createHarness, STAFF_ROOM, type Harness } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-e2e-'));
const env = { KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'), DATA_DIR: dataDir, STAFF_ROOMS: `${STAFF_ROOM}=永安镇` };
const all = await backends();

beforeAll(async () => {
  // Build the knowledge index once.
  const c = await openApp({ ...loadConfig(env, ROOT), sqlitePath: path.join(dataDir, 'warmup.sqlite') }, { logger: silentLogger() });
  await c.close();
}, 120_000);
afterAll(async () => {
  for (const b of all) await b.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function harness(backend: Backend, storeOptions: StoreOptions): Promise<{ h: Harness; core: () => OpenedApp }> {
  let core!: OpenedApp;
  const h = await createHarness({
    env,
    appFactory: async (config: Config, botId) => {
      core = await openApp(config, { logger: silentLogger(), botId, openStore: () => backend.open(storeOptions) });
      return core.app;
    },
  });
  await refreshStaff(h.world.bot, h.app, h.config, silentLogger());
  return { h, core: () => core };
}

const texts = (sent: { text: string }[]) => sent.map((m) => m.text).join('\n');

describe.each(all)('proxy-handling tickets end to end ($name)', (backend) => {
  it.skipIf(!!backend.skip)('request in a group → private dialog → ticket → clerk → done → rating', async () => {
    const { h, core } = await harness(backend, backend.options());
    try {
      // The owner asks in the group, then asks for proxy handling there.
      await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
      const inGroup = await h.say(h.zhang, '能帮我办吗', { room: h.group, mention: true });
      expect(inGroup).toHaveLength(1);
      expect(inGroup[0]!.chatType).toBe('group');
      expect(inGroup[0]!.text).toContain('私聊');
      expect(inGroup[0]!.text).not.toMatch(/手机号|信用代码/);

      // The pending request is picked up in private chat; one thing at a time.
      expect(texts(await h.say(h.zhang, '代办'))).toContain('企业名称');
      expect(texts(await h.say(h.zhang, '浏阳市永安镇张记餐馆'))).toContain('统一社会信用代码');
      expect(texts(await h.say(h.zhang, '91350100M000100Y44'))).toContain('校验位不对');
      expect(texts(await h.say(h.zhang, '91350100M000100Y43'))).toContain('联系人');
      expect(texts(await h.say(h.zhang, '张三'))).toContain('手机');
      expect(texts(await h.say(h.zhang, '1381234567'))).toContain('11位');
      expect(texts(await h.say(h.zhang, '13812345678'))).toContain('材料');
      const summary = texts(await h.say(h.zhang, '营业执照'));
      expect(summary).toContain('确认');

      // 确认 creates the ticket once: the requester is told everything in one message; staff group gets it masked.
      const confirmId = 'confirm-1';
      const created = await h.deliver(() => h.world.say(h.zhang, '确认', { id: confirmId }));
      const toZhang = created.filter((m) => m.chatType === 'private' && m.chatId === h.zhang.id);
      expect(toZhang).toHaveLength(1);
      expect(toZhang[0]!.text).toMatch(/#1（DB-\d{8}-0001）/);
      expect(toZhang[0]!.text).toContain('食品经营许可');
      expect(toZhang[0]!.text).toContain('免费');
      expect(toZhang[0]!.text).toContain('进度');
      const posted = created.filter((m) => m.chatId === STAFF_ROOM);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.text).toContain('138****5678');
      expect(await h.say(h.zhang, '确认')).toHaveLength(1); // "already registered", nothing new
      h.world.redeliver(confirmId);
      await h.transport.idle();
      expect(await core().store.tickets.list()).toHaveLength(1);

      // A business owner cannot use staff commands.
      expect(texts(await h.say(h.wang, '接单 1'))).toMatch(/不能使用|无权|工作人员/);

      // The clerk claims; the requester is told by whom.
      const claimed = await h.say(h.li, '接单 1', { room: h.staffRoom });
      expect(claimed.some((m) => m.chatId === h.zhang.id && m.text.includes('李办事员'))).toBe(true);

      // Materials requested: the requester is told exactly what.
      const missing = await h.say(h.li, '补件 1 请补充经营场所租赁合同', { room: h.staffRoom });
      expect(missing.some((m) => m.chatId === h.zhang.id && m.text.includes('请补充经营场所租赁合同'))).toBe(true);

      // The requester's reply is relayed to the clerk, and the bot does not answer over the clerk.
      const relayed = await h.say(h.zhang, '合同明天送到');
      expect(relayed.some((m) => m.chatId === h.li.id && m.text.includes('合同明天送到'))).toBe(true);
      expect(relayed.some((m) => m.chatId === h.zhang.id && m.text.includes('✅'))).toBe(false);

      // Done: the requester is asked to rate; the rating is stored.
      const done = await h.say(h.li, '办结 1 已发证', { room: h.staffRoom });
      expect(done.some((m) => m.chatId === h.zhang.id && /1-5|1–5/.test(m.text))).toBe(true);
      await h.say(h.zhang, '5');
      const [ticket] = await core().store.tickets.list();
      expect(await core().store.tickets.rating(ticket!.id)).toMatchObject({ score: 5 });

      // Personal data never reached any group.
      for (const m of h.world.sent.filter((x) => x.chatType === 'group')) {
        expect(m.text).not.toContain('13812345678');
        expect(m.text).not.toContain('91350100M000100Y43');
      }
    } finally {
      await h.close();
      await core().close();
    }
  });

  it.skipIf(!!backend.skip)('「人工」 and a question inside the dialog are not taken as the company name (issue 9)', async () => {
    const { h, core } = await harness(backend, backend.options());
    try {
      expect(texts(await h.say(h.zhang, '代办永安镇食品经营许可'))).toContain('企业名称');
      const human = await h.say(h.zhang, '人工');
      expect(human.some((m) => m.chatId === STAFF_ROOM && m.text.includes('张老板'))).toBe(true);
      expect(texts(human.filter((m) => m.chatId === h.zhang.id))).toContain('企业名称');
      const asked = texts(await h.say(h.zhang, '营业执照要多久办好'));
      expect(asked).toContain('代办登记还在进行');
      expect(texts(await h.say(h.zhang, '浏阳市永安镇张记餐馆'))).toContain('统一社会信用代码');
      await h.say(h.zhang, '无');
      await h.say(h.zhang, '张三');
      await h.say(h.zhang, '13812345678');
      expect(texts(await h.say(h.zhang, '营业执照'))).toContain('企业名称：浏阳市永安镇张记餐馆');
      expect(await core().store.tickets.list()).toEqual([]);
    } finally {
      await h.close();
      await core().close();
    }
  });

  it.skipIf(!!backend.skip)('a restart in the middle of the dialog resumes it', async () => {
    const options = backend.options();
    const first = await harness(backend, options);
    await first.h.say(first.h.zhang, '代办永安镇食品经营许可');
    await first.h.say(first.h.zhang, '浏阳市永安镇张记餐馆');
    await first.h.close();
    await first.core().close();

    const second = await harness(backend, options);
    try {
      // The next answer is taken as the credit code, as before the restart.
      expect(texts(await second.h.say(second.h.zhang, '无'))).toContain('联系人');
    } finally {
      await second.h.close();
      await second.core().close();
    }
  });
});
