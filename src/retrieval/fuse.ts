// Reciprocal rank fusion: combines ranked lists by rank, never by adding raw
// scores that live on different scales.

export const RRF_K = 60;

export interface RankedList {
  /** Ids best first. */
  ids: number[];
  weight?: number;
}

/** Returns ids with fused scores, best first. */
export function reciprocalRankFusion(lists: RankedList[], k = RRF_K): { id: number; score: number }[] {
  const scores = new Map<number, number>();
  for (const { ids, weight = 1 } of lists) {
    ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1)));
  }
  return [...scores.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}
