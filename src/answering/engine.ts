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
import { maskPersonalData } from '../privacy/pii.ts';
import type { UnansweredRepo } from '../store/types.ts';
import { createEmbeddings, type DaibanEmbeddings } from '../retrieval/embeddings.ts';
import { reciprocalRankFusion } from '../retrieval/fuse.ts';
import { IndexStore, isStale, type BuildProgress, type LoadedIndex } from '../retrieval/index-store.ts';
import { Composer, type Composed } from './compose.ts';
import type { AnswerResult, Answerer, AskOptions, Match } from './types.ts';
import { CENTRE_FACT, Understander } from './understand.ts';

/** Minimum confidence for answering about an item (calibrated on knowledge/eval; see README). */
export const MIN_CONFIDENCE = 0.5;
const CANDIDATES = 20;

/** Character bigrams of Chinese runs plus Latin/digit words (KTV, 4.5t) of a text. */
export function keyFeatures(text: string): Set<string> {
  const out = Understander.bigrams(text);
  for (const w of normalize(text).match(/[a-z0-9.]{2,}/g) ?? []) out.add(w);
  return out;
}

/**
 * An item note that exempts the case the question describes: a note with a
 * weight threshold (「总质量4.5吨及以下…不需要办理」) when the question gives a
 * weight at or under it (「4吨的货车」「四吨」).
 */
export function exemptionFor(item: Item, question: string): string | null {
  const asked = /(\d+(?:\.\d+)?|[一二两三四五六七八九十])\s*(?:吨|t\b|T\b)/.exec(question);
  if (!asked) return null;
  const CN: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };
  const weight = /^\d/.test(asked[1]!) ? Number(asked[1]) : CN[asked[1]!]!;
  for (const note of item.notes) {
    const m = /(\d+(?:\.\d+)?)\s*吨及以下/.exec(note);
    if (m && /不需要|无需|不用|免于|不再/.test(note) && weight > 0 && weight <= Number(m[1])) return note;
  }
  return null;
}

interface Candidate {
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
      /** Deadline for embedding a question (remote embeddings); none for the local one. */
      vectorTimeoutMs?: number;
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

  /** Loads the index in service; returns false when there is none. Throws when its files are unreadable. */
  async load(): Promise<boolean> {
    const loaded = await this.store.load(this.embeddings, this.opts.ef);
    if (!loaded) return false;
    if (!this.compatible(loaded)) {
      throw new Error(`the index in ${loaded.dir} was built with ${loaded.manifest.embedding.model}, not ${this.embeddings.info.model}; rebuild it`);
    }
    this.install(loaded);
    return true;
  }

  /** An index is only usable with the embeddings it was built with. */
  private compatible(loaded: LoadedIndex): boolean {
    const e = loaded.manifest.embedding;
    return e.kind === this.embeddings.info.kind && e.model === this.embeddings.info.model;
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
    this.synonymsByItem.clear();
    for (const s of k.synonyms) {
      const name = u.index.item(s.事项)?.name;
      if (name === undefined) continue;
      const list = this.synonymsByItem.get(name);
      if (list) list.push(s.说法);
      else this.synonymsByItem.set(name, [s.说法]);
    }
    this.keysCache.clear();
    this.buildFeatureDf();
    this.conversations.clear();
  }

  /**
   * Switches to a newly built index (checked at most once a second). The new
   * index loads in the background; it is installed only when no question is
   * being answered, so a question never mixes two indexes. An index that
   * cannot be read, or was built with other embeddings, is ignored (logged)
   * and the current one keeps serving.
   */
  async refresh(force = false): Promise<boolean> {
    const now = Date.now();
    if (!force && now - this.lastCheck < 1000) return false;
    this.lastCheck = now;
    const version = this.store.currentVersion();
    if (!version || version === this.loaded?.version || version === this.rejectedVersion || this.loading) {
      if (force && this.loading) await this.loading;
      return false;
    }
    this.loading = (async () => {
      try {
        const loaded = await this.store.load(this.embeddings, this.opts.ef);
        if (!loaded) return;
        if (!this.compatible(loaded)) {
          this.rejectedVersion = version;
          this.opts.logger?.warn({ version, embedding: loaded.manifest.embedding }, 'new index built with other embeddings; ignored');
          return;
        }
        if (this.inflight === 0) this.install(loaded);
        else this.pending = loaded;
        this.opts.logger?.info({ version }, 'switched to a newly built knowledge index');
      } catch (err) {
        this.rejectedVersion = version;
        this.opts.logger?.error({ err, version }, 'could not load the new index; the current one keeps serving');
      } finally {
        this.loading = null;
      }
    })();
    if (force) await this.loading;
    return true;
  }

  private inflight = 0;
  private pending: LoadedIndex | null = null;
  private loading: Promise<void> | null = null;
  private rejectedVersion: string | null = null;

  /** The county (its centre and facts) in the shape of a town, for town_info replies. */
  private countyAsTown(): Town {
    const c = this.knowledge.regions.county;
    return { name: c.name, kind: '镇', aliases: c.aliases, centre: c.centre, facts: c.facts };
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

  /**
   * Key features (see keyFeatures) of every item's name, aliases and
   * synonyms, computed once per index: each distinct feature gets a number,
   * with its weight from the document frequency over all keys. Per item the
   * keys' feature numbers are stored in key order and, within a key, in the
   * order keyFeatures yields them, so that the sums below add the same
   * weights in the same order as a plain Set-based computation would.
   */
  private featureIds = new Map<string, number>();
  private featureWeight = new Float64Array(0);
  /** Item id → its first key in keyStart (item i owns keys itemKeys[i] .. itemKeys[i+1]-1). */
  private itemKeys = new Uint32Array(1);
  /** Per key feature: 1 when it joins its two neighbours and may be bridged. */
  private keyFeatureBridge = new Uint8Array(0);
  /** Key → its first feature in keyFeatures (key j owns keyFeatureIds[keyStart[j] .. keyStart[j+1]-1]). */
  private keyStart = new Uint32Array(1);
  private keyFeatureIds = new Int32Array(0);
  /** Scratch marks for the union of one item's features (explanation). */
  private ownMark = new Uint32Array(0);
  private ownStamp = 0;

  private buildFeatureDf(): void {
    const ids = new Map<string, number>();
    const df: number[] = [];
    const itemKeys: number[] = [0];
    const keyStart: number[] = [0];
    const flat: number[] = [];
    const bridge: number[] = [];
    for (const item of this.knowledge.items) {
      for (const key of this.keysOf(item)) {
        const features = [...keyFeatures(key)];
        features.forEach((f, i) => {
          // A pair joining two neighbouring pairs of the same run (户注 in 个体户注销)
          // may be bridged when the question puts words between them.
          const prev = features[i - 1];
          const next = features[i + 1];
          bridge.push(f.length === 2 && prev?.length === 2 && next?.length === 2 && prev[1] === f[0] && f[1] === next[0] ? 1 : 0);
        });
        for (const f of features) {
          let id = ids.get(f);
          if (id === undefined) {
            id = df.length;
            ids.set(f, id);
            df.push(0);
          }
          df[id]! += 1;
          flat.push(id);
        }
        keyStart.push(flat.length);
      }
      itemKeys.push(keyStart.length - 1);
    }
    const featureKeys = keyStart.length - 1 || 1;
    this.featureIds = ids;
    this.featureWeight = Float64Array.from(df, (n) => Math.log(1 + featureKeys / n));
    this.itemKeys = Uint32Array.from(itemKeys);
    this.keyStart = Uint32Array.from(keyStart);
    this.keyFeatureIds = Int32Array.from(flat);
    this.keyFeatureBridge = Uint8Array.from(bridge);
    this.ownMark = new Uint32Array(df.length);
    this.ownStamp = 0;
  }

  /** The question's key features that occur in some key, as feature numbers in keyFeatures order. */
  private queryFeatures(query: string): { list: number[]; set: Set<number> } {
    const list: number[] = [];
    for (const f of keyFeatures(query)) {
      const id = this.featureIds.get(f);
      if (id !== undefined) list.push(id);
    }
    return { list, set: new Set(list) };
  }

  /**
   * Weighted share of the question's features that the item's keys explain.
   * Features no key has weigh 0, so only known ones are summed.
   */
  private explanation(id: number, q: { list: number[] }): number {
    if (++this.ownStamp === 0xffffffff) {
      this.ownMark.fill(0);
      this.ownStamp = 1;
    }
    const stamp = this.ownStamp;
    const from = this.keyStart[this.itemKeys[id]!]!;
    const to = this.keyStart[this.itemKeys[id + 1]!]!;
    for (let i = from; i < to; i++) this.ownMark[this.keyFeatureIds[i]!] = stamp;
    let hit = 0;
    let total = 0;
    for (const f of q.list) {
      const w = this.featureWeight[f]!;
      total += w;
      if (this.ownMark[f] === stamp) hit += w;
    }
    return total ? hit / total : 0;
  }

  /**
   * Confidence that the question is about this item: how much of its name (or
   * an alias or synonym) the question contains, weighting rare characters
   * pairs above common ones such as 许可 or 登记.
   */
  private confidence(id: number, q: { set: Set<number> }): number {
    let best = 0;
    for (let key = this.itemKeys[id]!; key < this.itemKeys[id + 1]!; key++) {
      const from = this.keyStart[key]!;
      const to = this.keyStart[key + 1]!;
      if (from === to) continue;
      let hit = 0;
      let total = 0;
      for (let i = from; i < to; i++) {
        const f = this.keyFeatureIds[i]!;
        const w = this.featureWeight[f]!;
        total += w;
        if (q.set.has(f)) hit += w;
        else if (this.keyFeatureBridge[i] && q.set.has(this.keyFeatureIds[i - 1]!) && q.set.has(this.keyFeatureIds[i + 1]!)) hit += w;
      }
      best = Math.max(best, hit / total);
    }
    return best;
  }

  /** Synonyms (说法) of each item, by item name, in synonyms.csv order. */
  private synonymsByItem = new Map<string, string[]>();
  private keysCache = new Map<string, string[]>();
  private keysOf(item: Item): string[] {
    let keys = this.keysCache.get(item.name);
    if (!keys) {
      keys = [item.name, ...item.aliases, ...(this.synonymsByItem.get(item.name) ?? [])];
      this.keysCache.set(item.name, keys);
    }
    return keys;
  }

  /**
   * Vector neighbours, within the embedding deadline: a slow or failing
   * embeddings endpoint costs the vector list, never the answer.
   */
  private async vectorIds(query: string): Promise<number[]> {
    const limit = this.opts.vectorTimeoutMs;
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
      this.opts.logger?.warn({ err }, 'vector search failed; answering from the other retrievers');
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ranked candidates: dictionary hits, BM25 and vector search fused by rank. */
  async retrieve(query: string, town: Town | null, hints: RetrievalHints = {}): Promise<Candidate[]> {
    const mode = this.opts.retrieval ?? 'fused';
    // A name typed with a homophone (环平 for 环评) is read as that name, as an extra query.
    const corrected = mode === 'fused' ? this.loaded.homophones.correct(query) : null;
    const queries = [query, ...(corrected ? [corrected] : []), ...(hints.rewrite ? [hints.rewrite] : [])];
    const lists: { ids: number[]; weight?: number }[] = [];
    for (const q of queries) {
      const named = mode === 'fused' ? this.u.namedItems(q).map((n) => n.id) : [];
      if (named.length) lists.push({ ids: named, weight: 2 });
      if (mode !== 'vector') lists.push({ ids: this.loaded.lexical.search(q, CANDIDATES).map((r) => r.id) });
      if (mode !== 'bm25') lists.push({ ids: await this.vectorIds(q) });
    }
    const fused = reciprocalRankFusion(lists);
    const features = queries.map((q) => this.queryFeatures(q));
    const candidates: Candidate[] = fused.slice(0, CANDIDATES).map(({ id, score }) => {
      const confidence = Math.max(...features.map((q) => this.confidence(id, q)));
      const explained = Math.max(...features.map((q) => this.explanation(id, q)));
      const fit = confidence + explained ? (2 * confidence * explained) / (confidence + explained) : 0;
      return { id, item: this.knowledge.items[id]!, fused: score, confidence, fit };
    });
    // Candidates that clear the answer gate come first, ordered by fit (an
    // F-measure of two overlap ratios on the same feature weights); the fused
    // rank keeps the order among the rest and breaks ties.
    const gate = (c: Candidate) => (c.confidence >= MIN_CONFIDENCE ? 1 : 0);
    // Baselines (bm25 or vector alone) keep their raw order, to show what fusion and re-ranking earn.
    if (mode !== 'fused') return candidates;
    candidates.sort((a, b) => gate(b) - gate(a) || (gate(a) ? b.fit - a.fit : 0) || b.fused - a.fused);
    // Town awareness: among near-equal candidates, prefer what the town can do.
    if (town) {
      const at = (c: Candidate) => (this.availability.get(c.item.name)?.has(town.name) ? 1 : 0);
      candidates.sort((a, b) => (gate(a) === gate(b) && Math.abs(a.fit - b.fit) < 0.01 ? at(b) - at(a) : 0));
    }
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
    this.inflight++;
    try {
      return await this.askNow(text, opts, hints);
    } finally {
      this.inflight--;
      if (this.inflight === 0 && this.pending) {
        this.install(this.pending);
        this.pending = null;
      }
    }
  }

  private async askNow(text: string, opts: AskOptions, hints: RetrievalHints): Promise<AnswerResult> {
    const result = await this.answer(text, opts, hints);
    if (opts.conversation && Object.keys(result.followups).length) {
      this.remember(opts.conversation, result);
    }
    if (result.status === 'no_match' || result.status === 'out_of_scope') {
      await this.opts.unanswered
        ?.add({
          // Maintainers read these: personal data never goes in.
          question: maskPersonalData(text.slice(0, 500)),
          normalized: normalize(maskPersonalData(text)),
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
    // Re-inserted so that the map's order is least recently used first.
    this.conversations.delete(conversation);
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
    // A place we have no list for is never answered as the group's town.
    const unknown = named.length ? [] : u.unknownPlaces(raw);
    if (unknown.length) return this.result('no_match', null, [], this.composer.unknownPlace(unknown[0]!));
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
    const conf = top?.confidence ?? 0;
    const matches = this.matches(cands, town);
    const near = matches.filter((m) => m.score > 0).slice(0, 3);
    const county = this.countyAsTown();
    const factTowns = [...(named.length ? named.map((n) => n.town) : bound ? [bound] : this.knowledge.regions.towns), county];
    const townKnown = named.length > 0 || !!bound;

    // An item named outright wins; otherwise strong town facts, help and scope come first.
    if (conf < 0.99) {
      if (u.isOutOfScope(norm) && conf < MIN_CONFIDENCE) return this.result('out_of_scope', town, near, this.composer.outOfScope());
      if (u.asksCountyCentre(raw) && conf < MIN_CONFIDENCE) {
        return this.result('town_info', null, [], this.composer.townInfo([{ town: county, fact: CENTRE_FACT }]));
      }
      let facts = u.facts(raw, factTowns);
      // A distinctive fact of another town (吹哨报到 asked in another town's group) is still worth answering.
      if (!facts.length && !named.length) facts = u.facts(raw, this.knowledge.regions.towns).filter((f) => f.score >= 4);
      const strongest = facts[0]?.score ?? 0;
      if (facts.length && (conf < MIN_CONFIDENCE ? townKnown || strongest >= 3 : strongest >= 4)) {
        // "Where is the centre / when does it open" gets the address and hours first.
        const centre = town && townKnown && u.asksCentre(raw) ? [{ town, fact: CENTRE_FACT, score: 0 }] : [];
        const townOfFacts = facts.every((f) => f.town === county) ? null : townKnown ? town : null;
        return this.result('town_info', townOfFacts, [], this.composer.townInfo([...centre, ...facts]));
      }
      if (u.isHelp(raw)) return this.result('help', town, [], this.composer.help());
    }
    if (!top || conf < MIN_CONFIDENCE) {
      if (town && townKnown && u.asksCentre(raw)) {
        return this.result('town_info', town, [], this.composer.townInfo([{ town, fact: CENTRE_FACT }]));
      }
      if (u.looksLikeFormality(query) || named.length) return this.result('no_match', town, near, this.composer.noMatch(raw));
      return this.result('out_of_scope', town, near, this.composer.outOfScope());
    }

    const item = top.item;
    if (item.abolished) return this.result('abolished', town, matches, this.composer.abolished(item));
    // A note exempting the asker's case (总质量4.5吨及以下 … 不需要办理) leads the reply.
    const lead = exemptionFor(item, raw);
    const withLead = (c: Composed): Composed => (lead ? { ...c, answer: `ℹ️ 按您说的情况：${lead}\n${c.answer.replace(`提示：${lead}\n`, '')}` } : c);
    if (town) {
      const entry = this.availability.get(item.name)?.get(town.name);
      return entry
        ? this.result('answered', town, matches, withLead(this.composer.answered(item, town, entry)))
        : this.result('not_at_town', town, matches, withLead(this.composer.notAtTown(item, town)));
    }
    return this.availability.get(item.name)?.size
      ? this.result('answered', null, matches, withLead(this.composer.answeredAnyTown(item)))
      : this.result('not_at_town', null, matches, withLead(this.composer.notAtTown(item, null)));
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
    vectorTimeoutMs: config.openai?.embeddingModel ? Math.max(500, Math.floor(config.openai.timeoutMs / 2)) : undefined,
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
  let loaded: boolean;
  try {
    loaded = await engine.load();
  } catch (err) {
    // Unreadable index files (a disk problem, a copy gone wrong): rebuild once from the knowledge.
    options.logger?.error({ err }, 'the knowledge index could not be loaded; rebuilding it');
    await store.build(config.knowledgeDir, embeddings, options.onProgress);
    loaded = await engine.load();
  }
  if (!loaded) throw new Error(`no knowledge index could be loaded from ${store.root}`);
  return Object.assign(engine, { close: async () => {} });
}
