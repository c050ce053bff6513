// The production app's settings shared by the end-to-end conversation tests (app.handle on SQLite and, when
// it answers, PostgreSQL): one staff room for 永安镇, clerks li and zhao, a supervisor, generous rate limits.
// Registers the hooks that build the knowledge index once and clean up the backends and the data folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import { silentLogger } from '../../src/log.ts';
import { backends, type Backend } from '../store/backends.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const STAFF_ROOM = 'yongan-staff@chatroom';

/** `overrides`: settings to change; `undefined` removes one (the demo has no STAFF_IDS). */
export async function appTestEnv(
  prefix: string,
  overrides: Record<string, string | undefined> = {},
): Promise<{ env: Record<string, string>; all: Backend[]; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const merged: Record<string, string | undefined> = {
    KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
    DATA_DIR: dataDir,
    STAFF_ROOMS: `${STAFF_ROOM}=永安镇`,
    STAFF_IDS: 'li,zhao',
    SUPERVISOR: 'boss',
    RATE_PERSON: '200/60',
    RATE_GROUP: '200/60',
    ...overrides,
  };
  const env = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  const all = await backends();
  beforeAll(async () => {
    // Build the knowledge index once.
    const c = await openApp({ ...loadConfig(env, ROOT), sqlitePath: path.join(dataDir, 'warmup.sqlite') }, { logger: silentLogger() });
    await c.close();
  }, 120_000);
  afterAll(async () => {
    for (const b of all) await b.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { env, all, dataDir };
}
