import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { hashKnowledge, loadKnowledge } from '../../src/knowledge/load.ts';
import { summarize } from '../../src/knowledge/check.ts';
import { BROKEN, VALID_KB, knowledgeCopy } from '../helpers/fixtures.ts';

interface Expect {
  file: string;
  line?: number;
  field?: string;
  message: string;
  /** Default error; a contradiction the checker cannot be sure of is a warning. */
  severity?: 'error' | 'warning';
}

describe('knowledge checker', () => {
  it('accepts the valid fixture and summarises each town', () => {
    const { knowledge, problems } = loadKnowledge(VALID_KB);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(knowledge).not.toBeNull();
    const summary = summarize(knowledge!);
    expect(summary.map((s) => [s.town, s.items, s.departments])).toEqual([
      ['甲镇', 2, 1],
      ['乙街道', 1, 1],
    ]);
    expect(summary[0]!.byType).toEqual({ 行政确认: 1, 行政许可: 1 });
  });

  const modes = fs.readdirSync(BROKEN).sort();
  it('has a fixture for at least ten failure modes', () => {
    expect(modes.length).toBeGreaterThanOrEqual(10);
  });

  for (const mode of modes) {
    it(`reports ${mode} with file, line and field`, () => {
      const expected = JSON.parse(fs.readFileSync(path.join(BROKEN, mode, 'expect.json'), 'utf8')) as Expect;
      const { problems } = loadKnowledge(knowledgeCopy(path.join(BROKEN, mode)));
      const errors = problems.filter((p) => p.severity === (expected.severity ?? 'error'));
      const hit = errors.find(
        (p) =>
          p.file === expected.file &&
          (expected.line === undefined || p.line === expected.line) &&
          (expected.field === undefined || p.field === expected.field) &&
          formatProblem(p).includes(expected.message),
      );
      expect(hit, `expected ${JSON.stringify(expected)} among:\n${errors.map(formatProblem).join('\n')}`).toBeDefined();
      // The printed line carries the location a maintainer jumps to.
      expect(formatProblem(hit!)).toContain(expected.line ? `${expected.file}:${expected.line}` : expected.file);
    });
  }

  it('a column added to the header later does not make every older row an error', () => {
    const dir = knowledgeCopy();
    fs.writeFileSync(path.join(dir, 'not_held.csv'), '说法,说明,去向,备注\n户口,户口办理,派出所\n驾照,机动车驾驶证,车管所,示例\n');
    const { knowledge, problems } = loadKnowledge(dir);
    expect(problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    expect(knowledge!.notHeld.map((r) => [r.说法, r.去向])).toEqual([['户口', '派出所'], ['驾照', '车管所']]);
  });

  it('reports every problem, not just the first', () => {
    const dir = knowledgeCopy(path.join(BROKEN, 'unknown-item'));
    fs.cpSync(path.join(BROKEN, 'promised-over-legal', 'items'), path.join(dir, 'items'), { recursive: true });
    fs.cpSync(path.join(BROKEN, 'scenario-unknown-item', 'scenarios.yaml'), path.join(dir, 'scenarios.yaml'));
    const errors = loadKnowledge(dir).problems.filter((p) => p.severity === 'error');
    const files = new Set(errors.map((p) => p.file));
    expect(files).toEqual(new Set(['lists/甲镇.csv', 'items/market.yaml', 'scenarios.yaml']));
  });

  it('blames only the copy of a duplicated item when the original is older', () => {
    const dir = knowledgeCopy(path.join(BROKEN, 'duplicate-at-copy'));
    const old = new Date('2024-01-01T00:00:00Z');
    fs.utimesSync(path.join(dir, 'items', 'market.yaml'), old, old);
    const dups = loadKnowledge(dir).problems.filter((p) => p.message.includes('重复'));
    expect(dups.map((p) => `${p.file}:${p.line}`)).toEqual(['items/a-copy.yaml:2']);
  });

  it('accepts an empty scenarios.yaml, every power type and the new list columns', () => {
    const dir = knowledgeCopy();
    fs.writeFileSync(path.join(dir, 'scenarios.yaml'), '# 还没有“一件事”\n');
    fs.appendFileSync(
      path.join(dir, 'items', 'market.yaml'),
      '- name: 对无照经营的处罚\n  type: 行政处罚\n  code: "330217001000"\n  department: 示例县市场监督管理局\n' +
        '- name: 食品小作坊备案\n  type: 其他行政权力\n  subtype: 备案\n  parent: 食品经营许可\n  department: 示例县市场监督管理局\n  fee: 不收费\n  promised_limit: 即办\n',
    );
    fs.writeFileSync(
      path.join(dir, 'lists', '全县清单.csv'),
      '序号,事项名称,事项编码,权力类型,适用乡镇,承办机构,决定日期,生效日期,收回日期,收回后去向\n' +
        '1,对无照经营的处罚,330217001000,行政处罚,全部,,2020-03-01,2020-04-28,,\n' +
        '2,食品小作坊备案,,其他行政权力（备案）,甲镇,甲镇市场监管所,2020-03-01,2020-04-28,2023-01-01,示例县市场监督管理局\n',
    );
    const { knowledge, problems } = loadKnowledge(dir, { today: '2024-06-01' });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(knowledge!.scenarios).toEqual([]);
    expect(knowledge!.lists.get('乙街道')!.map((e) => e.事项名称)).toContain('对无照经营的处罚');
    expect(knowledge!.inactive.get('甲镇')!.map((e) => [e.事项名称, e.state, e.收回后去向])).toEqual([['食品小作坊备案', 'withdrawn', '示例县市场监督管理局']]);
    // The same row before it was withdrawn is in force.
    expect(loadKnowledge(dir, { today: '2022-06-01' }).knowledge!.lists.get('甲镇')!.map((e) => e.事项名称)).toContain('食品小作坊备案');
  });

  it('lists/towns.yaml gives one list file to several towns, and changes the knowledge hash', () => {
    const dir = knowledgeCopy();
    fs.rmSync(path.join(dir, 'lists', '乙街道.csv'));
    fs.renameSync(path.join(dir, 'lists', '甲镇.csv'), path.join(dir, 'lists', '东片清单.csv'));
    const before = hashKnowledge(dir);
    fs.writeFileSync(path.join(dir, 'lists', 'towns.yaml'), '东片清单.csv: [甲镇, 乙]\n');
    const { knowledge, problems } = loadKnowledge(dir);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(knowledge!.lists.get('乙街道')!.map((e) => e.事项名称)).toEqual(['个体工商户设立登记', '食品经营许可']);
    expect(hashKnowledge(dir)).not.toBe(before);
    fs.writeFileSync(path.join(dir, 'lists', 'towns.yaml'), '东片清单.csv: [甲镇, 乙町]\n');
    const errors = loadKnowledge(dir).problems.filter((p) => p.severity === 'error');
    expect(errors[0]).toMatchObject({ file: 'lists/towns.yaml', line: 1, field: '东片清单.csv' });
    expect(errors[0]!.message).toContain('「乙町」不是 regions.yaml 里的镇/街道');
  });

  it('a GBK list is one error with advice, not mojibake column errors and a false "no list" warning', () => {
    const problems = loadKnowledge(knowledgeCopy(path.join(BROKEN, 'gbk-list'))).problems;
    expect(problems.filter((p) => p.file === 'lists/甲镇.csv')).toHaveLength(1);
    expect(problems[0]!.expected).toContain('daiban kb import');
    expect(problems.some((p) => p.message.includes('甲镇 没有下放清单'))).toBe(false);
  });

  it('an unknown town in a shared list does not hide the other rows’ errors', () => {
    const errors = loadKnowledge(knowledgeCopy(path.join(BROKEN, 'shared-list-town-typo'))).problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.file}:${p.line} ${p.field}`).sort()).toEqual(['lists/全县共用清单.csv:3 适用乡镇', 'lists/全县共用清单.csv:4 事项名称']);
  });

  it('accepts Traditional characters in files and reads them as Simplified', () => {
    const dir = knowledgeCopy();
    fs.writeFileSync(
      path.join(dir, 'lists', '甲镇.csv'),
      '序號,事項名稱,原實施部門,下放方式,批次,窗口,備註\n1,個體工商戶設立登記,示例縣市場監督管理局,直接下放,第一批,綜合受理窗口,\n',
    );
    const { knowledge, problems } = loadKnowledge(dir);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(knowledge!.lists.get('甲镇')![0]!.事项名称).toBe('个体工商户设立登记');
  });

  it('warns when a guide states a time limit that differs from the catalogue, with the line', () => {
    const dir = knowledgeCopy();
    fs.writeFileSync(
      path.join(dir, 'guides', 'food.md'),
      '---\nitem: 食品经营许可\nupdated: 2025-01-01\nsource: 示例整理\n---\n办理说明。\n法定时限10个工作日，承诺时限3个工作日。\n',
    );
    const warnings = loadKnowledge(dir).problems.filter((p) => p.severity === 'warning');
    const w = warnings.find((p) => p.field === '承诺时限');
    expect(w, JSON.stringify(warnings)).toMatchObject({ file: 'guides/food.md', line: 7 });
    expect(w!.message).toContain('3个工作日');
    expect(warnings.some((p) => p.field === '法定时限')).toBe(false);
  });

  it('rejects dates that do not exist', () => {
    const dir = knowledgeCopy();
    fs.writeFileSync(path.join(dir, 'guides', 'food.md'), '---\nitem: 食品经营许可\nupdated: 2025-13-01\nsource: 示例整理\n---\n正文。\n');
    const errors = loadKnowledge(dir).problems.filter((p) => p.severity === 'error');
    expect(errors[0]).toMatchObject({ file: 'guides/food.md', line: 3, field: 'updated' });
    expect(errors[0]!.message).toContain('不是存在的日期');
  });

  it('names a missing folder', () => {
    const { knowledge, problems } = loadKnowledge('/nonexistent/knowledge');
    expect(knowledge).toBeNull();
    expect(problems[0]!.message).toContain('不存在');
  });
});
