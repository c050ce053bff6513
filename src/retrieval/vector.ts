// Vector index: LangChain's HNSWLib (hnswlib-node) over item documents.
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { Document } from '@langchain/core/documents';
import type { Embeddings } from '@langchain/core/embeddings';
import { vectorText, type ItemDoc } from './documents.ts';

export class VectorIndex {
  private constructor(
    private readonly store: HNSWLib,
    private readonly embeddings: Embeddings,
  ) {}

  /** Embeds in batches, reporting progress as (done, total). */
  static async build(
    docs: ItemDoc[],
    embeddings: Embeddings,
    onProgress?: (done: number, total: number) => void,
    batchSize = 256,
  ): Promise<{ index: VectorIndex; dimensions: number }> {
    const vectors: number[][] = [];
    for (let i = 0; i < docs.length; i += batchSize) {
      const batch = docs.slice(i, i + batchSize);
      vectors.push(...(await embeddings.embedDocuments(batch.map(vectorText))));
      onProgress?.(Math.min(i + batchSize, docs.length), docs.length);
    }
    const dimensions = vectors[0]?.length ?? 0;
    const store = new HNSWLib(embeddings, { space: 'cosine', numDimensions: dimensions });
    if (vectors.length) {
      await store.addVectors(
        vectors,
        docs.map((d) => new Document({ pageContent: d.name, metadata: { id: d.id } })),
      );
    }
    return { index: new VectorIndex(store, embeddings), dimensions };
  }

  static async load(dir: string, embeddings: Embeddings, ef: number): Promise<VectorIndex> {
    const store = await HNSWLib.load(dir, embeddings);
    // The search breadth is not saved with the index: set it on every load.
    store.index.setEf(ef);
    return new VectorIndex(store, embeddings);
  }

  setEf(ef: number): void {
    this.store.index.setEf(ef);
  }

  async save(dir: string): Promise<void> {
    await this.store.save(dir);
  }

  get size(): number {
    return this.store.index.getCurrentCount();
  }

  /** Item ids ranked by cosine similarity, best first. */
  async search(query: string, limit = 20): Promise<{ id: number; similarity: number }[]> {
    if (!this.size) return [];
    const vector = await this.embeddings.embedQuery(query);
    return this.searchVector(vector, limit);
  }

  async searchVector(vector: number[], limit = 20): Promise<{ id: number; similarity: number }[]> {
    const k = Math.min(limit, this.size);
    const results = await this.store.similaritySearchVectorWithScore(vector, k);
    return results.map(([doc, distance]) => ({ id: Number(doc.metadata.id), similarity: 1 - distance }));
  }
}
