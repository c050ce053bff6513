// Index builds are atomic, report what changed, refuse broken knowledge while
// the old index keeps serving, and running engines pick up new builds.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { Engine, indexRoot, openAnswerer } from '../../src/answering/engine.ts';
import { KnowledgeError } from '../../src/errors.ts';
import { HashEmbeddings } from '../../src/retrieval/embeddings.ts';
import { IndexStore, isStale } from '../../src/retrieval/index-store.ts';
import { hashKnowledge } from '../../src/knowledge/load.ts';
import { BROKEN, knowledgeCopy, tempDir } from '../helpers/fixtures.ts';

const setup = () => {
  const kb = knowledgeCopy();
  const config = loadConfig({ KNOWLEDGE_DIR: kb, DATA_DIR: tempDir('daiban-idx-') });
  return { kb, config, store: new IndexStore(indexRoot(config)) };
};

describe('index store', () => {
  it('builds into a new folder, swaps CURRENT and records a manifest', async () => {
    const { kb, store } = setup();
    const stages = new Set<string>();
    const { manifest, changes } = await store.build(kb, new HashEmbeddings(), (p) => stages.add(p.stage));
    expect(manifest.knowledgeHash).toBe(hashKnowledge(kb));
    expect(manifest.embedding).toEqual({ kind: 'hash', model: 'char-ngram-hash-384', dimensions: 384 });
    expect(manifest.counts).toMatchObject({ items: 4, towns: 2, listEntries: 3, guides: 1 });
    expect(changes.added.sort()).toHaveLength(4);
    expect(stages.has('向量索引')).toBe(true);
    expect(fs.readFileSync(path.join(store.root, 'CURRENT'), 'utf8').trim()).toBe(path.basename(store.currentDir()!));
    expect(isStale(manifest, hashKnowledge(kb), new HashEmbeddings().info)).toBe(false);
    expect(isStale(manifest, hashKnowledge(kb), { kind: 'openai', model: 'text-embedding-3-small', dimensions: 0 })).toBe(true);
  });

  it('reports items added, removed and changed since the last build', async () => {
    const { kb, store } = setup();
    await store.build(kb, new HashEmbeddings());
    const file = path.join(kb, 'items', 'market.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('promised_limit: 5', 'promised_limit: 3'));
    fs.appendFileSync(file, '- name: 特种设备使用登记\n  type: 行政许可\n  department: 示例县市场监督管理局\n  promised_limit: 5\n');
    const { changes } = await store.build(kb, new HashEmbeddings());
    expect(changes).toEqual({ added: ['特种设备使用登记'], removed: [], changed: ['食品经营许可'] });
  });

  it('refuses broken knowledge with the checker message and keeps the previous index serving', async () => {
    const { kb, config, store } = setup();
    const engine = await openAnswerer(config);
    const before = store.currentVersion();
    fs.cpSync(path.join(BROKEN, 'bad-mode', 'lists'), path.join(kb, 'lists'), { recursive: true });
    await expect(store.build(kb, new HashEmbeddings())).rejects.toThrow(KnowledgeError);
    await expect(store.build(kb, new HashEmbeddings())).rejects.toThrow(/lists\/甲镇\.csv:3 字段「下放方式」/);
    expect(store.currentVersion()).toBe(before);
    expect((await engine.ask('甲镇能办食品经营许可吗')).status).toBe('answered');
    // A restart with the broken files still serves the old index.
    const restarted = await openAnswerer(config);
    expect((await restarted.ask('甲镇能办食品经营许可吗')).status).toBe('answered');
  });

  it('lets a running engine switch to a newly built index without a restart', async () => {
    const { kb, config, store } = setup();
    const engine = await openAnswerer(config);
    expect((await engine.ask('乙街道能办食品经营许可吗')).status).toBe('not_at_town');
    fs.appendFileSync(path.join(kb, 'lists', '乙街道.csv'), '2,食品经营许可,示例县市场监督管理局,直接下放,第二批,,\n');
    await store.build(kb, new HashEmbeddings());
    await engine.refresh(true);
    expect((await engine.ask('乙街道能办食品经营许可吗')).status).toBe('answered');
  });

  it('answers the very next question from the new index once a build returns (no refresh call, no wait)', async () => {
    const { kb, config, store } = setup();
    const engine = await openAnswerer(config);
    expect((await engine.ask('乙街道能办食品经营许可吗')).status).toBe('not_at_town');
    fs.appendFileSync(path.join(kb, 'lists', '乙街道.csv'), '2,食品经营许可,示例县市场监督管理局,直接下放,第二批,,\n');
    await store.build(kb, new HashEmbeddings());
    expect((await engine.ask('乙街道能办食品经营许可吗')).status).toBe('answered');
    expect(engine.version).toBe(store.currentVersion());
  });

  it('rebuilds a stale index on start', async () => {
    const { kb, config } = setup();
    await openAnswerer(config);
    fs.appendFileSync(path.join(kb, 'lists', '乙街道.csv'), '2,食品经营许可,示例县市场监督管理局,直接下放,第二批,,\n');
    const engine = await openAnswerer(config);
    expect(engine.manifest.knowledgeHash).toBe(hashKnowledge(kb));
    expect((await engine.ask('乙街道能办食品经营许可吗')).status).toBe('answered');
  });

  it('ignores a half-written build left by a crash', async () => {
    const { kb, config, store } = setup();
    await store.build(kb, new HashEmbeddings());
    const version = store.currentVersion();
    fs.mkdirSync(path.join(store.root, '.tmp-index-crashed'), { recursive: true });
    fs.writeFileSync(path.join(store.root, '.tmp-index-crashed', 'lexical.json'), '{"trunc');
    const engine = new Engine(store, new HashEmbeddings(), { ef: config.hnswEf, botName: 'x' });
    expect(await engine.load()).toBe(true);
    expect(engine.version).toBe(version);
  });

  it('rebuilds at start when an index file is unreadable', async () => {
    const { config, store } = setup();
    await openAnswerer(config);
    fs.writeFileSync(path.join(store.currentDir()!, 'lexical.json'), '{"trunc');
    const engine = await openAnswerer(config);
    expect((await engine.ask('甲镇能办食品经营许可吗')).status).toBe('answered');
  });

  it('keeps serving when a newly built index cannot be read', async () => {
    const { kb, config, store } = setup();
    const engine = await openAnswerer(config);
    const before = engine.version;
    await store.build(kb, new HashEmbeddings());
    fs.writeFileSync(path.join(store.currentDir()!, 'knowledge.json'), 'not json');
    await engine.refresh(true);
    expect(engine.version).toBe(before);
    expect((await engine.ask('甲镇能办食品经营许可吗')).status).toBe('answered');
  });

  it('answers from the other retrievers when embedding the question fails', async () => {
    const { config } = setup();
    class Failing extends HashEmbeddings {
      override async embedQuery(): Promise<number[]> {
        throw new Error('embeddings endpoint down');
      }
    }
    const engine = await openAnswerer(config, { embeddings: new Failing() });
    const r = await engine.ask('甲镇能办食品经营许可吗');
    expect(r.status).toBe('answered');
    expect(r.matches[0]!.item).toBe('食品经营许可');
  });
});
