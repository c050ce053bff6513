// Runs `fn` in a transaction on `db`, or directly when `db` already is one
// (repositories bound to a turn's transaction then join it instead of opening
// a nested one, which Kysely does not support and SQLite's single connection
// would wait on forever).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}
