// Small state the channels keep across restarts and share between processes
// on one host (the kf cursor, the access token, the bot's connection lease):
// JSON files under DATA_DIR, validated with zod on read, written atomically
// (temp file + rename), changed under an exclusive lock file.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

/** A lock older than this is taken to be left by a crashed process. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn while holding `${file}.lock` (O_EXCL); waits for another holder up to LOCK_WAIT_MS. */
export async function withFileLock<T>(file: string, fn: () => Promise<T> | T): Promise<T> {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) fs.rmSync(lock, { force: true });
      } catch {
        // removed by its holder meanwhile
      }
      if (Date.now() > deadline) throw new Error(`could not lock ${file} within ${LOCK_WAIT_MS} ms`);
      await sleep(20);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export interface JsonFile<T> {
  readonly path: string;
  /** The file's content, or the initial value when it is missing or unreadable. Treat as read-only. */
  read(): T;
  write(value: T): void;
  /** Read, change, write under the lock; returns what fn returned. */
  update<R>(fn: (value: T) => R | Promise<R>): Promise<R>;
}

export function jsonFile<S extends z.ZodType>(file: string, schema: S, initial: () => z.output<S>): JsonFile<z.output<S>> {
  type T = z.output<S>;
  // Parsed content, reused while the file is the same one (every write renames a new file in).
  let cache: { ino: number; mtimeMs: number; size: number; value: T } | null = null;
  const read = (): T => {
    let stat: fs.Stats;
    let raw: string;
    try {
      stat = fs.statSync(file);
      if (cache && cache.ino === stat.ino && cache.mtimeMs === stat.mtimeMs && cache.size === stat.size) return cache.value;
      raw = fs.readFileSync(file, 'utf8');
    } catch {
      cache = null;
      return initial();
    }
    let value: T;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      value = parsed.success ? parsed.data : initial();
    } catch {
      value = initial();
    }
    cache = { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, value };
    return value;
  };
  const write = (value: T): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(value));
    fs.renameSync(tmp, file);
    const stat = fs.statSync(file);
    cache = { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, value };
  };
  return {
    path: file,
    read,
    write,
    update: (fn) =>
      withFileLock(file, async () => {
        const value = read();
        const result = await fn(value);
        write(value);
        return result;
      }),
  };
}
