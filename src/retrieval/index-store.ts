// Building, saving and loading the search index. A build writes a new folder
// and then atomically replaces the CURRENT pointer, so a crash never leaves a
// half index and a running process can switch to the new one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KnowledgeError } from '../errors.ts';
import { KnowledgeIndex } from '../knowledge/check.ts';
import { loadKnowledge, type Knowledge } from '../knowledge/load.ts';
import { HomophoneIndex, homophoneEntry, type HomophoneEntry } from '../text/pinyin.ts';
import { Tokenizer } from '../text/tokenize.ts';
import { itemDocuments } from './documents.ts';
import type { DaibanEmbeddings, EmbeddingInfo } from './embeddings.ts';
import { LexicalIndex } from './lexical.ts';
import { VectorIndex } from './vector.ts';

export const manifestSchema = z.object({
  /** 3: own BM25 format and homophones (an index of another version is rebuilt). */
  version: z.literal(3),
  knowledgeHash: z.string(),
  embedding: z.object({ kind: z.enum(['hash', 'openai']), model: z.string(), dimensions: z.number().int() }),
  counts: z.object({ items: z.number(), towns: z.number(), listEntries: z.number(), guides: z.number(), scenarios: z.number(), synonyms: z.number() }),
  builtAt: z.string(),
  buildMs: z.number(),
  /** Item name → fingerprint of its content and availability, for "what changed". */
  items: z.record(z.string(), z.string()),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface BuildProgress {
  stage: string;
  done: number;
  total: number;
}

export interface ItemChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Knowledge as stored in the index folder (Maps become arrays). */
type Snapshot = Omit<Knowledge, 'itemOrigins' | 'lists' | 'inactive' | 'listFiles' | 'scenarioOrigins' | 'eval' | 'notHeld'> & {
  /** Absent in indexes built before not_held.csv existed. */
  notHeld?: Knowledge['notHeld'];
  lists: [string, Knowledge['lists'] extends Map<string, infer V> ? V : never][];
  inactive?: [string, Knowledge['inactive'] extends Map<string, infer V> ? V : never][];
};

const toSnapshot = (k: Knowledge): Snapshot => ({
  dir: k.dir,
  hash: k.hash,
  regions: k.regions,
  departments: k.departments,
  items: k.items,
  lists: [...k.lists.entries()],
  inactive: [...k.inactive.entries()],
  guides: k.guides,
  scenarios: k.scenarios,
  synonyms: k.synonyms,
  notHeld: k.notHeld,
});

const fromSnapshot = (s: Snapshot): Knowledge => ({
  ...s,
  lists: new Map(s.lists),
  inactive: new Map(s.inactive ?? []),
  notHeld: s.notHeld ?? [],
  listFiles: new Map(),
  itemOrigins: new Map(),
  scenarioOrigins: new Map(),
  eval: new Map(),
});

/** Terms jieba must keep whole. */
export function domainTerms(k: Knowledge): string[] {
  return [
    ...k.items.flatMap((i) => [i.name, ...i.aliases]),
    ...k.synonyms.map((s) => s.说法),
    ...k.regions.towns.flatMap((t) => [t.name, ...t.aliases]),
    ...k.scenarios.flatMap((s) => [s.name, ...s.aliases]),
    ...k.departments.flatMap((d) => [d.name, ...d.aliases]),
  ];
}

export function fingerprints(k: Knowledge): Record<string, string> {
  const idx = new KnowledgeIndex(k);
  const towns = new Map<string, string[]>();
  for (const [town, entries] of k.lists) {
    for (const e of entries) {
      const name = idx.item(e.事项名称)?.name;
      if (name) towns.set(name, [...(towns.get(name) ?? []), `${town}:${e.下放方式}:${e.批次}:${e.窗口}`]);
    }
  }
  const guides = new Map<string, string[]>();
  for (const g of k.guides) guides.set(g.item, [...(guides.get(g.item) ?? []), g.updated + g.body]);
  return Object.fromEntries(
    k.items.map((item) => [
      item.name,
      crypto
        .createHash('sha1')
        .update(JSON.stringify([item, towns.get(item.name) ?? [], guides.get(item.name) ?? []]))
        .digest('hex')
        .slice(0, 16),
    ]),
  );
}

export function diffManifests(prev: Manifest | null, next: Manifest): ItemChanges {
  const before = prev?.items ?? {};
  const after = next.items;
  return {
    added: Object.keys(after).filter((n) => !(n in before)),
    removed: Object.keys(before).filter((n) => !(n in after)),
    changed: Object.keys(after).filter((n) => n in before && before[n] !== after[n]),
  };
}

/** The folder holding CURRENT and the built index folders. */
/** How many times a build in this process has swapped CURRENT (cheap change check for engines here). */
let localSwaps = 0;
export const swapsInThisProcess = (): number => localSwaps;

export class IndexStore {
  constructor(readonly root: string) {}

  private get pointer(): string {
    return path.join(this.root, 'CURRENT');
  }

  /** Folder of the index in service, or null. */
  currentDir(): string | null {
    try {
      const name = fs.readFileSync(this.pointer, 'utf8').trim();
      const dir = path.join(this.root, name);
      return fs.existsSync(path.join(dir, 'manifest.json')) ? dir : null;
    } catch {
      return null;
    }
  }

  /** Identity of the index in service (changes when a build swaps it). */
  currentVersion(): string | null {
    try {
      return fs.readFileSync(this.pointer, 'utf8').trim();
    } catch {
      return null;
    }
  }

  manifest(dir = this.currentDir()): Manifest | null {
    if (!dir) return null;
    try {
      return manifestSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
    } catch {
      return null;
    }
  }

  /**
   * Checks the knowledge folder and builds a new index. On any knowledge error
   * it throws a KnowledgeError and the index in service stays untouched.
   */
  async build(
    knowledgeDir: string,
    embeddings: DaibanEmbeddings,
    onProgress?: (p: BuildProgress) => void,
  ): Promise<{ dir: string; manifest: Manifest; changes: ItemChanges; knowledge: Knowledge }> {
    const started = performance.now();
    onProgress?.({ stage: '检查知识库', done: 0, total: 1 });
    const { knowledge, problems } = loadKnowledge(knowledgeDir);
    if (!knowledge || problems.some((p) => p.severity === 'error')) throw new KnowledgeError(problems);
    onProgress?.({ stage: '检查知识库', done: 1, total: 1 });
    return this.buildFrom(knowledge, embeddings, onProgress, started);
  }

  async buildFrom(
    knowledge: Knowledge,
    embeddings: DaibanEmbeddings,
    onProgress?: (p: BuildProgress) => void,
    started = performance.now(),
  ): Promise<{ dir: string; manifest: Manifest; changes: ItemChanges; knowledge: Knowledge }> {
    const docs = itemDocuments(knowledge);
    onProgress?.({ stage: '分词与关键词索引', done: 0, total: docs.length });
    const tokenizer = new Tokenizer(domainTerms(knowledge));
    const lexical = LexicalIndex.build(docs, tokenizer);
    onProgress?.({ stage: '分词与关键词索引', done: docs.length, total: docs.length });
    const { index: vector, dimensions } = await VectorIndex.build(docs, embeddings, (done, total) =>
      onProgress?.({ stage: '向量索引', done, total }),
    );

    fs.mkdirSync(this.root, { recursive: true });
    const name = `index-${new Date().toISOString().replace(/[-:.TZ]/g, '')}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    const tmp = path.join(this.root, `.tmp-${name}`);
    fs.mkdirSync(tmp, { recursive: true });
    const info: EmbeddingInfo = { ...embeddings.info, dimensions };
    const manifest: Manifest = {
      version: 3,
      knowledgeHash: knowledge.hash,
      embedding: info,
      counts: {
        items: knowledge.items.length,
        towns: knowledge.regions.towns.length,
        listEntries: [...knowledge.lists.values()].reduce((n, l) => n + l.length, 0),
        guides: knowledge.guides.length,
        scenarios: knowledge.scenarios.length,
        synonyms: knowledge.synonyms.length,
      },
      builtAt: new Date().toISOString(),
      buildMs: 0,
      items: fingerprints(knowledge),
    };
    onProgress?.({ stage: '写入索引', done: 0, total: 1 });
    fs.writeFileSync(path.join(tmp, 'knowledge.json'), JSON.stringify(toSnapshot(knowledge)));
    fs.writeFileSync(path.join(tmp, 'lexical.json'), lexical.toJSON());
    const homophones = docs.flatMap((d) =>
      [d.name, ...d.alias.split(' ').filter(Boolean)].map((key) => homophoneEntry(key, d.id)).filter((e) => e !== null),
    );
    fs.writeFileSync(path.join(tmp, 'homophones.json'), JSON.stringify(homophones));
    await vector.save(path.join(tmp, 'vector'));
    manifest.buildMs = Math.round(performance.now() - started);
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const previous = this.manifest();
    const dir = path.join(this.root, name);
    fs.renameSync(tmp, dir);
    // Atomic swap of the pointer: write a temp file, then rename over CURRENT.
    const pointerTmp = `${this.pointer}.${process.pid}.tmp`;
    fs.writeFileSync(pointerTmp, name + '\n');
    fs.renameSync(pointerTmp, this.pointer);
    localSwaps++;
    onProgress?.({ stage: '写入索引', done: 1, total: 1 });
    this.prune(name);
    return { dir, manifest, changes: diffManifests(previous, manifest), knowledge };
  }

  /** Removes old index folders and abandoned temp folders, keeping the current and the previous one. */
  private prune(current: string): void {
    const entries = fs.readdirSync(this.root).filter((n) => n.startsWith('index-') && n !== current).sort();
    for (const n of entries.slice(0, -1)) fs.rmSync(path.join(this.root, n), { recursive: true, force: true });
    for (const n of fs.readdirSync(this.root).filter((n) => n.startsWith('.tmp-'))) {
      const full = path.join(this.root, n);
      // Only temp folders left by dead builds (older than an hour) are removed.
      if (Date.now() - fs.statSync(full).mtimeMs > 3_600_000) fs.rmSync(full, { recursive: true, force: true });
    }
  }

  /** Loads the index in service. */
  async load(embeddings: DaibanEmbeddings, ef: number): Promise<LoadedIndex | null> {
    const dir = this.currentDir();
    const manifest = this.manifest(dir);
    if (!dir || !manifest) return null;
    const knowledge = fromSnapshot(JSON.parse(fs.readFileSync(path.join(dir, 'knowledge.json'), 'utf8')) as Snapshot);
    const tokenizer = new Tokenizer(domainTerms(knowledge));
    const lexical = LexicalIndex.load(fs.readFileSync(path.join(dir, 'lexical.json'), 'utf8'), tokenizer);
    const vector = await VectorIndex.load(path.join(dir, 'vector'), embeddings, ef);
    const homophones = new HomophoneIndex(JSON.parse(fs.readFileSync(path.join(dir, 'homophones.json'), 'utf8')) as HomophoneEntry[]);
    return { dir, version: path.basename(dir), manifest, knowledge, tokenizer, lexical, vector, homophones };
  }
}

export interface LoadedIndex {
  /** Names that sound like a stretch of the question (typos made by pinyin input). */
  homophones: HomophoneIndex;
  dir: string;
  version: string;
  manifest: Manifest;
  knowledge: Knowledge;
  tokenizer: Tokenizer;
  lexical: LexicalIndex;
  vector: VectorIndex;
}

/** Whether the index must be rebuilt for this knowledge hash and embedding. */
export function isStale(manifest: Manifest | null, knowledgeHash: string, embedding: EmbeddingInfo): boolean {
  if (!manifest) return true;
  return (
    manifest.knowledgeHash !== knowledgeHash ||
    manifest.embedding.kind !== embedding.kind ||
    manifest.embedding.model !== embedding.model
  );
}
