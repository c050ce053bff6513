// kill -9 during ticket creation leaves either the whole ticket (with its items
// and first event) or nothing; kill -9 after it commits loses no message.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Outbound } from '../../src/core/messages.ts';
import { openStore, type Store, type StoreOptions } from '../../src/store/index.ts';
import { backends } from '../store/backends.ts';

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

// The outbox: kill -9 after the ticket commits and before anything is sent.
// On restart, the staff post and the requester's confirmation are delivered,
// each exactly once (a second restart sends nothing more).
const OUTBOX_CHILD = path.join(ROOT, 'test/fixtures/outbox-child.ts');
const backendList = await backends();

function runOutboxChild(opts: StoreOptions, ...args: string[]) {
  return runOutboxChildKilled(opts, undefined, ...args);
}

/** With `killAfterReadyMs`: SIGKILL that long after the child prints "ready". */
function runOutboxChildKilled(opts: StoreOptions, killAfterReadyMs: number | undefined, ...args: string[]) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', OUTBOX_CHILD, JSON.stringify(opts), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe.each(backendList)('kill -9 between commit and delivery ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('on restart the staff post and the confirmation are delivered exactly once', { timeout: 60_000 }, async (ctx) => {
    if (backend.skip) ctx.skip();
    const opts = backend.options();
    const died = await runOutboxChild(opts, 'commit-then-die');
    expect(died.signal, died.err).toBe('SIGKILL');
    expect(died.out).toContain('committed 1');

    const sent = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-outbox-')), 'sent.jsonl');
    dirs.push(path.dirname(sent));
    const first = await runOutboxChild(opts, 'deliver', sent);
    expect(first.code, first.err).toBe(0);
    const second = await runOutboxChild(opts, 'deliver', sent);
    expect(second.code, second.err).toBe(0);

    const messages = fs.readFileSync(sent, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Outbound);
    const toOwner = messages.filter((m) => m.to.id === 'wxid_owner');
    const toStaff = messages.filter((m) => m.to.id === 'room_staff_yongan@chatroom');
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]!.text).toContain('代办单已登记：#1');
    expect(toStaff).toHaveLength(1);
    expect(toStaff[0]!.text).toContain('新代办单');
    expect(toStaff[0]!.text).not.toContain('13812345678');
    expect(messages).toHaveLength(2);

    const store = await backend.open(opts);
    try {
      expect((await store.outbox.list()).map((r) => r.status)).toEqual(['delivered', 'delivered']);
    } finally {
      await store.close();
    }
  });

  it.for([5, 40])('SIGKILL at a random moment of a run of 确认 (%i ms in): every committed ticket reaches staff and requester exactly once', { timeout: 60_000 }, async (ms, ctx) => {
    if (backend.skip) ctx.skip();
    const opts = backend.options();
    const died = await runOutboxChildKilled(opts, ms, 'loop');
    expect(died.signal, died.err).toBe('SIGKILL');
    const sent = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-outbox-')), 'sent.jsonl');
    dirs.push(path.dirname(sent));
    expect((await runOutboxChild(opts, 'deliver', sent)).code).toBe(0);
    expect((await runOutboxChild(opts, 'deliver', sent)).code).toBe(0);
    const store = await backend.open(opts);
    try {
      const tickets = await store.tickets.list();
      expect(tickets.length).toBeGreaterThanOrEqual(1);
      const messages = fs.readFileSync(sent, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Outbound);
      for (const t of tickets) {
        expect(messages.filter((m) => m.to.id === 'wxid_owner' && m.text.includes(`代办单已登记：#${t.id}（`))).toHaveLength(1);
        expect(messages.filter((m) => m.to.id === 'room_staff_yongan@chatroom' && m.text.includes(`#${t.id}（${t.number}）`))).toHaveLength(1);
      }
      expect(messages).toHaveLength(tickets.length * 2); // nothing for a ticket that did not commit
    } finally {
      await store.close();
    }
  });
});
