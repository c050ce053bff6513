// Several processes starting on the same fresh database at once: every one
// migrates (or finds it migrated) and every write transaction succeeds.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.ts';
import type { StoreOptions } from '../../src/store/index.ts';
import { backends } from './backends.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = path.join(ROOT, 'test/fixtures/store-child.ts');
const list = await backends();

function runChild(opts: StoreOptions, name: string, writes: number) {
  return new Promise<{ code: number | null; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(opts), name, String(writes)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, err }));
  });
}

describe.each(list)('concurrent processes on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('six first starts at once all migrate and write', { timeout: 120_000 }, async (ctx) => {
    if (backend.skip) ctx.skip();
    const opts = backend.options();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => runChild(opts, `p${i}`, 15)));
    for (const r of results) expect(r.code, r.err).toBe(0);
    const store = await backend.open(opts);
    try {
      const applied = await store.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      expect(applied).toHaveLength(Object.keys(migrations(backend.name)).length);
      const rows = await store.db.selectFrom('staff_contacts').select('id').execute();
      expect(rows).toHaveLength(6 * 15);
    } finally {
      await store.close();
    }
  });
});
