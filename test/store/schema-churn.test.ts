// PostgreSQL shared with other clients that create and drop schemas all the
// time (parallel test runs, other apps): opening the store still migrates.
// Kysely's introspection scans every schema and used to fail with
// "schema … does not exist" when one vanished mid-scan (9 of 25 opens).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { PG_URL, probePostgres } from './backends.ts';

const pgProblem = await probePostgres();

describe('store on a PostgreSQL whose schemas churn', () => {
  it('every open migrates while other clients create and drop schemas', { timeout: 120_000 }, async (ctx) => {
    if (pgProblem && process.env.DAIBAN_REQUIRE_PG !== '1') ctx.skip();
    let stop = false;
    const churn = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        while (!stop) {
          const s = `churn_${randomBytes(5).toString('hex')}`;
          await c.query(`create schema ${s}; create table ${s}.t (id serial primary key, x text); create table ${s}.u (id serial primary key)`);
          await c.query(`drop schema ${s} cascade`);
        }
      } finally {
        await c.end();
      }
    };
    const churners = [churn(), churn(), churn()];
    const schemas: string[] = [];
    const failures: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const schema = `daiban_test_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        try {
          const store = await openStore({ databaseUrl: PG_URL, sqlitePath: '/nonexistent/unused.sqlite', pgSchema: schema });
          await store.close();
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    } finally {
      stop = true;
      await Promise.all(churners);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      for (const s of schemas) await c.query(`drop schema if exists ${s} cascade`);
      await c.end();
    }
    expect(failures).toEqual([]);
  });
});
