// Integrity of the real-question evaluation set (knowledge/eval/real/): every label must agree with the
// knowledge it was made against, the two halves must not share a question, and both halves must hold a
// similar share of questions the bot should decline. Answers are never looked at here.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalCaseSchema, STATUSES } from '../../src/knowledge/schemas.ts';
import { loadKnowledgeOrThrow, type Knowledge } from '../../src/knowledge/load.ts';

const KNOWLEDGE = path.resolve(import.meta.dirname, '../../knowledge');
const REAL = path.join(KNOWLEDGE, 'eval', 'real');

/** The fields the real set adds to evalCaseSchema (described at the top of each file and in its README). */
const realCaseSchema = evalCaseSchema.extend({
  source: z.string().regex(/^https?:\/\/\S+$/),
  statuses: z.array(z.enum([...STATUSES, 'partial'])).min(1),
  should_decline: z.boolean(),
  decline: z.enum(['item', 'aspect', 'scope']).optional(),
  note: z.string().min(1).optional(),
  /** A condition stated in the question that the knowledge's notes apply (e.g. a 国道, not a 乡道): at_town follows it. */
  condition: z.string().min(1).optional(),
});
type RealCase = z.infer<typeof realCaseSchema>;

const ITEM_CARDS = new Set(['answered', 'not_at_town', 'scenario', 'abolished']);

function readHalf(name: 'tune' | 'test'): RealCase[] {
  const raw = parseYaml(fs.readFileSync(path.join(REAL, `${name}.yaml`), 'utf8'));
  return z.array(realCaseSchema).parse(raw);
}

let k: Knowledge;
let tune: RealCase[];
let test: RealCase[];
beforeAll(() => {
  k = loadKnowledgeOrThrow(KNOWLEDGE).knowledge;
  tune = readHalf('tune');
  test = readHalf('test');
});

/** Whether a town's published list (any town's, for null) holds the item, by catalogue name or alias. */
function availableAt(item: string, town: string | null): boolean {
  const entry = k.items.find((i) => i.name === item);
  const names = new Set([item, ...(entry?.aliases ?? [])]);
  const lists = town ? [k.lists.get(town) ?? []] : [...k.lists.values()];
  return lists.some((l) => l.some((e) => names.has(e.事项名称)));
}

describe('knowledge/eval/real', () => {
  it('has at least 200 questions, split into halves of (nearly) equal size that share no question', () => {
    expect(tune.length + test.length).toBeGreaterThanOrEqual(200);
    expect(Math.abs(tune.length - test.length)).toBeLessThanOrEqual(2);
    const inTune = new Set(tune.map((c) => c.q));
    expect(test.filter((c) => inTune.has(c.q)).map((c) => c.q)).toEqual([]);
    const all = [...tune, ...test].map((c) => c.q);
    expect(all.length - new Set(all).size).toBe(0);
  });

  it('keeps the share of should-decline questions alike in both halves, and has both kinds', () => {
    const share = (cs: RealCase[]) => cs.filter((c) => c.should_decline).length / cs.length;
    expect(Math.abs(share(tune) - share(test))).toBeLessThanOrEqual(0.03);
    for (const cs of [tune, test]) {
      expect(share(cs)).toBeGreaterThan(0.2);
      expect(share(cs)).toBeLessThan(0.6);
    }
  });

  it('labels agree with the catalogue, the town lists and each other', () => {
    const names = new Set(k.items.map((i) => i.name));
    const towns = new Set(k.regions.towns.map((t) => t.name));
    const problems: string[] = [];
    for (const c of [...tune, ...test]) {
      const say = (msg: string) => problems.push(`${c.q}: ${msg}`);
      for (const it of c.items) if (!names.has(it)) say(`unknown item ${it}`);
      if (c.town !== null && !towns.has(c.town)) say(`unknown town ${c.town}`);
      if (c.bound != null && c.town !== c.bound && !c.q.includes(c.town?.slice(0, 2) ?? '\u0000')) say('town is neither named nor bound');
      if (!c.statuses.includes(c.status)) say('status missing from statuses');
      if (c.should_decline !== (c.decline !== undefined)) say('decline reason goes with should_decline');
      if (c.should_decline) {
        if (c.statuses.some((s) => ITEM_CARDS.has(s))) say('a should-decline question accepts an item card');
        if (c.at_town !== undefined) say('a should-decline question has at_town');
      } else if (c.status === 'answered' || c.status === 'not_at_town') {
        if (!c.items.length) say('answerable without items');
        const at = c.condition ? false : availableAt(c.items[0]!, c.town);
        if (c.at_town !== at) say(`at_town ${c.at_town} but the lists say ${at}`);
        if ((c.status === 'answered') !== at) say(`status ${c.status} but available=${at}`);
      } else if (c.status === 'scenario') {
        const s = k.scenarios.find((x) => x.items.length === c.items.length && x.items.every((i) => c.items.includes(i)));
        if (!s) say('scenario items match no scenario in scenarios.yaml');
      }
    }
    expect(problems).toEqual([]);
  });
});
