import { describe, expect, it } from 'vitest';
import { openAnswerer } from '../../src/answering/engine.ts';
import { loadConfig } from '../../src/config/env.ts';
import { hashKnowledge } from '../../src/knowledge/load.ts';
import { createLlmAnswerer } from '../../src/llm/answerer.ts';
import { createEmbeddings } from '../../src/retrieval/embeddings.ts';
import { isStale } from '../../src/retrieval/index-store.ts';
import { VALID_KB, tempDir } from '../helpers/fixtures.ts';
import { useFakeOpenAI } from './fake-openai.ts';

const fake = useFakeOpenAI();

const configFor = (dataDir: string, model: string) =>
  loadConfig({
    KNOWLEDGE_DIR: VALID_KB,
    DATA_DIR: dataDir,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    OPENAI_EMBEDDING_MODEL: model,
  });

const inputsOf = (raw: string): string[] => {
  const input = (JSON.parse(raw) as { input: string | string[] }).input;
  return Array.isArray(input) ? input : [input];
};

describe('embeddings through the configured endpoint', () => {
  it('builds the index with the configured model and rebuilds when the model changes', async () => {
    const dataDir = tempDir('daiban-emb-');
    const config = configFor(dataDir, 'text-embedding-v3');
    const engine = await openAnswerer(config);
    try {
      const reqs = fake.embeddingRequests();
      expect(reqs.length).toBeGreaterThan(0);
      expect((reqs[0]!.body as { model: string }).model).toBe('text-embedding-v3');
      const sent = reqs.flatMap((r) => inputsOf(r.raw)).join('\n');
      for (const item of ['个体工商户设立登记', '食品经营许可', '烟花爆竹经营（批发）许可证核发']) expect(sent).toContain(item);
      expect(engine.manifest.embedding).toEqual({ kind: 'openai', model: 'text-embedding-v3', dimensions: 32 });

      const hash = hashKnowledge(config.knowledgeDir);
      expect(isStale(engine.manifest, hash, createEmbeddings(config).info)).toBe(false);
      const other = configFor(dataDir, 'text-embedding-3-small');
      expect(isStale(engine.manifest, hash, createEmbeddings(other).info)).toBe(true);
      expect(isStale(engine.manifest, hash, createEmbeddings({ openai: null }).info)).toBe(true);

      // Questions are embedded through the endpoint too, with personal data masked by the answerer.
      fake.chat = () => ({ status: 500 });
      fake.reset();
      const r = await createLlmAnswerer(engine, config.openai!).ask('我电话13812345678，甲镇能办食品经营许可吗');
      expect(r.status).toBe('answered');
      const queries = fake.embeddingRequests();
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) expect(q.raw).not.toContain('13812345678');

      // Opening with another model rebuilds the index with it.
      fake.reset();
      const rebuilt = await openAnswerer(other);
      expect(rebuilt.manifest.embedding.model).toBe('text-embedding-3-small');
      expect(fake.embeddingRequests().map((x) => (x.body as { model: string }).model)).toContain('text-embedding-3-small');
      await rebuilt.close();
    } finally {
      await engine.close();
    }
  });
});
