import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../store/backends.ts';
import type { Store } from '../../src/store/index.ts';
import type { NewTicket } from '../../src/tickets/repo.ts';

const list = await backends();

const newTicket = (key: string, over: Partial<NewTicket> = {}): NewTicket => ({
  requesterId: 'wxid_owner',
  requesterName: '张老板',
  companyName: '浏阳市某某餐饮店',
  creditCode: '91350100M000100Y43',
  contactName: '张三',
  phone: '13812345678',
  preparedMaterials: '营业执照',
  town: '永安镇',
  dialogKey: key,
  ...over,
});
const items = [
  { name: '食品经营许可', promisedLimit: 5 as const },
  { name: '个体工商户登记', promisedLimit: '即办' as const },
];
const owner = { id: 'wxid_owner', name: '张老板' };
const clerk = { id: 'wxid_clerk', name: '李办事员', role: 'staff' as const };

describe.each(list)('ticket repo on $name', (backend) => {
  let store: Store;
  beforeEach(async (ctx) => {
    if (backend.skip) ctx.skip();
    store = await backend.open();
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => backend.cleanup());

  it('creates a ticket with its items and first event, numbered by id and date', async () => {
    const now = new Date('2026-11-27T02:00:00Z');
    const { ticket, created } = await store.tickets.create(newTicket('k1'), items, { actor: owner, text: '提交代办' }, { now });
    expect(created).toBe(true);
    expect(ticket.id).toBe(1);
    expect(ticket.number).toBe('DB-20261127-0001');
    expect(ticket.status).toBe('registered');
    expect(ticket.items).toEqual(items);
    expect(ticket.conversationHeld).toBe(false);
    const events = await store.tickets.events(ticket.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'created', toStatus: 'registered', public: true, actorId: 'wxid_owner' });
  });

  it('uses the Asia/Shanghai date in the number', async () => {
    const { ticket } = await store.tickets.create(newTicket('k-late'), [], { actor: owner }, { now: new Date('2026-11-27T17:00:00Z') });
    expect(ticket.number).toBe(`DB-20261128-${String(ticket.id).padStart(4, '0')}`);
  });

  it('is idempotent on the dialog key', async () => {
    const a = await store.tickets.create(newTicket('same'), items, { actor: owner });
    const b = await store.tickets.create(newTicket('same'), items, { actor: owner });
    const [c, d] = await Promise.all([
      store.tickets.create(newTicket('race'), items, { actor: owner }),
      store.tickets.create(newTicket('race'), items, { actor: owner }),
    ]);
    expect(b.created).toBe(false);
    expect(b.ticket.id).toBe(a.ticket.id);
    expect([c.created, d.created].sort()).toEqual([false, true]);
    expect(c.ticket.id).toBe(d.ticket.id);
    expect(await store.tickets.list()).toHaveLength(2);
    expect(await store.tickets.events(a.ticket.id)).toHaveLength(1);
  });

  it('rolls the whole creation back when anything fails inside the transaction', async () => {
    await expect(
      store.tickets.create(newTicket('boom'), items, { actor: owner }, {
        beforeCommit: () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect(await store.tickets.list()).toHaveLength(0);
    const rows = await store.db.selectFrom('ticket_items').selectAll().execute();
    const evs = await store.db.selectFrom('ticket_events').selectAll().execute();
    expect(rows).toHaveLength(0);
    expect(evs).toHaveLength(0);
  });

  it('finds tickets by 12, #12 and the full number', async () => {
    const { ticket } = await store.tickets.create(newTicket('r'), items, { actor: owner });
    expect((await store.tickets.get(ticket.id))?.id).toBe(ticket.id);
    expect((await store.tickets.get(`#${ticket.id}`))?.id).toBe(ticket.id);
    expect((await store.tickets.get(String(ticket.id)))?.id).toBe(ticket.id);
    expect((await store.tickets.get(ticket.number.toLowerCase()))?.id).toBe(ticket.id);
    expect(await store.tickets.get('DB-19990101-0001')).toBeUndefined();
    expect(await store.tickets.get('abc')).toBeUndefined();
  });

  it('applies transitions with an event each, refuses illegal ones, deletes nothing', async () => {
    const { ticket } = await store.tickets.create(newTicket('t'), items, { actor: owner });
    const early = await store.tickets.applyTransition(ticket.id, 'finish', clerk, null);
    expect(early).toMatchObject({ ok: false });
    expect(!early.ok && early.reason).toContain('还没有人接单');

    const claimed = await store.tickets.applyTransition(ticket.id, 'claim', clerk, null);
    expect(claimed.ok && claimed.ticket).toMatchObject({ status: 'claimed', assigneeId: 'wxid_clerk', assigneeName: '李办事员', conversationHeld: true });
    expect(claimed.ok && claimed.ticket.claimedAt).toBeInstanceOf(Date);

    const mat = await store.tickets.applyTransition(ticket.id, 'request_materials', clerk, '请补充租赁合同');
    expect(mat.ok && mat.to).toBe('awaiting_materials');
    const note = await store.tickets.applyTransition(ticket.id, 'note', clerk, '内部备注');
    expect(note.ok && note.event.public).toBe(false);
    const other = { id: 'wxid_other', name: '王办事员' };
    const tr = await store.tickets.applyTransition(ticket.id, 'transfer', clerk, null, { assignee: other });
    expect(tr.ok && tr.ticket.assigneeId).toBe('wxid_other');
    const back = await store.tickets.applyTransition(ticket.id, 'handback', { ...other, role: 'staff' }, null);
    expect(back.ok && back.ticket.conversationHeld).toBe(false);
    const done = await store.tickets.applyTransition(ticket.id, 'finish', { ...other, role: 'staff' }, '已发证');
    expect(done.ok && done.ticket.status).toBe('done');
    expect(done.ok && done.ticket.closedAt).toBeInstanceOf(Date);
    const again = await store.tickets.applyTransition(ticket.id, 'claim', clerk, null);
    expect(!again.ok && again.reason).toBe(`#${ticket.id} 已办结，不能再接单`);

    const rated = await store.tickets.rate(ticket.id, 5, '很及时', owner);
    expect(rated.ok && rated.ticket.status).toBe('rated');
    expect(await store.tickets.rating(ticket.id)).toMatchObject({ score: 5, comment: '很及时' });
    const twice = await store.tickets.rate(ticket.id, 4, null, owner);
    expect(twice.ok).toBe(false);

    const events = await store.tickets.events(ticket.id);
    expect(events.map((e) => e.kind)).toEqual(['created', 'claim', 'request_materials', 'note', 'transfer', 'handback', 'finish', 'rate']);
    expect(events.map((e) => e.toStatus)).toEqual(['registered', 'claimed', 'awaiting_materials', 'awaiting_materials', 'awaiting_materials', 'awaiting_materials', 'done', 'rated']);
    // Nothing deleted: the ticket and all its events stay.
    expect((await store.tickets.list()).map((t) => t.id)).toEqual([ticket.id]);
  });

  it('cancel is a state, kept in every list', async () => {
    const { ticket } = await store.tickets.create(newTicket('c'), items, { actor: owner });
    const r = await store.tickets.applyTransition(ticket.id, 'cancel', { ...owner, role: 'requester' }, '不办了');
    expect(r.ok && r.ticket.status).toBe('cancelled');
    expect(await store.tickets.list({ status: 'cancelled' })).toHaveLength(1);
    expect(await store.tickets.listOpen()).toHaveLength(0);
    expect(await store.tickets.listByRequester('wxid_owner')).toHaveLength(1);
  });

  it('optimistic check: two concurrent claims, one wins', async () => {
    const { ticket } = await store.tickets.create(newTicket('o'), items, { actor: owner });
    const results = await Promise.all([
      store.tickets.applyTransition(ticket.id, 'claim', clerk, null),
      store.tickets.applyTransition(ticket.id, 'claim', { id: 'wxid_b', name: '赵', role: 'staff' }, null),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await store.tickets.events(ticket.id)).filter((e) => e.kind === 'claim')).toHaveLength(1);
  });

  it('lists open tickets oldest first, filters by status and town', async () => {
    const t1 = await store.tickets.create(newTicket('a', { town: '永安镇' }), items, { actor: owner }, { now: new Date('2026-01-01T01:00:00Z') });
    const t2 = await store.tickets.create(newTicket('b', { town: '大瑶镇', requesterId: 'x' }), items, { actor: owner }, { now: new Date('2026-01-02T01:00:00Z') });
    await store.tickets.applyTransition(t1.ticket.id, 'claim', clerk, null);
    expect((await store.tickets.listOpen()).map((t) => t.id)).toEqual([t1.ticket.id, t2.ticket.id]);
    expect((await store.tickets.listOpen({ town: '大瑶镇' })).map((t) => t.id)).toEqual([t2.ticket.id]);
    expect((await store.tickets.list({ status: 'claimed' })).map((t) => t.id)).toEqual([t1.ticket.id]);
    expect((await store.tickets.list({ town: '永安镇' })).map((t) => t.id)).toEqual([t1.ticket.id]);
    expect((await store.tickets.listByRequester('x')).map((t) => t.id)).toEqual([t2.ticket.id]);
  });

  it('addEvent records messages and bumps updated_at for public ones', async () => {
    const { ticket } = await store.tickets.create(newTicket('e'), [], { actor: owner }, { now: new Date('2026-01-01T00:00:00Z') });
    await store.tickets.addEvent(ticket.id, { actor: owner, kind: 'requester_message', text: '材料带齐了', public: true }, new Date('2026-01-03T00:00:00Z'));
    const t = await store.tickets.get(ticket.id);
    expect(t?.updatedAt.toISOString()).toBe('2026-01-03T00:00:00.000Z');
    expect((await store.tickets.events(ticket.id)).at(-1)).toMatchObject({ kind: 'requester_message', text: '材料带齐了' });
  });

  it('redacts the personal fields of tickets closed before the retention, once, and says so in the history', async () => {
    const day = (d: number) => new Date(Date.UTC(2026, 0, d, 2));
    const { ticket: old } = await store.tickets.create(newTicket('old'), items, { actor: owner }, { now: day(1) });
    const { ticket: recent } = await store.tickets.create(newTicket('recent'), items, { actor: owner }, { now: day(1) });
    const { ticket: open } = await store.tickets.create(newTicket('open'), items, { actor: owner }, { now: day(1) });
    await store.tickets.addEvent(old.id, { actor: owner, kind: 'requester_message', text: '我电话13812345678', public: true }, day(2));
    for (const [t, when] of [[old, day(3)], [recent, day(20)]] as const) {
      await store.tickets.applyTransition(t.id, 'claim', clerk, null, { now: when });
      await store.tickets.applyTransition(t.id, 'finish', clerk, null, { now: when });
    }
    expect(await store.tickets.redactClosed(day(10), day(30))).toEqual([old.id]);
    const o = (await store.tickets.get(old.id))!;
    expect(o).toMatchObject({ phone: '', creditCode: null, contactName: '（已删除）', preparedMaterials: null, companyName: '浏阳市某某餐饮店', status: 'done' });
    const events = await store.tickets.events(old.id);
    expect(JSON.stringify(events)).not.toContain('13812345678');
    expect(events.at(-1)).toMatchObject({ kind: 'redacted', public: false });
    expect(events.at(-1)!.text).toContain('联系电话');
    expect((await store.tickets.get(recent.id))!.phone).toBe('13812345678');
    expect((await store.tickets.get(open.id))!.phone).toBe('13812345678');
    expect(await store.tickets.redactClosed(day(10), day(31))).toEqual([]);
  });
});
