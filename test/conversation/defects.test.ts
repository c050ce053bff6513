// The user-visible defects of issue 9, each reproduced through the one entry
// (`app.handle`) with the production app: answering core, ticket desk and
// service, SQLite store (and PostgreSQL when it answers).
import { describe, expect, it } from 'vitest';
import { openApp, type OpenedApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { Inbound, Outbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';
import type { Backend } from '../store/backends.ts';
import { ROOT, STAFF_ROOM, appTestEnv } from './app-env.ts';

const { env, all } = await appTestEnv('daiban-defects-');

let n = 0;
const CH = 'wechaty';

interface World {
  core: OpenedApp;
  /** The requester 张老板 in private chat. */
  zhang(text: string): Promise<Outbound[]>;
  /** 张老板 in the town group, @mentioning the bot. */
  zhangInGroup(text: string): Promise<Outbound[]>;
  /** A clerk in private chat with the bot. */
  clerk(id: 'li' | 'zhao', text: string): Promise<Outbound[]>;
  close(): Promise<void>;
}

async function world(backend: Backend): Promise<World> {
  const core = await openApp(loadConfig(env, ROOT), { logger: silentLogger(), openStore: () => backend.open() });
  const say = (chat: Inbound['chat'], sender: string, name: string, text: string) =>
    core.app.handle({ id: `m${++n}`, chat, sender: { channel: CH, id: sender, name }, text, mentioned: chat.kind === 'group', timestamp: Date.now() });
  return {
    core,
    zhang: (text) => say({ channel: CH, kind: 'direct', id: 'zhang' }, 'zhang', '张老板', text),
    zhangInGroup: (text) => say({ channel: CH, kind: 'group', id: 'town-group@chatroom' }, 'zhang', '张老板', text),
    clerk: (id, text) => say({ channel: CH, kind: 'direct', id }, id, id === 'li' ? '李办事员' : '赵办事员', text),
    close: () => core.close(),
  };
}

const to = (out: Outbound[], id: string) => out.filter((o) => o.to.id === id);
const text = (out: Outbound[], id = 'zhang') => to(out, id).map((o) => o.text).join('\n');

/** Runs the registration dialog up to its summary. */
async function registerUpToSummary(w: World, company = '浏阳市永安镇张记餐馆'): Promise<void> {
  await w.zhang('永安镇能办食品经营许可吗');
  expect(text(await w.zhang('帮我代办'))).toContain('企业名称');
  expect(text(await w.zhang(company))).toContain('统一社会信用代码');
  expect(text(await w.zhang('无'))).toContain('联系人');
  expect(text(await w.zhang('张三'))).toContain('手机');
  expect(text(await w.zhang('13812345678'))).toContain('材料');
  expect(text(await w.zhang('营业执照'))).toContain('确认');
}

/** A confirmed ticket (#id) for 张老板. */
async function ticket(w: World, company?: string): Promise<number> {
  await registerUpToSummary(w, company);
  const out = await w.zhang('确认');
  const m = /#(\d+)/.exec(text(out));
  expect(m).not.toBeNull();
  return Number(m![1]);
}

describe.each(all)('issue 9 defects through app.handle ($name)', (backend) => {
  const run = (name: string, fn: (w: World) => Promise<void>) =>
    it.skipIf(!!backend.skip)(name, async () => {
      const w = await world(backend);
      try {
        await fn(w);
      } finally {
        await w.close();
      }
    });

  run('「人工」「我的工单」「查看进度」「请帮我代办」 inside the dialog are routes, not the company name', async (w) => {
    await w.zhang('永安镇能办食品经营许可吗');
    expect(text(await w.zhang('帮我代办'))).toContain('企业名称');

    const human = await w.zhang('人工');
    expect(text(human)).toContain('已通知服务中心工作人员');
    expect(to(human, STAFF_ROOM)).toHaveLength(1);
    expect(text(human)).toContain('企业名称'); // the dialog goes on where it was

    expect(text(await w.zhang('我的工单'))).toMatch(/代办/);
    expect(text(await w.zhang('查看进度'))).toMatch(/代办/);
    const again = text(await w.zhang('请帮我代办'));
    expect(again).toContain('企业名称');
    expect(again).not.toContain('统一社会信用代码');

    // None of them was stored: the company is still the next thing asked, and the summary has the real one.
    expect(text(await w.zhang('浏阳市永安镇张记餐馆'))).toContain('统一社会信用代码');
    await w.zhang('无');
    await w.zhang('张三');
    await w.zhang('13812345678');
    const summary = text(await w.zhang('营业执照'));
    expect(summary).toContain('企业名称：浏阳市永安镇张记餐馆');
    for (const word of ['人工', '我的工单', '查看进度', '请帮我代办']) expect(summary).not.toContain(`企业名称：${word}`);
    // Dialog answers (names, phone numbers) never reach the answering core's log of unanswered questions.
    const logged = (await w.core.store.unanswered.list()).map((e) => e.question).join('\n');
    for (const field of ['13812345678', '张三', '浏阳市永安镇张记餐馆']) expect(logged).not.toContain(field);
  });

  run('a question typed into the dialog is answered and never becomes a field', async (w) => {
    await w.zhang('永安镇能办食品经营许可吗');
    await w.zhang('帮我代办');
    const asked = await w.zhang('营业执照要多久办好');
    expect(text(asked)).toContain('代办登记还在进行');
    expect(text(asked)).toContain('企业名称');
    expect(text(asked)).not.toContain('统一社会信用代码');
    expect(await w.core.store.tickets.list()).toEqual([]);
    expect(text(await w.zhang('浏阳市永安镇张记餐馆'))).toContain('统一社会信用代码');
  });

  run('while a clerk holds the ticket: questions and new requests go to the bot, the rest to the clerk, and the requester is told which', async (w) => {
    const id = await ticket(w);
    const claimed = await w.clerk('li', `接单 ${id}`);
    expect(text(claimed)).toContain('受理');

    const question = await w.zhang('食品经营许可要带什么材料？');
    expect(to(question, 'li')).toEqual([]);
    expect(text(question)).toContain('没有转给办事员');

    const request = await w.zhang('请帮我代办食品经营许可');
    expect(to(request, 'li')).toEqual([]);
    expect(text(request)).toContain('我来帮您登记代办');
    expect(text(await w.zhang('取消'))).toContain('已取消');

    const note = await w.zhang('好的我明天补');
    expect(text(note, 'li')).toContain('好的我明天补');
    expect(text(note)).toContain(`已转给办事员 李办事员（代办单 #${id}）`);
  });

  run('with two held tickets, a message goes to the one the clerk last wrote about; when unclear, it asks', async (w) => {
    const first = await ticket(w, '浏阳市永安镇张记餐馆');
    const second = await ticket(w, '浏阳市永安镇张记超市');
    await w.clerk('li', `接单 ${first}`);
    await w.clerk('zhao', `接单 ${second}`);
    // Nobody has said anything yet: which one?
    const unclear = await w.zhang('好的');
    expect(text(unclear)).toContain('哪一张');
    expect(to(unclear, 'li')).toEqual([]);
    expect(to(unclear, 'zhao')).toEqual([]);

    // Once they named one, their next messages follow it.
    expect(text(await w.zhang(`#${second} 我是张老板`), 'zhao')).toContain('我是张老板');
    expect(text(await w.zhang('门头照下午发'), 'zhao')).toContain('门头照下午发');

    await w.clerk('li', `补件 ${first} 营业执照原件`);
    const reply = await w.zhang('好的我明天补');
    expect(text(reply, 'li')).toContain('好的我明天补');
    expect(to(reply, 'zhao')).toEqual([]);
    // An explicit number wins.
    const named = await w.zhang(`#${second} 超市的门头照发您了`);
    expect(text(named, 'zhao')).toContain('超市的门头照发您了');
    expect(to(named, 'li')).toEqual([]);
  });

  run('a message before the ticket is claimed is kept on the open ticket', async (w) => {
    const id = await ticket(w);
    const out = await w.zhang('好的我明天补');
    expect(text(out)).toContain(`已记在您的代办单 #${id} 上`);
    const events = await w.core.store.tickets.events(id);
    expect(events.at(-1)).toMatchObject({ kind: 'requester_message', text: '好的我明天补' });
  });

  run('ratings: 好差评 words, a named ticket, an off-scale number, and 不满意 goes to the supervisor', async (w) => {
    const first = await ticket(w, '浏阳市永安镇张记餐馆');
    const second = await ticket(w, '浏阳市永安镇张记超市');
    for (const id of [first, second]) {
      await w.clerk('li', `接单 ${id}`);
      await w.clerk('li', `办结 ${id}`);
    }
    expect(text(await w.zhang('6'))).toContain('1-5');
    const which = text(await w.zhang('满意'));
    expect(which).toContain(`#${first}`);
    expect(which).toContain(`#${second}`);
    expect((await w.core.store.tickets.get(first))!.status).toBe('done');

    const named = await w.zhang(`评价 ${second} 满意`);
    expect(text(named)).toContain(`#${second}`);
    expect((await w.core.store.tickets.get(second))!.status).toBe('rated');
    expect((await w.core.store.tickets.get(first))!.status).toBe('done');

    // One left: a bare word rates it.
    const unhappy = await w.zhang('不满意，等了太久');
    expect(text(unhappy)).toContain(`#${first}`);
    expect(text(unhappy, 'boss')).toContain('等了太久');
    expect(text(unhappy, STAFF_ROOM)).toContain('不满意');
    expect(await w.core.store.tickets.rating(first)).toMatchObject({ score: 2 });
  });

  run('「我的代办」 in a group is answered in private, with a short pointer in the group', async (w) => {
    await ticket(w);
    const out = await w.zhangInGroup('我的代办');
    const inGroup = to(out, 'town-group@chatroom');
    expect(inGroup).toHaveLength(1);
    expect(inGroup[0]!.text).toContain('私聊');
    expect(inGroup[0]!.text).not.toContain('食品经营许可');
    expect(text(out)).toContain('食品经营许可');
  });

  run('second newcomer pass: a number in a group does not swallow the question; a declined question ends the old topic', async (w) => {
    await w.zhangInGroup('食品经营许可在哪办');
    const GROUP = 'town-group@chatroom';
    const warned = text(await w.zhangInGroup('烟花爆竹零售许可证永安镇能办吗，我手机号13812345678'), GROUP);
    expect(warned).toContain('为保护您的隐私');
    expect(warned).toContain('烟花爆竹');
    expect(warned).not.toContain('13812345678');
    // The follow-up is about the fireworks licence, not the food licence asked before.
    expect(text(await w.zhangInGroup('要几天'), GROUP)).toContain('烟花爆竹');

    await w.zhang('社保补缴怎么搞');
    await w.zhang('驾照换证在哪里办');
    expect(text(await w.zhang('今天下午能办不'))).not.toContain('参保登记');
  });
});

