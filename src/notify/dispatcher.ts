// Delivers the outbox through the registered channel senders: claims due rows
// (oldest first, one at a time per destination), sends, marks. A failed send
// is retried with exponential backoff; after `maxAttempts` the row is marked
// failed, logged, and reported to staff (a notice queued through the outbox
// itself, never about a notice). Call `kick()` after a commit that queued
// messages; a poll picks up anything else (other processes, restarts).
import pino, { type Logger } from 'pino';
import type { ChannelSender } from '../core/messages.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import type { Store } from '../store/index.ts';
import type { OutboxEntry, OutboxRow } from './outbox.ts';

export interface DispatcherOptions {
  store: Store;
  senders?: ChannelSender[];
  clock?: () => Date;
  logger?: Logger;
  /** Attempts before a message is given up (default 6: about 1 + 2 + 4 + 8 + 16 s of backoff). */
  maxAttempts?: number;
  /** Delay before attempt n+1 after n failed ones (default 1 s · 2^(n-1), at most 5 min). */
  backoffMs?: (attempts: number) => number;
  /** How long a claimed row is held before another dispatcher may take it (default 60 s). */
  leaseMs?: number;
  /** Poll interval for rows written elsewhere (default 2 s). */
  pollMs?: number;
  /** Delivered rows are deleted after this long (default 7 days): the outbox is not an archive of personal data. */
  keepDeliveredMs?: number;
  /** Messages telling staff that `row` could not be delivered (queued in the same transaction as marking it failed). */
  onUndeliverable?: (row: OutboxRow) => OutboxEntry[];
}

export interface DispatchReport {
  delivered: number;
  retried: number;
  failed: number;
}

export interface Dispatcher {
  register(sender: ChannelSender): void;
  /** Delivers what is due now (repeats until nothing due is left). */
  runOnce(): Promise<DispatchReport>;
  /** Starts polling; `kick()` runs a pass at once. */
  start(): void;
  kick(): void;
  /** Stops polling and waits for the pass in flight. */
  stop(): Promise<void>;
}

export const UNDELIVERABLE_KIND = 'delivery_failed';

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { store } = opts;
  const clock = opts.clock ?? (() => new Date());
  const log = opts.logger ?? pino({ level: 'silent' });
  const maxAttempts = opts.maxAttempts ?? 6;
  const backoff = opts.backoffMs ?? ((n: number) => Math.min(1000 * 2 ** (n - 1), 300_000));
  const leaseMs = opts.leaseMs ?? 60_000;
  const pollMs = opts.pollMs ?? 2000;
  const keepDeliveredMs = opts.keepDeliveredMs ?? 7 * 86_400_000;
  let lastPurge = 0;
  const senders = new Map<string, ChannelSender>();
  for (const s of opts.senders ?? []) senders.set(s.name, s);

  let running: Promise<DispatchReport> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let started = false;

  async function deliver(row: OutboxRow, report: DispatchReport): Promise<void> {
    const sender = senders.get(row.message.to.channel)!;
    try {
      await sender.send(row.message);
      await store.outbox.markDelivered(row.id, clock());
      report.delivered++;
      log.debug({ event: 'outbox_delivered', id: row.id, kind: row.kind, ticket: row.ticketId }, 'outbound delivered');
    } catch (err) {
      const error = maskPersonalData((err as Error)?.message || String(err));
      const attempts = row.attempts + 1;
      if (attempts < maxAttempts) {
        await store.outbox.markRetry(row.id, error, new Date(clock().getTime() + backoff(attempts)));
        report.retried++;
        log.warn({ event: 'outbox_retry', id: row.id, kind: row.kind, ticket: row.ticketId, attempts, error }, 'outbound delivery failed, will retry');
        return;
      }
      const notices = row.kind === UNDELIVERABLE_KIND ? [] : (opts.onUndeliverable?.(row) ?? []);
      await store.transaction(async (tx) => {
        await tx.outbox.markFailed(row.id, error, clock());
        await tx.outbox.enqueue(notices, clock());
      });
      report.failed++;
      log.error(
        {
          event: 'outbox_undeliverable',
          id: row.id,
          kind: row.kind,
          ticket: row.ticketId,
          to: `${row.message.to.channel}:${row.message.to.kind}`,
          attempts,
          error,
          text: maskPersonalData(row.message.text).slice(0, 200),
        },
        'outbound message could not be delivered',
      );
    }
  }

  async function pass(): Promise<DispatchReport> {
    const report: DispatchReport = { delivered: 0, retried: 0, failed: 0 };
    const t = clock().getTime();
    if (t - lastPurge >= 3600_000) {
      lastPurge = t;
      const purged = await store.outbox.purgeDelivered(new Date(t - keepDeliveredMs));
      if (purged > 0) log.info({ event: 'outbox_purged', rows: purged }, 'old delivered messages removed');
    }
    for (;;) {
      const rows = await store.outbox.claimDue([...senders.keys()], { now: clock(), leaseMs, limit: 50 });
      if (rows.length === 0) return report;
      // Rows are for distinct destinations: deliver one destination after another, in id order.
      for (const row of rows) await deliver(row, report);
    }
  }

  function runOnce(): Promise<DispatchReport> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let total: DispatchReport = { delivered: 0, retried: 0, failed: 0 };
        do {
          again = false;
          const r = await pass();
          total = { delivered: total.delivered + r.delivered, retried: total.retried + r.retried, failed: total.failed + r.failed };
        } while (again);
        return total;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function schedule(ms: number) {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .catch((err: unknown) => log.error({ event: 'outbox_pass_failed', err: maskPersonalData(String((err as Error)?.message ?? err)) }, 'outbox pass failed'))
        .finally(() => schedule(pollMs));
    }, ms);
    timer.unref?.();
  }

  return {
    register(sender) {
      senders.set(sender.name, sender);
    },
    runOnce,
    start() {
      if (started) return;
      started = true;
      schedule(0);
    },
    kick() {
      if (started) schedule(0);
      else void runOnce().catch(() => undefined);
    },
    async stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}
