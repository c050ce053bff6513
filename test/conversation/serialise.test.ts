// Turns of one person never interleave: in one process (keyed queue) and, on
// PostgreSQL, across processes (advisory lock held for the turn).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { keyedQueue, postgresSerialiser } from '../../src/conversation/serialise.ts';
import { revive, freshRecord, TTL } from '../../src/conversation/record.ts';
import { backends } from '../store/backends.ts';

const all = await backends();
const postgres = all.find((b) => b.name === 'postgres')!;
afterAll(async () => {
  for (const b of all) await b.cleanup();
});

/** A promise with its resolve function, to hold a task open until the test lets go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('keyed queue', () => {
  it('runs one key’s tasks in order, one at a time, and other keys alongside', async () => {
    const run = keyedQueue();
    const log: string[] = [];
    const hold = gate();
    const first = run('zhang', async () => {
      log.push('zhang 1 start');
      await hold.opened;
      log.push('zhang 1 end');
      return 1;
    });
    const second = run('zhang', async () => {
      log.push('zhang 2');
      return 2;
    });
    // Another person is not held up by 张老板's open turn.
    expect(await run('wang', async () => 'wang')).toBe('wang');
    expect(log).toEqual(['zhang 1 start']);
    hold.open();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['zhang 1 start', 'zhang 1 end', 'zhang 2']);
  });

  it('goes on with the next turn after one fails', async () => {
    const run = keyedQueue();
    await expect(run('zhang', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await run('zhang', async () => 'next')).toBe('next');
  });
});

describe('conversation record', () => {
  it('forgets a topic after its TTL and a record that is too old', () => {
    const r = freshRecord('wechaty:zhang', 0);
    r.topic = { items: ['食品经营许可'], town: '永安镇', at: 0 };
    expect(revive(r, 'wechaty:zhang', TTL.topicMs - 1).topic).not.toBeNull();
    expect(revive(r, 'wechaty:zhang', TTL.topicMs).topic).toBeNull();
    expect(revive({ ...r, mode: 'clerk' }, 'wechaty:zhang', TTL.recordMs + 1).mode).toBe('bot');
    expect(revive({ nonsense: true }, 'wechaty:zhang', 0)).toEqual(freshRecord('wechaty:zhang', 0));
  });
});

describe.skipIf(!!postgres.skip)('PostgreSQL serialiser', () => {
  it('holds one person’s turn across two processes (two pools) until it ends', async () => {
    const options = postgres.options();
    const [a, b] = [await postgres.open(options), await postgres.open(options)];
    try {
      const key = `test:${randomBytes(6).toString('hex')}`;
      const inA = postgresSerialiser(a.db);
      const inB = postgresSerialiser(b.db);
      const log: string[] = [];
      const hold = gate();
      const started = gate();
      const first = inA(key, async () => {
        log.push('A start');
        started.open();
        await hold.opened;
        log.push('A end');
      });
      await started.opened;
      const second = inB(key, async () => {
        log.push('B');
      });
      // Wait until B's advisory lock request is visibly waiting in PostgreSQL.
      for (;;) {
        const r = await sql<{ n: string }>`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`.execute(a.db);
        if (Number(r.rows[0]!.n) > 0) break;
      }
      expect(log).toEqual(['A start']);
      hold.open();
      await Promise.all([first, second]);
      expect(log).toEqual(['A start', 'A end', 'B']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
