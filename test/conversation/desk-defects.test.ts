// Ticket and desk defects a newcomer tester found in the demo (the `/私`, `/员`
// prefixes), each reproduced through the one entry (`app.handle`) with the
// production app on SQLite and PostgreSQL (when it answers).
import { describe, expect, it } from 'vitest';
import { openApp, type OpenedApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { Inbound, Outbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';
import type { Backend } from '../store/backends.ts';
import { ROOT, STAFF_ROOM, appTestEnv } from './app-env.ts';

const GROUP = 'town-group@chatroom';
/** Like the demo: one staff room for 永安镇, no STAFF_IDS (clerks are the room's members). */
const { env, all } = await appTestEnv('daiban-desk-defects-', { STAFF_IDS: undefined });

let n = 0;

/** Shanghai wall time as epoch ms (UTC+8). 2026-12-02 is a Wednesday, 2026-12-05 a Saturday. */
const shanghai = (iso: string) => Date.parse(`${iso}+08:00`);

interface World {
  core: OpenedApp;
  /** 张老板 in private chat. */
  zhang(text: string): Promise<Outbound[]>;
  /** 张老板 in the town group (bound to 永安镇), @mentioning the bot. */
  zhangInGroup(text: string): Promise<Outbound[]>;
  /** 李办事员 in the staff group, not @mentioning the bot (the demo's `/员`). */
  li(text: string): Promise<Outbound[]>;
  close(): Promise<void>;
}

async function world(backend: Backend, at?: number): Promise<World> {
  const clock = at === undefined ? undefined : () => at;
  const core = await openApp(loadConfig(env, ROOT), { logger: silentLogger(), openStore: () => backend.open(), ...(clock ? { clock } : {}) });
  core.app.setStaffMembers(['li']);
  const say = (chat: Inbound['chat'], sender: string, name: string, text: string, mentioned: boolean) =>
    core.app.handle({ id: `k${++n}`, chat, sender: { channel: 'wechaty', id: sender, name }, text, mentioned, timestamp: at ?? Date.now() });
  const w: World = {
    core,
    zhang: (text) => say({ channel: 'wechaty', kind: 'direct', id: 'zhang' }, 'zhang', '张老板', text, false),
    zhangInGroup: (text) => say({ channel: 'wechaty', kind: 'group', id: GROUP }, 'zhang', '张老板', text, true),
    li: (text) => say({ channel: 'wechaty', kind: 'group', id: STAFF_ROOM }, 'li', '李办事员', text, false),
    close: () => core.close(),
  };
  await core.store.bindings.set(GROUP, '永安镇', 'li');
  return w;
}

const to = (out: Outbound[], id: string) => out.filter((o) => o.to.id === id);
const text = (out: Outbound[], id = 'zhang') => to(out, id).map((o) => o.text).join('\n');

/** The dialog's questions up to the summary (企业名称 is asked next). */
async function fillUpToSummary(w: World): Promise<void> {
  expect(text(await w.zhang('张记餐馆'))).toContain('统一社会信用代码');
  expect(text(await w.zhang('无'))).toContain('联系人');
  expect(text(await w.zhang('张三'))).toContain('手机');
  expect(text(await w.zhang('13812345678'))).toContain('材料');
  expect(text(await w.zhang('无'))).toContain('请核对');
}

/** A finished ticket of 张老板's, claimed and finished by 李办事员 in the staff group. */
async function finishedTicket(w: World): Promise<number> {
  await w.zhang('帮我代办永安镇食品经营许可');
  await fillUpToSummary(w);
  const m = /#(\d+)/.exec(text(await w.zhang('确认')));
  expect(m).not.toBeNull();
  const id = Number(m![1]);
  await w.li(`接单 ${id}`);
  await w.li(`办结 ${id}`);
  expect((await w.core.store.tickets.get(id))!.status).toBe('done');
  return id;
}

describe.each(all)('ticket desk defects through app.handle ($name)', (backend) => {
  const run = (name: string, fn: (w: World) => Promise<void>, at?: number) =>
    it.skipIf(!!backend.skip)(name, async () => {
      const w = await world(backend, at);
      try {
        await fn(w);
      } finally {
        await w.close();
      }
    });

  run('1. the item named right after 「请问您想代办哪一项手续？」 starts the dialog with it', async (w) => {
    expect(text(await w.zhang('代办'))).toContain('请问您想代办哪一项手续');
    const r = text(await w.zhang('食品经营许可'));
    expect(r).toContain('好的，我来帮您登记代办');
    expect(r).toContain('事项：食品经营许可');
  });

  run('1b. several items named after the question: all of them', async (w) => {
    expect(text(await w.zhang('代办'))).toContain('请问您想代办哪一项手续');
    const r = text(await w.zhang('营业执照和食品经营许可'));
    expect(r).toContain('好的，我来帮您登记代办');
    expect(r).toContain('食品经营许可');
    expect(r).toContain('个体工商户设立登记');
  });

  run('1c. the awaiting state lasts one message: a later item name is an ordinary question', async (w) => {
    expect(text(await w.zhang('代办'))).toContain('请问您想代办哪一项手续');
    await w.zhang('永安镇在哪');
    expect(text(await w.zhang('食品经营许可'))).not.toContain('好的，我来帮您登记代办');
  });

  run('2. 「帮我代办永安镇食品经营许可和营业执照」 puts both items on the ticket', async (w) => {
    const r = text(await w.zhang('帮我代办永安镇食品经营许可和营业执照'));
    expect(r).toContain('食品经营许可');
    expect(r).toContain('个体工商户设立登记');
    await fillUpToSummary(w);
    await w.zhang('确认');
    const [t] = await w.core.store.tickets.list();
    expect(t!.items.map((i) => i.name).sort()).toEqual(['个体工商户设立登记', '食品经营许可']);
  });

  run('3. 帮助 in the staff group (not @mentioned) gets the staff command help', async (w) => {
    const r = text(await w.li('帮助'), STAFF_ROOM);
    expect(r).toContain('待办');
    expect(r).toContain('接单');
    expect(r).toContain('办结');
    // Chatter is still ignored.
    expect(await w.li('今天谁值班')).toEqual([]);
  });

  run('4. everyday satisfaction words rate the finished ticket; anything else asks for the scale again', async (w) => {
    const id = await finishedTicket(w);
    const vague = text(await w.zhang('嗯就这样吧'));
    expect(vague).not.toContain('知识库里没有找到');
    expect(vague).toMatch(/1-5|1–5/);
    expect((await w.core.store.tickets.get(id))!.status).toBe('done');
    const r = await w.zhang('还行吧');
    expect(text(r)).toContain('基本满意');
    expect(await w.core.store.tickets.rating(id)).toMatchObject({ score: 3 });
  });

  run('4b. 太慢了 is 不满意 and reaches the supervisor', async (w) => {
    const id = await finishedTicket(w);
    const r = await w.zhang('太慢了');
    expect(text(r)).toContain('不满意');
    expect(await w.core.store.tickets.rating(id)).toMatchObject({ score: 2 });
    expect(text(r, 'boss')).toContain('太慢了');
  });

  run(
    '5. 人工 in private before any ticket notifies staff like in a group; outside office hours it says when they will see it',
    async (w) => {
      const priv = await w.zhang('人工');
      expect(text(priv)).not.toContain('线上暂时没有工作人员值守');
      expect(text(priv, STAFF_ROOM)).toContain('人工请求');
      expect(text(priv)).toMatch(/12-07 08:30/);
      expect(text(priv, STAFF_ROOM)).toContain('还没有代办单');
    },
    shanghai('2026-12-05T10:00:00'),
  );

  run(
    '5c. the same in a group (bound to 永安镇)',
    async (w) => {
      const grp = await w.zhangInGroup('人工');
      expect(text(grp, STAFF_ROOM)).toContain('人工请求');
      expect(text(grp, STAFF_ROOM)).toContain('@对方');
      expect(text(grp, GROUP)).toMatch(/12-07 08:30/);
    },
    shanghai('2026-12-05T10:00:00'),
  );

  run(
    '5b. in office hours nothing is said about when',
    async (w) => {
      const priv = await w.zhang('人工');
      expect(text(priv, STAFF_ROOM)).toContain('人工请求');
      expect(text(priv)).not.toContain('上班后');
    },
    shanghai('2026-12-02T10:00:00'),
  );

  run('6. 「代码无」 among other fields fills "no credit code" and skips that step', async (w) => {
    await w.zhang('帮我代办永安镇食品经营许可');
    const r = text(await w.zhang('张记餐馆，代码无，联系人张三，电话13812345678'));
    expect(r).not.toContain('统一社会信用代码（营业执照上');
    expect(r).toContain('材料');
    const summary = text(await w.zhang('无'));
    expect(summary).toContain('统一社会信用代码：无');
    expect(summary).toContain('联系人：张三');
  });

  run('6b. 没有代码 / 无执照 at the code step and in one message', async (w) => {
    await w.zhang('帮我代办永安镇食品经营许可');
    expect(text(await w.zhang('张记餐馆'))).toContain('统一社会信用代码');
    expect(text(await w.zhang('没有代码'))).toContain('联系人');
    expect(text(await w.zhang('修改 代码'))).toContain('统一社会信用代码');
    expect(text(await w.zhang('无执照'))).toContain('联系人');
  });

  run('7. the staff notice for 人工 says a registration is in progress, never echoing personal data', async (w) => {
    await w.zhang('帮我代办永安镇食品经营许可');
    await w.zhang('张记餐馆');
    await w.zhang('无');
    await w.zhang('张三');
    await w.zhang('13812345678');
    const r = await w.zhang('人工');
    const note = text(r, STAFF_ROOM);
    expect(note).toContain('人工请求');
    expect(note).toContain('正在私聊登记代办');
    expect(note).toContain('已备材料');
    expect(note).not.toContain('发「代办」登记后');
    expect(note).not.toContain('13812345678');
  });

  run('7b. after a ticket exists, the notice names it', async (w) => {
    await w.zhang('帮我代办永安镇食品经营许可');
    await fillUpToSummary(w);
    const id = Number(/#(\d+)/.exec(text(await w.zhang('确认')))![1]);
    const note = text(await w.zhang('人工'), STAFF_ROOM);
    expect(note).toContain(`#${id}`);
    expect(note).not.toContain('发「代办」登记后');
  });
});
