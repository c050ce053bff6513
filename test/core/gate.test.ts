import { describe, expect, it } from 'vitest';
import { createGate, GROUP_RATE_NOTICE, MAX_INBOUND_CHARS, RATE_NOTICE, type GateConfig } from '../../src/core/gate.ts';
import type { Inbound } from '../../src/core/messages.ts';
import type { IncomingMessage } from '../../src/core/desk.ts';
import { MemorySeen } from '../app/fakes.ts';

const base: GateConfig = {
  groupPrefixes: ['办事', '#问'],
  groupAllowlist: [],
  maxMessageAgeMs: 120_000,
  ratePerson: { capacity: 3, perSeconds: 60 },
  rateGroup: { capacity: 5, perSeconds: 60 },
};

let n = 0;
const T0 = 1_800_000_000_000;
/** Written in the flat shape for brevity; the gate sees the addressed Inbound. */
const msg = (over: Partial<IncomingMessage> = {}): Inbound => {
  const m: IncomingMessage = {
    id: `m${++n}`,
    chatId: 'g1@chatroom',
    chatType: 'group',
    senderId: 'zhang',
    senderName: '张老板',
    text: '永安镇能办食品经营许可吗',
    mentioned: true,
    timestamp: T0,
    ...over,
  };
  return {
    id: m.id,
    chat: { channel: 'test', kind: m.chatType === 'group' ? 'group' : 'direct', id: m.chatId },
    ...(m.chatName ? { chatName: m.chatName } : {}),
    sender: { channel: 'test', id: m.senderId, name: m.senderName },
    text: m.text,
    mentioned: m.mentioned,
    timestamp: m.timestamp,
  };
};

const setup = (config: Partial<GateConfig> = {}) => {
  let now = T0;
  const gate = createGate({ config: { ...base, ...config }, seen: new MemorySeen(), clock: () => now, botId: () => 'bot' });
  return { gate, advance: (ms: number) => (now += ms) };
};

describe('gate', () => {
  it('passes a mention in a group and private messages', async () => {
    const { gate } = setup();
    expect((await gate.check(msg())).action).toBe('pass');
    const p = await gate.check(msg({ chatType: 'private', chatId: 'zhang', mentioned: false }));
    expect(p).toMatchObject({ action: 'pass', via: 'private' });
  });

  it('drops group messages without mention or prefix', async () => {
    const { gate } = setup();
    expect(await gate.check(msg({ mentioned: false, text: '大家好' }))).toEqual({ action: 'drop', reason: 'not_addressed' });
  });

  it('passes a prefix and strips it', async () => {
    const { gate } = setup();
    const d = await gate.check(msg({ mentioned: false, text: '#问：货车营运证在哪办' }));
    expect(d).toMatchObject({ action: 'pass', via: 'prefix', message: { text: '货车营运证在哪办' } });
    const d2 = await gate.check(msg({ mentioned: false, text: '办事 食品经营许可' }));
    expect(d2).toMatchObject({ action: 'pass', message: { text: '食品经营许可' } });
  });

  it('drops the bot’s own messages', async () => {
    const { gate } = setup();
    expect(await gate.check(msg({ senderId: 'bot' }))).toEqual({ action: 'drop', reason: 'own' });
  });

  it('drops messages older than the maximum age', async () => {
    const { gate, advance } = setup();
    advance(121_000);
    expect(await gate.check(msg())).toEqual({ action: 'drop', reason: 'stale' });
    expect((await gate.check(msg({ timestamp: T0 + 60_000 }))).action).toBe('pass');
  });

  it('passes a message its channel pulled late (cursor-based sync): the age rule is for pushed replays; dedupe still applies', async () => {
    const { gate, advance } = setup();
    advance(10 * 60_000);
    const pulled: Inbound = { ...msg({ chatType: 'private', chatId: 'zhang' }), pulled: true };
    expect((await gate.check(pulled)).action).toBe('pass');
    expect(await gate.check(pulled)).toEqual({ action: 'drop', reason: 'duplicate' });
    expect(await gate.check(msg({ chatType: 'private', chatId: 'zhang' }))).toEqual({ action: 'drop', reason: 'stale' });
  });

  it('treats a staff room given as an address key (wecom-bot:group:…) as a staff room', async () => {
    const { gate } = setup({ groupAllowlist: ['ok@chatroom'], staffRooms: [{ roomId: 'test:group:wrStaff', town: '永安镇' }] });
    const chatter = await gate.check(msg({ chatId: 'wrStaff', mentioned: false, text: '接单 1' }));
    expect(chatter).toMatchObject({ action: 'pass', via: 'staff_room' });
    expect(await gate.check(msg({ chatId: 'wrOther', mentioned: false, text: '接单 1' }))).toEqual({ action: 'drop', reason: 'not_allowlisted' });
  });

  it('drops duplicates by message id', async () => {
    const { gate } = setup();
    const m = msg();
    expect((await gate.check(m)).action).toBe('pass');
    expect(await gate.check(m)).toEqual({ action: 'drop', reason: 'duplicate' });
  });

  it('only answers allowlisted groups (by id) when an allowlist is set', async () => {
    const { gate } = setup({ groupAllowlist: ['ok@chatroom'] });
    expect(await gate.check(msg({ chatId: 'other@chatroom', chatName: 'ok@chatroom' }))).toEqual({
      action: 'drop',
      reason: 'not_allowlisted',
    });
    expect((await gate.check(msg({ chatId: 'ok@chatroom' }))).action).toBe('pass');
    expect((await gate.check(msg({ chatType: 'private', chatId: 'zhang' }))).action).toBe('pass');
  });

  it('rate-limits a person with exactly one notice, then silence until refilled', async () => {
    const { gate, advance } = setup();
    for (let i = 0; i < 3; i++) expect((await gate.check(msg())).action).toBe('pass');
    expect(await gate.check(msg())).toEqual({ action: 'notice', reason: 'rate_limited_person', text: RATE_NOTICE });
    expect(await gate.check(msg())).toEqual({ action: 'drop', reason: 'rate_limited_person' });
    expect(await gate.check(msg())).toEqual({ action: 'drop', reason: 'rate_limited_person' });
    advance(20_000); // one token back (3 per 60 s)
    expect((await gate.check(msg({ timestamp: T0 + 20_000 }))).action).toBe('pass');
    // Limited again later: one new notice.
    expect((await gate.check(msg({ timestamp: T0 + 20_000 }))).action).toBe('notice');
  });

  it('rate-limits a busy group with one notice to the group, then silence; staff are exempt', async () => {
    const { gate } = setup({ ratePerson: { capacity: 100, perSeconds: 60 }, rateGroup: { capacity: 2, perSeconds: 60 } });
    expect((await gate.check(msg({ senderId: 'a' }))).action).toBe('pass');
    expect((await gate.check(msg({ senderId: 'b' }))).action).toBe('pass');
    expect(await gate.check(msg({ senderId: 'c' }))).toEqual({ action: 'notice', reason: 'rate_limited_group', text: GROUP_RATE_NOTICE });
    expect(await gate.check(msg({ senderId: 'd' }))).toEqual({ action: 'drop', reason: 'rate_limited_group' });
    expect((await gate.check(msg({ senderId: 'clerk' }), { rateExempt: true })).action).toBe('pass');
  });

  it('tells a flooded group once per window, not each time a refilled token lets a flooder through', async () => {
    const { gate, advance } = setup({ ratePerson: { capacity: 100, perSeconds: 60 }, rateGroup: { capacity: 6, perSeconds: 60 } });
    let notices = 0;
    // Four accounts post every 2 s for a minute; tokens refill every 10 s.
    for (let i = 0; i < 30; i++) {
      for (const s of ['f1', 'f2', 'f3', 'f4']) if ((await gate.check(msg({ senderId: s }))).action === 'notice') notices++;
      advance(2_000);
    }
    expect(notices).toBe(1);
    // The next window may say it again.
    advance(60_000);
    for (let i = 0; i < 12; i++) if ((await gate.check(msg({ senderId: `g${i % 4}` }))).action === 'notice') notices++;
    expect(notices).toBe(2);
  });

  it('keeps the last part of a group’s allowance for members who have not spoken yet', async () => {
    // 10 per minute for the group (3 kept back), 6 per person.
    const { gate } = setup({ ratePerson: { capacity: 6, perSeconds: 60 }, rateGroup: { capacity: 10, perSeconds: 60 } });
    const passed = (sender: string) => gate.check(msg({ senderId: sender })).then((d) => d.action === 'pass');
    let a = 0;
    let b = 0;
    for (let i = 0; i < 6; i++) {
      if (await passed('a')) a++;
      if (await passed('b')) b++;
    }
    // The two busy members together get only what is not kept back.
    expect(a + b).toBe(7);
    // Someone who has not spoken is still served, twice more in all with others like them.
    expect(await passed('c')).toBe(true);
    expect(await passed('d')).toBe(true);
    expect(await passed('e')).toBe(true);
    expect((await gate.check(msg({ senderId: 'f' }))).action).not.toBe('pass');
  });

  it('cuts over-long text and says so', async () => {
    const { gate } = setup();
    const long = '食'.repeat(MAX_INBOUND_CHARS + 500);
    const d = await gate.check(msg({ chatType: 'private', chatId: 'zhang', text: long }));
    expect(d).toMatchObject({ action: 'pass', truncated: true });
    if (d.action === 'pass') expect([...d.message.text]).toHaveLength(MAX_INBOUND_CHARS);
    const short = await gate.check(msg({ chatType: 'private', chatId: 'zhang', text: '食品经营许可' }));
    expect(short).toMatchObject({ action: 'pass', truncated: false });
  });
});

describe('gate in staff rooms', () => {
  it('passes unaddressed staff-room messages as staff_room (for commands only), even with an allowlist', async () => {
    const { gate } = setup({ groupAllowlist: ['ok@chatroom'], staffRooms: [{ roomId: 'staff@chatroom', town: '永安镇' }] });
    const d = await gate.check(msg({ chatId: 'staff@chatroom', mentioned: false, text: '待办' }));
    expect(d).toMatchObject({ action: 'pass', via: 'staff_room' });
    const m = await gate.check(msg({ chatId: 'staff@chatroom', mentioned: true, text: '永安镇能办食品经营许可吗' }));
    expect(m).toMatchObject({ action: 'pass', via: 'mention' });
  });
});
