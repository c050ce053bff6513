// The two store backends for describe.each: a SQLite file in a temp dir and a
// fresh schema in the local PostgreSQL. PostgreSQL is probed once; when it is
// unreachable its tests are skipped with a printed reason, unless
// DAIBAN_REQUIRE_PG=1 (set by CI), in which case they fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store, type StoreOptions } from '../../src/store/index.ts';

export const PG_URL = process.env.DAIBAN_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REQUIRE_PG = process.env.DAIBAN_REQUIRE_PG === '1';

let probe: Promise<string | null> | undefined;
/** null when PostgreSQL answers, otherwise why not. */
export function probePostgres(): Promise<string | null> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (err) {
      return `${(err as Error).message || String(err)}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Set when the backend's tests are skipped. */
  skip: string | null;
  /** Options for openStore: a new SQLite file or a new PostgreSQL schema. */
  options(): StoreOptions;
  /** Opens a fresh store; `options` reopens the same database (restart tests). */
  open(opts?: StoreOptions, clock?: () => Date): Promise<Store>;
  /** Drops what this backend created (schemas, temp dirs). */
  cleanup(): Promise<void>;
}

export async function backends(): Promise<Backend[]> {
  const pgProblem = await probePostgres();
  if (pgProblem && !REQUIRE_PG) {
    console.warn(`[daiban tests] PostgreSQL at ${PG_URL} unreachable (${pgProblem}): PostgreSQL store tests skipped. Set DAIBAN_REQUIRE_PG=1 to make this a failure.`);
  }
  const dirs: string[] = [];
  const schemas: string[] = [];
  const sqlite: Backend = {
    name: 'sqlite',
    skip: null,
    options() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-store-'));
      dirs.push(dir);
      return { databaseUrl: null, sqlitePath: path.join(dir, 'data', 'daiban.sqlite') };
    },
    async open(opts, clock) {
      return openStore({ ...(opts ?? sqlite.options()), ...(clock ? { clock } : {}) });
    },
    async cleanup() {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
  const postgres: Backend = {
    name: 'postgres',
    skip: pgProblem && !REQUIRE_PG ? `PostgreSQL unreachable: ${pgProblem}` : null,
    options() {
      const schema = `daiban_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return { databaseUrl: PG_URL, sqlitePath: '/nonexistent/unused.sqlite', pgSchema: schema };
    },
    async open(opts, clock) {
      if (pgProblem) throw new Error(`PostgreSQL required (DAIBAN_REQUIRE_PG=1) but unreachable at ${PG_URL}: ${pgProblem}`);
      return openStore({ ...(opts ?? postgres.options()), ...(clock ? { clock } : {}) });
    },
    async cleanup() {
      const list = schemas.splice(0);
      if (list.length === 0 || pgProblem) return;
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        for (const s of list) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
  return [sqlite, postgres];
}
