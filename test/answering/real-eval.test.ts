// Floors on the real public questions (knowledge/eval/real/): the tuning half and the test half
// are scored apart. The test half's floors are what the answering reached when it was last scored
// (issue 11: 352 test questions after batches 4-9 were added), far below the targets of 90 %;
// the README and the closing note say so. Test-half failures are never printed here, so nobody
// tunes on them.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { openAnswerer, type Engine } from '../../src/answering/engine.ts';
import { isFailure, realMetrics } from '../../src/answering/evaluate.ts';
import { readRealHalves, runEval } from '../../src/cli/commands/eval.ts';
import { tempDir } from '../helpers/fixtures.ts';

const KNOWLEDGE = path.resolve(import.meta.dirname, '../../knowledge');
let engine: Engine & { close(): Promise<void> };

beforeAll(async () => {
  engine = await openAnswerer(loadConfig({ KNOWLEDGE_DIR: KNOWLEDGE, DATA_DIR: tempDir('daiban-real-eval-') }));
});
afterAll(async () => {
  await engine.close();
});

const half = (name: 'tune' | 'test') => {
  const h = readRealHalves(KNOWLEDGE).find((x) => x.name === name);
  if (!h) throw new Error(`knowledge/eval/real/${name}.yaml is missing`);
  return h.cases;
};

describe('real public questions', () => {
  it('the tuning half: overall, should-decline and Hit@1 floors, and fusion beats BM25 alone', async () => {
    const cases = half('tune');
    expect(cases.length).toBeGreaterThanOrEqual(350);
    const fused = await runEval(engine, cases, 'fused');
    const m = realMetrics(fused);
    const failures = fused.filter(isFailure).map((f) => `${f.c.q} → ${f.result.status} ${f.result.matches[0]?.item ?? ''}`).join('\n');
    expect(m.overall, failures).toBeGreaterThanOrEqual(0.91);
    expect(m.decline, failures).toBeGreaterThanOrEqual(0.88);
    expect(m.hit1, failures).toBeGreaterThanOrEqual(0.95);
    expect(m.hit1).toBeGreaterThanOrEqual(realMetrics(await runEval(engine, cases, 'bm25')).hit1);
  });

  it('the test half (not tuned on): overall ≥ 78 %, should-decline ≥ 72 %, Hit@1 ≥ 87 %', async () => {
    const cases = half('test');
    expect(cases.length).toBeGreaterThanOrEqual(350);
    const m = realMetrics(await runEval(engine, cases, 'fused'));
    expect(m.overall).toBeGreaterThanOrEqual(0.78);
    expect(m.decline).toBeGreaterThanOrEqual(0.72);
    expect(m.hit1).toBeGreaterThanOrEqual(0.87);
    expect(m.hit1).toBeGreaterThanOrEqual(realMetrics(await runEval(engine, cases, 'bm25')).hit1);
  });
});
