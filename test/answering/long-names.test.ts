// Long enforcement power names: a question names one duty of the sentence,
// never the whole of it; each clause of a long name is a key of its own.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clauseKeys } from '../../src/answering/confidence.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/fixtures.ts';

const KB = path.resolve(import.meta.dirname, '../fixtures/counties/shapingba/knowledge');
const PLANNING = '对城乡规划实施情况的监督检查，以及对《重庆市城乡规划条例》第七十四条所列违法建筑的日常巡查';

describe('clause keys of a long power name', () => {
  it('splits at clauses, drops 对/的, cited titles and article numbers; short names and short clauses give none', () => {
    expect(clauseKeys(PLANNING)).toEqual(['城乡规划实施情况监督检查', '违法建筑日常巡查']);
    expect(clauseKeys('对本地区小型水库、山塘、堤防、水闸、堰坝和抗旱供水等设施的检查')).not.toContain('山塘');
    expect(clauseKeys('食品经营许可')).toEqual([]);
    expect(clauseKeys('对生产经营单位安全生产状况的监督检查')).toEqual([]);
  });
});

describe('questions naming one duty of a long enforcement item (second county)', () => {
  it('are answered with that item, in everyday 由谁负责 / 归谁管 wording', async () => {
    const input = ['违法建筑日常巡查由谁负责', '磁器口街道城乡规划实施情况的监督检查归谁管', '地质灾害隐患排查是街道管吗'].join('\n') + '\n';
    const r = await runCli(['ask', '--dir', KB, '--jsonl'], { DATA_DIR: tempDir('daiban-long-') }, input);
    expect(r.code, r.err).toBe(0);
    const out = r.out.trim().split('\n').map((l) => JSON.parse(l) as { status: string; matches: { item: string }[]; answer: string });
    expect(out.map((o) => [o.status, o.matches[0]?.item])).toEqual([
      ['answered', PLANNING],
      ['answered', PLANNING],
      ['answered', '对地质灾害隐患的排查、核查和重点防范期的巡查'],
    ]);
    expect(out[0]!.answer).toContain('磁器口街道');
  });
});
