// One inbound message, one commit: the message id as seen, the turn's state
// changes and its outbound messages commit together (README-turns.md).
import type { OutboxEntry } from '../notify/outbox.ts';
import type { Store, Tx } from './index.ts';

/** How long a message id is remembered for de-duplication (channels re-deliver within minutes). */
export const SEEN_TTL_MS = 24 * 3600_000;

export interface TurnWork<T> {
  result: T;
  /** The turn's own outbound messages (ticket-service notices are queued by the service itself when given `tx`). */
  outbound?: OutboxEntry[];
}

export type TurnOutcome<T> = { duplicate: true } | { duplicate: false; result: T; queued: number[] };

/**
 * Runs `work` inside one write transaction that first claims the message id.
 * A duplicate (committed earlier, or by a concurrent process) returns
 * `{duplicate: true}` without running `work`. If anything throws — or the
 * process dies — before COMMIT, nothing is kept: the id stays unseen, so the
 * re-delivery is handled from scratch. Keep slow work (model calls) outside:
 * compute first, then commit here.
 */
export async function commitTurn<T>(
  store: Store,
  message: { channel: string; id: string },
  now: Date,
  work: (tx: Tx) => Promise<TurnWork<T>>,
  opts: { ttlMs?: number; beforeCommit?: () => void | Promise<void> } = {},
): Promise<TurnOutcome<T>> {
  return store.transaction(async (tx): Promise<TurnOutcome<T>> => {
    if (!(await tx.seen.firstSeen(`${message.channel}:${message.id}`, now.getTime(), opts.ttlMs ?? SEEN_TTL_MS))) return { duplicate: true };
    const { result, outbound = [] } = await work(tx);
    const queued = await tx.outbox.enqueue(outbound, now);
    await opts.beforeCommit?.();
    return { duplicate: false, result, queued };
  });
}
