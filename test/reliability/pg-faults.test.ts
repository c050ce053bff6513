// PostgreSQL behind a TCP proxy that can be cut (outage) or blackholed (hang):
// the process survives, queries fail with a DependencyError within the
// configured timeouts, and work resumes when the link is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../src/errors.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { backends, PG_URL, probePostgres } from '../store/backends.ts';
import { TcpProxy } from './tcp-proxy.ts';

const pgProblem = await probePostgres();
const all = await backends();
const postgres = all.find((b) => b.name === 'postgres')!;

const TIMEOUTS = { connectMs: 800, queryMs: 1200, idleInTransactionMs: 2000 };

/** Runs a query, returns how it ended and how long it took. */
async function timed(store: Store): Promise<{ ok: boolean; err?: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await store.tickets.list();
    return { ok: true, ms: Date.now() - t0 };
  } catch (err) {
    return { ok: false, err, ms: Date.now() - t0 };
  }
}

describe.skipIf(postgres.skip)('PostgreSQL faults through a TCP proxy', () => {
  let proxy: TcpProxy;
  let store: Store;
  const poolErrors: unknown[] = [];

  beforeAll(async () => {
    if (pgProblem) throw new Error(pgProblem);
    proxy = await TcpProxy.start(Number(new URL(PG_URL).port || 5432));
    const opts = postgres.options();
    store = await openStore({ ...opts, databaseUrl: proxy.url(PG_URL), pgTimeouts: TIMEOUTS, onPoolError: (e) => poolErrors.push(e) });
    // Several idle connections in the pool, so the cut hits idle clients too.
    await Promise.all([timed(store), timed(store), timed(store)]);
  });
  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await postgres.cleanup();
  });

  it('an outage: the process survives, queries fail fast with a DependencyError, work resumes after', async () => {
    expect((await timed(store)).ok).toBe(true);
    proxy.cut();
    for (let i = 0; i < 3; i++) {
      const r = await timed(store);
      expect(r.ok).toBe(false);
      expect(r.err).toBeInstanceOf(DependencyError);
      expect((r.err as DependencyError).dependency).toBe('PostgreSQL');
      expect(r.ms).toBeLessThan(TIMEOUTS.connectMs + TIMEOUTS.queryMs + 500);
    }
    proxy.restore();
    const after = await timed(store);
    expect(after.err).toBeUndefined();
    expect(after.ok).toBe(true);
  });

  it('a hang (blackhole): queries fail within the timeout instead of hanging, work resumes after', async () => {
    expect((await timed(store)).ok).toBe(true);
    proxy.blackhole();
    const hung = await Promise.all([timed(store), timed(store)]);
    for (const r of hung) {
      expect(r.ok).toBe(false);
      expect(r.err).toBeInstanceOf(DependencyError);
      expect(r.ms).toBeLessThan(TIMEOUTS.connectMs + TIMEOUTS.queryMs + 500);
    }
    proxy.restore();
    const after = await timed(store);
    expect(after.err).toBeUndefined();
    expect(after.ok).toBe(true);
  });

  it('a transaction caught by a hang fails once within the query timeout (its rollback does not wait again)', async () => {
    expect((await timed(store)).ok).toBe(true);
    let t0 = 0;
    const err = await store.tickets
      .create(
        { requesterId: 'wxid_a', requesterName: '张老板', companyName: '某某店', creditCode: '91350100M000100Y43', contactName: '张三', phone: '13812345678', preparedMaterials: null, town: '永安镇', dialogKey: 'hang-1' },
        [{ name: '食品经营许可', promisedLimit: 5 }],
        { actor: { id: 'wxid_a', name: '张老板' } },
        {
          // The link hangs inside the transaction, just before COMMIT.
          beforeCommit: () => {
            proxy.blackhole();
            t0 = Date.now();
          },
        },
      )
      .then(() => null, (e: unknown) => e);
    const ms = Date.now() - t0;
    proxy.restore();
    expect(err).toBeInstanceOf(DependencyError);
    expect(ms).toBeLessThan(TIMEOUTS.connectMs + TIMEOUTS.queryMs + 500);
    expect((await timed(store)).ok).toBe(true);
  });

  it('a constraint violation is not a dependency error', async () => {
    const err = await store.db
      .insertInto('ticket_items' as never)
      .values({ ticket_id: 999999999 } as never)
      .execute()
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DependencyError);
  });
});

describe.skipIf(postgres.skip)('PostgreSQL: several processes starting at once on a new schema', () => {
  afterAll(() => postgres.cleanup());
  it('all of them create the schema and migrate', async () => {
    const opts = postgres.options();
    const stores = await Promise.allSettled(Array.from({ length: 5 }, () => openStore(opts)));
    const failed = stores.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    for (const r of stores) if (r.status === 'fulfilled') await r.value.close();
    expect(failed).toEqual([]);
  });
});
