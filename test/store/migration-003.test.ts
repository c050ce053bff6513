// Migration 003 on a database that already holds dialogs and pending group
// requests keyed by the bare person id: every row is kept, each lands on its
// channel (the dialog state's own channel, else Wechaty), and the same id on
// another channel does not see it.
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.ts';
import { openStore } from '../../src/store/index.ts';
import { backends, PG_URL } from './backends.ts';

const list = await backends();

describe.each(list)('migration 003 on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('keeps dialogs and pending requests, each on its channel', async (ctx) => {
    if (backend.skip) ctx.skip();
    const opts = backend.options();
    let db: Kysely<any>;
    if (backend.name === 'sqlite') {
      const fs = await import('node:fs');
      const path = await import('node:path');
      fs.mkdirSync(path.dirname(opts.sqlitePath), { recursive: true });
      db = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(opts.sqlitePath) }) });
    } else {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${opts.pgSchema}`);
      await client.end();
      db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${opts.pgSchema}` }) }) });
    }
    // The database as the previous release left it: 001 and 002 applied.
    const all = migrations(backend.name);
    const before: Record<string, Migration> = { '001-initial': all['001-initial']!, '002-addresses-outbox': all['002-addresses-outbox']! };
    const r = await new Migrator({ db, provider: { getMigrations: async () => before }, ...(opts.pgSchema ? { migrationTableSchema: opts.pgSchema } : {}) }).migrateToLatest();
    expect(r.error).toBeUndefined();
    const at = '2026-11-01T02:00:00.000Z';
    await db
      .insertInto('dialogs')
      .values([
        { requester_id: 'wxid_owner', state: JSON.stringify({ v: 1, step: 'company', fields: {} }), updated_at: at },
        { requester_id: 'kf_owner', state: JSON.stringify({ v: 1, channel: 'wecom-kf', step: 'phone', fields: {} }), updated_at: at },
        { requester_id: 'broken', state: 'not json', updated_at: at },
      ])
      .execute();
    await db
      .insertInto('pending_requests')
      .values({ requester_id: 'wxid_owner', requester_name: '张老板', items: '["食品经营许可"]', town: '永安镇', scenario: null, from_chat: 'g@chatroom', at, consumed_at: null })
      .execute();
    await db.destroy();

    const store = await openStore(opts);
    try {
      expect((await store.dialogs.get('wxid_owner', 'wechaty'))?.state).toMatchObject({ step: 'company' });
      expect(await store.dialogs.get('wxid_owner', 'wecom-kf')).toBeUndefined();
      expect((await store.dialogs.get('kf_owner', 'wecom-kf'))?.state).toMatchObject({ step: 'phone' });
      expect(await store.dialogs.get('kf_owner', 'wechaty')).toBeUndefined();
      expect(await store.dialogs.get('broken', 'wechaty')).toBeUndefined(); // kept, unreadable as before
      const p = await store.pending.peek('wxid_owner', undefined, undefined, 'wechaty');
      expect(p).toMatchObject({ channel: 'wechaty', items: ['食品经营许可'], town: '永安镇' });
      expect(await store.pending.peek('wxid_owner', undefined, undefined, 'wecom-kf')).toBeUndefined();
      // The same id keeps one dialog per channel.
      await store.dialogs.save('wxid_owner', { v: 1, step: 'town' }, new Date(), 'wecom-kf');
      expect((await store.dialogs.get('wxid_owner', 'wechaty'))?.state).toMatchObject({ step: 'company' });
      await store.dialogs.clear('wxid_owner', 'wecom-kf');
      expect(await store.dialogs.get('wxid_owner', 'wechaty')).toBeDefined();
    } finally {
      await store.close();
    }
  });
});
