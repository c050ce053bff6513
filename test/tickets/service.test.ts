// The ticket service: each action returns the ticket, its events and the
// messages for everyone, queued in the outbox in the same transaction.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Address } from '../../src/core/messages.ts';
import type { Store } from '../../src/store/index.ts';
import { createRouting, type RoutingConfig } from '../../src/tickets/routing.ts';
import { createTicketService, type ServiceActor } from '../../src/tickets/service.ts';
import { openListText } from '../../src/tickets/messages.ts';
import { servicerFor } from '../../src/tickets/notifications.ts';
import { backends } from '../store/backends.ts';
import { fakeCatalogue } from './fake-catalogue.ts';

const list = await backends();

const wx = (kind: Address['kind'], id: string): Address => ({ channel: 'wechaty', kind, id });
const OWNER: ServiceActor = { id: 'wxid_owner', name: '张老板', address: wx('direct', 'wxid_owner'), via: wx('direct', 'wxid_owner') };
const YONGAN_ROOM = wx('group', 'room_staff_yongan@chatroom');
const CLERK: ServiceActor = { id: 'wxid_clerk', name: '李四', address: wx('direct', 'wxid_clerk'), via: YONGAN_ROOM };
const SUPERVISOR = wx('direct', 'wxid_supervisor');
const ROUTING: RoutingConfig = {
  staffIds: ['wxid_clerk', 'wxid_clerk2'],
  staffRooms: [{ roomId: YONGAN_ROOM.id, town: '永安镇' }],
  supervisor: SUPERVISOR,
};

describe.each(list)('ticket service on $name', (backend) => {
  let store: Store;
  let now: Date;
  const clock = () => now;
  beforeEach(async (ctx) => {
    if (backend.skip) ctx.skip();
    now = new Date('2026-11-27T02:00:00Z');
    store = await backend.open(undefined, clock);
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => backend.cleanup());

  const service = (config: RoutingConfig = ROUTING) => createTicketService({ catalogue: fakeCatalogue(), routing: createRouting(config), clock });

  async function register(svc: ReturnType<typeof service>, town: string, key = `k-${town}`) {
    return svc.create(
      store,
      {
        requesterId: OWNER.id,
        requester: OWNER.address!,
        requesterName: OWNER.name,
        companyName: '浏阳市某某餐饮店',
        creditCode: '91350100M000100Y43',
        contactName: '张三',
        phone: '13812345678',
        preparedMaterials: null,
        town,
        dialogKey: key,
      },
      [{ name: '食品经营许可', promisedLimit: 5 }],
      OWNER,
    );
  }
  const queued = async (to: Address) => (await store.outbox.list()).filter((r) => r.message.to.id === to.id && r.message.to.kind === to.kind);

  it('确认 queues the confirmation and a staff post with 接单 / 查 buttons whose text stands alone', async () => {
    const r = await register(service(), '永安镇');
    expect(r.created).toBe(true);
    const [confirmation] = await queued(OWNER.address!);
    expect(confirmation!.message.text).toContain('代办单已登记：#1');
    const [post] = await queued(YONGAN_ROOM);
    expect(post!.message.actions).toEqual([
      { label: '接单', command: '接单 1' },
      { label: '查看详情', command: '查 1' },
    ]);
    expect(post!.message.text).toContain('接单 1'); // readable where buttons are not rendered
    expect(post!.message.text).not.toContain('13812345678');
    // A repeated 确认 queues nothing more.
    const again = await register(service(), '永安镇');
    expect(again.created).toBe(false);
    expect(await store.outbox.list()).toHaveLength(2);
  });

  it('a 大瑶镇 ticket never goes to 永安镇\'s group: without a group of its own it waits in the unassigned queue', async () => {
    const r = await register(service(), '大瑶镇');
    expect(await queued(YONGAN_ROOM)).toHaveLength(0);
    const clerks = (await store.outbox.list()).filter((row) => row.kind === 'ticket_created' && row.message.to.id.startsWith('wxid_clerk'));
    expect(clerks.map((c) => c.message.to.id).sort()).toEqual(['wxid_clerk', 'wxid_clerk2']);
    expect(clerks[0]!.message.text).toContain('未分派');
    // The 永安镇 group's 待办 still shows it, marked as not its own town.
    const routing = createRouting(ROUTING);
    expect(routing.covers('永安镇', '大瑶镇')).toBe(true);
    expect(routing.covers('永安镇', r.ticket.town)).toBe(true);
    expect(openListText([r.ticket], now, '永安镇')).toContain('大瑶镇【未分派');
  });

  it('the requester is told the clerk\'s own centre, and where the ticket is handled', async () => {
    const svc = service({ ...ROUTING, staffRooms: [...ROUTING.staffRooms, { roomId: 'room_county@chatroom', town: null }] });
    await register(svc, '镇头镇');
    const claimed = await svc.claim(store, 1, CLERK); // a 永安镇 clerk, in the 永安镇 staff group
    expect(claimed.ok).toBe(true);
    const [notice] = (await queued(OWNER.address!)).filter((r) => r.kind === 'claim');
    expect(notice!.message.text).toContain('李四（永安镇政务服务中心）受理');
    expect(notice!.message.text).not.toContain('李四（镇头镇');
    expect(notice!.message.text).toContain('办理单位：镇头镇企业手续代办中心');
  });

  it('接单 hands the requester\'s conversation to the clerk; 办结 and 交还 give it back to the bot', async () => {
    const svc = service();
    await register(svc, '永安镇');
    await svc.claim(store, 1, CLERK);
    const claim = (await queued(OWNER.address!)).find((r) => r.kind === 'claim')!;
    expect(claim.message.handoff).toEqual({ to: 'human', servicer: 'wxid_clerk' });
    const handback = await svc.handback(store, 1, CLERK);
    expect(handback.ok).toBe(true);
    expect((await queued(OWNER.address!)).find((r) => r.kind === 'handback')!.message.handoff).toEqual({ to: 'bot' });
    await svc.finish(store, 1, CLERK, '许可证已发放');
    const finish = (await queued(OWNER.address!)).find((r) => r.kind === 'finish')!;
    expect(finish.message.handoff).toEqual({ to: 'bot' });
    expect(finish.message.text).toContain('请为代办单 #1 的服务评价');
    expect(finish.message.text).toContain('非常满意');
    // The clerk's reply went to the staff group, @-mentioning them.
    const replies = (await queued(YONGAN_ROOM)).filter((r) => r.kind === 'finish_reply');
    expect(replies[0]!.message.mention).toEqual({ id: 'wxid_clerk', name: '李四' });
  });

  it('names the clerk of the WeCom bot staff group as the 微信客服 servicer; a Wechaty clerk is not named to kf', async () => {
    expect(servicerFor({ channel: 'wecom-bot', kind: 'direct', id: 'lisi' }, { channel: 'wecom-kf', kind: 'direct', id: 'wmOwner' })).toBe('lisi');
    expect(servicerFor({ channel: 'wechaty', kind: 'direct', id: 'wxid_clerk' }, { channel: 'wecom-kf', kind: 'direct', id: 'wmOwner' })).toBeUndefined();
    expect(servicerFor({ channel: 'wecom-bot', kind: 'direct', id: 'lisi' }, { channel: 'wechaty', kind: 'direct', id: 'wxid_owner' })).toBeUndefined();
  });

  it('rates a named ticket in 好差评 words; 不满意 also reaches the supervisor, 满意 does not', async () => {
    const svc = service();
    await register(svc, '永安镇', 'a');
    await register(svc, '永安镇', 'b');
    for (const id of [1, 2]) {
      await svc.claim(store, id, CLERK);
      await svc.finish(store, id, CLERK);
    }
    const happy = await svc.rate(store, 2, OWNER, 4, '很及时');
    expect(happy.ok && happy.reply).toContain('满意（4分）');
    expect(await queued(SUPERVISOR)).toHaveLength(0);
    const unhappy = await svc.rate(store, 1, OWNER, 1, '办事员态度差');
    expect(unhappy.ok && unhappy.reply).toContain('非常不满意（1分）');
    const [sup] = await queued(SUPERVISOR);
    expect(sup!.message.text).toContain('#1');
    expect(sup!.message.text).toContain('非常不满意');
    expect(sup!.message.text).toContain('办事员态度差');
    expect(sup!.message.text).toContain('经办：李四');
    expect(await store.tickets.rating(1)).toMatchObject({ score: 1, comment: '办事员态度差' });
    expect(await store.tickets.rating(2)).toMatchObject({ score: 4, comment: '很及时' });
    // Someone else cannot rate the owner's ticket; a score outside 1-5 is refused.
    const stranger: ServiceActor = { id: 'wxid_x', name: '路人', address: wx('direct', 'wxid_x') };
    expect((await svc.rate(store, 1, stranger, 5)).ok).toBe(false);
    expect((await svc.rate(store, 1, OWNER, 6)).ok).toBe(false);
  });

  it('a change and its messages commit together: when the caller\'s transaction fails, neither remains', async () => {
    const svc = service();
    await register(svc, '永安镇');
    const before = (await store.outbox.list()).length;
    await expect(
      store.transaction(async (tx) => {
        const r = await svc.claim(tx, 1, CLERK);
        expect(r.ok).toBe(true);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect((await store.tickets.get(1))!.status).toBe('registered');
    expect(await store.outbox.list()).toHaveLength(before);
  });

  it('effectively-once turn: seen-mark, change and messages commit together; a replay after commit is a no-op', async () => {
    const svc = service();
    await register(svc, '永安镇');
    const turn = (fail: boolean) =>
      store.transaction(async (tx) => {
        if (!(await tx.seen.firstSeen('wechaty:msg-claim-1', now.getTime(), 86_400_000))) return 'duplicate';
        const r = await svc.claim(tx, 1, CLERK);
        if (fail) throw new Error('killed mid-turn');
        return r.ok ? 'handled' : r.reason;
      });
    await expect(turn(true)).rejects.toThrow('killed mid-turn');
    expect((await store.tickets.get(1))!.status).toBe('registered'); // nothing half-done, message not marked seen
    expect(await turn(false)).toBe('handled'); // re-delivery is handled
    expect(await turn(false)).toBe('duplicate'); // and a second re-delivery is a no-op
    expect((await store.outbox.list()).filter((r) => r.kind === 'claim')).toHaveLength(1);
  });

  it('SLA: an unclaimed ticket is re-announced to its staff once, through the outbox, with a 接单 button', async () => {
    const svc = service();
    await register(svc, '永安镇');
    now = new Date('2026-11-27T08:30:00Z'); // 16:30 the same Friday: 5 working hours later
    const first = await svc.sla(store, now, 4);
    expect(first.messages.map((m) => m.message.to)).toEqual([YONGAN_ROOM]);
    const rows = (await queued(YONGAN_ROOM)).filter((r) => r.kind === 'sla_unclaimed');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.message.text).toContain('无人接单');
    expect(rows[0]!.message.actions).toEqual([{ label: '接单', command: '接单 1' }]);
    expect((await svc.sla(store, now, 4)).messages).toHaveLength(0);
  });

  it('five concurrent 确认 of one dialog: one ticket, one confirmation, one staff post', async () => {
    const svc = service();
    const results = await Promise.all(Array.from({ length: 5 }, () => register(svc, '永安镇', 'same-dialog')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
    expect(results.filter((r) => !r.created).every((r) => r.reply.includes('无需重复确认'))).toBe(true);
    expect(await store.tickets.list()).toHaveLength(1);
    expect(await queued(OWNER.address!)).toHaveLength(1);
    expect(await queued(YONGAN_ROOM)).toHaveLength(1);
  });

  it('ID-card and bank numbers in relayed text are masked before they are stored or queued; the phone stays for the clerk', async () => {
    const svc = service();
    await register(svc, '永安镇');
    await svc.claim(store, 1, CLERK);
    const text = '身份证430181199001011234，卡号6222 0212 3456 7890 128，电话13812345678';
    const r = await svc.relay(store, 1, OWNER, text);
    expect(r.ok).toBe(true);
    const stored = JSON.stringify([await store.tickets.events(1), await store.outbox.list()]);
    expect(stored).not.toContain('430181199001011234');
    expect(stored).not.toContain('6222 0212 3456 7890 128');
    expect(stored).not.toContain('0212');
    const [toClerk] = (await store.outbox.list()).filter((row) => row.kind === 'relay');
    expect(toClerk!.message.to.id).toBe('wxid_clerk');
    expect(toClerk!.message.text).toContain('430***********1234');
    expect(toClerk!.message.text).toContain('13812345678');
    const note = await svc.note(store, 1, CLERK, '申请人身份证 430181199001011234 已核对');
    expect(note.ok && note.events[0]!.text).toBe('申请人身份证 430***********1234 已核对');
  });
});
