// kb check reports every problem once, in Chinese, with advice that points to the right value.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { knowledgeCopy, tempDir } from '../helpers/fixtures.ts';

const check = (dir: string) => runCli(['kb', 'check', '--dir', dir]);
const lines = (r: { out: string; err: string }) => (r.out + r.err).split('\n').filter(Boolean);

describe('a catalogue file that does not parse', () => {
  it('is reported once, and list problems are still reported (no cascade for names in the unreadable file)', async () => {
    const dir = knowledgeCopy();
    // A forestry catalogue with a YAML syntax error (unclosed bracket after a key).
    fs.writeFileSync(path.join(dir, 'items', 'forestry.yaml'), '- name: 林木采伐许可证核发\n  aliases: [采伐许可证]: : [\n  type: 行政许可\n  department: 示例县林业局\n');
    const list = path.join(dir, 'lists', '甲镇.csv');
    fs.appendFileSync(list, '3,林木采伐许可证核发,,直接下放,,,\n4,食品经营许口,示例县市场监督管理局,直接下放,,,\n');
    const r = await check(dir);
    expect(r.code).toBe(1);
    const all = lines(r);
    const yaml = all.filter((l) => l.includes('items/forestry.yaml') && l.includes('YAML'));
    expect(yaml).toHaveLength(1);
    expect(yaml[0]).toContain('items/forestry.yaml:2');
    // The typo (in no file) is reported at its line with the near name; the item of the unreadable file is not "unknown".
    const typo = all.find((l) => l.includes('lists/甲镇.csv:5'));
    expect(typo).toContain('食品经营许口');
    expect(typo).toContain('食品经营许可');
    expect(all.some((l) => l.includes('林木采伐许可证核发') && l.includes('不在事项目录里'))).toBe(false);
    expect(r.err).toContain('检查未通过：2 处错误');
  });
});

describe('a department typo in an item', () => {
  it('is reported at the item; lists holding the right name are not told to change it to the typo', async () => {
    const dir = knowledgeCopy();
    const items = path.join(dir, 'items', 'market.yaml');
    fs.writeFileSync(items, fs.readFileSync(items, 'utf8').replace('- name: 食品经营许可\n  type: 行政许可\n  department: 示例县市场监督管理局', '- name: 食品经营许可\n  type: 行政许可\n  department: 示例县市场监督管理句'));
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/items\/market\.yaml:\d+ 字段「department」：部门「示例县市场监督管理句」不在 departments\.yaml 里/);
    expect(r.err).not.toContain('应为：示例县市场监督管理句');
    expect(r.err).not.toContain('lists/甲镇.csv:3');
  });
});

describe('wording', () => {
  it('a wrong value is quoted once and the field reads 第N条的 field', async () => {
    const dir = knowledgeCopy();
    const items = path.join(dir, 'items', 'market.yaml');
    fs.writeFileSync(items, fs.readFileSync(items, 'utf8').replace('- name: 食品经营许可\n  type: 行政许可', '- name: 食品经营许可\n  type: 行政许可证'));
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('字段「第2条的 type」');
    expect(r.err).toContain('「行政许可证」');
    expect(r.err).not.toMatch(/「[^」]*「/);
  });

  it('the per-town summary is Chinese and has no empty brackets', async () => {
    const dir = path.join(tempDir('daiban-summary-'), 'kb');
    expect((await runCli(['kb', 'init', dir, '--county', '某县', '--town', '甲镇'])).code).toBe(0);
    const r = await check(dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('甲镇：0 个事项，0 个部门');
    const summary = r.out.split('\n').find((l) => l.startsWith('甲镇'))!;
    expect(summary).not.toMatch(/items|departments|（；）|（）/);
  });
});
