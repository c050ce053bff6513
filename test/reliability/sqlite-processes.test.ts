// SQLite shared by several processes: first starts at the same moment all
// migrate successfully, concurrent writers never see "database is locked",
// and the database files are private (0600 in a 0700 directory).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = path.join(ROOT, 'test/reliability/sqlite-child.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-procs-'));
  dirs.push(dir);
  return dir;
}

function child(sqlitePath: string, tag: string, tickets: number) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, sqlitePath, tag, String(tickets)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += String(d)));
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Starts `n` children on one new database file at the same moment. */
async function together(n: number, tickets: number) {
  const file = path.join(tempDir(), 'data', 'daiban.sqlite');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const runs = Array.from({ length: n }, (_, i) => child(file, `p${i}`, tickets));
  // Let the processes load (tsx, modules) and wait on the start file, then release them together.
  await new Promise((r) => setTimeout(r, 1500));
  fs.writeFileSync(`${file}.go`, '');
  return { file, results: await Promise.all(runs) };
}

describe('SQLite with several processes', () => {
  it('first starts at the same moment all migrate and write; no "database is locked"', async () => {
    for (let round = 0; round < 2; round++) {
      const { file, results } = await together(4, 15);
      for (const r of results) {
        expect(r.err).not.toMatch(/locked|busy/i);
        expect(r.code, r.err).toBe(0);
        expect(r.out.trim()).toBe('ok 15');
      }
      const store = await openStore({ databaseUrl: null, sqlitePath: file });
      try {
        expect(await store.tickets.list()).toHaveLength(60);
      } finally {
        await store.close();
      }
    }
  }, 60_000);
});

describe('database files are private', () => {
  it('creates DATA_DIR 0700 and the database 0600 (WAL files too), and tightens an existing 0644 file', async () => {
    const root = tempDir();
    const file = path.join(root, 'data', 'daiban.sqlite');
    const store = await openStore({ databaseUrl: null, sqlitePath: file });
    await store.tickets.list();
    const mode = (f: string) => fs.statSync(f).mode & 0o777;
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) expect(mode(f), f).toBe(0o600);
    await store.close();

    fs.chmodSync(file, 0o644);
    fs.chmodSync(path.dirname(file), 0o755);
    const again = await openStore({ databaseUrl: null, sqlitePath: file });
    await again.close();
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
  });
});
