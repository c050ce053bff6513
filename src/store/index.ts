// The store: one database, every repository over it. `store.transaction(fn)`
// gives `fn` the same repositories bound to one transaction (see
// README-turns.md): a turn's seen-mark, state changes and outbox rows commit
// together or not at all.
import type { Kysely, Transaction } from 'kysely';
import { createOutboxRepo, type OutboxRepo } from '../notify/outbox.ts';
import { createTicketRepo, type TicketRepo } from '../tickets/repo.ts';
import { openDatabase, type DatabaseOptions, type Dialect } from './db.ts';
import {
  createBindingRepo,
  createConversationRepo,
  createDialogRepo,
  createPendingRepo,
  createSeenRepo,
  createSlaNoticeRepo,
  createStaffDirectory,
  createUnansweredRepo,
  type ConversationRepo,
  type DialogRepo,
  type PendingRepo,
  type SlaNoticeRepo,
  type StaffDirectory,
} from './repos.ts';
import type { Database } from './schema.ts';
import type { BindingRepo, SeenStore, UnansweredRepo } from './types.ts';

/** Every repository, bound either to the database or to one transaction. */
export interface Repos {
  dialect: Dialect;
  bindings: BindingRepo;
  seen: SeenStore;
  unanswered: UnansweredRepo;
  tickets: TicketRepo;
  dialogs: DialogRepo;
  pending: PendingRepo;
  slaNotices: SlaNoticeRepo;
  staff: StaffDirectory;
  outbox: OutboxRepo;
  conversations: ConversationRepo;
}

/** The repositories inside `store.transaction`: use only these until it returns. */
export interface Tx extends Repos {
  db: Transaction<Database>;
}

export interface Store extends Repos {
  db: Kysely<Database>;
  /**
   * Runs `fn` in one write transaction and commits when it resolves (rolls back
   * when it throws). SQLite takes the write lock up front (BEGIN IMMEDIATE, busy
   * timeout 5 s); PostgreSQL runs READ COMMITTED with row locks. Inside `fn`,
   * use only `tx`'s repositories: on SQLite the one connection is held by the
   * transaction, so a call through `store.*` would wait for it forever.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions extends DatabaseOptions {
  /** Time source for timestamps written by the repositories (tests pass a fake). */
  clock?: () => Date;
}

function bind(db: Kysely<Database>, dialect: Dialect, clock: () => Date): Repos {
  return {
    dialect,
    bindings: createBindingRepo(db, clock),
    seen: createSeenRepo(db),
    unanswered: createUnansweredRepo(db),
    tickets: createTicketRepo(db, clock),
    dialogs: createDialogRepo(db, clock),
    pending: createPendingRepo(db, clock),
    slaNotices: createSlaNoticeRepo(db, clock),
    staff: createStaffDirectory(db, clock),
    outbox: createOutboxRepo(db, clock),
    conversations: createConversationRepo(db, clock, dialect),
  };
}

/** Opens the database (SQLite file, or PostgreSQL when databaseUrl is set), migrates it, returns the repositories. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const { db, dialect } = await openDatabase(opts);
  const clock = opts.clock ?? (() => new Date());
  let closed = false;
  return {
    db,
    ...bind(db, dialect, clock),
    transaction(fn) {
      return db.transaction().execute((trx) => fn({ db: trx, ...bind(trx, dialect, clock) }));
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export type { ConversationRepo, DialogRepo, PendingRepo, PendingRequest, SlaNoticeRepo, StaffDirectory } from './repos.ts';
export type { OutboxRepo } from '../notify/outbox.ts';
export type { Dialect } from './db.ts';
