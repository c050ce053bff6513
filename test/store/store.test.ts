import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.ts';
import type { Store, StoreOptions } from '../../src/store/index.ts';
import { backends } from './backends.ts';

const list = await backends();

describe.each(list)('store on $name', (backend) => {
  let store: Store;
  let opts: StoreOptions;
  beforeEach(async (ctx) => {
    if (backend.skip) ctx.skip();
    opts = backend.options();
    store = await backend.open(opts);
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => backend.cleanup());

  it('runs every migration once; reopening is a no-op', async () => {
    const applied = await store.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
    expect(applied.map((r) => (r as { name: string }).name)).toEqual(Object.keys(migrations('sqlite')));
    await store.close();
    store = await backend.open(opts);
    const again = await store.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
    expect(again).toHaveLength(applied.length);
  });

  it('bindings: set, overwrite, get, remove', async () => {
    expect(await store.bindings.get('room1')).toBeNull();
    await store.bindings.set('room1', '永安镇', 'wxid_admin');
    await store.bindings.set('room1', '大瑶镇', 'wxid_admin');
    expect(await store.bindings.get('room1')).toBe('大瑶镇');
    expect(await store.bindings.remove('room1')).toBe(true);
    expect(await store.bindings.remove('room1')).toBe(false);
    expect(await store.bindings.get('room1')).toBeNull();
  });

  it('seen: first time true, duplicate false within the TTL, true again after it', async () => {
    const t = Date.parse('2026-11-27T02:00:00Z');
    expect(await store.seen.firstSeen('msg1', t, 60_000)).toBe(true);
    expect(await store.seen.firstSeen('msg1', t + 1000, 60_000)).toBe(false);
    expect(await store.seen.firstSeen('msg2', t + 1000, 60_000)).toBe(true);
    expect(await store.seen.firstSeen('msg1', t + 120_000, 60_000)).toBe(true);
  });

  it('unanswered: add and list since a date', async () => {
    const base = { normalized: '烟花批发', town: '永安镇', status: 'no_match' as const, candidates: [{ item: '烟花爆竹零售许可', score: 0.2 }] };
    await store.unanswered.add({ ...base, question: '烟花批发', at: new Date('2026-01-01T00:00:00Z') });
    await store.unanswered.add({ ...base, question: '外星人', town: null, status: 'out_of_scope', candidates: [], at: new Date('2026-02-01T00:00:00Z') });
    const all = await store.unanswered.list();
    expect(all.map((e) => e.question)).toEqual(['烟花批发', '外星人']);
    expect(all[0]).toMatchObject({ candidates: [{ item: '烟花爆竹零售许可', score: 0.2 }], town: '永安镇', status: 'no_match' });
    expect(all[1]).toMatchObject({ status: 'out_of_scope', town: null });
    expect((await store.unanswered.list(new Date('2026-01-15T00:00:00Z'))).map((e) => e.question)).toEqual(['外星人']);
  });

  it('dialogs: save, overwrite, get, clear', async () => {
    await store.dialogs.save('u1', { step: 'company' }, new Date('2026-01-01T00:00:00Z'));
    await store.dialogs.save('u1', { step: 'phone' }, new Date('2026-01-02T00:00:00Z'));
    expect(await store.dialogs.get('u1')).toEqual({ state: { step: 'phone' }, updatedAt: new Date('2026-01-02T00:00:00Z') });
    await store.dialogs.clear('u1');
    expect(await store.dialogs.get('u1')).toBeUndefined();
  });

  it('pending requests: latest unconsumed within the age limit', async () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const p = { requesterId: 'u1', requesterName: '张', town: '永安镇', scenario: null, fromChat: 'room' };
    await store.pending.add({ ...p, items: ['旧'] }, new Date('2026-01-01T00:00:00Z'));
    await store.pending.add({ ...p, items: ['新'] }, new Date('2026-01-09T00:00:00Z'));
    const got = await store.pending.peek('u1', 3 * 86_400_000, now);
    expect(got).toMatchObject({ items: ['新'], town: '永安镇', fromChat: 'room' });
    await store.pending.consume(got!.id, now);
    expect(await store.pending.peek('u1', 3 * 86_400_000, now)).toBeUndefined();
    expect((await store.pending.peek('u1', undefined, now))?.items).toEqual(['旧']);
  });

  it('SLA notices: once per ticket and kind; staff directory by name', async () => {
    const { ticket } = await store.tickets.create(
      { requesterId: 'u', requesterName: 'u', companyName: 'c', creditCode: null, contactName: 'n', phone: '13812345678', preparedMaterials: null, town: null, dialogKey: 'k' },
      [],
      { actor: { id: 'u', name: 'u' } },
    );
    expect(await store.slaNotices.record(ticket.id, 'unclaimed')).toBe(true);
    expect(await store.slaNotices.record(ticket.id, 'unclaimed')).toBe(false);
    expect(await store.slaNotices.record(ticket.id, 'overdue')).toBe(true);
    await store.staff.touch('wxid_li', '李四');
    await store.staff.touch('wxid_li', '李四');
    expect(await store.staff.findByName('李四')).toEqual([{ id: 'wxid_li', name: '李四' }]);
    expect(await store.staff.get('wxid_none')).toBeUndefined();
  });

  it('refuses to delete or orphan: foreign keys are enforced', async () => {
    await expect(
      store.db.insertInto('ticket_items').values({ ticket_id: 999, position: 0, item_name: 'x', promised_limit: null }).execute(),
    ).rejects.toThrow();
  });
});

describe('SQLite specifics', () => {
  const sqlite = list.find((b) => b.name === 'sqlite')!;
  afterAll(() => sqlite.cleanup());
  it('creates the data directory and uses WAL with foreign keys on', async () => {
    const opts = sqlite.options();
    expect(fs.existsSync(path.dirname(opts.sqlitePath))).toBe(false);
    const store = await sqlite.open(opts);
    try {
      expect(fs.existsSync(opts.sqlitePath)).toBe(true);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      expect(fk.rows[0]?.foreign_keys).toBe(1);
    } finally {
      await store.close();
    }
  });
});
