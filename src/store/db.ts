// Opens the one database behind every store: a SQLite file (WAL, foreign keys
// on) by default, PostgreSQL when a URL is given. Migrations run on open.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  PostgresIntrospector,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Driver,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDialectConfig,
  type TableMetadata,
} from 'kysely';
import type pgTypes from 'pg';
import { DependencyError } from '../errors.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** postgres://… or null/empty for SQLite. */
  databaseUrl: string | null;
  /** SQLite file, used when databaseUrl is empty. Its directory is created. */
  sqlitePath: string;
  /**
   * PostgreSQL only: a schema to create (if missing) and put first on the
   * search_path. Tests use one per run so parallel runs do not collide.
   */
  pgSchema?: string;
  /** PostgreSQL timeouts (defaults: DEFAULT_PG_TIMEOUTS). */
  pgTimeouts?: Partial<PgTimeouts>;
  /**
   * Called with errors of idle PostgreSQL connections (the server went away).
   * They never crash the process; the next query reconnects or fails with a
   * DependencyError. Default: ignored.
   */
  onPoolError?: (err: Error) => void;
}

export interface PgTimeouts {
  /** Opening a connection (TCP + startup), and waiting for a free pooled one. */
  connectMs: number;
  /** Client side: a query with no answer from the server fails after this (a hung link). */
  queryMs: number;
  /** Server side statement_timeout (a slow statement is cancelled). */
  statementMs: number;
  /** Server side: a transaction left idle this long is ended (its locks freed). */
  idleInTransactionMs: number;
}

/** Chosen so that a message is answered or apologised within 10 s while the database hangs. */
export const DEFAULT_PG_TIMEOUTS: PgTimeouts = { connectMs: 3000, queryMs: 5000, statementMs: 4500, idleInTransactionMs: 15000 };

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL schema in use, when one was given. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** How long a SQLite writer waits for another process's write lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * SQLite write transactions take the write lock up front (BEGIN IMMEDIATE):
 * a deferred transaction that reads first and writes later can fail with
 * "database is locked" at the write when another process wrote in between,
 * without the busy timeout helping. IMMEDIATE waits (busy_timeout) instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<OpenedDatabase> {
  let opened: OpenedDatabase;
  if (opts.databaseUrl) {
    // pg is loaded only when PostgreSQL is configured.
    const { default: pg } = await import('pg');
    const schema = opts.pgSchema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new DependencyError('PostgreSQL', `schema 名不合法：${schema}`);
    }
    if (schema) {
      const client = new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: opts.pgTimeouts?.connectMs ?? DEFAULT_PG_TIMEOUTS.connectMs });
      client.on('error', () => undefined);
      try {
        await client.connect();
        // Two processes creating it at once: the loser sees a unique violation; the schema exists.
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((err: { code?: string }) => {
          if (err.code !== '23505' && err.code !== '42P06') throw err;
        });
      } catch (err) {
        throw new DependencyError('PostgreSQL', `无法连接或建 schema（${redactUrl(opts.databaseUrl)}）：${(err as Error).message}。请检查 DATABASE_URL 和数据库是否在运行。`, { cause: err });
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const t = { ...DEFAULT_PG_TIMEOUTS, ...opts.pgTimeouts };
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      connectionTimeoutMillis: t.connectMs,
      query_timeout: t.queryMs,
      statement_timeout: t.statementMs,
      idle_in_transaction_session_timeout: t.idleInTransactionMs,
      keepAlive: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection emits 'error' on the pool; without a
    // listener that kills the process. The next query gets a fresh connection.
    const onPoolError = opts.onPoolError ?? (() => undefined);
    pool.on('error', (err) => onPoolError(err));
    opened = {
      db: new Kysely<Database>({ dialect: new SteadyPostgresDialect({ pool: guardedPool(pool, redactUrl(opts.databaseUrl), onPoolError) }) }),
      dialect: 'postgres',
      ...(schema ? { schema } : {}),
    };
  } else {
    let sqlite: SQLite.Database;
    try {
      if (opts.sqlitePath !== ':memory:') ensurePrivateDir(path.dirname(path.resolve(opts.sqlitePath)));
      sqlite = openPrivateSqlite(opts.sqlitePath);
      // The busy timeout first: switching to WAL needs a lock another process
      // starting at the same moment may hold.
      sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('synchronous = FULL'); // a committed ticket survives power loss too
      protectSqliteFiles(opts.sqlitePath);
    } catch (err) {
      throw new DependencyError('SQLite', `无法打开数据库文件 ${opts.sqlitePath}：${(err as Error).message}。请检查 DATA_DIR 是否可写。`, { cause: err });
    }
    opened = { db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) }), dialect: 'sqlite' };
  }
  try {
    if (opened.dialect === 'postgres' && !opened.schema) {
      const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(opened.db);
      if (rows[0]?.s) opened.schema = rows[0].s;
    }
    await migrate(opened);
  } catch (err) {
    await opened.db.destroy().catch(() => undefined);
    if (err instanceof DependencyError) throw err;
    const which = opened.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
    throw new DependencyError(which, `数据库迁移失败：${(err as Error).message}`, { cause: err });
  }
  return opened;
}

/**
 * Applies pending migrations under a lock, so processes starting at once all
 * succeed (one migrates, the others find it done); throws with the failing
 * migration's name. SQLite: the whole run is one BEGIN IMMEDIATE transaction
 * (DDL is transactional there). PostgreSQL: a session advisory lock held on
 * one connection for the run.
 */
export async function migrate(opened: OpenedDatabase): Promise<string[]> {
  // Kysely's migrator finds its tables by introspecting every schema; on a
  // shared PostgreSQL, a schema dropped by someone else during that scan fails
  // it ("schema … does not exist"). A second look succeeds.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateLocked(opened);
    } catch (err) {
      // Schemas created and dropped all the time (parallel test runs) can trip it several times in a row.
      if (attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, 50 * 2 ** (attempt - 1) + Math.floor(Math.random() * 50)));
    }
  }
}

async function migrateLocked(opened: OpenedDatabase): Promise<string[]> {
  const { db, dialect } = opened;
  if (dialect === 'sqlite') {
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const applied = await runMigrator(conn, opened, true);
        await sql`commit`.execute(conn);
        return applied;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext('daiban-migrations'))`.execute(conn);
    try {
      return await runMigrator(conn, opened, false);
    } finally {
      await sql`select pg_advisory_unlock(hashtext('daiban-migrations'))`.execute(conn);
    }
  });
}

async function runMigrator(db: Kysely<Database>, { dialect, schema }: OpenedDatabase, inOuterTransaction: boolean): Promise<string[]> {
  // Kysely looks for its bookkeeping tables by introspection across schemas:
  // name the schema explicitly so another schema's tables are not mistaken for ours.
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
    ...(inOuterTransaction ? { disableTransactions: true } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new Error(`${failed ? failed.migrationName + '：' : ''}${cause.message}`, { cause });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Kysely's PostgreSQL introspection (which its migrator uses to find its own
 * tables) scans every schema; when another client drops a schema during the
 * scan, PostgreSQL answers "schema … does not exist" (3F000). Looking again
 * succeeds: retry that error a few times.
 */
class SteadyPostgresIntrospector extends PostgresIntrospector {
  override async getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await super.getTables(options);
      } catch (err) {
        if ((err as { code?: string }).code !== '3F000' || attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  }
}

class SteadyPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SteadyPostgresIntrospector(db);
  }
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

// ---------------------------------------------------------------------------
// Files: the database holds personal data, so only its owner may read it.

/** Creates the directory 0700 (and tightens it if it exists and is ours). */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
}

function tighten(file: string, mode: number): void {
  try {
    const st = fs.statSync(file);
    if ((st.mode & 0o777) !== mode && (process.getuid === undefined || st.uid === process.getuid())) fs.chmodSync(file, mode);
  } catch {
    // Missing, or not ours: nothing to tighten.
  }
}

/** Opens (creating 0600 when missing) the SQLite file. */
function openPrivateSqlite(file: string): SQLite.Database {
  if (file !== ':memory:' && !fs.existsSync(file)) {
    // Create it 0600 before SQLite does (SQLite would use 0644 under the usual umask).
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return new SQLite(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
}

/** The database file and its WAL/shm companions: 0600. */
export function protectSqliteFiles(file: string): void {
  if (file === ':memory:') return;
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tighten(f, 0o600);
}

// ---------------------------------------------------------------------------
// PostgreSQL: lost or hung connections become a DependencyError.

/** SQLSTATE classes that mean the database, not the statement, is at fault. */
const DEPENDENCY_SQLSTATE = /^(08|53|57|58|XX)/;

/** True for errors of the link or server (refused, reset, timed out, shut down), false for SQL errors. */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof DependencyError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return DEPENDENCY_SQLSTATE.test(code);
  // pg's own errors carry no SQLSTATE: ECONNREFUSED, ECONNRESET, "Connection terminated",
  // "timeout exceeded when trying to connect", "Query read timeout", "Client has encountered a connection error".
  return true;
}

function dependencyError(err: unknown, where: string): unknown {
  if (!isConnectionFailure(err) || err instanceof DependencyError) return err;
  const msg = (err as Error).message || String(err);
  return new DependencyError('PostgreSQL', `数据库暂时不可用（${where}）：${msg}`, { cause: err });
}

/**
 * The pool Kysely uses: connection failures and timeouts surface as a typed
 * DependencyError (the caller apologises), and a client whose query failed
 * that way is discarded, not reused (a timed-out query may still be pending on it).
 */
function guardedPool(pool: pgTypes.Pool, where: string, onError: (err: Error) => void): PostgresPool {
  // pg-pool listens for errors only while a client is idle; a checked-out
  // client whose socket fails between queries would otherwise throw.
  const listening = new WeakSet<pgTypes.PoolClient>();
  const brokenClients = new WeakSet<pgTypes.PoolClient>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pgTypes.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw dependencyError(err, where);
      }
      if (!listening.has(client)) {
        listening.add(client);
        client.on('error', (err) => {
          brokenClients.add(client);
          onError(err);
        });
      }
      let broken = false;
      const guarded = {
        query(...args: unknown[]) {
          // A connection that already failed (a timed-out COMMIT, say) is not asked again:
          // its ROLLBACK would wait out another timeout for nothing.
          if (broken || brokenClients.has(client)) {
            return Promise.reject(new DependencyError('PostgreSQL', `数据库暂时不可用（${where}）：连接已中断`));
          }
          const r = (client.query as (...a: unknown[]) => unknown)(...args);
          if (r && typeof (r as Promise<unknown>).then === 'function') {
            return (r as Promise<unknown>).catch((err: unknown) => {
              if (isConnectionFailure(err)) broken = true;
              throw dependencyError(err, where);
            });
          }
          return r; // a cursor
        },
        release(destroy?: boolean) {
          client.release(destroy || broken || brokenClients.has(client) ? true : undefined);
        },
      };
      return guarded as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
