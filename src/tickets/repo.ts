// Ticket persistence: every write is one transaction, so a ticket exists with
// its items and first event or not at all, and each status change comes with
// its event. Nothing is ever deleted.
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { addressKey, parseAddressKey, type Address } from '../core/messages.ts';
import type { Database, TicketEventsTable, TicketsTable } from '../store/schema.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import { inTransaction } from '../store/tx.ts';
import {
  formatTicketNumber,
  isTicketStatus,
  OPEN_STATUSES,
  parseTicketRef,
  type Actor,
  type Ticket,
  type TicketEvent,
  type TicketItem,
  type TicketRef,
  type TicketApplication,
  type TicketStatus,
  wechatyDirect,
} from './model.ts';
import { transition, type Action, type TransitionActor } from './state.ts';

export interface NewTicket extends TicketApplication {
  /** The requester's direct chat; default: the Wechaty private chat of requesterId. */
  requester?: Address;
  scenario?: string | null;
  fromChat?: string | null;
  /** Idempotency key: one ticket per dialog, however often 确认 arrives. */
  dialogKey: string;
}

export interface NewEvent {
  actor: Actor;
  kind: string;
  text?: string | null;
  public: boolean;
  fromStatus?: TicketStatus | null;
  toStatus?: TicketStatus | null;
}

export interface CreateOptions {
  now?: Date;
  /** Runs inside the transaction after every row is written, before COMMIT (tests; the outbox of the creation). */
  beforeCommit?: (ticket: Ticket, trx: Transaction<Database>) => void | Promise<void>;
}

export interface TransitionOptions {
  now?: Date;
  /** 转派: the new assignee. */
  assignee?: Actor;
  /** 评分: 1–5 and an optional comment. */
  rating?: { score: number; comment: string | null };
  /** Overrides the event's default visibility (notes and handbacks are internal). */
  public?: boolean;
}

export type TransitionOutcome =
  | { ok: true; ticket: Ticket; from: TicketStatus; to: TicketStatus; event: TicketEvent }
  | { ok: false; reason: string; ticket?: Ticket };

export interface TicketFilter {
  status?: TicketStatus | TicketStatus[];
  town?: string;
  requesterId?: string;
  limit?: number;
}

export interface TicketRepo {
  create(ticket: NewTicket, items: TicketItem[], firstEvent: Omit<NewEvent, 'kind' | 'public'> & Partial<Pick<NewEvent, 'kind' | 'public'>>, opts?: CreateOptions): Promise<{ ticket: Ticket; created: boolean }>;
  /** By id, or by a reference typed by a user: `12`, `#12`, `DB-20261127-0012`. */
  get(ref: number | string | TicketRef): Promise<Ticket | undefined>;
  getByDialogKey(key: string): Promise<Ticket | undefined>;
  /** Open tickets, oldest first. */
  listOpen(filter?: { town?: string | null }): Promise<Ticket[]>;
  /** A requester's tickets, newest first: by address, or by a Wechaty contact id. */
  listByRequester(requester: Address | string): Promise<Ticket[]>;
  /** Newest first. */
  list(filter?: TicketFilter): Promise<Ticket[]>;
  events(ticketId: number): Promise<TicketEvent[]>;
  applyTransition(id: number, action: Action, actor: TransitionActor, text: string | null, opts?: TransitionOptions): Promise<TransitionOutcome>;
  addEvent(id: number, event: NewEvent, now?: Date): Promise<TicketEvent>;
  rate(id: number, score: number, comment: string | null, actor: Actor, now?: Date): Promise<TransitionOutcome>;
  rating(ticketId: number): Promise<{ score: number; comment: string | null; at: Date } | undefined>;
  /**
   * Removes the personal fields of tickets closed before `closedBefore` (phone,
   * credit code, contact name, 已备材料; personal numbers in the event texts),
   * once per ticket, recording a `redacted` event that says what was removed.
   * Returns the ids redacted.
   */
  redactClosed(closedBefore: Date, now?: Date): Promise<number[]>;
}

type TicketRow = Selectable<TicketsTable>;
type EventRow = Selectable<TicketEventsTable>;

const iso = (d: Date) => d.toISOString();
const date = (s: string | null) => (s === null ? null : new Date(s));

function limitFromDb(s: string | null): TicketItem['promisedLimit'] {
  if (s === null) return null;
  if (s === '即办') return '即办';
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function toTicket(row: TicketRow, items: TicketItem[]): Ticket {
  if (!isTicketStatus(row.status)) throw new Error(`tickets.id=${row.id}: unknown status ${row.status}`);
  const requester = (row.requester_address && parseAddressKey(row.requester_address)) || wechatyDirect(row.requester_id);
  const assignee = row.assignee_address
    ? parseAddressKey(row.assignee_address)
    : row.assignee_id
      ? wechatyDirect(row.assignee_id)
      : null;
  return {
    id: row.id,
    requester,
    assignee,
    number: row.number,
    requesterId: row.requester_id,
    requesterName: row.requester_name,
    companyName: row.company_name,
    creditCode: row.credit_code,
    contactName: row.contact_name,
    phone: row.phone,
    preparedMaterials: row.prepared_materials,
    town: row.town,
    scenario: row.scenario,
    fromChat: row.from_chat,
    status: row.status,
    assigneeId: row.assignee_id,
    assigneeName: row.assignee_name,
    conversationHeld: Number(row.conversation_held) === 1,
    dialogKey: row.dialog_key,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    claimedAt: date(row.claimed_at),
    closedAt: date(row.closed_at),
    items,
  };
}

function toEvent(row: EventRow): TicketEvent {
  return {
    id: row.id,
    ticketId: row.ticket_id,
    at: new Date(row.at),
    actorId: row.actor_id,
    actorName: row.actor_name,
    kind: row.kind,
    fromStatus: row.from_status !== null && isTicketStatus(row.from_status) ? row.from_status : null,
    toStatus: row.to_status !== null && isTicketStatus(row.to_status) ? row.to_status : null,
    public: Number(row.public) === 1,
    text: row.text,
  };
}

type Db = Kysely<Database> | Transaction<Database>;

export function createTicketRepo(db: Kysely<Database>, clock: () => Date = () => new Date()): TicketRepo {
  async function withItems(q: Db, rows: TicketRow[]): Promise<Ticket[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const items = await q
      .selectFrom('ticket_items')
      .select(['ticket_id', 'item_name', 'promised_limit', 'position'])
      .where('ticket_id', 'in', ids)
      .orderBy('ticket_id')
      .orderBy('position')
      .execute();
    const byTicket = new Map<number, TicketItem[]>();
    for (const it of items) {
      const list = byTicket.get(it.ticket_id) ?? [];
      list.push({ name: it.item_name, promisedLimit: limitFromDb(it.promised_limit) });
      byTicket.set(it.ticket_id, list);
    }
    return rows.map((r) => toTicket(r, byTicket.get(r.id) ?? []));
  }

  async function getById(q: Db, id: number): Promise<Ticket | undefined> {
    const row = await q.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await withItems(q, [row]))[0] : undefined;
  }

  async function getByDialogKey(key: string): Promise<Ticket | undefined> {
    const row = await db.selectFrom('tickets').selectAll().where('dialog_key', '=', key).executeTakeFirst();
    return row ? (await withItems(db, [row]))[0] : undefined;
  }

  async function insertEvent(q: Db, ticketId: number, e: NewEvent, at: Date): Promise<TicketEvent> {
    const row = await q
      .insertInto('ticket_events')
      .values({
        ticket_id: ticketId,
        at: iso(at),
        actor_id: e.actor.id,
        actor_name: e.actor.name,
        kind: e.kind,
        from_status: e.fromStatus ?? null,
        to_status: e.toStatus ?? null,
        public: e.public ? 1 : 0,
        text: e.text ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvent(row);
  }

  const repo: TicketRepo = {
    async create(t, items, first, opts = {}) {
      const existing = await getByDialogKey(t.dialogKey);
      if (existing) return { ticket: existing, created: false };
      const now = opts.now ?? clock();
      try {
        const id = await inTransaction(db, async (trx) => {
          const { id } = await trx
            .insertInto('tickets')
            .values({
              number: `PENDING:${t.dialogKey}`,
              requester_id: t.requesterId,
              requester_address: addressKey(t.requester ?? wechatyDirect(t.requesterId)),
              assignee_address: null,
              requester_name: t.requesterName,
              company_name: t.companyName,
              credit_code: t.creditCode,
              contact_name: t.contactName,
              phone: t.phone,
              prepared_materials: t.preparedMaterials,
              town: t.town,
              scenario: t.scenario ?? null,
              from_chat: t.fromChat ?? null,
              status: 'registered',
              assignee_id: null,
              assignee_name: null,
              conversation_held: 0,
              dialog_key: t.dialogKey,
              created_at: iso(now),
              updated_at: iso(now),
              claimed_at: null,
              closed_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await trx.updateTable('tickets').set({ number: formatTicketNumber(id, now) }).where('id', '=', id).execute();
          if (items.length > 0) {
            await trx
              .insertInto('ticket_items')
              .values(
                items.map((it, i) => ({
                  ticket_id: id,
                  position: i,
                  item_name: it.name,
                  promised_limit: it.promisedLimit === null ? null : String(it.promisedLimit),
                })),
              )
              .execute();
          }
          await insertEvent(trx, id, { kind: 'created', public: true, ...first, toStatus: 'registered' }, now);
          if (opts.beforeCommit) await opts.beforeCommit((await getById(trx, id))!, trx);
          return id;
        });
        const ticket = await getById(db, id);
        if (!ticket) throw new Error(`ticket ${id} vanished after commit`);
        return { ticket, created: true };
      } catch (err) {
        // A concurrent create with the same key won the race: return its ticket.
        const winner = await getByDialogKey(t.dialogKey).catch(() => undefined);
        if (winner) return { ticket: winner, created: false };
        throw err;
      }
    },

    async get(ref) {
      const r: TicketRef | null = typeof ref === 'number' ? { id: ref } : typeof ref === 'string' ? parseTicketRef(ref) : ref;
      if (!r) return undefined;
      if ('id' in r) return getById(db, r.id);
      const row = await db.selectFrom('tickets').selectAll().where('number', '=', r.number.toUpperCase()).executeTakeFirst();
      return row ? (await withItems(db, [row]))[0] : undefined;
    },

    getByDialogKey,

    async listOpen(filter = {}) {
      let q = db.selectFrom('tickets').selectAll().where('status', 'in', [...OPEN_STATUSES]);
      if (filter.town) q = q.where('town', '=', filter.town);
      return withItems(db, await q.orderBy('created_at').orderBy('id').execute());
    },

    async listByRequester(requester) {
      const key = addressKey(typeof requester === 'string' ? wechatyDirect(requester) : requester);
      const rows = await db.selectFrom('tickets').selectAll().where('requester_address', '=', key).orderBy('id', 'desc').execute();
      return withItems(db, rows);
    },

    async list(filter = {}) {
      let q = db.selectFrom('tickets').selectAll();
      if (filter.status) q = q.where('status', 'in', Array.isArray(filter.status) ? filter.status : [filter.status]);
      if (filter.town) q = q.where('town', '=', filter.town);
      if (filter.requesterId) q = q.where('requester_id', '=', filter.requesterId);
      q = q.orderBy('id', 'desc');
      if (filter.limit) q = q.limit(filter.limit);
      return withItems(db, await q.execute());
    },

    async events(ticketId) {
      const rows = await db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
      return rows.map(toEvent);
    },

    async applyTransition(id, action, actor, text, opts = {}) {
      const now = opts.now ?? clock();
      return inTransaction(db, async (trx): Promise<TransitionOutcome> => {
        const before = await getById(trx, id);
        if (!before) return { ok: false, reason: `没有找到代办单 #${id}，请核对单号。` };
        const r = transition(before, action, actor);
        if (!r.ok) return { ok: false, reason: r.reason, ticket: before };
        if (action === 'transfer' && !opts.assignee) return { ok: false, reason: '转派需要指明办事员：「转派 12 @某人」', ticket: before };
        if (action === 'rate' && !opts.rating) return { ok: false, reason: '评分需要 1-5 的分数', ticket: before };

        const set: Updateable<TicketsTable> = { status: r.to, updated_at: iso(now) };
        if (action === 'claim') {
          Object.assign(set, {
            assignee_id: actor.id,
            assignee_name: actor.name,
            assignee_address: addressKey(actor.address ?? wechatyDirect(actor.id)),
            claimed_at: iso(now),
            conversation_held: 1,
          });
        } else if (action === 'transfer') {
          Object.assign(set, {
            assignee_id: opts.assignee!.id,
            assignee_name: opts.assignee!.name,
            assignee_address: addressKey(opts.assignee!.address ?? wechatyDirect(opts.assignee!.id)),
            conversation_held: 1,
          });
          if (!before.claimedAt) set.claimed_at = iso(now);
        } else if (action === 'finish' || action === 'stop' || action === 'cancel') {
          Object.assign(set, { closed_at: iso(now), conversation_held: 0 });
        } else if (action === 'handback') {
          set.conversation_held = 0;
        }
        const res = await trx
          .updateTable('tickets')
          .set(set)
          .where('id', '=', id)
          // Optimistic check on everything a decision was based on: two clerks
          // transferring (or one transferring, one handing back) at once must not both win.
          .where('status', '=', before.status)
          .where((eb) => (before.assigneeId === null ? eb('assignee_id', 'is', null) : eb('assignee_id', '=', before.assigneeId)))
          .where('conversation_held', '=', before.conversationHeld ? 1 : 0)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          return { ok: false, reason: `#${id} 刚刚被其他人改动了，请用「查 ${id}」看看最新状态再操作。` };
        }
        if (action === 'rate') {
          await trx
            .insertInto('ratings')
            .values({ ticket_id: id, score: opts.rating!.score, comment: opts.rating!.comment, at: iso(now) })
            .execute();
        }
        const isPublic = opts.public ?? !(action === 'note' || action === 'handback');
        const eventText = action === 'transfer' ? `转派给 ${opts.assignee!.name}${text ? `：${text}` : ''}` : text;
        const event = await insertEvent(
          trx,
          id,
          { actor, kind: action, text: eventText, public: isPublic, fromStatus: before.status, toStatus: r.to },
          now,
        );
        const ticket = (await getById(trx, id))!;
        return { ok: true, ticket, from: before.status, to: r.to, event };
      });
    },

    async addEvent(id, event, now = clock()) {
      return inTransaction(db, async (trx) => {
        const e = await insertEvent(trx, id, event, now);
        if (event.public) await trx.updateTable('tickets').set({ updated_at: iso(now) }).where('id', '=', id).execute();
        return e;
      });
    },

    async rate(id, score, comment, actor, now) {
      if (!Number.isInteger(score) || score < 1 || score > 5) return { ok: false, reason: '评分请回复 1-5 的数字。' };
      return repo.applyTransition(id, 'rate', { ...actor, role: 'requester' }, comment ? `${score}分：${comment}` : `${score}分`, {
        rating: { score, comment },
        ...(now ? { now } : {}),
      });
    },

    async redactClosed(closedBefore, now = clock()) {
      const due = await db
        .selectFrom('tickets')
        .select('id')
        .where('status', 'not in', [...OPEN_STATUSES])
        .where('closed_at', '<', iso(closedBefore))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('ticket_events as e').select('e.id').whereRef('e.ticket_id', '=', 'tickets.id').where('e.kind', '=', 'redacted'))))
        .orderBy('id')
        .execute();
      const done: number[] = [];
      for (const { id } of due) {
        await inTransaction(db, async (trx) => {
          await trx
            .updateTable('tickets')
            .set({ phone: '', credit_code: null, contact_name: '（已删除）', prepared_materials: null })
            .where('id', '=', id)
            .execute();
          const events = await trx.selectFrom('ticket_events').select(['id', 'text']).where('ticket_id', '=', id).execute();
          for (const e of events) {
            const masked = e.text === null ? null : maskPersonalData(e.text);
            if (masked !== e.text) await trx.updateTable('ticket_events').set({ text: masked }).where('id', '=', e.id).execute();
          }
          await insertEvent(
            trx,
            id,
            { actor: { id: 'system', name: '小助手' }, kind: 'redacted', public: false, text: '已按保存期限删除个人信息：联系电话、统一社会信用代码、联系人、已备材料；记录中的证件号、卡号、电话已打码' },
            now,
          );
        });
        done.push(id);
      }
      return done;
    },

    async rating(ticketId) {
      const row = await db.selectFrom('ratings').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
      return row ? { score: row.score, comment: row.comment, at: new Date(row.at) } : undefined;
    },
  };
  return repo;
}
