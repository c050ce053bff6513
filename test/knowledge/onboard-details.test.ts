// kb import writes the column it says it maps to; kb init writes no one-character alias; kb check warns on one.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/fixtures.ts';

describe('kb import: 执法主体 → 承办机构', () => {
  it('a body naming the town goes into the 承办机构 column; a generic one stays in 备注 and the output says so', async () => {
    const root = tempDir('daiban-body-');
    const dir = path.join(root, 'kb');
    const csv = path.join(root, 'list.csv');
    fs.writeFileSync(csv, '序号,事项名称,权力类型,原实施部门,执法主体\n1,食品经营许可,行政许可,某县市场监督管理局,甲镇人民政府\n2,林木采伐许可证核发,行政许可,某县林业局,乡(镇)人民政府\n');
    expect((await runCli(['kb', 'init', dir, '--county', '某县', '--town', '甲镇'])).code).toBe(0);
    const r = await runCli(['kb', 'import', csv, '--dir', dir, '--town', '甲镇', '--scaffold-items']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('执法主体 → 承办机构');
    expect(r.out).toContain('「乡(镇)人民政府」不是具体机构');
    const lines = fs.readFileSync(path.join(dir, 'lists', '甲镇.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const col = header.indexOf('承办机构');
    expect(col).toBeGreaterThan(-1);
    expect(lines[1]!.split(',')[col]).toBe('甲镇人民政府');
    expect(lines[2]).toContain('执法主体：乡(镇)人民政府');
  });
});

describe('one-character aliases', () => {
  it('kb init writes none (甲镇 → no alias 甲; 某县 → no alias 某), keeps two-character ones', async () => {
    const dir = path.join(tempDir('daiban-alias-'), 'kb');
    expect((await runCli(['kb', 'init', dir, '--county', '某县', '--town', '甲镇', '--town', '磁器口街道'])).code).toBe(0);
    const regions = parseYaml(fs.readFileSync(path.join(dir, 'regions.yaml'), 'utf8')) as {
      county: { aliases?: string[] };
      towns: { name: string; aliases?: string[] }[];
    };
    expect(regions.county.aliases ?? []).toEqual([]);
    expect(regions.towns.find((t) => t.name === '甲镇')!.aliases ?? []).toEqual([]);
    expect(regions.towns.find((t) => t.name === '磁器口街道')!.aliases).toEqual(['磁器口']);
  });

  it('kb check warns about a one-character alias, at regions.yaml', async () => {
    const dir = path.join(tempDir('daiban-alias-'), 'kb');
    expect((await runCli(['kb', 'init', dir, '--county', '某县', '--town', '甲镇'])).code).toBe(0);
    const file = path.join(dir, 'regions.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('kind: 镇', 'kind: 镇\n    aliases: [甲]'));
    const r = await runCli(['kb', 'check', '--dir', dir]);
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).toMatch(/regions\.yaml.*简称「甲」只有一个字/);
  });
});
