// Groups logged unanswered questions by similarity so maintainers see what to add.
import type { UnansweredEntry } from '../store/types.ts';
import { Tokenizer } from '../text/tokenize.ts';

export interface UnansweredGroup {
  example: string;
  questions: string[];
  count: number;
  towns: string[];
  statuses: string[];
  /** Items retrieval came closest to, most frequent first. */
  nearest: string[];
  last: Date;
}

const grams = (s: string) => new Set(Tokenizer.grams(s));
const jaccard = (a: Set<string>, b: Set<string>) => {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter || 1);
};

/** Greedy single-pass clustering on character-bigram Jaccard similarity. */
export function groupUnanswered(entries: UnansweredEntry[], threshold = 0.4): UnansweredGroup[] {
  const groups: { seed: Set<string>; entries: UnansweredEntry[] }[] = [];
  for (const e of entries) {
    const g = grams(e.normalized);
    const home = groups.find((x) => jaccard(x.seed, g) >= threshold);
    if (home) home.entries.push(e);
    else groups.push({ seed: g, entries: [e] });
  }
  return groups
    .map(({ entries: es }) => {
      const nearest = new Map<string, number>();
      for (const e of es) for (const c of e.candidates.slice(0, 1)) nearest.set(c.item, (nearest.get(c.item) ?? 0) + 1);
      return {
        example: es[0]!.question,
        questions: [...new Set(es.map((e) => e.question))],
        count: es.length,
        towns: [...new Set(es.map((e) => e.town).filter((t): t is string => !!t))],
        statuses: [...new Set(es.map((e) => e.status))],
        nearest: [...nearest.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n),
        last: new Date(Math.max(...es.map((e) => e.at.getTime()))),
      };
    })
    .sort((a, b) => b.count - a.count || b.last.getTime() - a.last.getTime());
}
