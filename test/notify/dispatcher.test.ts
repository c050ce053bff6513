// The outbox dispatcher: delivers once, in order per destination, retries
// with backoff, and reports what it finally could not deliver.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Address, ChannelSender, Outbound } from '../../src/core/messages.ts';
import { createDispatcher } from '../../src/notify/dispatcher.ts';
import type { Store } from '../../src/store/index.ts';
import { undeliverableNotice } from '../../src/tickets/notifications.ts';
import { createRouting } from '../../src/tickets/routing.ts';
import { backends } from '../store/backends.ts';

const list = await backends();
const wx = (kind: Address['kind'], id: string): Address => ({ channel: 'wechaty', kind, id });
const OWNER = wx('direct', 'wxid_owner');
const OTHER = wx('direct', 'wxid_other');
const STAFF = wx('group', 'room_staff@chatroom');

/** A sender that records what it delivered and fails while `failing(message)` says so. */
function recorder(name = 'wechaty', failing: (m: Outbound) => boolean = () => false) {
  const sent: Outbound[] = [];
  const sender: ChannelSender = {
    name,
    async send(m) {
      if (failing(m)) throw new Error('WeChat says no (13812345678)');
      sent.push(m);
    },
  };
  return { sender, sent };
}

describe.each(list)('outbox dispatcher on $name', (backend) => {
  let store: Store;
  let now: Date;
  const clock = () => now;
  beforeEach(async (ctx) => {
    if (backend.skip) ctx.skip();
    now = new Date('2026-11-27T02:00:00Z');
    store = await backend.open(undefined, clock);
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => backend.cleanup());

  it('delivers each queued message once, oldest first', async () => {
    await store.outbox.enqueue([
      { message: { to: OWNER, text: 'one' }, kind: 't' },
      { message: { to: STAFF, text: 'two', actions: [{ label: '接单', command: '接单 1' }] }, kind: 't' },
      { message: { to: OWNER, text: 'three', handoff: { to: 'human', servicer: 'wxid_clerk' } }, kind: 't' },
    ]);
    const { sender, sent } = recorder();
    const d = createDispatcher({ store, senders: [sender], clock });
    expect(await d.runOnce()).toEqual({ delivered: 3, retried: 0, failed: 0 });
    expect(sent.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect(sent[1]!.actions).toEqual([{ label: '接单', command: '接单 1' }]);
    expect(sent[2]!.handoff).toEqual({ to: 'human', servicer: 'wxid_clerk' });
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(sent).toHaveLength(3);
  });

  it('retries with backoff; a later message to the same person waits, others do not', async () => {
    await store.outbox.enqueue([
      { message: { to: OWNER, text: 'first' }, kind: 't' },
      { message: { to: OWNER, text: 'second' }, kind: 't' },
      { message: { to: OTHER, text: 'other' }, kind: 't' },
    ]);
    let down = true;
    const { sender, sent } = recorder('wechaty', (m) => down && m.to.id === OWNER.id);
    const d = createDispatcher({ store, senders: [sender], clock, backoffMs: (n) => 1000 * 2 ** (n - 1) });
    expect(await d.runOnce()).toEqual({ delivered: 1, retried: 1, failed: 0 });
    expect(sent.map((m) => m.text)).toEqual(['other']);
    // Not due yet: nothing happens, and 'second' never overtakes 'first'.
    down = false;
    now = new Date(now.getTime() + 999);
    expect(await d.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    now = new Date(now.getTime() + 1);
    expect(await d.runOnce()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(sent.map((m) => m.text)).toEqual(['other', 'first', 'second']);
    const rows = await store.outbox.list();
    expect(rows.find((r) => r.message.text === 'first')).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('gives up after the last attempt: logged (masked) and reported to the ticket\'s staff group, never silently lost', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const routing = createRouting({ staffIds: [], staffRooms: [{ roomId: STAFF.id, town: '永安镇' }] });
    await store.outbox.enqueue([{ message: { to: OWNER, text: '您的代办单 #7 已受理，电话13812345678' }, kind: 'claim', ticketId: null, town: '永安镇' }]);
    const { sender, sent } = recorder('wechaty', (m) => m.to.id === OWNER.id);
    const d = createDispatcher({ store, senders: [sender], clock, logger, maxAttempts: 3, backoffMs: () => 1000, onUndeliverable: (row) => undeliverableNotice(row, routing) });
    const reports = [];
    for (let i = 0; i < 3; i++) {
      reports.push(await d.runOnce());
      now = new Date(now.getTime() + 1000);
    }
    expect(reports.map((r) => r.failed)).toEqual([0, 0, 1]);
    const [row] = (await store.outbox.list()).filter((r) => r.message.to.id === OWNER.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row!.lastError).not.toContain('13812345678');
    const failure = lines.find((l) => l.includes('outbox_undeliverable'));
    expect(failure).toBeDefined();
    expect(failure).not.toContain('13812345678');
    // The staff notice was queued with the failure and delivered.
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(STAFF);
    expect(sent[0]!.text).toContain('未能送达');
    expect(sent[0]!.text).not.toContain('13812345678');
  });

  it('two dispatchers at once deliver every message exactly once', async () => {
    await store.outbox.enqueue(Array.from({ length: 20 }, (_, i) => ({ message: { to: wx('direct', `p${i % 5}`), text: `m${i}` }, kind: 't' })));
    const a = recorder();
    const b = recorder();
    await Promise.all([createDispatcher({ store, senders: [a.sender], clock }).runOnce(), createDispatcher({ store, senders: [b.sender], clock }).runOnce()]);
    const all = [...a.sent, ...b.sent].map((m) => m.text).sort();
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
  });

  it('leaves messages for channels it has no sender for', async () => {
    await store.outbox.enqueue([{ message: { to: { channel: 'wecom-kf', kind: 'direct', id: 'ext1' }, text: 'kf' }, kind: 't' }]);
    const { sender, sent } = recorder();
    expect(await createDispatcher({ store, senders: [sender], clock }).runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(sent).toHaveLength(0);
    const kf = recorder('wecom-kf');
    expect((await createDispatcher({ store, senders: [kf.sender], clock }).runOnce()).delivered).toBe(1);
  });

  it('started, it delivers what a commit queued as soon as it is kicked', async () => {
    let resolve!: (m: Outbound) => void;
    const got = new Promise<Outbound>((r) => (resolve = r));
    const d = createDispatcher({ store, clock, pollMs: 3_600_000, senders: [{ name: 'wechaty', send: async (m) => resolve(m) }] });
    d.start();
    try {
      await store.transaction((tx) => tx.outbox.enqueue([{ message: { to: OWNER, text: 'now' }, kind: 't' }], now));
      d.kick();
      expect((await got).text).toBe('now');
    } finally {
      await d.stop();
    }
  });

  it('forgets delivered messages after the retention, keeps pending and failed ones', async () => {
    await store.outbox.enqueue([{ message: { to: OWNER, text: 'old' }, kind: 't' }], new Date('2026-11-01T00:00:00Z'));
    await store.outbox.enqueue([{ message: { to: { channel: 'nowhere', kind: 'direct', id: 'x' }, text: 'stuck' }, kind: 't' }], new Date('2026-11-01T00:00:00Z'));
    const { sender } = recorder();
    const d = createDispatcher({ store, senders: [sender], clock });
    await d.runOnce(); // delivers 'old'
    now = new Date(now.getTime() + 6 * 86_400_000);
    await d.runOnce();
    expect((await store.outbox.list()).map((r) => r.message.text)).toEqual(['old', 'stuck']); // within the 7 days
    now = new Date(now.getTime() + 2 * 86_400_000);
    await d.runOnce();
    expect((await store.outbox.list()).map((r) => r.message.text)).toEqual(['stuck']);
  });

  it('a staff post that cannot be delivered is reported to the clerks in private instead', async () => {
    const routing = createRouting({ staffIds: ['wxid_clerk'], staffRooms: [{ roomId: STAFF.id, town: '永安镇' }] });
    await store.outbox.enqueue([{ message: { to: STAFF, text: '【新代办单】#3' }, kind: 'ticket_created', ticketId: null, town: '永安镇' }]);
    const { sender, sent } = recorder('wechaty', (m) => m.to.id === STAFF.id);
    const d = createDispatcher({ store, senders: [sender], clock, maxAttempts: 1, onUndeliverable: (row) => undeliverableNotice(row, routing) });
    expect(await d.runOnce()).toMatchObject({ failed: 1, delivered: 1 });
    expect(sent.map((m) => m.to.id)).toEqual(['wxid_clerk']);
    expect(sent[0]!.text).toContain('发往群的「【新代办单】#3');
  });
});
