// "Did you mean" for names a maintainer typed: the closest known names by
// edit distance over characters (Chinese names are short, so this is cheap).
import { compact } from '../text/normalize.ts';

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
}

/**
 * Up to `max` known names close to `name`: within a third of its length in
 * edits, or containing it / contained in it. Closest first.
 */
export function closest(name: string, known: Iterable<string>, max = 3): string[] {
  const q = compact(name);
  if (!q) return [];
  const scored: { name: string; d: number }[] = [];
  for (const k of new Set(known)) {
    const c = compact(k);
    if (!c || c === q) continue;
    const d = editDistance(q, c);
    const limit = Math.max(1, Math.floor(Math.max([...q].length, [...c].length) / 3));
    if (d <= limit) scored.push({ name: k, d });
    else if (c.includes(q) || q.includes(c)) scored.push({ name: k, d: limit + Math.abs([...c].length - [...q].length) });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** 「您是不是要找：A、B？」 or '' when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const hits = closest(name, known);
  return hits.length ? `您是不是要找：${hits.map((h) => `「${h}」`).join('、')}？` : '';
}
