// The store: one database, every repository over it.
import type { Kysely } from 'kysely';
import { createTicketRepo, type TicketRepo } from '../tickets/repo.ts';
import { openDatabase, type DatabaseOptions, type Dialect } from './db.ts';
import {
  createBindingRepo,
  createDialogRepo,
  createPendingRepo,
  createSeenRepo,
  createSlaNoticeRepo,
  createStaffDirectory,
  createUnansweredRepo,
  type DialogRepo,
  type PendingRepo,
  type SlaNoticeRepo,
  type StaffDirectory,
} from './repos.ts';
import type { Database } from './schema.ts';
import type { BindingRepo, SeenRepo, UnansweredRepo } from './types.ts';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  bindings: BindingRepo;
  seen: SeenRepo;
  unanswered: UnansweredRepo;
  tickets: TicketRepo;
  dialogs: DialogRepo;
  pending: PendingRepo;
  slaNotices: SlaNoticeRepo;
  staff: StaffDirectory;
  close(): Promise<void>;
}

export interface StoreOptions extends DatabaseOptions {
  /** Time source for timestamps written by the repositories (tests pass a fake). */
  clock?: () => Date;
}

/** Opens the database (SQLite file, or PostgreSQL when databaseUrl is set), migrates it, returns the repositories. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const { db, dialect } = await openDatabase(opts);
  const clock = opts.clock ?? (() => new Date());
  let closed = false;
  return {
    db,
    dialect,
    bindings: createBindingRepo(db, clock),
    seen: createSeenRepo(db),
    unanswered: createUnansweredRepo(db),
    tickets: createTicketRepo(db, clock),
    dialogs: createDialogRepo(db, clock),
    pending: createPendingRepo(db, clock),
    slaNotices: createSlaNoticeRepo(db, clock),
    staff: createStaffDirectory(db, clock),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export type { DialogRepo, PendingRepo, PendingRequest, SlaNoticeRepo, StaffDirectory } from './repos.ts';
export type { Dialect } from './db.ts';
