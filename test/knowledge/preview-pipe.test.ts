// `kb preview` shows replies for changed items; output into a closed pipe does not crash.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { VALID_KB, knowledgeCopy, tempDir } from '../helpers/fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('daiban kb preview', () => {
  it('shows what the bot will answer for the items changed since the index in service', async () => {
    const dir = knowledgeCopy();
    const env = { KNOWLEDGE_DIR: dir, DATA_DIR: tempDir('daiban-preview-') };
    expect((await runCli(['kb', 'build'], env)).code).toBe(0);
    expect((await runCli(['kb', 'preview'], env)).out).toContain('没有事项有变化');
    const items = path.join(dir, 'items', 'market.yaml');
    fs.writeFileSync(items, fs.readFileSync(items, 'utf8').replace('  promised_limit: 5\n', '  promised_limit: 3\n'));
    const r = await runCli(['kb', 'preview'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('有变化的事项 1 个');
    expect(r.out).toContain('━━ 甲镇能办食品经营许可吗');
    expect(r.out).toContain('承诺3个工作日');
    expect(r.out).not.toContain('个体工商户设立登记」');
    // Named items, whatever changed.
    const named = await runCli(['kb', 'preview', '--items', '个体户登记'], env);
    expect(named.out).toContain('━━ 甲镇能办个体工商户设立登记吗');
    expect(named.out).toContain('━━ 乙街道能办个体工商户设立登记吗');
  });
});

describe('output into a closed pipe', () => {
  it('`daiban kb check | true` ends quietly with status 0 instead of an EPIPE crash', () => {
    const r = spawnSync('bash', ['-c', `node --import tsx cli/bin.ts kb check --dir ${JSON.stringify(VALID_KB)} | true; echo "status=\${PIPESTATUS[0]}" >&2`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).toContain('status=0');
  });
});
