// Measures answer quality on the labelled question sets in knowledge/eval/.
import type { EvalCase } from '../knowledge/schemas.ts';
import type { AnswerResult } from './types.ts';

export interface CaseOutcome {
  c: EvalCase & { origin?: { file: string; line?: number } };
  result: AnswerResult;
  /** 1-based rank of the first expected item among the matches, or 0. */
  rank: number;
  statusOk: boolean;
  /** Town resolved right and availability right (only for cases that state at_town). */
  availabilityOk: boolean | null;
}

export interface Metrics {
  n: number;
  hit1: number;
  hit3: number;
  mrr: number;
  status: number;
  availability: number;
  /** How many cases each ratio is over. */
  counts: { ranked: number; availability: number };
}

export function judge(c: EvalCase, result: AnswerResult): CaseOutcome {
  const names = result.matches.map((m) => m.item);
  const rank = c.items.length ? names.findIndex((n) => c.items.includes(n)) + 1 : 0;
  let availabilityOk: boolean | null = null;
  if (c.at_town !== undefined && c.items.length) {
    const m = result.matches.find((x) => x.item === c.items[0]);
    availabilityOk = result.town === c.town && !!m && m.atTown === c.at_town;
  }
  const statusOk = (c.statuses ?? [c.status]).includes(result.status);
  return { c, result, rank, statusOk, availabilityOk };
}

/** A case whose answer must lead with an item (not a decline, not a non-item status). */
const answerable = (c: EvalCase) => c.items.length > 0 && !c.should_decline && c.status !== 'no_match';

/** Overall correct: the right status, the right item first (when one is expected) and the right availability. */
export const isCorrect = (o: CaseOutcome): boolean => o.statusOk && (!answerable(o.c) || o.rank === 1) && o.availabilityOk !== false;

export interface RealMetrics {
  n: number;
  /** Share of all cases answered correctly (status, first item, availability). */
  overall: number;
  /** Share of should-decline cases given an acceptable (declining) status. */
  decline: number;
  /** Hit@1 on answerable cases. */
  hit1: number;
  counts: { decline: number; answerable: number };
}

export function realMetrics(outcomes: CaseOutcome[]): RealMetrics {
  const ratio = (n: number, d: number) => (d ? n / d : 1);
  const dec = outcomes.filter((o) => o.c.should_decline);
  const ans = outcomes.filter((o) => answerable(o.c));
  return {
    n: outcomes.length,
    overall: ratio(outcomes.filter(isCorrect).length, outcomes.length),
    decline: ratio(dec.filter((o) => o.statusOk).length, dec.length),
    hit1: ratio(ans.filter((o) => o.rank === 1).length, ans.length),
    counts: { decline: dec.length, answerable: ans.length },
  };
}

export function metrics(outcomes: CaseOutcome[]): Metrics {
  const ranked = outcomes.filter((o) => answerable(o.c));
  const avail = outcomes.filter((o) => o.availabilityOk !== null);
  const ratio = (n: number, d: number) => (d ? n / d : 1);
  return {
    n: outcomes.length,
    hit1: ratio(ranked.filter((o) => o.rank === 1).length, ranked.length),
    hit3: ratio(ranked.filter((o) => o.rank >= 1 && o.rank <= 3).length, ranked.length),
    mrr: ratio(ranked.reduce((s, o) => s + (o.rank ? 1 / o.rank : 0), 0), ranked.length),
    status: ratio(outcomes.filter((o) => o.statusOk).length, outcomes.length),
    availability: ratio(avail.filter((o) => o.availabilityOk).length, avail.length),
    counts: { ranked: ranked.length, availability: avail.length },
  };
}

export function byCategory(outcomes: CaseOutcome[]): Map<string, Metrics> {
  const groups = new Map<string, CaseOutcome[]>();
  for (const o of outcomes) groups.set(o.c.category, [...(groups.get(o.c.category) ?? []), o]);
  return new Map([...groups].map(([k, v]) => [k, metrics(v)]));
}

export const isFailure = (o: CaseOutcome): boolean => !isCorrect(o);
