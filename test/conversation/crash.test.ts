// kill -9 around a turn that creates a ticket, through the production app:
// inside the turn's transaction nothing is kept and the re-delivered 「确认」
// is handled once; after COMMIT the staff post and the confirmation are
// delivered once on restart, and the re-delivery is a no-op. SQLite and PostgreSQL.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { ChannelSender, Outbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';
import type { StoreOptions } from '../../src/store/index.ts';
import { backends, type Backend } from '../store/backends.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(ROOT, 'test/fixtures/app-turn-child.ts');
const STAFF_ROOM = 'yongan-staff@chatroom';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-turn-crash-'));
const base = { KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'), DATA_DIR: dataDir, STAFF_ROOMS: `${STAFF_ROOM}=永安镇`, RATE_PERSON: '100/60' };

const all = await backends();

beforeAll(async () => {
  // Build the knowledge index once, so the children only load it.
  const c = await openApp(loadConfig(base, ROOT), { logger: silentLogger() });
  await c.close();
}, 120_000);
afterAll(async () => {
  for (const b of all) await b.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function runChild(env: Record<string, string>, store: StoreOptions, mode: string): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ env, store }), mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (_code, signal) => resolve({ signal, stdout, stderr }));
  });
}

/** A channel that records what it is asked to deliver. */
function recorder(): ChannelSender & { sent: Outbound[]; until(done: (sent: Outbound[]) => boolean): Promise<void> } {
  const sent: Outbound[] = [];
  const waiters: (() => void)[] = [];
  return {
    name: 'wechaty',
    sent,
    async send(m) {
      sent.push(m);
      for (const w of waiters.splice(0)) w();
    },
    async until(done) {
      while (!done(sent)) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

async function restart(env: Record<string, string>, backend: Backend, store: StoreOptions) {
  const opened = await openApp(loadConfig(env, ROOT), { logger: silentLogger(), openStore: () => backend.open(store) });
  const channel = recorder();
  const confirm = () =>
    opened.app.handle({
      id: 'confirm',
      chat: { channel: 'wechaty', kind: 'direct', id: 'zhang' },
      sender: { channel: 'wechaty', id: 'zhang', name: '张老板' },
      text: '确认',
      mentioned: false,
      timestamp: Date.now(),
    });
  return { opened, channel, confirm };
}

/** The requester's confirmation of the ticket (the dialog's earlier replies also wait in the outbox). PostgreSQL may skip a number a rolled-back turn took. */
const TICKET = /#\d+（DB-\d{8}-\d{4}）/;
const toZhang = (m: Outbound) => m.to.kind === 'direct' && m.to.id === 'zhang' && TICKET.test(m.text);
const toStaff = (m: Outbound) => m.to.kind === 'group' && m.to.id === STAFF_ROOM;
const both = (sent: Outbound[]) => sent.some(toZhang) && sent.some(toStaff);

describe.each(all)('kill -9 around the turn that creates a ticket ($name)', (backend) => {
  it.skipIf(!!backend.skip)('inside the transaction: nothing is kept; the re-delivered 确认 creates the ticket and its messages once', async () => {
    const env = { ...base, DATA_DIR: fs.mkdtempSync(path.join(dataDir, 'before-')) };
    fs.cpSync(path.join(dataDir, 'index'), path.join(env.DATA_DIR, 'index'), { recursive: true });
    const store = backend.options();
    const child = await runChild(env, store, 'before-commit');
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('committed');

    const { opened, channel, confirm } = await restart(env, backend, store);
    try {
      expect(await opened.store.tickets.list()).toEqual([]);
      const queued = (await opened.store.outbox.list()).map((r) => r.message);
      expect(queued.filter(toStaff)).toEqual([]);
      expect(queued.filter((m) => TICKET.test(m.text))).toEqual([]);
      opened.app.registerChannel(channel);
      const out = await confirm();
      expect(out.filter(toZhang)).toHaveLength(1);
      expect(out.filter(toStaff)).toHaveLength(1);
      await channel.until(both);
      expect(await opened.store.tickets.list()).toHaveLength(1);
      // A further re-delivery is a no-op.
      expect(await confirm()).toEqual([]);
      expect(channel.sent.filter(toZhang)).toHaveLength(1);
      expect(channel.sent.filter(toStaff)).toHaveLength(1);
    } finally {
      await opened.close();
    }
  }, 120_000);

  it.skipIf(!!backend.skip)('after COMMIT, before delivery: on restart the staff post and the confirmation are delivered once', async () => {
    const env = { ...base, DATA_DIR: fs.mkdtempSync(path.join(dataDir, 'after-')) };
    fs.cpSync(path.join(dataDir, 'index'), path.join(env.DATA_DIR, 'index'), { recursive: true });
    const store = backend.options();
    const child = await runChild(env, store, 'after-commit');
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).toContain('committed');

    const { opened, channel, confirm } = await restart(env, backend, store);
    try {
      expect(await opened.store.tickets.list()).toHaveLength(1);
      opened.app.registerChannel(channel);
      await channel.until(both);
      // The channel re-delivers 确认: already handled, nothing new is sent.
      expect(await confirm()).toEqual([]);
      expect(channel.sent.filter(toZhang)).toHaveLength(1);
      expect(channel.sent.filter(toStaff)).toHaveLength(1);
      expect(channel.sent.find(toStaff)!.text).not.toContain('13812345678');
      expect(await opened.store.tickets.list()).toHaveLength(1);
    } finally {
      await opened.close();
    }
  }, 120_000);
});
