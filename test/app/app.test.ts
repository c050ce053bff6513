// The app without a channel: Inbound messages in, addressed Outbound messages out.
// The tests write messages in the desk's flat shape and read replies the same
// way (chat id and type), converted at the edge by `app`.
import { describe, expect, it } from 'vitest';
import { createApp, type AppConfig, type AppDeps } from '../../src/app.ts';
import * as T from '../../src/intents/texts.ts';
import { PACED_FACTOR, RATE_NOTICE } from '../../src/core/gate.ts';
import type { Inbound, Outbound } from '../../src/core/messages.ts';
import type { IncomingMessage, TicketDesk } from '../../src/core/desk.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { Catalogue } from '../../src/knowledge/catalogue.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeAnswerer } from '../app/fake-answerer.ts';
import { memoryStore, RecordingDesk } from '../app/fakes.ts';

const T0 = 1_800_000_000_000;
let n = 0;
const config = loadConfig({ STAFF_IDS: 'clerk', STAFF_ROOMS: 'staff@chatroom=永安镇' }, '/tmp');

const group = (text: string, over: Partial<IncomingMessage> = {}): IncomingMessage => ({
  id: `a${++n}`,
  chatId: 'g@chatroom',
  chatType: 'group',
  senderId: 'zhang',
  senderName: '张老板',
  text,
  mentioned: true,
  timestamp: T0,
  ...over,
});
const priv = (text: string, over: Partial<IncomingMessage> = {}) =>
  group(text, { chatId: 'zhang', chatType: 'private', mentioned: false, ...over });

const inbound = (m: IncomingMessage): Inbound => ({
  id: m.id,
  chat: { channel: 'test', kind: m.chatType === 'group' ? 'group' : 'direct', id: m.chatId },
  ...(m.chatName ? { chatName: m.chatName } : {}),
  sender: { channel: 'test', id: m.senderId, name: m.senderName },
  text: m.text,
  mentioned: m.mentioned,
  timestamp: m.timestamp,
});
const flat = (o: Outbound) => ({
  chatId: o.to.id,
  chatType: o.to.kind === 'group' ? ('group' as const) : ('private' as const),
  text: o.text,
  ...(o.mention ? { mention: o.mention } : {}),
});

/** The app with the assistant's old surface, so each test reads as before. */
const wrap = (app: ReturnType<typeof createApp>) => ({
  handleMessage: async (m: IncomingMessage) => (await app.handle(inbound(m))).map(flat),
  onFriend: async (id: string, name: string) => (await app.greet({ channel: 'test', id, name })).map(flat),
  tick: async (now: Date) => (await app.tick(now.getTime())).map(flat),
  setStaffMembers: app.setStaffMembers,
  isStaff: app.isStaff,
});

const make = (over: Partial<AppDeps> & { config?: AppConfig } = {}) => {
  const store = memoryStore();
  const answerer = new FakeAnswerer();
  const { config: c = config, ...deps } = over;
  const assistant = wrap(createApp(c, { answerer, store, logger: silentLogger(), clock: () => T0, ...deps }));
  return { assistant, store, answerer };
};

const catalogue: Catalogue = {
  item: () => undefined,
  town: (name) =>
    name === '永安镇'
      ? ({ name, kind: '镇', aliases: [], facts: [], centre: { name: '永安镇政务服务中心', address: '永安镇政府内', hours: '工作日' } } as never)
      : undefined,
  countyCentre: () => ({ name: '浏阳市政务服务中心', address: '浏阳市', hours: '工作日' }),
  hotline: () => '12345',
};

describe('assistant', () => {
  it('mentions the asker in groups and not in private', async () => {
    const { assistant } = make();
    const [g] = await assistant.handleMessage(group('食品经营许可'));
    expect(g).toMatchObject({ chatId: 'g@chatroom', chatType: 'group', mention: { id: 'zhang', name: '张老板' } });
    const [p] = await assistant.handleMessage(priv('食品经营许可'));
    expect(p).toEqual({ chatId: 'zhang', chatType: 'private', text: expect.stringContaining('食品经营许可') });
  });

  it('asks the answerer statelessly: the bound town, and the previous answer\'s topic in the same chat only', async () => {
    const { assistant, store, answerer } = make();
    await store.bindings.set('g@chatroom', '永安镇', 'clerk');
    await assistant.handleMessage(group('食品经营许可'));
    expect(answerer.asked[0]!.opts).toEqual({ boundTown: '永安镇', topic: null });
    const [materials] = await assistant.handleMessage(group('材料'));
    expect(answerer.asked[1]!.opts).toEqual({ boundTown: '永安镇', topic: { items: ['食品经营许可'], town: '永安镇' } });
    expect(materials!.text).toContain('食品经营许可的材料');
    // The same person in private chat: a new chat, no topic carried over.
    await assistant.handleMessage(priv('材料'));
    expect(answerer.asked[2]!.opts).toEqual({ boundTown: null, topic: null });
  });

  it('gives the staff room’s town to questions asked there', async () => {
    const { assistant, answerer } = make();
    await assistant.handleMessage(group('食品经营许可', { chatId: 'staff@chatroom', senderId: 'li' }));
    expect(answerer.asked[0]!.opts?.boundTown).toBe('永安镇');
  });

  it('uses the town a channel gives with the message (a 微信客服 link opened for a town)', async () => {
    const store = memoryStore();
    const answerer = new FakeAnswerer();
    const app = createApp(config, { answerer, store, logger: silentLogger(), clock: () => T0 });
    await app.handle({ ...inbound(priv('食品经营许可')), context: { town: '永安' } });
    expect(answerer.asked[0]!.opts?.boundTown).toBe('永安镇');
    await app.handle(inbound(priv('食品经营许可')));
    expect(answerer.asked[1]!.opts?.boundTown).toBeNull();
  });

  it('answers an empty mention with help', async () => {
    const { assistant } = make();
    const [r] = await assistant.handleMessage(group(''));
    expect(r!.text).toBe(T.helpText(config.botName));
  });

  it('treats configured ids and staff-room members as staff', async () => {
    const { assistant } = make();
    expect(assistant.isStaff('clerk')).toBe(true);
    expect(assistant.isStaff('li')).toBe(false);
    expect(assistant.isStaff('li', 'staff@chatroom')).toBe(true);
    assistant.setStaffMembers(['li']);
    expect(assistant.isStaff('li')).toBe(true);
    const [r] = await assistant.handleMessage(group('#绑定 永安镇', { senderId: 'li' }));
    expect(r!.text).toContain('已将本群绑定到永安镇');
  });

  it('asks for a town when #绑定 has none, and refuses binding in private chat', async () => {
    const { assistant } = make({ clock: () => T0 });
    const [r] = await assistant.handleMessage(group('#绑定', { senderId: 'clerk' }));
    expect(r!.text).toBe(T.bindNeedTown(['永安镇', '大瑶镇', '镇头镇', '淮川街道']));
    const [p] = await assistant.handleMessage(priv('#绑定 永安镇', { senderId: 'clerk', chatId: 'clerk' }));
    expect(p!.text).toBe(T.BIND_ONLY_IN_GROUP);
  });

  it('warns about personal data in a group and answers the question around it from the masked text (credit codes are not personal)', async () => {
    const { assistant, answerer } = make();
    const [r] = await assistant.handleMessage(group('我电话13812345678 食品经营许可在哪办'));
    expect(r!.text.startsWith(T.PRIVACY_IN_GROUP)).toBe(true);
    expect(r!.text).toContain('食品经营许可');
    expect(r!.text).not.toContain('13812345678');
    // The answering core never sees the number.
    expect(answerer.asked).toHaveLength(1);
    expect(answerer.asked[0]!.text).not.toContain('13812345678');
    // A number with nothing asked around it gets the warning alone.
    const [n] = await assistant.handleMessage(group('我手机号13812345678'));
    expect(n!.text).toBe(T.PRIVACY_IN_GROUP);
    const [c] = await assistant.handleMessage(group('信用代码91350100M000100Y43 食品经营许可'));
    expect(c!.text).toContain('食品经营许可');
  });

  it('sends ticket queries and proxy requests to the desk', async () => {
    const desk = new RecordingDesk();
    const { assistant } = make({ desk });
    // 「我的代办」 in a group: the list goes to the person in private, the group gets only a pointer.
    const [pointer, list, ...rest] = await assistant.handleMessage(group('我的代办'));
    expect(pointer).toMatchObject({ chatId: 'g@chatroom', chatType: 'group', text: T.TICKETS_IN_PRIVATE, mention: { id: 'zhang' } });
    expect(list).toEqual({ chatId: 'zhang', chatType: 'private', text: '您还没有代办记录。' });
    expect(rest).toEqual([]);
    await assistant.handleMessage(group('大瑶镇能办食品经营许可吗'));
    await assistant.handleMessage(group('能帮我办吗'));
    expect(desk.requests[0]!.req).toEqual({ items: ['食品经营许可'], town: '大瑶镇' });
  });

  it('hands the desk Simplified text, so Traditional dialog answers and staff commands work', async () => {
    const desk = new RecordingDesk();
    const { assistant } = make({ desk });
    await assistant.handleMessage(priv('確認'));
    await assistant.handleMessage(group('接單 1', { senderId: 'clerk', senderName: '李办事员' }));
    expect(desk.handled.map((h) => h.msg.text)).toEqual(['确认', '接单 1']);
  });

  it('gives someone answering a ticket dialog a larger allowance, still bounded, and limits others normally', async () => {
    const desk = new RecordingDesk();
    const { assistant } = make({ desk });
    desk.conversing.add('zhang');
    const capacity = config.ratePerson.capacity;
    for (let i = 0; i < capacity * PACED_FACTOR; i++) {
      const replies = await assistant.handleMessage(priv(`第${i}步`));
      expect(replies[0]!.text).not.toBe(RATE_NOTICE);
    }
    expect((await assistant.handleMessage(priv('刷屏')))[0]!.text).toBe(RATE_NOTICE);
    const other = (text: string) => priv(text, { chatId: 'wang', senderId: 'wang', senderName: '王会计' });
    const texts: string[] = [];
    for (let i = 0; i < capacity + 2; i++) texts.push(...(await assistant.handleMessage(other(`问题${i}`))).map((r) => r.text));
    expect(texts.filter((t) => t === RATE_NOTICE)).toHaveLength(1);
  });

  it('hands 「人工」 to the staff of the town once and tells the asker how they will be reached', async () => {
    const { assistant, store } = make({ catalogue });
    await store.bindings.set('g@chatroom', '永安镇', 'clerk');
    await assistant.handleMessage(group('食品经营许可'));
    const replies = await assistant.handleMessage(group('转人工', { chatName: '永安镇企业服务群' }));
    expect(replies[0]).toMatchObject({ chatId: 'g@chatroom', mention: { id: 'zhang' } });
    expect(replies[0]!.text).toContain('已通知服务中心工作人员');
    expect(replies[0]!.text).toContain('永安镇政务服务中心');
    const staffNote = replies.find((r) => r.chatId === 'staff@chatroom');
    expect(staffNote?.text).toContain('张老板');
    expect(staffNote?.text).toContain('食品经营许可');
    const again = await assistant.handleMessage(priv('人工'));
    expect(again).toHaveLength(1);
    expect(again[0]!.text).toContain('已经通知过');
  });

  it('is honest when no staff are configured for 「人工」', async () => {
    const bare = loadConfig({}, '/tmp');
    const { assistant } = make({ config: bare, catalogue });
    const [r, ...rest] = await assistant.handleMessage(priv('找工作人员'));
    expect(rest).toEqual([]);
    expect(r!.text).toContain('线上暂时没有工作人员值守');
    expect(r!.text).toContain('12345');
  });

  it('picks up the item a person asked about in the group when they say 代办 in private', async () => {
    const desk = new RecordingDesk();
    const { assistant } = make({ desk });
    await assistant.handleMessage(group('永安镇能办食品经营许可吗'));
    const [r] = await assistant.handleMessage(priv('代办'));
    expect(r!.text).toContain('代办食品经营许可');
    expect(desk.requests[0]!.msg.chatType).toBe('private');
  });

  it('says honestly when online proxy requests are not available, with the centre’s contact', async () => {
    const { assistant } = make({ catalogue });
    await assistant.handleMessage(priv('永安镇能办食品经营许可吗'));
    const [r] = await assistant.handleMessage(priv('帮我代办'));
    expect(r!.text).toContain('目前还不能在线提交代办申请');
    expect(r!.text).toContain('永安镇政务服务中心');
    const [q] = await assistant.handleMessage(priv('进度'));
    expect(q!.text).toContain('目前还没有开通在线代办');
  });

  it('apologises when the desk or the store fails', async () => {
    const broken: TicketDesk = new RecordingDesk();
    broken.handle = async () => {
      throw new Error('db down');
    };
    broken.startRequest = async () => {
      throw new Error('db down');
    };
    const { assistant } = make({ desk: broken });
    const [r] = await assistant.handleMessage(group('帮我代办食品经营许可'));
    expect(r).toMatchObject({ text: T.APOLOGY, mention: { id: 'zhang' } });

    const store = memoryStore();
    store.seen.firstSeen = async () => {
      throw new Error('sqlite locked');
    };
    const b = wrap(createApp(config, { answerer: new FakeAnswerer(), store, logger: silentLogger() }));
    expect((await b.handleMessage(priv('食品经营许可', { timestamp: Date.now() })))[0]!.text).toBe(T.APOLOGY);
  });

  it('greets new friends through the desk, or by itself without one', async () => {
    const { assistant } = make({ desk: new RecordingDesk() });
    expect(await assistant.onFriend('wang', '王会计')).toEqual([
      { chatId: 'wang', chatType: 'private', text: '王会计您好，我是代办小助手。' },
    ]);
    const plain = make().assistant;
    const [g] = await plain.onFriend('wang', '王会计');
    expect(g).toEqual({ chatId: 'wang', chatType: 'private', text: T.helpText(config.botName) });
  });

  it('ticks the desk and survives its failures', async () => {
    const desk = new RecordingDesk();
    desk.tick = async () => [{ chatId: 'staff@chatroom', chatType: 'group', text: '超时提醒' }];
    const { assistant } = make({ desk });
    expect(await assistant.tick(new Date(T0))).toHaveLength(1);
    desk.tick = async () => {
      throw new Error('boom');
    };
    expect(await assistant.tick(new Date(T0))).toEqual([]);
  });
});
