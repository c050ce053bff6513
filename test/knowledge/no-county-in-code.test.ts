// Another county is another knowledge folder: no place of the bundled sample
// may be written into the code (replies, examples, stripping, comments).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SAMPLE_PLACES = /浏阳|长沙|永安|瀏陽|長沙/;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return /\.(ts|js|mjs|cjs|json|txt|md)$/.test(e.name) ? [p] : [];
  });
}

describe('no sample county in the code', () => {
  it('src/, bot/ and cli/ never name 浏阳, 长沙 or 永安', () => {
    const hits = ['src', 'bot', 'cli'].flatMap((d) =>
      sources(path.join(ROOT, d)).flatMap((file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, i) => (SAMPLE_PLACES.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
      ),
    );
    expect(hits).toEqual([]);
  });
});
