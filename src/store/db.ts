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
  type SqliteDialectConfig,
  type TableMetadata,
} from 'kysely';
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
}

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
      const client = new pg.Client({ connectionString: opts.databaseUrl });
      try {
        await client.connect();
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } catch (err) {
        throw new DependencyError('PostgreSQL', `无法连接或建 schema（${redactUrl(opts.databaseUrl)}）：${(err as Error).message}。请检查 DATABASE_URL 和数据库是否在运行。`, { cause: err });
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection emits 'error' on the pool; without a
    // listener that kills the process. The next query gets a fresh connection.
    pool.on('error', () => undefined);
    opened = { db: new Kysely<Database>({ dialect: new SteadyPostgresDialect({ pool }) }), dialect: 'postgres', ...(schema ? { schema } : {}) };
  } else {
    fs.mkdirSync(path.dirname(path.resolve(opts.sqlitePath)), { recursive: true });
    let sqlite: SQLite.Database;
    try {
      sqlite = new SQLite(opts.sqlitePath, { timeout: SQLITE_BUSY_TIMEOUT_MS });
      // The busy timeout first: switching to WAL needs a lock another process
      // starting at the same moment may hold.
      sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('synchronous = FULL'); // a committed ticket survives power loss too
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
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
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
