// Opens the one database behind every store: a SQLite file (WAL, foreign keys
// on) by default, PostgreSQL when a URL is given. Migrations run on open.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
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
    opened = { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', ...(schema ? { schema } : {}) };
  } else {
    fs.mkdirSync(path.dirname(path.resolve(opts.sqlitePath)), { recursive: true });
    let sqlite: SQLite.Database;
    try {
      sqlite = new SQLite(opts.sqlitePath);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma('synchronous = FULL'); // a committed ticket survives power loss too
    } catch (err) {
      throw new DependencyError('SQLite', `无法打开数据库文件 ${opts.sqlitePath}：${(err as Error).message}。请检查 DATA_DIR 是否可写。`, { cause: err });
    }
    opened = { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite' };
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

/** Applies pending migrations; throws with the failing migration's name. */
export async function migrate({ db, dialect, schema }: OpenedDatabase): Promise<string[]> {
  // Kysely looks for its bookkeeping tables by introspection across schemas:
  // name the schema explicitly so another schema's tables are not mistaken for ours.
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new Error(`${failed ? failed.migrationName + '：' : ''}${cause.message}`, { cause });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
