// Embeddings behind LangChain's Embeddings interface: an OpenAI-compatible
// endpoint when configured, otherwise a local deterministic embedding of
// hashed character n-grams that needs no network and no model.
import { Embeddings } from '@langchain/core/embeddings';
import type { OpenAIEmbeddings } from '@langchain/openai';
import type { Config } from '../config/env.ts';
import { normalize } from '../text/normalize.ts';

export interface EmbeddingInfo {
  kind: 'hash' | 'openai';
  model: string;
  dimensions: number;
}

const fnv1a = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/**
 * Character 1-, 2- and 3-grams of the normalised text hashed into a fixed
 * number of dimensions (signed feature hashing), L2-normalised so that the
 * inner product is cosine similarity. Deterministic across runs and machines.
 */
export class HashEmbeddings extends Embeddings {
  readonly info: EmbeddingInfo;

  constructor(readonly dimensions = 384) {
    super({});
    this.info = { kind: 'hash', model: `char-ngram-hash-${dimensions}`, dimensions };
  }

  embed(text: string): number[] {
    const v = new Float64Array(this.dimensions);
    const s = normalize(text).replace(/\s+/g, ' ');
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      v[h % this.dimensions]! += (h & 0x80000000 ? -1 : 1) * weight;
    };
    const chars = [...s];
    for (let i = 0; i < chars.length; i++) {
      if (chars[i] === ' ') continue;
      add(chars[i]!, 0.5);
      if (i + 1 < chars.length) add(chars[i]! + chars[i + 1]!, 1);
      if (i + 2 < chars.length) add(chars[i]! + chars[i + 1]! + chars[i + 2]!, 0.7);
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Array.from(v, (x) => x / norm);
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embed(t));
  }

  override async embedQuery(text: string): Promise<number[]> {
    return this.embed(text);
  }
}

export type DaibanEmbeddings = Embeddings & { info: EmbeddingInfo };

type OpenAISettings = NonNullable<Config['openai']> & { embeddingModel: string };

/**
 * LangChain's OpenAIEmbeddings, imported on first use: the package and its
 * dependencies take about 40 MB of memory, which a process with the local
 * hash embeddings (the default) should not pay.
 */
class LazyOpenAIEmbeddings extends Embeddings {
  readonly info: EmbeddingInfo;
  private inner?: Promise<OpenAIEmbeddings>;

  constructor(private readonly o: OpenAISettings) {
    super({});
    // Dimensions are known after the first call; the manifest records them then.
    this.info = { kind: 'openai', model: o.embeddingModel, dimensions: 0 };
  }

  private client(): Promise<OpenAIEmbeddings> {
    this.inner ??= import('@langchain/openai').then(
      ({ OpenAIEmbeddings }) =>
        new OpenAIEmbeddings({
          apiKey: this.o.apiKey,
          model: this.o.embeddingModel,
          timeout: this.o.timeoutMs,
          maxRetries: 1,
          // Small batches and plain floats: compatible endpoints such as
          // DashScope accept at most 10 inputs per request and no base64.
          batchSize: 10,
          encodingFormat: 'float',
          configuration: this.o.baseURL ? { baseURL: this.o.baseURL } : undefined,
        }),
    );
    return this.inner;
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.client()).embedDocuments(texts);
  }

  override async embedQuery(text: string): Promise<number[]> {
    return (await this.client()).embedQuery(text);
  }
}

/** The embeddings chosen by configuration. */
export function createEmbeddings(config: Pick<Config, 'openai'>): DaibanEmbeddings {
  const o = config.openai;
  if (o?.embeddingModel) return new LazyOpenAIEmbeddings({ ...o, embeddingModel: o.embeddingModel });
  return new HashEmbeddings();
}
