import { runCli } from '../helpers/cli.ts';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROKEN, VALID_KB, knowledgeCopy } from '../helpers/fixtures.ts';

const run = (args: string[]) => runCli(args);

describe('daiban kb check', () => {
  it('checks another county with --dir and prints a per-town summary', async () => {
    const r = await run(['kb', 'check', '--dir', VALID_KB]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('甲镇：2 个事项，1 个部门');
  });

  it('exits non-zero and lists file:line problems', async () => {
    const r = await run(['kb', 'check', '--dir', knowledgeCopy(path.join(BROKEN, 'bad-mode'))]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('lists/甲镇.csv:3 字段「下放方式」');
    expect(r.err).toContain('检查未通过');
  });

  it('prints JSON with --json', async () => {
    const r = await run(['kb', 'check', '--json', '--dir', knowledgeCopy(path.join(BROKEN, 'unknown-column'))]);
    const parsed = JSON.parse(r.out) as { ok: boolean; problems: { file: string; line: number }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.problems[0]).toMatchObject({ file: 'lists/甲镇.csv', line: 1, field: '办理地点' });
  });
});
