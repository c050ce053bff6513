import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import type { IncomingMessage, OutgoingReply } from '../../src/core/desk.ts';
import type { Store, StoreOptions } from '../../src/store/index.ts';
import { createTicketDesk, parseStaffCommand } from '../../src/tickets/desk.ts';
import { backends } from '../store/backends.ts';
import { fakeCatalogue } from './fake-catalogue.ts';

const list = await backends();

const OWNER = { id: 'wxid_owner', name: '张老板' };
const CLERK = { id: 'wxid_clerk', name: '李四' };
const STAFF_ROOM = 'room_staff_yongan@chatroom';
const BIZ_ROOM = 'room_business@chatroom';
const config = {
  staffIds: [CLERK.id],
  staffRooms: [
    { roomId: STAFF_ROOM, town: '永安镇' },
    { roomId: 'room_staff_all@chatroom', town: null },
  ],
  slaUnclaimedHours: 4,
};

let seq = 0;
const privateMsg = (from: { id: string; name: string }, text: string): IncomingMessage => ({
  id: `m${++seq}`,
  chatId: from.id,
  chatType: 'private',
  senderId: from.id,
  senderName: from.name,
  text,
  mentioned: false,
  timestamp: Date.now(),
});
const groupMsg = (room: string, from: { id: string; name: string }, text: string): IncomingMessage => ({
  ...privateMsg(from, text),
  chatId: room,
  chatType: 'group',
  mentioned: true,
});
const to = (replies: OutgoingReply[] | null, chatId: string) => (replies ?? []).filter((r) => r.chatId === chatId);
const textTo = (replies: OutgoingReply[] | null, chatId: string) => to(replies, chatId).map((r) => r.text).join('\n---\n');

/** Captures log lines so the test can check that personal data is masked in logs. */
function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe.each(list)('ticket desk on $name', (backend) => {
  let store: Store;
  let opts: StoreOptions;
  let now: Date;
  const clock = () => now;
  beforeEach(async (ctx) => {
    if (backend.skip) ctx.skip();
    now = new Date('2026-11-27T02:00:00Z'); // Friday 10:00 in Liuyang
    opts = backend.options();
    store = await backend.open(opts, clock);
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => backend.cleanup());

  const staffCtx = { isStaff: true, town: '永安镇' };
  const ownerCtx = { isStaff: false, town: null };

  async function registerTicket(desk: ReturnType<typeof createTicketDesk>) {
    await desk.startRequest(privateMsg(OWNER, '帮我办'), { items: ['食品经营许可', '个体工商户登记'], town: '永安镇' });
    for (const t of ['浏阳市某某餐饮店 91350100M000100Y43 张三 13812345678', '营业执照']) {
      await desk.handle(privateMsg(OWNER, t), ownerCtx);
    }
    return desk.handle(privateMsg(OWNER, '确认'), ownerCtx);
  }

  it('runs the whole flow: group request → private dialog → ticket → clerk → rating', async () => {
    const { logger, lines } = captureLogger();
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock, logger });

    // 1. In a group: one reply, mentioning the asker, pointing to private chat; no personal data asked there.
    const g = await desk.startRequest(groupMsg(BIZ_ROOM, OWNER, '能帮我办吗'), { items: ['食品经营许可', '个体工商户登记'], town: '永安镇' });
    expect(g).toHaveLength(1);
    expect(g[0]).toMatchObject({ chatId: BIZ_ROOM, chatType: 'group', mention: { id: OWNER.id } });
    expect(g[0]!.text).toContain('私聊');
    expect(g[0]!.text).toContain('好友');
    expect(g[0]!.text).toContain('代办');

    // 2. The owner becomes a friend: greeting and the pending request's first question.
    const f = await desk.onFriend(OWNER.id, OWNER.name);
    expect(f.every((r) => r.chatId === OWNER.id && r.chatType === 'private')).toBe(true);
    expect(f[0]!.text).toContain('进度');
    expect(f[1]!.text).toContain('食品经营许可');
    expect(f[1]!.text).toContain('企业名称');

    // 3. The dialog, with corrections.
    const steps: [string, string][] = [
      ['浏阳市某某餐饮店', '统一社会信用代码'],
      ['91350100M000100Y44', '校验位不对'],
      ['91350100M000100Y43', '联系人'],
      ['张三', '手机号'],
      ['12345', '手机号应为11位'],
      ['13812345678', '材料'],
      ['营业执照、身份证', '请核对'],
    ];
    for (const [text, expected] of steps) {
      const r = await desk.handle(privateMsg(OWNER, text), ownerCtx);
      expect(textTo(r, OWNER.id)).toContain(expected);
    }

    // 4. 确认: one ticket, one message to the requester with everything; staff group post, masked.
    const c = await desk.handle(privateMsg(OWNER, '确认'), ownerCtx);
    const confirmation = textTo(c, OWNER.id);
    expect(to(c, OWNER.id)).toHaveLength(1);
    for (const s of [
      '#1',
      'DB-20261127-0001',
      '食品经营许可',
      '个体工商户登记',
      '营业执照复印件',
      '经营场所使用证明',
      '5个工作日',
      '即办',
      '免费',
      '不收费',
      '永安镇政务服务中心',
      '永安镇永安路1号',
      '8:30-12:00',
      '进度',
      '我的代办',
      '评',
    ]) {
      expect(confirmation).toContain(s);
    }
    expect(confirmation).not.toContain('电话：'); // the knowledge has no phone for this centre
    const post = to(c, STAFF_ROOM);
    expect(post).toHaveLength(1);
    expect(post[0]!.chatType).toBe('group');
    expect(post[0]!.text).toContain('接单 1');
    expect(post[0]!.text).toContain('138****5678');
    expect(post[0]!.text).toContain('91**************43');
    expect(post[0]!.text).not.toContain('13812345678');
    expect(post[0]!.text).not.toContain('91350100M000100Y43');
    expect(to(c, 'room_staff_all@chatroom')).toHaveLength(0);

    // A repeated 确认 creates nothing.
    const again = await desk.handle(privateMsg(OWNER, '确认'), ownerCtx);
    expect(textTo(again, OWNER.id)).toContain('无需重复');
    expect(await store.tickets.list()).toHaveLength(1);

    // 5. A business owner trying a staff command: refused and logged.
    const bad = await desk.handle(groupMsg(BIZ_ROOM, OWNER, '接单 1'), ownerCtx);
    expect(bad).toHaveLength(1);
    expect(bad![0]!.text).toContain('办事员');
    expect((await store.tickets.get(1))!.status).toBe('registered');
    expect(lines.some((l) => l.includes('staff_command_refused'))).toBe(true);

    // 6. Illegal transition refused with the reason.
    const early = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '办结 1'), staffCtx);
    expect(textTo(early, STAFF_ROOM)).toContain('还没有人接单，不能办结，请先「接单 1」');

    // 7. The clerk claims: the requester is told who and how to reach them.
    const claim = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '接单 #1'), staffCtx);
    expect(textTo(claim, STAFF_ROOM)).toContain('已接单 #1');
    expect(textTo(claim, OWNER.id)).toContain('李四');
    expect(textTo(claim, OWNER.id)).toContain('直接在这里回复即可，消息会转给办事员');

    // 8. 补件: the requester is told exactly what.
    const mat = await desk.handle(privateMsg(CLERK, '补件 1 请补充经营场所租赁合同'), { isStaff: true, town: null });
    expect(textTo(mat, OWNER.id)).toContain('请补充经营场所租赁合同');
    expect((await store.tickets.get(1))!.status).toBe('awaiting_materials');

    // 9. The requester answers: relayed to the clerk, the bot does not answer over the clerk.
    const rel = await desk.handle(privateMsg(OWNER, '合同明天拿过来，电话13812345678'), ownerCtx);
    expect(textTo(rel, CLERK.id)).toContain('【#1 张老板】合同明天拿过来');
    expect(to(rel, CLERK.id)[0]!.chatType).toBe('private');
    expect(textTo(rel, OWNER.id)).toContain('已转给办事员 李四');
    const rel2 = await desk.handle(privateMsg(OWNER, '还有别的吗'), ownerCtx);
    expect(to(rel2, CLERK.id)).toHaveLength(1);
    expect(to(rel2, OWNER.id)).toHaveLength(0); // acknowledged once per exchange
    expect(lines.join('')).not.toContain('13812345678');

    // 10. 回复 relays signed; 备注 stays internal.
    const rep = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '回复 1 好的，明天上午在3号窗口等您'), staffCtx);
    expect(textTo(rep, OWNER.id)).toContain('办事员 李四：好的，明天上午在3号窗口等您');
    const note = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '备注 1 申请人比较急'), staffCtx);
    expect(to(note, OWNER.id)).toHaveLength(0);

    // 11. 查 in the group: details and history, masked.
    const show = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '查 DB-20261127-0001'), staffCtx);
    const shown = textTo(show, STAFF_ROOM);
    expect(shown).toContain('待补件');
    expect(shown).toContain('申请人比较急');
    expect(shown).toContain('合同明天拿过来');
    expect(shown).not.toContain('13812345678');
    const showPrivate = await desk.handle(privateMsg(CLERK, '查 1'), { isStaff: true, town: null });
    expect(textTo(showPrivate, CLERK.id)).toContain('13812345678');

    // 12. 待办 lists it with its age.
    now = new Date(now.getTime() + 3 * 3600_000);
    const todo = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '待办'), staffCtx);
    expect(textTo(todo, STAFF_ROOM)).toMatch(/#1 .*待补件.*李四.*已3小时/);

    // 13. 办结: the requester is told and asked to rate; rating 5 stored.
    const done = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '办结 1 许可证已发放'), staffCtx);
    expect(textTo(done, OWNER.id)).toContain('已办结');
    expect(textTo(done, OWNER.id)).toContain('1-5');
    expect(textTo(done, OWNER.id)).toContain('许可证已发放');
    const rated = await desk.handle(privateMsg(OWNER, '5 很及时'), ownerCtx);
    expect(textTo(rated, OWNER.id)).toContain('谢谢');
    expect(await store.tickets.rating(1)).toMatchObject({ score: 5, comment: '很及时' });
    expect((await store.tickets.get(1))!.status).toBe('rated');

    // After closing, the requester's messages are the assistant's again.
    expect(await desk.handle(privateMsg(OWNER, '食品经营许可要带什么'), ownerCtx)).toBeNull();

    // 14. 我的代办.
    const mine = await desk.myTickets(privateMsg(OWNER, '我的代办'));
    expect(mine[0]!.text).toMatch(/#1 食品经营许可、个体工商户登记 · 已回访 · 经办：李四/);

    // The audit trail has every step.
    const kinds = (await store.tickets.events(1)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'claim', 'request_materials', 'requester_message', 'requester_message', 'reply', 'note', 'finish', 'rate']);
  });

  it('a claim made in private chat is announced to the staff group; one made there is not repeated', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk);
    const claimed = await desk.handle(privateMsg(CLERK, '接单 1'), staffCtx);
    expect(textTo(claimed, STAFF_ROOM)).toContain('#1 已由 李四 接单');
    await registerTicket(desk);
    const inRoom = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '接单 2'), staffCtx);
    expect(to(inRoom, STAFF_ROOM)).toHaveLength(1); // the confirmation only
  });

  it('refuses ticket commands from a clerk in a business owners\' group: no details leak there', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk);
    await desk.handle(privateMsg(CLERK, '备注 1 老板说私下给好处费（内部）'), staffCtx);
    for (const cmd of ['查 1', '待办', '接单 1']) {
      const r = await desk.handle(groupMsg(BIZ_ROOM, CLERK, cmd), staffCtx);
      expect(textTo(r, BIZ_ROOM), cmd).toContain('代办员工作群或与我的私聊');
      expect(textTo(r, BIZ_ROOM)).not.toContain('好处费');
      expect(textTo(r, BIZ_ROOM)).not.toContain('张三');
    }
    expect((await store.tickets.get('1'))!.status).toBe('registered');
  });

  it('交还 hands the conversation back to the bot', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk);
    await desk.handle(privateMsg(CLERK, '接单 1'), staffCtx);
    expect(to(await desk.handle(privateMsg(OWNER, '在吗'), ownerCtx), CLERK.id)).toHaveLength(1);
    const back = await desk.handle(privateMsg(CLERK, '交还 1'), staffCtx);
    expect(textTo(back, CLERK.id)).toContain('已交还 #1');
    expect(await desk.handle(privateMsg(OWNER, '在吗'), ownerCtx)).toBeNull();
    const twice = await desk.handle(privateMsg(CLERK, '交还 1'), staffCtx);
    expect(textTo(twice, CLERK.id)).toContain('无需交还');
  });

  it('转派 to a known clerk; unknown names are explained', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk);
    const WANG = { id: 'wxid_wang', name: '王五' };
    const unknown = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '转派 1 @王五'), staffCtx);
    expect(textTo(unknown, STAFF_ROOM)).toContain('没找到办事员「王五」');
    await desk.handle(groupMsg(STAFF_ROOM, WANG, '待办'), staffCtx); // 王五 speaks once
    const tr = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '转派 1 @王五'), staffCtx);
    expect(textTo(tr, STAFF_ROOM)).toContain('转派给 王五');
    expect(textTo(tr, WANG.id)).toContain('#1');
    expect(textTo(tr, OWNER.id)).toContain('王五');
    expect((await store.tickets.get(1))).toMatchObject({ status: 'claimed', assigneeId: WANG.id });
    const rel = await desk.handle(privateMsg(OWNER, '请问进展'), ownerCtx);
    expect(to(rel, WANG.id)).toHaveLength(1);
  });

  it('requester can cancel their own ticket, not others', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk);
    const stranger = await desk.handle(privateMsg({ id: 'x', name: 'x' }, '撤销 1'), ownerCtx);
    expect(stranger![0]!.text).toContain('没有找到您的代办单');
    const r = await desk.handle(privateMsg(OWNER, '撤销 #1'), ownerCtx);
    expect(textTo(r, OWNER.id)).toContain('已撤销');
    expect(textTo(r, STAFF_ROOM)).toContain('撤销');
    expect((await store.tickets.get(1))!.status).toBe('cancelled');
    const claim = await desk.handle(privateMsg(CLERK, '接单 1'), staffCtx);
    expect(textTo(claim, CLERK.id)).toContain('#1 已撤销，不能再接单');
  });

  it('中止 tells the requester the reason', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk);
    const usage = await desk.handle(privateMsg(CLERK, '中止 1'), staffCtx);
    expect(textTo(usage, CLERK.id)).toContain('中止 1 原因');
    const r = await desk.handle(privateMsg(CLERK, '中止 1 经营场所不符合条件'), staffCtx);
    expect(textTo(r, OWNER.id)).toContain('已中止，原因：经营场所不符合条件');
  });

  it('a restart in the middle of the dialog resumes it (new desk over the same database)', async () => {
    const desk1 = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await desk1.startRequest(privateMsg(OWNER, '代办 食品经营许可'), { items: ['食品经营许可'], town: '永安镇' });
    await desk1.handle(privateMsg(OWNER, '浏阳市某某餐饮店'), ownerCtx);
    await desk1.close();
    await store.close();

    store = await backend.open(opts, clock);
    const desk2 = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    const r = await desk2.handle(privateMsg(OWNER, '91350100M000100Y43'), ownerCtx);
    expect(textTo(r, OWNER.id)).toContain('联系人');
    await desk2.handle(privateMsg(OWNER, '张三 13812345678'), ownerCtx);
    await desk2.handle(privateMsg(OWNER, '无'), ownerCtx);
    const c = await desk2.handle(privateMsg(OWNER, '确认'), ownerCtx);
    expect(textTo(c, OWNER.id)).toContain('#1');
    expect((await store.tickets.get(1))).toMatchObject({ companyName: '浏阳市某某餐饮店', contactName: '张三', phone: '13812345678', preparedMaterials: null });
  });

  it('a private request picks up a pending group request; 取消 leaves no ticket', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await desk.startRequest(groupMsg(BIZ_ROOM, OWNER, '帮我办烟花爆竹零售许可'), { items: ['烟花爆竹零售许可'], town: '镇头镇' });
    const r = await desk.startRequest(privateMsg(OWNER, '代办'), { items: [], town: null });
    expect(r[0]!.text).toContain('烟花爆竹零售许可');
    expect(r[0]!.text).toContain('企业名称');
    const c = await desk.handle(privateMsg(OWNER, '取消'), ownerCtx);
    expect(c![0]!.text).toContain('已取消');
    expect(await desk.handle(privateMsg(OWNER, '某某店'), ownerCtx)).toBeNull();
    expect(await store.tickets.list()).toHaveLength(0);
  });

  it('a ticket for another town goes to the town-less staff rooms, with the centre phone when known', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await desk.startRequest(privateMsg(OWNER, '代办'), { items: ['烟花爆竹零售许可'], town: '镇头镇' });
    await desk.handle(privateMsg(OWNER, '某某烟花店 无 张三 13812345678'), ownerCtx);
    const c1 = await desk.handle(privateMsg(OWNER, '无'), ownerCtx);
    expect(textTo(c1, OWNER.id)).toContain('请核对');
    const c = await desk.handle(privateMsg(OWNER, '确认'), ownerCtx);
    expect(to(c, 'room_staff_all@chatroom')).toHaveLength(1);
    expect(to(c, STAFF_ROOM)).toHaveLength(0);
    expect(textTo(c, OWNER.id)).toContain('0731-83000000');
    expect(textTo(c, OWNER.id)).toContain('工本费 10 元');
  });

  it('SLA: unclaimed after the working hours and overdue past the promised days, each announced once', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await registerTicket(desk); // Friday 10:00, items 5 days and 即办
    // Friday 17:00: 10:00–12:00 + 14:30–17:00 = 4.5 working hours ≥ 4.
    expect(await desk.tick(new Date('2026-11-27T06:00:00Z'))).toEqual([]); // 14:00: 2 h
    const t1 = await desk.tick(new Date('2026-11-27T09:00:00Z'));
    expect(textTo(t1, STAFF_ROOM)).toContain('无人接单');
    expect(textTo(t1, STAFF_ROOM)).not.toContain('13812345678');
    expect(await desk.tick(new Date('2026-11-27T09:10:00Z'))).toEqual([]);
    await desk.handle(privateMsg(CLERK, '接单 1'), staffCtx);
    // 5 working days from Friday: the following Friday 17:30 (2026-12-04 09:30Z).
    expect(await desk.tick(new Date('2026-12-04T09:00:00Z'))).toEqual([]);
    const t2 = await desk.tick(new Date('2026-12-04T10:00:00Z'));
    expect(textTo(t2, STAFF_ROOM)).toContain('超过承诺时限（5个工作日）');
    expect(await desk.tick(new Date('2026-12-05T10:00:00Z'))).toEqual([]);
  });

  it('a new 代办 request in the middle of a dialog is left to the assistant, which restarts it', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    await desk.startRequest(privateMsg(OWNER, '代办'), { items: ['食品经营许可'], town: '永安镇' });
    await desk.handle(privateMsg(OWNER, '某某店'), ownerCtx);
    expect(await desk.handle(privateMsg(OWNER, '代办 烟花爆竹零售许可'), ownerCtx)).toBeNull();
    const r = await desk.startRequest(privateMsg(OWNER, '代办 烟花爆竹零售许可'), { items: ['烟花爆竹零售许可'], town: '永安镇' });
    expect(r[0]!.text).toContain('烟花爆竹零售许可');
    const progress = await desk.handle(privateMsg(OWNER, '进度'), ownerCtx);
    expect(progress![0]!.text).toContain('您还没有代办单');
  });

  it('non-staff 待办 and ordinary questions are left to the assistant', async () => {
    const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock });
    expect(await desk.handle(privateMsg(OWNER, '待办'), ownerCtx)).toBeNull();
    expect(await desk.handle(groupMsg(BIZ_ROOM, OWNER, '办理营业执照要什么'), ownerCtx)).toBeNull();
    expect(await desk.handle(privateMsg(OWNER, '5'), ownerCtx)).toBeNull();
    expect(await desk.handle(groupMsg(STAFF_ROOM, CLERK, '大家好'), staffCtx)).toBeNull();
  });
});

describe('staff command parser', () => {
  it.each([
    ['待办', { name: '待办' }],
    ['接单 12', { name: '接单', ref: '12', arg: '' }],
    ['接单#12', { name: '接单', ref: '#12', arg: '' }],
    ['回复 12 明天来', { name: '回复', ref: '12', arg: '明天来' }],
    ['补件 DB-20261127-0012：租赁合同', { name: '补件', ref: 'DB-20261127-0012', arg: '租赁合同' }],
    ['转派 12 @王五', { name: '转派', ref: '12', arg: '@王五' }],
  ])('%s', (text, expected) => expect(parseStaffCommand(text)).toEqual(expected));
  it.each(['办理营业执照', '查一下食品许可', '接单', '回复', '代办', '办理12345678901'])('not a command: %s', (text) => {
    expect(parseStaffCommand(text)).toBeNull();
  });
});

describe.each(list)('ticket desk routing on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('no staff group for 大瑶镇: the ticket is not posted to 永安镇\'s group but shows in its 待办 as unassigned', async (ctx) => {
    if (backend.skip) ctx.skip();
    const now = new Date('2026-11-27T02:00:00Z');
    const store = await backend.open(undefined, () => now);
    try {
      const desk = createTicketDesk({
        store,
        catalogue: fakeCatalogue(),
        config: { staffIds: [CLERK.id], staffRooms: [{ roomId: STAFF_ROOM, town: '永安镇' }], slaUnclaimedHours: 4 },
        clock: () => now,
      });
      await desk.startRequest(privateMsg(OWNER, '代办'), { items: ['食品经营许可'], town: '大瑶镇' });
      await desk.handle(privateMsg(OWNER, '浏阳市某某餐饮店 无 张三 13812345678'), { isStaff: false, town: null });
      await desk.handle(privateMsg(OWNER, '无'), { isStaff: false, town: null });
      const c = await desk.handle(privateMsg(OWNER, '确认'), { isStaff: false, town: null });
      expect(to(c, STAFF_ROOM)).toHaveLength(0);
      expect(textTo(c, CLERK.id)).toContain('未分派');
      const todo = await desk.handle(groupMsg(STAFF_ROOM, CLERK, '待办'), { isStaff: true, town: '永安镇' });
      expect(textTo(todo, STAFF_ROOM)).toMatch(/#1 大瑶镇【未分派/);
    } finally {
      await store.close();
    }
  });
});

describe.each(list)('ticket desk ratings on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('rates a named ticket: a bare score with two finished tickets asks which; 好差评 words work; 6 is no rating', async (ctx) => {
    if (backend.skip) ctx.skip();
    const now = new Date('2026-11-27T02:00:00Z');
    const store = await backend.open(undefined, () => now);
    try {
      const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock: () => now });
      const owner = { isStaff: false, town: null };
      for (let i = 0; i < 2; i++) {
        await desk.startRequest(privateMsg(OWNER, '帮我办'), { items: ['食品经营许可'], town: '永安镇' });
        await desk.handle(privateMsg(OWNER, '浏阳市某某餐饮店 无 张三 13812345678'), owner);
        await desk.handle(privateMsg(OWNER, '无'), owner);
        await desk.handle(privateMsg(OWNER, '确认'), owner);
      }
      for (const id of [1, 2]) {
        await desk.handle(groupMsg(STAFF_ROOM, CLERK, `接单 ${id}`), { isStaff: true, town: '永安镇' });
        await desk.handle(groupMsg(STAFF_ROOM, CLERK, `办结 ${id}`), { isStaff: true, town: '永安镇' });
      }
      const bare = await desk.handle(privateMsg(OWNER, '5'), owner);
      expect(textTo(bare, OWNER.id)).toContain('#1、#2');
      expect(await store.tickets.rating(1)).toBeUndefined();
      expect(await store.tickets.rating(2)).toBeUndefined();

      const named = await desk.handle(privateMsg(OWNER, '评价 1 非常不满意，办事员态度差'), owner);
      expect(textTo(named, OWNER.id)).toContain('非常不满意（1分）');
      expect(textTo(named, STAFF_ROOM)).toContain('#1 申请人评价：非常不满意（1分），意见：办事员态度差');
      expect(await store.tickets.rating(1)).toMatchObject({ score: 1, comment: '办事员态度差' });

      // One finished ticket left: a word alone rates it.
      const word = await desk.handle(privateMsg(OWNER, '滿意'), owner);
      expect(textTo(word, OWNER.id)).toContain('代办单 #2 记为「满意（4分）」');
      expect(await store.tickets.rating(2)).toMatchObject({ score: 4 });
      expect(await desk.handle(privateMsg(OWNER, '6'), owner)).toBeNull();
    } finally {
      await store.close();
    }
  });
});

describe.each(list)('ticket desk personal data on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('once the ticket exists, the dialog copy keeps no personal data', async (ctx) => {
    if (backend.skip) ctx.skip();
    const store = await backend.open();
    try {
      const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config });
      const owner = { isStaff: false, town: null };
      await desk.startRequest(privateMsg(OWNER, '帮我办'), { items: ['食品经营许可'], town: '永安镇' });
      await desk.handle(privateMsg(OWNER, '浏阳市某某餐饮店 91350100M000100Y43 张三 13812345678'), owner);
      const before = JSON.stringify((await store.dialogs.get(OWNER.id))?.state);
      expect(before).toContain('13812345678'); // kept while the dialog runs (a restart resumes it)
      await desk.handle(privateMsg(OWNER, '无'), owner);
      await desk.handle(privateMsg(OWNER, '确认'), owner);
      const after = JSON.stringify((await store.dialogs.get(OWNER.id))?.state);
      expect(after).toContain('"step":"done"');
      for (const s of ['13812345678', '91350100M000100Y43', '浏阳市某某餐饮店', '张三']) expect(after).not.toContain(s);
      // A repeated 确认 is still recognised.
      expect(textTo(await desk.handle(privateMsg(OWNER, '确认'), owner), OWNER.id)).toContain('无需重复');
    } finally {
      await store.close();
    }
  });
});

describe.each(list)('ticket desk on another channel ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('a 微信客服 requester gets a ticket addressed on that channel; the Wechaty staff group still gets the post', async (ctx) => {
    if (backend.skip) ctx.skip();
    const store = await backend.open();
    try {
      const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config });
      const kf = (text: string): IncomingMessage => ({ ...privateMsg({ id: 'ext_owner', name: '王老板' }, text), channel: 'wecom-kf' });
      const owner = { isStaff: false, town: null };
      await desk.startRequest(kf('帮我办'), { items: ['食品经营许可'], town: '永安镇' });
      await desk.handle(kf('浏阳市某某餐饮店 无 王五 13812345678'), owner);
      await desk.handle(kf('无'), owner);
      const c = (await desk.handle(kf('确认'), owner))!;
      expect(c.find((r) => r.chatId === 'ext_owner')).toMatchObject({ channel: 'wecom-kf', chatType: 'private' });
      expect(c.find((r) => r.chatId === STAFF_ROOM)).toMatchObject({ channel: 'wechaty', chatType: 'group' });
      const [t] = await store.tickets.listByRequester({ channel: 'wecom-kf', kind: 'direct', id: 'ext_owner' });
      expect(t!.requester).toEqual({ channel: 'wecom-kf', kind: 'direct', id: 'ext_owner' });
      expect(await store.tickets.listByRequester('ext_owner')).toHaveLength(0); // not a Wechaty person
      // The clerk (on Wechaty) claims: the requester is told on 微信客服, with the handoff to a human.
      const claim = (await desk.handle(groupMsg(STAFF_ROOM, CLERK, `接单 ${t!.id}`), { isStaff: true, town: '永安镇' }))!;
      expect(claim.find((r) => r.chatId === 'ext_owner')).toMatchObject({ channel: 'wecom-kf' });
      expect((await desk.myTickets(kf('我的代办')))[0]!.text).toContain(`#${t!.id}`);
    } finally {
      await store.close();
    }
  });
});

describe.each(list)('ticket desk tick through the outbox ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('with tickQueues, SLA reminders are queued with their record and not returned', async (ctx) => {
    if (backend.skip) ctx.skip();
    let now = new Date('2026-11-27T02:00:00Z');
    const store = await backend.open(undefined, () => now);
    try {
      const desk = createTicketDesk({ store, catalogue: fakeCatalogue(), config, clock: () => now, tickQueues: true });
      const owner = { isStaff: false, town: null };
      await desk.startRequest(privateMsg(OWNER, '帮我办'), { items: ['食品经营许可'], town: '永安镇' });
      await desk.handle(privateMsg(OWNER, '浏阳市某某餐饮店 无 张三 13812345678'), owner);
      await desk.handle(privateMsg(OWNER, '无'), owner);
      await desk.handle(privateMsg(OWNER, '确认'), owner);
      now = new Date('2026-11-27T08:30:00Z');
      expect(await desk.tick(now)).toEqual([]);
      const queued = (await store.outbox.list()).filter((r) => r.kind === 'sla_unclaimed');
      expect(queued.map((r) => r.message.to.id)).toEqual([STAFF_ROOM]);
      expect(await desk.tick(now)).toEqual([]);
      expect((await store.outbox.list()).filter((r) => r.kind === 'sla_unclaimed')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
