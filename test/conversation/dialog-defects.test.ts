// The ticket-dialog defects a newcomer tester found, each reproduced through
// the one entry (`app.handle`) with the production app on SQLite and
// PostgreSQL (when it answers).
import { describe, expect, it } from 'vitest';
import { openApp, type OpenedApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { Inbound, Outbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';
import type { Backend } from '../store/backends.ts';
import { ROOT, STAFF_ROOM, appTestEnv } from './app-env.ts';

const { env, all } = await appTestEnv('daiban-dialog-defects-');

let n = 0;

interface World {
  core: OpenedApp;
  /** 张老板 in private chat (Wechaty unless another channel is given). */
  zhang(text: string, channel?: string): Promise<Outbound[]>;
  zhangInGroup(text: string): Promise<Outbound[]>;
  close(): Promise<void>;
}

async function world(backend: Backend): Promise<World> {
  const core = await openApp(loadConfig(env, ROOT), { logger: silentLogger(), openStore: () => backend.open() });
  const say = (chat: Inbound['chat'], sender: string, name: string, text: string) =>
    core.app.handle({ id: `d${++n}`, chat, sender: { channel: chat.channel, id: sender, name }, text, mentioned: chat.kind === 'group', timestamp: Date.now() });
  return {
    core,
    zhang: (text, channel = 'wechaty') => say({ channel, kind: 'direct', id: 'zhang' }, 'zhang', '张老板', text),
    zhangInGroup: (text) => say({ channel: 'wechaty', kind: 'group', id: 'town-group@chatroom' }, 'zhang', '张老板', text),
    close: () => core.close(),
  };
}

const text = (out: Outbound[], id = 'zhang') => out.filter((o) => o.to.id === id).map((o) => o.text).join('\n');

describe.each(all)('ticket dialog defects through app.handle ($name)', (backend) => {
  const run = (name: string, fn: (w: World) => Promise<void>) =>
    it.skipIf(!!backend.skip)(name, async () => {
      const w = await world(backend);
      try {
        await fn(w);
      } finally {
        await w.close();
      }
    });

  /** Opens a dialog for 食品经营许可 at 永安镇; the next thing asked is 企业名称. */
  async function open(w: World, channel = 'wechaty'): Promise<void> {
    await w.zhang('永安镇能办食品经营许可吗', channel);
    expect(text(await w.zhang('帮我代办', channel))).toContain('企业名称');
  }

  run('1. 修改 X before the summary asks X, then comes back to where the dialog was; 确认 is never a field value', async (w) => {
    await open(w);
    expect(text(await w.zhang('修改 手机'))).toContain('手机');
    const back = text(await w.zhang('13812345678'));
    expect(back).toContain('企业名称'); // where the dialog was
    const early = text(await w.zhang('确认'));
    expect(early).toContain('企业名称');
    expect(early).not.toContain('统一社会信用代码');
    expect(text(await w.zhang('张记餐馆'))).toContain('统一社会信用代码');
    expect(text(await w.zhang('无'))).toContain('联系人');
    // The phone is already there: straight on to 材料.
    expect(text(await w.zhang('张三'))).toContain('材料');
    const summary = text(await w.zhang('营业执照'));
    expect(summary).toContain('企业名称：张记餐馆');
    expect(summary).toContain('手机：13812345678');
    // From the summary, 修改 comes back to the summary.
    expect(text(await w.zhang('修改 联系人'))).toContain('联系人');
    const again = text(await w.zhang('李四'));
    expect(again).toContain('请核对');
    expect(again).toContain('联系人：李四');
    expect(text(await w.zhang('确认'))).toMatch(/代办单已登记：#\d+/);
    const [t] = await w.core.store.tickets.list();
    expect(t).toMatchObject({ companyName: '张记餐馆', contactName: '李四', phone: '13812345678' });
  });

  run('1b. a command word is never stored as the company or contact', async (w) => {
    await open(w);
    for (const word of ['确认', '提交', '重新来', '修改']) {
      const r = text(await w.zhang(word));
      expect(r).toContain('企业名称');
      expect(r).not.toContain('统一社会信用代码');
    }
  });

  run('2. a question at a field step is answered or pointed back, never stored; values are validated', async (w) => {
    await open(w);
    await w.zhang('张记餐馆');
    const materials = text(await w.zhang('要带么子材料'));
    expect(materials).not.toContain('您发来的是');
    expect(materials).toContain('食品经营许可申请书');
    expect(materials).toContain('统一社会信用代码'); // still waiting for it
    // Bad check character, then a valid code.
    expect(text(await w.zhang('91350100M000100Y44'))).toContain('校验位');
    expect(text(await w.zhang('91350100M000100Y43'))).toContain('联系人');
    expect(text(await w.zhang('啥时候能办好'))).toContain('联系人');
    expect(text(await w.zhang('张三'))).toContain('手机');
    const days = text(await w.zhang('要几天'));
    expect(days).toContain('手机');
    expect(days).not.toContain('材料？');
    expect(text(await w.zhang('1381234567'))).toContain('11位');
    expect(text(await w.zhang('23812345678'))).toContain('11位');
    expect(text(await w.zhang('13812345678'))).toContain('材料');
    const summary = text(await w.zhang('无'));
    expect(summary).toContain('统一社会信用代码：91350100M000100Y43');
    expect(summary).toContain('联系人：张三');
    expect(summary).toContain('手机：13812345678');
  });

  run('3. several unlabelled fields in one message fill their fields and skip their steps', async (w) => {
    await open(w);
    const r = text(await w.zhang('王记小吃店，联系人王五，手机13700001111'));
    expect(r).toContain('已记下');
    expect(r).toContain('统一社会信用代码');
    expect(text(await w.zhang('无'))).toContain('材料');
    const summary = text(await w.zhang('无'));
    expect(summary).toContain('企业名称：王记小吃店');
    expect(summary).toContain('联系人：王五');
    expect(summary).toContain('手机：13700001111');
  });

  run('3b. glued fields without separators are split too', async (w) => {
    await open(w);
    expect(text(await w.zhang('王记小吃店联系人王五手机13700001111'))).toContain('统一社会信用代码');
    await w.zhang('无');
    const summary = text(await w.zhang('无'));
    expect(summary).toContain('企业名称：王记小吃店');
    expect(summary).toContain('联系人：王五');
  });

  run('4. 人工 during a town dialog names the town centre and offers to continue or hand over', async (w) => {
    await open(w);
    await w.zhang('张记餐馆');
    const out = await w.zhang('人工');
    const r = text(out);
    expect(r).toContain('永安镇政务服务中心');
    expect(r).not.toContain('浏阳市政务服务中心');
    expect(r).not.toContain('私聊我发「代办」');
    expect(r).toContain('统一社会信用代码'); // continue where it was
    expect(r).toContain('交给办事员');
    expect(out.filter((o) => o.to.id === STAFF_ROOM)).toHaveLength(1);
    // Hand over: what was filled goes to the clerk as a ticket to complete.
    const handed = text(await w.zhang('交给办事员'));
    expect(handed).toMatch(/#\d+/);
    expect(handed).toContain('还没填的统一社会信用代码、联系人、手机、已备材料');
    const [t] = await w.core.store.tickets.list();
    expect(t).toMatchObject({ companyName: '张记餐馆', town: '永安镇', phone: '' });
    expect(t!.preparedMaterials).toContain('未填');
    expect(text(await w.zhang('张三'))).not.toContain('统一社会信用代码'); // the dialog is over
  });

  run('5. a town given inside the dialog (the bot asked 哪个镇) is taken, and 确认 then works', async (w) => {
    expect(text(await w.zhang('帮我代办食品经营许可'))).toContain('哪个镇');
    expect(text(await w.zhang('在永安镇'))).toContain('企业名称');
    await w.zhang('张记餐馆');
    // The answering core asks 哪个镇 again; the answer is the town, not the credit code.
    const moved = text(await w.zhang('大瑶镇'));
    expect(moved).toContain('大瑶镇');
    expect(moved).toContain('统一社会信用代码');
    await w.zhang('无');
    await w.zhang('张三');
    await w.zhang('13812345678');
    const summary = text(await w.zhang('无'));
    expect(summary).toContain('镇（街道）：大瑶镇');
    expect(summary).toContain('企业名称：张记餐馆');
    expect(text(await w.zhang('确认'))).toMatch(/代办单已登记/);
    const [t] = await w.core.store.tickets.list();
    expect(t?.town).toBe('大瑶镇');
  });

  run('6. the same person id on two channels has two dialogs', async (w) => {
    await open(w, 'wechaty');
    await w.zhang('张记餐馆', 'wechaty');
    // Same id on 微信客服: no dialog there, 张记餐馆 is not the credit code.
    const other = text(await w.zhang('李记餐馆', 'wecom-kf'));
    expect(other).not.toContain('统一社会信用代码');
    expect(text(await w.zhang('无', 'wechaty'))).toContain('联系人');
    // Each channel's dialog stays its own.
    await open(w, 'wecom-kf');
    expect(text(await w.zhang('李记餐馆', 'wecom-kf'))).toContain('统一社会信用代码');
    expect(text(await w.zhang('张三', 'wechaty'))).toContain('手机');
    expect(text(await w.zhang('取消', 'wecom-kf'))).toContain('已取消');
    expect(text(await w.zhang('13812345678', 'wechaty'))).toContain('材料');
  });

  run('6b. a group request waits for the private chat on its own channel', async (w) => {
    await w.zhangInGroup('永安镇能办食品经营许可吗');
    expect(text(await w.zhangInGroup('帮我代办'), 'town-group@chatroom')).toContain('私聊');
    // The same id on another channel does not pick it up (it starts its own dialog and leaves the request alone).
    expect(text(await w.zhang('帮我代办食品经营许可', 'wecom-kf'))).toContain('哪个镇');
    expect(await w.core.store.pending.peek('zhang', undefined, undefined, 'wechaty')).toBeDefined();
    expect(await w.core.store.pending.peek('zhang', undefined, undefined, 'wecom-kf')).toBeUndefined();
    expect(text(await w.zhang('代办', 'wechaty'))).toContain('事项：食品经营许可');
    expect(await w.core.store.pending.peek('zhang', undefined, undefined, 'wechaty')).toBeUndefined();
  });
});
