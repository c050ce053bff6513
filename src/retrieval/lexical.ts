// BM25 over jieba words and character bigrams (MiniSearch), with field boosts.
import MiniSearch from 'minisearch';
import { Tokenizer } from '../text/tokenize.ts';
import type { ItemDoc } from './documents.ts';

const FIELDS = ['name', 'alias', 'nameGrams', 'department', 'body'] as const;
export const FIELD_BOOSTS: Record<(typeof FIELDS)[number], number> = {
  name: 4,
  alias: 3,
  nameGrams: 2,
  department: 0.5,
  body: 0.4,
};

type Indexed = ItemDoc & { nameGrams: string };

export class LexicalIndex {
  private constructor(
    private readonly mini: MiniSearch<Indexed>,
    private readonly tokenizer: Tokenizer,
  ) {}

  private static options(tokenizer: Tokenizer) {
    return {
      fields: [...FIELDS],
      storeFields: [],
      idField: 'id',
      processTerm: (t: string) => t,
      tokenize: (text: string, field?: string) =>
        field === 'nameGrams' ? Tokenizer.grams(text) : field ? tokenizer.words(text) : tokenizer.query(text),
      searchOptions: {
        boost: FIELD_BOOSTS,
        tokenize: (text: string) => tokenizer.query(text),
        processTerm: (t: string) => t,
        combineWith: 'OR' as const,
        bm25: { k: 1.2, b: 0.6, d: 0.5 },
      },
    };
  }

  static build(docs: ItemDoc[], tokenizer: Tokenizer): LexicalIndex {
    const mini = new MiniSearch<Indexed>(LexicalIndex.options(tokenizer));
    mini.addAll(docs.map((d) => ({ ...d, nameGrams: `${d.name} ${d.alias}` })));
    return new LexicalIndex(mini, tokenizer);
  }

  static load(json: string, tokenizer: Tokenizer): LexicalIndex {
    return new LexicalIndex(MiniSearch.loadJSON<Indexed>(json, LexicalIndex.options(tokenizer)), tokenizer);
  }

  toJSON(): string {
    return JSON.stringify(this.mini);
  }

  /** Item ids ranked by BM25, best first, with raw scores. */
  search(query: string, limit = 20): { id: number; score: number }[] {
    if (!this.tokenizer.query(query).length) return [];
    return this.mini
      .search(query)
      .slice(0, limit)
      .map((r) => ({ id: Number(r.id), score: r.score }));
  }
}
