// End to end through real Wechaty and wechaty-puppet-mock: the WeChat group
// etiquette of issue 4. The answerer here is the small fake; answers.test.ts
// runs the real answering core.
import { afterEach, describe, expect, it } from 'vitest';
import { refreshStaff } from '../../../bot/wechaty/staff.ts';
import { RATE_NOTICE } from '../../../src/core/gate.ts';
import * as T from '../../../src/intents/texts.ts';
import { silentLogger } from '../../../src/log.ts';
import { FakeAnswerer, ThrowingAnswerer } from '../../app/fake-answerer.ts';
import { memoryStore, RecordingDesk } from '../../app/fakes.ts';
import { createHarness, GROUP, OTHER_GROUP, STAFF_ROOM, waitFor, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});


describe('WeChat bot (mock puppet)', () => {
  it('answers a mention in a group, quoting the asker', async () => {
    h = await createHarness();
    const sent = await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chat: '永安镇企业服务群', chatType: 'group' });
    expect(sent[0]!.text).toMatch(/^@张老板[\s\u2005]永安镇可以办理食品经营许可/);
  });

  it('strips the @mention before asking the core', async () => {
    const answerer = new FakeAnswerer();
    h = await createHarness({ answerer });
    await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    expect(answerer.asked[0]!.text).toBe('永安镇能办食品经营许可吗');
  });

  it('takes an @name typed by hand (no mention list) as a mention', async () => {
    const answerer = new FakeAnswerer();
    h = await createHarness({ answerer });
    const sent = await h.say(h.zhang, '@代办小助手 食品经营许可', { room: h.group });
    expect(sent).toHaveLength(1);
    expect(answerer.asked[0]!.text).toBe('食品经营许可');
    expect(await h.say(h.zhang, '我问过@代办小助手了', { room: h.group })).toEqual([]);
  });

  it('stays silent in a group without mention or prefix', async () => {
    h = await createHarness();
    expect(await h.say(h.zhang, '大家好，食品经营许可谁办过', { room: h.group })).toEqual([]);
  });

  it('answers a configured prefix without a mention', async () => {
    h = await createHarness({ env: { GROUP_PREFIXES: '办事,#问' } });
    const sent = await h.say(h.zhang, '#问 食品经营许可在哪办', { room: h.group });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/^@张老板/);
  });

  it('answers private chat without a mention', async () => {
    h = await createHarness();
    const sent = await h.say(h.zhang, '货车营运证在哪办');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chat: '张老板', chatType: 'private' });
    expect(sent[0]!.text).toContain('道路货物运输经营许可');
    expect(sent[0]!.text.startsWith('@')).toBe(false);
  });

  it('ignores its own messages', async () => {
    h = await createHarness();
    const before = h.world.sent.length;
    const received = h.transport.stats.received;
    h.world.say(h.world.me, '食品经营许可', { room: h.group, mention: true });
    await waitFor(() => h!.transport.stats.own === 1, 5000, 'the own message to reach the transport');
    await h.transport.idle();
    expect(h.transport.stats.received).toBe(received);
    // Only the injected message itself shows up as sent by the bot.
    expect(h.world.sent.length).toBe(before + 1);
  });

  it('ignores messages older than two minutes (replayed after a restart)', async () => {
    h = await createHarness();
    const sent = await h.say(h.zhang, '永安镇能办食品经营许可吗', {
      room: h.group,
      mention: true,
      timestamp: Date.now() - 3 * 60_000,
    });
    expect(sent).toEqual([]);
    const priv = await h.say(h.zhang, '食品经营许可', { timestamp: Date.now() - 3 * 60_000 });
    expect(priv).toEqual([]);
  });

  it('answers a message id once, even when delivered twice', async () => {
    h = await createHarness();
    const first = await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true, id: 'dup-1' });
    expect(first).toHaveLength(1);
    const again = await h.deliver(() => h!.world.redeliver('dup-1'));
    expect(again).toEqual([]);
  });

  it('remembers message ids in the store (a restarted bot does not answer again)', async () => {
    const store = memoryStore();
    h = await createHarness({ store });
    await h.say(h.zhang, '食品经营许可', { id: 'persist-1' });
    await h.close();
    h = await createHarness({ store });
    expect(await h.say(h.zhang, '食品经营许可', { id: 'persist-1' })).toEqual([]);
  });

  it('rate-limits a person with exactly one polite notice', async () => {
    h = await createHarness({ env: { RATE_PERSON: '2/60' } });
    const replies = [];
    for (let i = 0; i < 5; i++) {
      replies.push(await h.say(h.zhang, `食品经营许可${i}`, { room: h.group, mention: true }));
    }
    expect(replies.map((r) => r.length)).toEqual([1, 1, 1, 0, 0]);
    expect(replies[2]![0]!.text).toMatch(/^@张老板/);
    expect(replies[2]![0]!.text).toContain(RATE_NOTICE);
    // Someone else in the group is still answered.
    expect(await h.say(h.wang, '食品经营许可', { room: h.group, mention: true })).toHaveLength(1);
  });

  it('splits long replies under the WeChat length, mentioning the asker once', async () => {
    h = await createHarness();
    const sent = await h.say(h.zhang, '长回复', { room: h.group, mention: true });
    expect(sent.length).toBeGreaterThan(1);
    expect(sent[0]!.text).toMatch(/^@张老板/);
    expect(sent.slice(1).every((m) => !m.text.startsWith('@'))).toBe(true);
    expect(sent.every((m) => [...m.text].length <= 1500 + 10)).toBe(true);
    expect(sent.every((m) => m.text.endsWith('。'))).toBe(true);
  });

  it('keeps one person’s messages in order', async () => {
    h = await createHarness();
    const ids = ['食品经营许可', '货车营运证', '开餐馆'].map((t) => h!.world.say(h!.zhang, t));
    await Promise.all(ids.map((id) => h!.transport.whenHandled(id)));
    await waitFor(() => h!.world.sent.filter((m) => m.chatType === 'private').length >= 3, 5000, 'three replies');
    const texts = h.world.sent.filter((m) => m.chatType === 'private').map((m) => m.text);
    expect(texts[0]).toContain('食品经营许可');
    expect(texts[1]).toContain('道路货物运输经营许可');
    expect(texts[2]).toContain('我要开餐馆');
  });

  it('lets only staff bind a group; #状态 and #解绑 work', async () => {
    const store = memoryStore();
    h = await createHarness({ store });
    await refreshStaff(h.world.bot, h.app, h.config, silentLogger());

    const refused = await h.say(h.zhang, '#绑定 永安镇', { room: h.otherGroup, mention: true });
    expect(refused[0]!.text).toContain(T.BIND_STAFF_ONLY);
    expect(await store.bindings.get(OTHER_GROUP)).toBeNull();

    const unknown = await h.say(h.li, '#绑定 火星镇', { room: h.otherGroup, mention: true });
    expect(unknown[0]!.text).toContain('没有找到「火星镇」');

    const ok = await h.say(h.li, '#绑定 永安', { room: h.otherGroup, mention: true });
    expect(ok[0]!.text).toMatch(/^@李办事员/);
    expect(ok[0]!.text).toContain('已将本群绑定到永安镇');
    expect(await store.bindings.get(OTHER_GROUP)).toBe('永安镇');

    const status = await h.say(h.zhang, '#状态', { room: h.otherGroup, mention: true });
    expect(status[0]!.text).toContain('本群已绑定：永安镇');

    const answer = await h.say(h.zhang, '能办食品经营许可吗', { room: h.otherGroup, mention: true });
    expect(answer[0]!.text).toContain('永安镇可以办理食品经营许可');

    const notStaff = await h.say(h.zhang, '#解绑', { room: h.otherGroup, mention: true });
    expect(notStaff[0]!.text).toContain(T.BIND_STAFF_ONLY);
    const unbind = await h.say(h.li, '#解绑', { room: h.otherGroup, mention: true });
    expect(unbind[0]!.text).toContain('已解除本群与永安镇的绑定');
    const after = await h.say(h.zhang, '#状态', { room: h.otherGroup, mention: true });
    expect(after[0]!.text).toContain('本群未绑定乡镇');
  });

  it('accepts a Traditional town name and a configured staff id', async () => {
    const store = memoryStore();
    h = await createHarness({ store, env: { STAFF_IDS: 'wang' } });
    const ok = await h.say(h.wang, '#綁定 大瑤鎮', { room: h.otherGroup, mention: true });
    expect(ok[0]!.text).toContain('已将本群绑定到大瑶镇');
  });

  it('lets a town named in the question beat the bound town', async () => {
    const store = memoryStore();
    await store.bindings.set(GROUP, '永安镇', 'test');
    h = await createHarness({ store });
    const sent = await h.say(h.zhang, '大瑶镇能办食品经营许可吗', { room: h.group, mention: true });
    expect(sent[0]!.text).toContain('大瑶镇可以办理食品经营许可');
    const bound = await h.say(h.zhang, '能办货车营运证吗', { room: h.group, mention: true });
    expect(bound[0]!.text).toContain('永安镇不能办理道路货物运输经营许可');
  });

  it('answers for all towns in an unbound group', async () => {
    h = await createHarness();
    const sent = await h.say(h.zhang, '能办食品经营许可吗', { room: h.otherGroup, mention: true });
    expect(sent[0]!.text).toContain('可以在这些乡镇办理：永安镇、大瑶镇');
  });

  it('never repeats personal data posted in a group, and suggests private chat', async () => {
    const answerer = new FakeAnswerer();
    h = await createHarness({ answerer });
    for (const text of [
      '我手机13812345678，食品经营许可怎么办',
      '身份证430181199001011233能办食品经营许可吗',
      '卡号6222021234567890128，食品经营许可',
    ]) {
      const sent = await h.say(h.zhang, text, { room: h.group, mention: true });
      expect(sent).toHaveLength(1);
      expect(sent[0]!.text).toContain('私聊');
      expect(sent[0]!.text).not.toMatch(/13812345678|430181199001011233|6222021234567890128/);
    }
    // The question around the number is answered, but the answering core never sees the number.
    expect(answerer.asked.length).toBeGreaterThan(0);
    for (const a of answerer.asked) expect(a.text).not.toMatch(/13812345678|430181199001011233|6222021234567890128/);
    // In private chat the same question is answered.
    expect((await h.say(h.zhang, '我手机13812345678，食品经营许可怎么办'))[0]!.text).toContain('食品经营许可');
  });

  it('apologises when the core fails, and keeps running', async () => {
    h = await createHarness({ answerer: new ThrowingAnswerer() });
    const sent = await h.say(h.zhang, '食品经营许可', { room: h.group, mention: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/^@张老板/);
    expect(sent[0]!.text).toContain(T.APOLOGY);
    expect((await h.say(h.zhang, '食品经营许可'))[0]!.text).toContain(T.APOLOGY);
  });

  it('accepts a friend request and greets the new friend', async () => {
    h = await createHarness();
    const before = h.world.sent.length;
    await h.world.friendRequest(h.wang);
    await waitFor(() => h!.transport.stats.friendRequests === 1, 5000, 'the friend request');
    await h.transport.idle();
    await waitFor(() => h!.world.sent.length > before, 5000, 'the greeting');
    const greeting = h.world.sent.slice(before);
    expect(greeting).toHaveLength(1);
    expect(greeting[0]).toMatchObject({ chat: '王会计', chatType: 'private' });
    expect(greeting[0]!.text).toContain('代办');
  });

  it('leaves friend requests alone when ACCEPT_FRIENDS=false', async () => {
    h = await createHarness({ env: { ACCEPT_FRIENDS: 'false' } });
    const before = h.world.sent.length;
    await h.world.friendRequest(h.wang);
    await waitFor(() => h!.transport.stats.friendRequests === 1, 5000, 'the friend request');
    await h.transport.idle();
    expect(h.world.sent.length).toBe(before);
  });

  it('says honestly that online proxy requests are not available without a ticket desk', async () => {
    h = await createHarness();
    await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    const sent = await h.say(h.zhang, '帮我办', { room: h.group, mention: true });
    expect(sent[0]!.text).toMatch(/^@张老板/);
    expect(sent[0]!.text).toContain('目前还不能在线提交代办申请');
  });

  it('hands proxy requests and staff commands to the ticket desk', async () => {
    const desk = new RecordingDesk();
    h = await createHarness({ desk });
    await refreshStaff(h.world.bot, h.app, h.config, silentLogger());

    // 「代办」 after an answer: the item comes from the answer.
    await h.say(h.zhang, '永安镇能办食品经营许可吗', { room: h.group, mention: true });
    const sent = await h.say(h.zhang, '代办', { room: h.group, mention: true });
    expect(sent[0]!.text).toBe('@张老板\u2005代办食品经营许可：请私聊我继续。'.replace('\u2005', ' '));
    expect(desk.requests[0]!.req).toEqual({ items: ['食品经营许可'], town: '永安镇' });

    // An item named with the request, in private.
    await h.say(h.zhang, '帮我代办开餐馆');
    expect(desk.requests[1]!.req).toMatchObject({ items: ['食品经营许可', '道路货物运输经营许可'], scenario: '我要开餐馆' });

    // No item known: ask which formality.
    const which = await h.say(h.wang, '帮我办');
    expect(which[0]!.text).toBe(T.ASK_WHICH_ITEM);

    // Staff command in the staff group: the desk sees staff and the room's town.
    const todo = await h.say(h.li, '待办', { room: h.staffRoom, mention: true });
    expect(todo[0]!.text).toContain('暂无待办（永安镇）');
    expect(desk.handled.at(-1)!.ctx).toEqual({ isStaff: true, town: '永安镇' });
    const refused = await h.say(h.zhang, '待办', { room: h.group, mention: true });
    expect(refused[0]!.text).toContain('只有工作人员');

    // 「我的代办」 goes to the desk.
    expect((await h.say(h.zhang, '我的代办'))[0]!.text).toContain('还没有代办记录');
    void STAFF_ROOM;
  });

  it('answers 「我的代办」 asked in a group in private, with only a pointer in the group', async () => {
    h = await createHarness({ desk: new RecordingDesk() });
    const sent = await h.say(h.zhang, '我的代办', { room: h.group, mention: true });
    const inGroup = sent.filter((m) => m.chatType === 'group');
    const inPrivate = sent.filter((m) => m.chatType === 'private');
    expect(inGroup).toHaveLength(1);
    expect(inGroup[0]!.text).toMatch(/^@张老板/);
    expect(inGroup[0]!.text).toContain(T.TICKETS_IN_PRIVATE);
    expect(inGroup[0]!.text).not.toContain('代办记录。');
    expect(inPrivate).toEqual([expect.objectContaining({ chat: '张老板', text: '您还没有代办记录。' })]);
  });
});
