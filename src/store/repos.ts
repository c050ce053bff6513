// The small stores next to the tickets: chat bindings, seen message ids, the
// unanswered-question log, dialog state, pending group requests, SLA notices
// and the staff directory (names → contact ids, learnt as staff speak).
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { BindingRepo, SeenStore, UnansweredEntry, UnansweredRepo } from './types.ts';

const iso = (d: Date | number) => new Date(d).toISOString();

export function createBindingRepo(db: Kysely<Database>, clock: () => Date): BindingRepo {
  return {
    async get(chatId) {
      const row = await db.selectFrom('chat_bindings').select('town').where('chat_id', '=', chatId).executeTakeFirst();
      return row?.town ?? null;
    },
    async set(chatId, town, by) {
      const at = iso(clock());
      await db
        .insertInto('chat_bindings')
        .values({ chat_id: chatId, town, by, at })
        .onConflict((oc) => oc.column('chat_id').doUpdateSet({ town, by, at }))
        .execute();
    },
    async remove(chatId) {
      const res = await db.deleteFrom('chat_bindings').where('chat_id', '=', chatId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

export function createSeenRepo(db: Kysely<Database>): SeenStore {
  return {
    async firstSeen(messageId, now, ttlMs) {
      await db.deleteFrom('seen_messages').where('at', '<', iso(now - ttlMs)).execute();
      const res = await db
        .insertInto('seen_messages')
        .values({ id: messageId, at: iso(now) })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async has(messageId, now, ttlMs) {
      const row = await db.selectFrom('seen_messages').select('id').where('id', '=', messageId).where('at', '>=', iso(now - ttlMs)).executeTakeFirst();
      return row !== undefined;
    },
  };
}

const CANDIDATES = (s: string): UnansweredEntry['candidates'] => {
  try {
    const v: unknown = JSON.parse(s);
    if (!Array.isArray(v)) return [];
    return v.flatMap((c: unknown) =>
      c && typeof c === 'object' && 'item' in c && 'score' in c && typeof c.item === 'string' && typeof c.score === 'number'
        ? [{ item: c.item, score: c.score }]
        : [],
    );
  } catch {
    return [];
  }
};

export function createUnansweredRepo(db: Kysely<Database>): UnansweredRepo {
  return {
    async add(e) {
      await db
        .insertInto('unanswered')
        .values({
          question: e.question,
          normalized: e.normalized,
          town: e.town,
          status: e.status,
          candidates: JSON.stringify(e.candidates),
          at: iso(e.at),
        })
        .execute();
    },
    async list(since) {
      let q = db.selectFrom('unanswered').selectAll();
      if (since) q = q.where('at', '>=', iso(since));
      const rows = await q.orderBy('at').orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        question: r.question,
        normalized: r.normalized,
        town: r.town,
        status: r.status === 'out_of_scope' || r.status === 'partial' ? r.status : 'no_match',
        candidates: CANDIDATES(r.candidates),
        at: new Date(r.at),
      }));
    },
  };
}

/**
 * Dialog state per requester — per (channel, person id): the same id on two
 * channels is two people — stored as JSON; the dialog module validates it.
 * `channel` defaults to Wechaty (the only channel before channels existed).
 */
export interface DialogRepo {
  get(requesterId: string, channel?: string): Promise<{ state: unknown; updatedAt: Date } | undefined>;
  save(requesterId: string, state: unknown, now?: Date, channel?: string): Promise<void>;
  clear(requesterId: string, channel?: string): Promise<void>;
}

const WECHATY = 'wechaty';

export function createDialogRepo(db: Kysely<Database>, clock: () => Date): DialogRepo {
  return {
    async get(requesterId, channel = WECHATY) {
      const row = await db
        .selectFrom('dialogs')
        .selectAll()
        .where('channel', '=', channel)
        .where('requester_id', '=', requesterId)
        .executeTakeFirst();
      if (!row) return undefined;
      let state: unknown;
      try {
        state = JSON.parse(row.state);
      } catch {
        return undefined;
      }
      return { state, updatedAt: new Date(row.updated_at) };
    },
    async save(requesterId, state, now = clock(), channel = WECHATY) {
      const json = JSON.stringify(state);
      const at = iso(now);
      await db
        .insertInto('dialogs')
        .values({ channel, requester_id: requesterId, state: json, updated_at: at })
        .onConflict((oc) => oc.columns(['channel', 'requester_id']).doUpdateSet({ state: json, updated_at: at }))
        .execute();
    },
    async clear(requesterId, channel = WECHATY) {
      await db.deleteFrom('dialogs').where('channel', '=', channel).where('requester_id', '=', requesterId).execute();
    },
  };
}

export interface PendingRequest {
  id: number;
  /** The requester's channel; default Wechaty. */
  channel?: string;
  requesterId: string;
  requesterName: string;
  items: string[];
  town: string | null;
  scenario: string | null;
  fromChat: string | null;
  at: Date;
}

/** Requests made in a group, waiting for the requester to open the private chat. */
export interface PendingRepo {
  add(p: Omit<PendingRequest, 'id' | 'at'>, now?: Date): Promise<void>;
  /** The latest unconsumed request of this person on this channel (default Wechaty; newer than maxAgeMs, if given). */
  peek(requesterId: string, maxAgeMs?: number, now?: Date, channel?: string): Promise<PendingRequest | undefined>;
  consume(id: number, now?: Date): Promise<void>;
}

export function createPendingRepo(db: Kysely<Database>, clock: () => Date): PendingRepo {
  return {
    async add(p, now = clock()) {
      await db
        .insertInto('pending_requests')
        .values({
          channel: p.channel ?? WECHATY,
          requester_id: p.requesterId,
          requester_name: p.requesterName,
          items: JSON.stringify(p.items),
          town: p.town,
          scenario: p.scenario,
          from_chat: p.fromChat,
          at: iso(now),
          consumed_at: null,
        })
        .execute();
    },
    async peek(requesterId, maxAgeMs, now = clock(), channel = WECHATY) {
      let q = db
        .selectFrom('pending_requests')
        .selectAll()
        .where('channel', '=', channel)
        .where('requester_id', '=', requesterId)
        .where('consumed_at', 'is', null);
      if (maxAgeMs !== undefined) q = q.where('at', '>=', iso(now.getTime() - maxAgeMs));
      const row = await q.orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (!row) return undefined;
      let items: string[] = [];
      try {
        const v: unknown = JSON.parse(row.items);
        if (Array.isArray(v)) items = v.filter((x): x is string => typeof x === 'string');
      } catch {
        /* an unreadable list counts as empty */
      }
      return {
        id: row.id,
        channel: row.channel,
        requesterId: row.requester_id,
        requesterName: row.requester_name,
        items,
        town: row.town,
        scenario: row.scenario,
        fromChat: row.from_chat,
        at: new Date(row.at),
      };
    },
    async consume(id, now = clock()) {
      await db.updateTable('pending_requests').set({ consumed_at: iso(now) }).where('id', '=', id).execute();
    },
  };
}

/** Which SLA notices were already sent (once per ticket and kind). */
export interface SlaNoticeRepo {
  /** Records the notice; true the first time for this ticket and kind. */
  record(ticketId: number, kind: string, now?: Date): Promise<boolean>;
}

export function createSlaNoticeRepo(db: Kysely<Database>, clock: () => Date): SlaNoticeRepo {
  return {
    async record(ticketId, kind, now = clock()) {
      const res = await db
        .insertInto('sla_notices')
        .values({ ticket_id: ticketId, kind, at: iso(now) })
        .onConflict((oc) => oc.columns(['ticket_id', 'kind']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
  };
}

/** Staff contact ids by name, learnt whenever a staff member sends anything. */
export interface StaffDirectory {
  touch(id: string, name: string, now?: Date): Promise<void>;
  findByName(name: string): Promise<{ id: string; name: string }[]>;
  get(id: string): Promise<{ id: string; name: string } | undefined>;
}

export function createStaffDirectory(db: Kysely<Database>, clock: () => Date): StaffDirectory {
  return {
    async touch(id, name, now = clock()) {
      const at = iso(now);
      await db
        .insertInto('staff_contacts')
        .values({ id, name, at })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name, at }))
        .execute();
    },
    async findByName(name) {
      return db.selectFrom('staff_contacts').select(['id', 'name']).where('name', '=', name).orderBy('at', 'desc').execute();
    },
    async get(id) {
      return db.selectFrom('staff_contacts').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
    },
  };
}

/**
 * The turn pipeline's conversation record, one JSON state per (channel, person).
 * The caller validates the state (zod); this stores it with a version so two
 * writers cannot silently overwrite each other.
 */
export interface ConversationRepo {
  get(channel: string, personId: string): Promise<{ state: unknown; version: number; updatedAt: Date } | undefined>;
  /**
   * Stores `state` if the stored version is still `expectedVersion` (0: no record yet).
   * Returns the new version, or null when another writer got there first.
   */
  save(channel: string, personId: string, state: unknown, expectedVersion: number, now?: Date): Promise<number | null>;
  delete(channel: string, personId: string): Promise<void>;
  /**
   * Inside `store.transaction` only: serialises turns of one person until the
   * transaction ends. PostgreSQL: a transaction-scoped advisory lock (holds
   * across processes). SQLite: nothing to do, BEGIN IMMEDIATE already
   * serialises every write transaction.
   */
  lock(channel: string, personId: string): Promise<void>;
}

export function createConversationRepo(db: Kysely<Database>, clock: () => Date, dialect: 'sqlite' | 'postgres'): ConversationRepo {
  const isPostgres = dialect === 'postgres';
  return {
    async get(channel, personId) {
      const row = await db
        .selectFrom('conversations')
        .selectAll()
        .where('channel', '=', channel)
        .where('person_id', '=', personId)
        .executeTakeFirst();
      if (!row) return undefined;
      let state: unknown;
      try {
        state = JSON.parse(row.state);
      } catch {
        return undefined;
      }
      return { state, version: Number(row.version), updatedAt: new Date(row.updated_at) };
    },
    async save(channel, personId, state, expectedVersion, now = clock()) {
      const json = JSON.stringify(state);
      const at = iso(now);
      const version = expectedVersion + 1;
      if (expectedVersion === 0) {
        const res = await db
          .insertInto('conversations')
          .values({ channel, person_id: personId, state: json, version, updated_at: at })
          .onConflict((oc) => oc.columns(['channel', 'person_id']).doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? version : null;
      }
      const res = await db
        .updateTable('conversations')
        .set({ state: json, version, updated_at: at })
        .where('channel', '=', channel)
        .where('person_id', '=', personId)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1 ? version : null;
    },
    async delete(channel, personId) {
      await db.deleteFrom('conversations').where('channel', '=', channel).where('person_id', '=', personId).execute();
    },
    async lock(channel, personId) {
      if (!db.isTransaction) throw new Error('conversations.lock() needs store.transaction(): the lock ends with the transaction');
      if (isPostgres) await sql`select pg_advisory_xact_lock(hashtextextended(${`${channel}:${personId}`}, 0))`.execute(db);
    },
  };
}
