// The compiled build: `npm run build` (tsc) emits runnable JavaScript, and the
// compiled `daiban` answers from the same knowledge and data directories as
// the sources do.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const run = (file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) =>
  new Promise<{ stdout: string }>((resolve, reject) =>
    execFile(file, args, { ...opts, encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout }))),
  );
const ROOT = path.resolve(import.meta.dirname, '../..');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-build-'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-build-data-'));
afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('compiled build', () => {
  it('compiles to dist/cli/bin.js, which answers a question without tsx', async () => {
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out, '--incremental', 'false', '--tsBuildInfoFile', 'null'], { cwd: ROOT });
    // The packages resolve from the compiled tree as they do from dist/ in the project.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
    const bin = path.join(out, 'cli/bin.js');
    expect(fs.readFileSync(bin, 'utf8')).not.toMatch(/from ['"][^'"]+\.ts['"]/);
    // Run from the project root, as `npm start` does: knowledge/ and data/ resolve from the working directory.
    const { stdout } = await run(process.execPath, [bin, 'ask', '永安镇能办食品经营许可吗'], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', OPENAI_API_KEY: '' },
      timeout: 120_000,
    });
    expect(stdout).toContain('永安镇可以办理「食品经营许可」');
  }, 240_000);
});
