// Only bot/ knows a protocol: nothing in src/ imports bot/ (or wechaty).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|js)$/.test(e.name) ? [p] : [];
  });

/** Every module specifier a file imports, statically or dynamically. */
const imports = (file: string): string[] =>
  [...fs.readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('layering', () => {
  it('finds the source files and their imports', () => {
    expect(sources(SRC).length).toBeGreaterThan(40);
    expect(imports(path.join(SRC, 'app.ts'))).toContain('./core/gate.ts');
  });

  it('src/ never imports bot/ or a WeChat library', () => {
    const offending = sources(SRC).flatMap((file) =>
      imports(file)
        .filter((spec) => {
          if (/^wechaty/.test(spec)) return true;
          if (!spec.startsWith('.')) return false;
          const target = path.resolve(path.dirname(file), spec);
          return !target.startsWith(SRC + path.sep);
        })
        .map((spec) => `${path.relative(SRC, file)} → ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
