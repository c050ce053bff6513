import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import { summarize } from '../../src/knowledge/check.ts';
import { BROKEN, VALID_KB, knowledgeCopy } from '../helpers/fixtures.ts';

interface Expect {
  file: string;
  line?: number;
  field?: string;
  message: string;
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
      const errors = problems.filter((p) => p.severity === 'error');
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

  it('reports every problem, not just the first', () => {
    const dir = knowledgeCopy(path.join(BROKEN, 'unknown-item'));
    fs.cpSync(path.join(BROKEN, 'promised-over-legal', 'items'), path.join(dir, 'items'), { recursive: true });
    fs.cpSync(path.join(BROKEN, 'scenario-unknown-item', 'scenarios.yaml'), path.join(dir, 'scenarios.yaml'));
    const errors = loadKnowledge(dir).problems.filter((p) => p.severity === 'error');
    const files = new Set(errors.map((p) => p.file));
    expect(files).toEqual(new Set(['lists/甲镇.csv', 'items/market.yaml', 'scenarios.yaml']));
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
