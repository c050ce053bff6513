// kill -9 during ticket creation leaves either the whole ticket (with its items
// and first event) or nothing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = path.join(ROOT, 'test/fixtures/crash-child.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-crash-'));
  dirs.push(dir);
  return path.join(dir, 'daiban.sqlite');
}

function runChild(sqlitePath: string, mode: string, killAfterReadyMs?: number) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, sqlitePath, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (killAfterReadyMs !== undefined && out.includes('ready')) {
        setTimeout(() => child.kill('SIGKILL'), killAfterReadyMs);
        killAfterReadyMs = undefined;
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/** Every ticket is whole: number assigned, both items, the created event first. Nothing dangles. */
async function expectWhole(store: Store) {
  const tickets = await store.tickets.list();
  for (const t of tickets) {
    expect(t.number).toMatch(/^DB-\d{8}-\d{4}$/);
    expect(t.items.map((i) => i.name)).toEqual(['食品经营许可', '个体工商户登记']);
    const events = await store.tickets.events(t.id);
    expect(events[0]).toMatchObject({ kind: 'created', toStatus: 'registered' });
  }
  const ids = new Set(tickets.map((t) => t.id));
  const items = await store.db.selectFrom('ticket_items').select('ticket_id').execute();
  const events = await store.db.selectFrom('ticket_events').select('ticket_id').execute();
  expect(items.every((i) => ids.has(i.ticket_id))).toBe(true);
  expect(events.every((e) => ids.has(e.ticket_id))).toBe(true);
  expect(items).toHaveLength(tickets.length * 2);
  expect(events).toHaveLength(tickets.length);
  return tickets;
}

describe('kill -9 during ticket creation (SQLite file)', () => {
  it('SIGKILL inside the transaction: the ticket is absent, the earlier one whole', async () => {
    const file = tempDb();
    const r = await runChild(file, 'before-commit');
    expect(r.signal, r.err).toBe('SIGKILL');
    expect(r.out).not.toContain('unreachable');
    const store = await openStore({ databaseUrl: null, sqlitePath: file });
    try {
      const tickets = await expectWhole(store);
      expect(tickets.map((t) => t.dialogKey)).toEqual(['a']);
      // The key of the killed creation is free: creating again works once.
      const again = await store.tickets.create(
        { ...tickets[0]!, preparedMaterials: null, dialogKey: 'b' },
        [{ name: '食品经营许可', promisedLimit: 5 }, { name: '个体工商户登记', promisedLimit: '即办' }],
        { actor: { id: 'wxid_owner', name: '张老板' } },
      );
      expect(again.created).toBe(true);
    } finally {
      await store.close();
    }
  });

  it.each([5, 25, 60])('SIGKILL at a random moment (%i ms after the first ticket): every ticket whole', async (ms) => {
    const file = tempDb();
    const r = await runChild(file, 'loop', ms);
    expect(r.signal, r.err).toBe('SIGKILL');
    const store = await openStore({ databaseUrl: null, sqlitePath: file });
    try {
      const tickets = await expectWhole(store);
      expect(tickets.length).toBeGreaterThanOrEqual(1);
    } finally {
      await store.close();
    }
  });
});
