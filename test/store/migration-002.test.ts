// Migration 002 on a database that already holds tickets from before
// addresses: every row is kept, the Wechaty ids become addresses, and the
// requester still finds their tickets.
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.ts';
import { openStore } from '../../src/store/index.ts';
import { backends, PG_URL } from './backends.ts';

const list = await backends();

describe.each(list)('migration 002 on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('keeps existing tickets; wechaty ids become wechaty addresses', async (ctx) => {
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
    // The database as the previous release left it: only 001 applied, two tickets.
    const only001: Record<string, Migration> = { '001-initial': migrations(backend.name)['001-initial']! };
    const r = await new Migrator({ db, provider: { getMigrations: async () => only001 }, ...(opts.pgSchema ? { migrationTableSchema: opts.pgSchema } : {}) }).migrateToLatest();
    expect(r.error).toBeUndefined();
    const row = (n: number, assignee: string | null) => ({
      number: `DB-20261101-000${n}`,
      requester_id: 'wxid_owner',
      requester_name: '张老板',
      company_name: '某某餐饮店',
      credit_code: null,
      contact_name: '张三',
      phone: '13812345678',
      prepared_materials: null,
      town: '永安镇',
      scenario: null,
      from_chat: null,
      status: assignee ? 'claimed' : 'registered',
      assignee_id: assignee,
      assignee_name: assignee ? '李四' : null,
      conversation_held: assignee ? 1 : 0,
      dialog_key: `old-${n}`,
      created_at: '2026-11-01T02:00:00.000Z',
      updated_at: '2026-11-01T02:00:00.000Z',
      claimed_at: null,
      closed_at: null,
    });
    await db.insertInto('tickets').values([row(1, null), row(2, 'wxid_clerk')]).execute();
    await db.destroy();

    const store = await openStore(opts);
    try {
      const tickets = await store.tickets.listByRequester({ channel: 'wechaty', kind: 'direct', id: 'wxid_owner' });
      expect(tickets.map((t) => t.number)).toEqual(['DB-20261101-0002', 'DB-20261101-0001']);
      expect(tickets[0]!.requester).toEqual({ channel: 'wechaty', kind: 'direct', id: 'wxid_owner' });
      expect(tickets[0]!.assignee).toEqual({ channel: 'wechaty', kind: 'direct', id: 'wxid_clerk' });
      expect(tickets[1]!.assignee).toBeNull();
      // A person with the same id on another channel is someone else.
      expect(await store.tickets.listByRequester({ channel: 'wecom-kf', kind: 'direct', id: 'wxid_owner' })).toHaveLength(0);
    } finally {
      await store.close();
    }
  });
});
