// The answering core: understanding → retrieval → status → template reply.
// Works with no network and no model; an LLM (src/llm) may only add a query
// rewrite and rephrase a reply, never change what is said.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/env.ts';
import { KnowledgeError } from '../errors.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import { hashKnowledge, type Knowledge, type ListEntry } from '../knowledge/load.ts';
import type { Item, Town } from '../knowledge/schemas.ts';
import { normalize } from '../text/normalize.ts';
import type { UnansweredRepo } from '../store/types.ts';
import { createEmbeddings, type DaibanEmbeddings } from '../retrieval/embeddings.ts';
import { reciprocalRankFusion } from '../retrieval/fuse.ts';
import { IndexStore, isStale, type BuildProgress, type LoadedIndex } from '../retrieval/index-store.ts';
import { Composer, type Composed } from './compose.ts';
import type { AnswerResult, Answerer, AskOptions, Match } from './types.ts';
import { Understander } from './understand.ts';

/** Minimum confidence for answering about an item (calibrated on knowledge/eval; see README). */
export const MIN_CONFIDENCE = 0.5;
const CANDIDATES = 20;

/** Words that say nothing about which item is meant. */
const GENERIC = new Set(
  '材料 资料 手续 流程 多久 时间 几天 费用 收费 要钱 证 证件 办证 许可 许可证 登记 审批 备案 申请 地址 电话 窗口 上班 跑 县城 市里 办事 事项 哪些 东西 带 准备 怎么 弄 开 需要 要求 条件 营业 现在 还要 还 能 可以 镇上'.split(' '),
);

interface Candidate {
  id: number;
  item: Item;
  fused: number;
  confidence: number;
}

export type RetrievalMode = 'fused' | 'bm25' | 'vector';

/** A question's retrieval query, optionally extended by an LLM rewrite. */
export interface RetrievalHints {
  /** Extra query in catalogue terms (fused with the original, never instead of it). */
  rewrite?: string;
}

export class Engine implements Answerer {
  private u!: Understander;
  private composer!: Composer;
  private availability!: Map<string, Map<string, ListEntry>>;
  private loaded!: LoadedIndex;
  private readonly conversations = new Map<string, { at: number; followups: Record<string, string>; result: AnswerResult }>();
  private lastCheck = 0;

  constructor(
    private readonly store: IndexStore,
    private readonly embeddings: DaibanEmbeddings,
    private readonly opts: {
      ef: number;
      botName: string;
      unanswered?: UnansweredRepo;
      logger?: Logger;
      clock?: () => number;
      /** Which retrievers take part (bm25 alone is the evaluation baseline). */
      retrieval?: RetrievalMode;
    },
  ) {}

  setRetrievalMode(mode: RetrievalMode): void {
    this.opts.retrieval = mode;
  }

  get knowledge(): Knowledge {
    return this.loaded.knowledge;
  }
  get manifest() {
    return this.loaded.manifest;
  }
  get version(): string {
    return this.loaded.version;
  }

  /** Loads the index in service; returns false when there is none. */
  async load(): Promise<boolean> {
    const loaded = await this.store.load(this.embeddings, this.opts.ef);
    if (!loaded) return false;
    this.install(loaded);
    return true;
  }

  private install(loaded: LoadedIndex): void {
    const k = loaded.knowledge;
    const u = new Understander(k);
    const availability = new Map<string, Map<string, ListEntry>>();
    for (const [town, entries] of k.lists) {
      for (const e of entries) {
        const name = u.index.item(e.事项名称)?.name;
        if (!name) continue;
        if (!availability.has(name)) availability.set(name, new Map());
        availability.get(name)!.set(town, e);
      }
    }
    this.u = u;
    this.availability = availability;
    this.composer = new Composer(k, u.index, availability, this.opts.botName);
    this.loaded = loaded;
    this.conversations.clear();
  }

  /** Switches to a newly built index (checked at most once a second). */
  async refresh(force = false): Promise<boolean> {
    const now = Date.now();
    if (!force && now - this.lastCheck < 1000) return false;
    this.lastCheck = now;
    const version = this.store.currentVersion();
    if (!version || version === this.loaded?.version) return false;
    const loaded = await this.store.load(this.embeddings, this.opts.ef);
    if (!loaded) return false;
    this.install(loaded);
    this.opts.logger?.info({ version }, 'switched to a newly built knowledge index');
    return true;
  }

  towns(): string[] {
    return this.knowledge.regions.towns.map((t) => t.name);
  }

  resolveTown(name: string): string | null {
    return this.u.resolveTown(name)?.name ?? null;
  }

  /** Lookups for the ticket desk. */
  catalogue(): Catalogue {
    return {
      item: (name) => this.u.index.item(name),
      town: (name) => this.u.index.town(name),
      countyCentre: () => this.knowledge.regions.county.centre,
      hotline: () => this.knowledge.regions.county.hotline,
    };
  }

  availableAt(item: string, town: string): ListEntry | undefined {
    return this.availability.get(item)?.get(town);
  }

  /** Confidence that the question is about this item: how much of its name (or alias, synonym) the question contains. */
  private confidence(id: number, query: string, queryWords: string[]): number {
    const item = this.knowledge.items[id]!;
    const q = Understander.bigrams(query);
    let best = 0;
    for (const key of this.keysOf(item)) {
      const grams = Understander.bigrams(key);
      if (!grams.size) continue;
      let hit = 0;
      for (const g of grams) if (q.has(g)) hit++;
      best = Math.max(best, hit / grams.size);
    }
    // Words of the question found anywhere in the item's documents (for questions that describe rather than name it).
    const specific = queryWords.filter((w) => w.length >= 2 && !GENERIC.has(w));
    if (specific.length) {
      const text = normalize(
        [item.name, ...item.aliases, ...item.conditions, ...item.materials, ...item.notes, item.basis ?? ''].join(' '),
      );
      const found = specific.filter((w) => text.includes(w)).length;
      best = Math.max(best, 0.6 * (found / specific.length));
    }
    return best;
  }

  private keysCache = new Map<string, string[]>();
  private keysOf(item: Item): string[] {
    let keys = this.keysCache.get(item.name);
    if (!keys) {
      keys = [item.name, ...item.aliases, ...this.knowledge.synonyms.filter((s) => this.u.index.item(s.事项)?.name === item.name).map((s) => s.说法)];
      this.keysCache.set(item.name, keys);
    }
    return keys;
  }

  /** Ranked candidates: dictionary hits, BM25 and vector search fused by rank. */
  async retrieve(query: string, town: Town | null, hints: RetrievalHints = {}): Promise<Candidate[]> {
    const queries = [query, ...(hints.rewrite ? [hints.rewrite] : [])];
    const lists: { ids: number[]; weight?: number }[] = [];
    const mode = this.opts.retrieval ?? 'fused';
    for (const q of queries) {
      const named = mode === 'fused' ? this.u.namedItems(q).map((n) => n.id) : [];
      if (named.length) lists.push({ ids: named, weight: 2 });
      if (mode !== 'vector') lists.push({ ids: this.loaded.lexical.search(q, CANDIDATES).map((r) => r.id) });
      if (mode !== 'bm25') lists.push({ ids: (await this.loaded.vector.search(q, CANDIDATES)).map((r) => r.id) });
    }
    const fused = reciprocalRankFusion(lists);
    const words = queries.flatMap((q) => this.loaded.tokenizer.words(q));
    const candidates = fused.slice(0, CANDIDATES).map(({ id, score }) => ({
      id,
      item: this.knowledge.items[id]!,
      fused: score,
      confidence: Math.max(...queries.map((q) => this.confidence(id, q, words))),
    }));
    // Town awareness: among near-equal candidates, prefer what the town can do.
    if (town) {
      const at = (c: Candidate) => (this.availability.get(c.item.name)?.has(town.name) ? 1 : 0);
      candidates.sort((a, b) => {
        const close = Math.abs(a.fused - b.fused) / Math.max(a.fused, b.fused) < 0.05 && Math.abs(a.confidence - b.confidence) < 0.01;
        return close ? at(b) - at(a) : 0;
      });
    }
    // Confidence decides between near-ties in rank.
    candidates.sort((a, b) => (Math.abs(a.fused - b.fused) < 0.004 ? b.confidence - a.confidence : 0));
    return candidates;
  }

  private matches(cands: Candidate[], town: Town | null): Match[] {
    return cands.slice(0, 5).map((c) => this.match(c.item, town, c.confidence));
  }

  private match(item: Item, town: Town | null, score: number): Match {
    const at = this.availability.get(item.name);
    const entry = town ? at?.get(town.name) : undefined;
    return {
      item: item.name,
      town: town?.name ?? null,
      atTown: town ? !!entry : !!at?.size,
      score: Math.round(score * 1000) / 1000,
      ...(entry ? { mode: entry.下放方式 } : {}),
    };
  }

  async ask(text: string, opts: AskOptions = {}, hints: RetrievalHints = {}): Promise<AnswerResult> {
    await this.refresh();
    const result = await this.answer(text, opts, hints);
    if (opts.conversation && Object.keys(result.followups).length) {
      this.remember(opts.conversation, result);
    }
    if (result.status === 'no_match' || result.status === 'out_of_scope') {
      await this.opts.unanswered
        ?.add({
          question: text.slice(0, 500),
          normalized: normalize(text),
          town: result.town,
          status: result.status,
          candidates: result.matches.map((m) => ({ item: m.item, score: m.score })),
          at: new Date(this.opts.clock?.() ?? Date.now()),
        })
        .catch((err: unknown) => this.opts.logger?.warn({ err }, 'could not record an unanswered question'));
    }
    return result;
  }

  private remember(conversation: string, result: AnswerResult): void {
    const now = Date.now();
    this.conversations.set(conversation, { at: now, followups: result.followups, result });
    if (this.conversations.size > 5000) {
      for (const [k, v] of this.conversations) if (now - v.at > 30 * 60_000 || this.conversations.size > 5000) this.conversations.delete(k);
    }
  }

  /** The last answer given in a conversation (for 「代办」 after an answer), within 30 minutes. */
  lastAnswer(conversation: string): AnswerResult | null {
    const c = this.conversations.get(conversation);
    return c && Date.now() - c.at < 30 * 60_000 ? c.result : null;
  }

  private result(status: AnswerResult['status'], town: Town | null, matches: Match[], composed: Composed | string, extra: Partial<AnswerResult> = {}): AnswerResult {
    const c = typeof composed === 'string' ? { answer: composed, followups: {} } : composed;
    return { status, town: town?.name ?? null, matches, answer: c.answer, followups: c.followups, path: { kind: 'template' }, ...extra };
  }

  private async answer(text: string, opts: AskOptions, hints: RetrievalHints): Promise<AnswerResult> {
    const u = this.u;
    const raw = text.trim().slice(0, 500);
    const norm = normalize(raw);
    if (!norm) return this.result('help', null, [], this.composer.help());

    // Follow-up on the previous answer in this conversation.
    const follow = u.followup(raw);
    if (follow && opts.conversation) {
      const prev = this.conversations.get(opts.conversation);
      const detail = prev && Date.now() - prev.at < 30 * 60_000 ? prev.followups[follow] : undefined;
      if (prev && detail) {
        return { ...prev.result, answer: detail, followups: prev.followups, path: { kind: 'template' } };
      }
    }

    const named = u.townsIn(raw);
    const bound = opts.boundTown ? u.resolveTown(opts.boundTown) : null;
    const town = named[0]?.town ?? bound ?? null;
    const query = u.withoutTowns(raw);

    // A scenario (一件事) named in the question.
    const scenario = u.scenario(query);
    if (scenario) {
      const items = scenario.items.map((n) => u.index.item(n)!).filter(Boolean);
      return this.result(
        'scenario',
        town,
        items.map((item) => this.match(item, town, 1)),
        this.composer.scenario(scenario, items, town),
        { scenario: scenario.name },
      );
    }

    const cands = query.trim() ? await this.retrieve(query, town, hints) : [];
    const top = cands[0];
    const confident = !!top && top.confidence >= MIN_CONFIDENCE;
    const matches = this.matches(cands, town);

    if (!confident) {
      const near = matches.filter((m) => m.score > 0).slice(0, 3);
      const factTowns = named.length ? named.map((n) => n.town) : bound ? [bound] : this.knowledge.regions.towns;
      const facts = u.facts(query, factTowns);
      if (u.isOutOfScope(norm)) return this.result('out_of_scope', town, near, this.composer.outOfScope());
      if (facts.length && (named.length || bound || facts[0]!.score >= 3)) {
        return this.result('town_info', named.length || bound ? town : null, [], this.composer.townInfo(facts));
      }
      if (u.isHelp(raw)) return this.result('help', town, [], this.composer.help());
      if (u.looksLikeFormality(query) || named.length) {
        return this.result('no_match', town, near, this.composer.noMatch(raw));
      }
      return this.result('out_of_scope', town, near, this.composer.outOfScope());
    }

    const item = top.item;
    if (item.abolished) return this.result('abolished', town, matches, this.composer.abolished(item));
    if (town) {
      const entry = this.availability.get(item.name)?.get(town.name);
      return entry
        ? this.result('answered', town, matches, this.composer.answered(item, town, entry))
        : this.result('not_at_town', town, matches, this.composer.notAtTown(item, town));
    }
    return this.availability.get(item.name)?.size
      ? this.result('answered', null, matches, this.composer.answeredAnyTown(item))
      : this.result('not_at_town', null, matches, this.composer.notAtTown(item, null));
  }
}

export interface OpenOptions {
  logger?: Logger;
  onProgress?: (p: BuildProgress) => void;
  unanswered?: UnansweredRepo;
  embeddings?: DaibanEmbeddings;
  clock?: () => number;
}

export const indexRoot = (config: Pick<Config, 'dataDir'>): string => path.join(config.dataDir, 'index');

/**
 * Opens the answering core: loads the index in service, rebuilding it first
 * when it is missing or stale. If the rebuild fails because a knowledge file
 * is broken, the previous index keeps serving (and the error is logged).
 */
export async function openAnswerer(config: Config, options: OpenOptions = {}): Promise<Engine & { close(): Promise<void> }> {
  const embeddings = options.embeddings ?? createEmbeddings(config);
  const store = new IndexStore(indexRoot(config));
  const engine = new Engine(store, embeddings, {
    ef: config.hnswEf,
    botName: config.botName,
    unanswered: options.unanswered,
    logger: options.logger,
    clock: options.clock,
  });
  const manifest = store.manifest();
  if (isStale(manifest, hashKnowledge(config.knowledgeDir), embeddings.info)) {
    try {
      await store.build(config.knowledgeDir, embeddings, options.onProgress);
    } catch (err) {
      if (err instanceof KnowledgeError && manifest) {
        options.logger?.error({ problems: err.problems.filter((p) => p.severity === 'error').slice(0, 20) }, 'knowledge has errors; serving the previous index');
      } else {
        throw err;
      }
    }
  }
  if (!(await engine.load())) throw new Error(`no knowledge index could be loaded from ${store.root}`);
  return Object.assign(engine, { close: async () => {} });
}
