// Longest-first matching of many names in a compact (space-free, simplified) text.
import { compact } from './normalize.ts';

/** A name found in the compact (space-free, simplified) question. */
export interface Hit<T> {
  value: T;
  key: string;
  start: number;
}

/**
 * Longest-first substring matcher over compact keys.
 *
 * Semantics (kept from the original scan over a length-sorted key list): keys
 * are tried longest first, keys of equal length in the order they were added;
 * each key takes its occurrences left to right unless they overlap a position
 * an earlier hit took. A key added twice only ever matches with its first
 * value, so only that one is kept. Lookup enumerates the question's
 * substrings of each key length in a Map, which costs O(text × key lengths)
 * instead of O(number of keys).
 */
export class Dictionary<T> {
  private readonly byKey = new Map<string, { value: T; order: number }>();
  /** Distinct key lengths, longest first. */
  private lengths: number[] = [];
  private added = 0;

  add(key: string, value: T): void {
    const k = compact(key);
    if (k.length < 2) return;
    const order = this.added++;
    if (!this.byKey.has(k)) this.byKey.set(k, { value, order });
  }

  finish(): this {
    this.lengths = [...new Set([...this.byKey.keys()].map((k) => k.length))].sort((a, b) => b - a);
    return this;
  }

  /** Non-overlapping hits, longest keys first. */
  find(text: string): Hit<T>[] {
    const taken = new Uint8Array(text.length);
    const hits: Hit<T>[] = [];
    const found: { key: string; value: T; order: number; start: number }[] = [];
    for (const len of this.lengths) {
      if (len > text.length) continue;
      found.length = 0;
      for (let start = 0; start + len <= text.length; start++) {
        const key = text.slice(start, start + len);
        const e = this.byKey.get(key);
        if (e) found.push({ key, value: e.value, order: e.order, start });
      }
      if (!found.length) continue;
      // Same-length keys in the order they were added, each left to right.
      found.sort((a, b) => a.order - b.order || a.start - b.start);
      for (const f of found) {
        let free = true;
        for (let i = f.start; i < f.start + len; i++) if (taken[i]) free = false;
        if (!free) continue;
        taken.fill(1, f.start, f.start + len);
        hits.push({ value: f.value, key: f.key, start: f.start });
      }
    }
    return hits;
  }
}

