// The outbox: every outbound message is a row, written in the same
// transaction as the state change that caused it (bind the repo to that
// transaction: `store.transaction(tx => tx.outbox.enqueue(…))`). The
// dispatcher (dispatcher.ts) claims due rows, delivers them through the
// channel's sender and marks them delivered, retried or failed.
//
// Ordering: a row is only claimed when no older row to the same destination
// is still pending, so one person gets their messages in the order written.
// Delivery is at-least-once at the transport boundary (a crash between the
// channel accepting a message and the row being marked leaves it to be sent
// again after the lease); every other crash delivers exactly once.
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { addressKey, type Outbound } from '../core/messages.ts';
import type { Database, OutboxTable } from '../store/schema.ts';

const addressSchema = z.object({ channel: z.string().min(1), kind: z.enum(['group', 'direct']), id: z.string().min(1) });
export const outboundSchema = z.object({
  to: addressSchema,
  text: z.string(),
  mention: z.object({ id: z.string(), name: z.string() }).optional(),
  actions: z.array(z.object({ label: z.string(), command: z.string() })).optional(),
  handoff: z.object({ to: z.enum(['human', 'bot']), servicer: z.string().optional() }).optional(),
});

export interface OutboxEntry {
  message: Outbound;
  /** What caused it: ticket_created, claim, relay, reply, delivery_failed … (for logs and reports). */
  kind: string;
  ticketId?: number | null;
  /** The ticket's town, so a delivery failure can be reported to the right staff. */
  town?: string | null;
}

export type OutboxStatus = 'pending' | 'delivered' | 'failed';

export interface OutboxRow extends Required<OutboxEntry> {
  id: number;
  status: OutboxStatus;
  attempts: number;
  nextAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface OutboxRepo {
  /** Queues messages (in the caller's transaction when bound to one). Returns their ids. */
  enqueue(entries: OutboxEntry[], now?: Date): Promise<number[]>;
  /**
   * Leases up to `limit` due rows for these channels, the oldest pending row
   * per destination only. Another dispatcher cannot take them until `leaseMs` passes.
   */
  claimDue(channels: string[], opts: { now: Date; leaseMs: number; limit: number }): Promise<OutboxRow[]>;
  markDelivered(id: number, now?: Date): Promise<void>;
  /** Counts an attempt and schedules the next one. */
  markRetry(id: number, error: string, nextAt: Date): Promise<void>;
  /** Counts the last attempt and gives up. */
  markFailed(id: number, error: string, now?: Date): Promise<void>;
  list(filter?: { status?: OutboxStatus; ticketId?: number }): Promise<OutboxRow[]>;
  /** Deletes rows delivered before `before` (their text may hold personal data); returns how many. */
  purgeDelivered(before: Date): Promise<number>;
}

const iso = (d: Date) => d.toISOString();

function toRow(r: Selectable<OutboxTable>): OutboxRow {
  const message = outboundSchema.parse(JSON.parse(r.message)) as Outbound;
  const status: OutboxStatus = r.status === 'delivered' || r.status === 'failed' ? r.status : 'pending';
  return {
    id: Number(r.id),
    message,
    kind: r.kind,
    ticketId: r.ticket_id === null ? null : Number(r.ticket_id),
    town: r.town,
    status,
    attempts: Number(r.attempts),
    nextAt: new Date(r.next_at),
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    deliveredAt: r.delivered_at ? new Date(r.delivered_at) : null,
  };
}

export function createOutboxRepo(db: Kysely<Database>, clock: () => Date): OutboxRepo {
  return {
    async enqueue(entries, now = clock()) {
      if (entries.length === 0) return [];
      const at = iso(now);
      const rows = await db
        .insertInto('outbox')
        .values(
          entries.map((e) => {
            const message = outboundSchema.parse(e.message);
            return {
              dest: addressKey(message.to),
              channel: message.to.channel,
              message: JSON.stringify(message),
              kind: e.kind,
              ticket_id: e.ticketId ?? null,
              town: e.town ?? null,
              status: 'pending',
              next_at: at,
              lease_until: null,
              last_error: null,
              created_at: at,
              delivered_at: null,
            };
          }),
        )
        .returning('id')
        .execute();
      return rows.map((r) => Number(r.id));
    },

    async claimDue(channels, { now, leaseMs, limit }) {
      if (channels.length === 0) return [];
      const t = iso(now);
      const until = iso(new Date(now.getTime() + leaseMs));
      // One statement, so it is atomic on both databases; the outer conditions
      // are re-checked on PostgreSQL after a concurrent dispatcher's update, so
      // two dispatchers never lease the same row.
      const { rows } = await sql<Selectable<OutboxTable>>`
        update outbox set lease_until = ${until}
        where id in (
          select o.id from outbox o
          where o.status = 'pending' and o.channel in (${sql.join(channels)})
            and o.next_at <= ${t} and (o.lease_until is null or o.lease_until <= ${t})
            and not exists (select 1 from outbox p where p.dest = o.dest and p.id < o.id and p.status = 'pending')
          order by o.id
          limit ${limit}
        )
        and status = 'pending' and (lease_until is null or lease_until <= ${t})
        returning *`.execute(db);
      return rows.map(toRow).sort((a, b) => a.id - b.id);
    },

    async markDelivered(id, now = clock()) {
      await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'delivered', delivered_at: iso(now), lease_until: null, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },

    async markRetry(id, error, nextAt) {
      await db
        .updateTable('outbox')
        .set((eb) => ({ next_at: iso(nextAt), last_error: error.slice(0, 500), lease_until: null, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },

    async markFailed(id, error) {
      await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'failed', last_error: error.slice(0, 500), lease_until: null, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },

    async list(filter = {}) {
      let q = db.selectFrom('outbox').selectAll();
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.ticketId !== undefined) q = q.where('ticket_id', '=', filter.ticketId);
      return (await q.orderBy('id').execute()).map(toRow);
    },

    async purgeDelivered(before) {
      const res = await db.deleteFrom('outbox').where('status', '=', 'delivered').where('delivered_at', '<', iso(before)).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
