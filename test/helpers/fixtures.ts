// Builds throwaway knowledge folders from the fixtures: the valid sample with
// one broken overlay on top.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/knowledge');
export const VALID_KB = path.join(FIXTURES, 'valid');
export const BROKEN = path.join(FIXTURES, 'broken');

export function tempDir(prefix = 'daiban-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies `base` (default: the valid fixture) into a temp folder and overlays `overlay`'s files (except expect.json). */
export function knowledgeCopy(overlay?: string, base = VALID_KB): string {
  const dir = tempDir('daiban-kb-');
  fs.cpSync(base, dir, { recursive: true });
  if (overlay) {
    fs.cpSync(overlay, dir, { recursive: true, filter: (src) => path.basename(src) !== 'expect.json' });
    fs.rmSync(path.join(dir, 'expect.json'), { force: true });
  }
  return dir;
}
