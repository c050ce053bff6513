// Retrieval: dictionary hits, BM25 and vector search fused by rank, then
// re-ranked by how much of an item's name the question holds.
import type { Logger } from 'pino';
import type { ListEntry } from '../knowledge/load.ts';
import type { Item, Town } from '../knowledge/schemas.ts';
import { reciprocalRankFusion } from '../retrieval/fuse.ts';
import type { LoadedIndex } from '../retrieval/index-store.ts';
import type { ItemMatcher } from './confidence.ts';
import { MIN_CONFIDENCE, CANDIDATES } from './thresholds.ts';
import type { Understander } from './understand.ts';

export interface Candidate {
  id: number;
  item: Item;
  fused: number;
  /** How much of the item's best key the question contains (the answer gate). */
  confidence: number;
  /** Balance of that and how much of the question the item explains (the ranking). */
  fit: number;
}

export type RetrievalMode = 'fused' | 'bm25' | 'vector';

/** A question's retrieval query, optionally extended by an LLM rewrite. */
export interface RetrievalHints {
  /** Extra query in catalogue terms (fused with the original, never instead of it). */
  rewrite?: string;
}

export interface RetrieveOptions {
  mode: RetrievalMode;
  /** Deadline for embedding a question (remote embeddings); none for the local one. */
  vectorTimeoutMs?: number;
  logger?: Logger;
}

export class Retriever {
  constructor(
    private readonly loaded: LoadedIndex,
    private readonly u: Understander,
    private readonly matcher: ItemMatcher,
    private readonly availability: Map<string, Map<string, ListEntry>>,
  ) {}

  /**
   * Vector neighbours, within the embedding deadline: a slow or failing
   * embeddings endpoint costs the vector list, never the answer.
   */
  private async vectorIds(query: string, opts: RetrieveOptions): Promise<number[]> {
    const limit = opts.vectorTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const search = this.loaded.vector.search(query, CANDIDATES);
      const results = limit
        ? await Promise.race([
            search,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`vector search took longer than ${limit} ms`)), limit);
            }),
          ])
        : await search;
      return results.map((r) => r.id);
    } catch (err) {
      opts.logger?.warn({ err }, 'vector search failed; answering from the other retrievers');
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ranked candidates for the query (town names already taken out). */
  async retrieve(query: string, town: Town | null, hints: RetrievalHints, opts: RetrieveOptions): Promise<Candidate[]> {
    const mode = opts.mode;
    // A name typed with a homophone (环平 for 环评) is read as that name, as an extra query.
    const corrected = mode === 'fused' ? this.loaded.homophones.correct(query) : null;
    const queries = [query, ...(corrected ? [corrected] : []), ...(hints.rewrite ? [hints.rewrite] : [])];
    const lists: { ids: number[]; weight?: number }[] = [];
    for (const q of queries) {
      const named = mode === 'fused' ? this.u.namedItems(q).map((n) => n.id) : [];
      if (named.length) lists.push({ ids: named, weight: 2 });
      if (mode !== 'vector') lists.push({ ids: this.loaded.lexical.search(q, CANDIDATES).map((r) => r.id) });
      if (mode !== 'bm25') lists.push({ ids: await this.vectorIds(q, opts) });
    }
    const fused = reciprocalRankFusion(lists);
    const features = queries.map((q) => this.matcher.query(q));
    const items = this.loaded.knowledge.items;
    const candidates: Candidate[] = fused.slice(0, CANDIDATES).map(({ id, score }) => {
      const confidence = Math.max(...features.map((q) => this.matcher.confidence(id, q)));
      const explained = Math.max(...features.map((q) => this.matcher.explanation(id, q)));
      const fit = confidence + explained ? (2 * confidence * explained) / (confidence + explained) : 0;
      return { id, item: items[id]!, fused: score, confidence, fit };
    });
    // Baselines (bm25 or vector alone) keep their raw order, to show what fusion and re-ranking earn.
    if (mode !== 'fused') return candidates;
    // Candidates that clear the answer gate come first, ordered by fit (an
    // F-measure of two overlap ratios on the same feature weights); the fused
    // rank keeps the order among the rest and breaks ties.
    const gate = (c: Candidate) => (c.confidence >= MIN_CONFIDENCE ? 1 : 0);
    candidates.sort((a, b) => gate(b) - gate(a) || (gate(a) ? b.fit - a.fit : 0) || b.fused - a.fused);
    // Town awareness: among near-equal candidates, prefer what the town can do.
    if (town) {
      const at = (c: Candidate) => (this.availability.get(c.item.name)?.has(town.name) ? 1 : 0);
      candidates.sort((a, b) => (gate(a) === gate(b) && Math.abs(a.fit - b.fit) < 0.01 ? at(b) - at(a) : 0));
    }
    return candidates;
  }
}
