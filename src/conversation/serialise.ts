// Turns of one person run one after another, never interleaved: the second
// message of a person waits until the first one's conversation record is
// saved. In one process a keyed queue does it; on PostgreSQL an advisory
// transaction lock on the person's key makes it hold across processes too.
import { sql, type Kysely } from 'kysely';

export type Serialiser = <T>(key: string, task: () => Promise<T>) => Promise<T>;

/** Runs tasks with the same key one after another; different keys run concurrently. */
export function keyedQueue(): Serialiser & { readonly busy: number } {
  const tails = new Map<string, Promise<unknown>>();
  let busy = 0;
  const run = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    busy++;
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.finally(() => {
      busy--;
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
  return Object.defineProperty(run, 'busy', { get: () => busy }) as Serialiser & { readonly busy: number };
}

/**
 * On PostgreSQL: the keyed queue, and inside it `pg_advisory_xact_lock` on the
 * key held for the whole turn (on its own connection), so two processes never
 * run turns of one person at once. At most `maxLocks` turns hold a lock
 * connection at a time, leaving the rest of the pool for the turns' own work.
 */
export function postgresSerialiser(db: Kysely<any>, maxLocks = 4): Serialiser {
  const local = keyedQueue();
  let holding = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (holding >= maxLocks) await new Promise<void>((r) => waiting.push(r));
    holding++;
  };
  const release = () => {
    holding--;
    waiting.shift()?.();
  };
  return (key, task) =>
    local(key, async () => {
      await acquire();
      try {
        return await db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
          return task();
        });
      } finally {
        release();
      }
    });
}
