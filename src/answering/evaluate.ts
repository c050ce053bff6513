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
  return { c, result, rank, statusOk: result.status === c.status, availabilityOk };
}

export function metrics(outcomes: CaseOutcome[]): Metrics {
  const ranked = outcomes.filter((o) => o.c.items.length && o.c.status !== 'no_match');
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

export const isFailure = (o: CaseOutcome): boolean =>
  !o.statusOk || (o.c.items.length > 0 && o.c.status !== 'no_match' && o.rank !== 1) || o.availabilityOk === false;
