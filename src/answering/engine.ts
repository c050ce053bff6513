// The answering core: understanding → retrieval → decision → template reply.
// Works with no network and no model; an LLM (src/llm) may only add a query
// rewrite and rephrase a reply, never change what is said.
//
// Split by responsibility: index-holder.ts (the index in service and its
// swap), confidence.ts (how much of an item the question names), retrieve.ts
// (fused retrieval and re-ranking), intent.ts (action, aspect, conditions,
// conversation turns), thresholds.ts (named thresholds), decide.ts (the
// decision rules), compose.ts and replies.ts (rendering). This file is the
// facade the assistant, the LLM layer and the CLI use.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/env.ts';
import { KnowledgeError } from '../errors.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import { hashKnowledge, type Knowledge, type ListEntry } from '../knowledge/load.ts';
import { normalize } from '../text/normalize.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import type { UnansweredRepo } from '../store/types.ts';
import { createEmbeddings, type DaibanEmbeddings } from '../retrieval/embeddings.ts';
import { IndexStore, isStale, type BuildProgress } from '../retrieval/index-store.ts';
import { Decider } from './decide.ts';
import { IndexHolder, type Snapshot } from './index-holder.ts';
import type { Candidate, RetrievalHints, RetrievalMode } from './retrieve.ts';
import { TOPIC_TTL_MS } from './thresholds.ts';
import type { AnswerContext, AnswerResult, Answerer, AskOptions, Topic } from './types.ts';

export { keyFeatures } from './confidence.ts';
export { exemptionFor } from './decide.ts';
export { MIN_CONFIDENCE } from './thresholds.ts';
export type { RetrievalHints, RetrievalMode } from './retrieve.ts';

/** Statuses written to the unanswered log that maintainers read. */
const UNANSWERED = new Set<AnswerResult['status']>(['no_match', 'out_of_scope', 'partial']);

export class Engine implements Answerer {
  private readonly holder: IndexHolder;
  /** Compatibility path only: the topic of each conversation's last answer, for callers that pass no topic. */
  private readonly conversations = new Map<string, { at: number; result: AnswerResult }>();

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
  ) {
    this.holder = new IndexHolder(store, embeddings, { ef: opts.ef, botName: opts.botName, logger: opts.logger });
  }

  setRetrievalMode(mode: RetrievalMode): void {
    this.opts.retrieval = mode;
  }

  private get snap(): Snapshot {
    return this.holder.current;
  }
  get knowledge(): Knowledge {
    return this.snap.knowledge;
  }
  get manifest() {
    return this.snap.loaded.manifest;
  }
  get version(): string {
    return this.snap.version;
  }

  /** Loads the index in service; returns false when there is none. Throws when its files are unreadable. */
  load(): Promise<boolean> {
    return this.holder.load();
  }

  /** Switches to a newly built index if there is one (also done before every question). */
  refresh(force = false): Promise<boolean> {
    return this.holder.refresh(force);
  }

  towns(): string[] {
    return this.knowledge.regions.towns.map((t) => t.name);
  }

  resolveTown(name: string): string | null {
    return this.snap.u.resolveTown(name)?.name ?? null;
  }

  /** Lookups for the ticket desk. */
  catalogue(): Catalogue {
    const s = this.snap;
    return {
      item: (name) => s.u.index.item(name),
      town: (name) => s.u.index.town(name),
      countyCentre: () => s.knowledge.regions.county.centre,
      hotline: () => s.knowledge.regions.county.hotline,
    };
  }

  availableAt(item: string, town: string): ListEntry | undefined {
    return this.snap.availability.get(item)?.get(town);
  }

  /** Ranked candidates for a question (the LLM rewrite uses them to keep its prompt small). */
  retrieve(query: string, town: import('../knowledge/schemas.ts').Town | null, hints: RetrievalHints = {}): Promise<Candidate[]> {
    return this.snap.retriever.retrieve(query, town, hints, { mode: this.opts.retrieval ?? 'fused', vectorTimeoutMs: this.opts.vectorTimeoutMs, logger: this.opts.logger });
  }

  private now(): number {
    return this.opts.clock?.() ?? Date.now();
  }

  /**
   * The stateless answer: the question, the chat's town and the previous
   * turn's topic in; the answer (with its own topic) out. Nothing is kept.
   */
  async answer(question: string, ctx: AnswerContext = {}, hints: RetrievalHints = {}): Promise<AnswerResult> {
    await this.holder.refresh();
    const decider = new Decider(this.snap, { mode: this.opts.retrieval ?? 'fused', vectorTimeoutMs: this.opts.vectorTimeoutMs, logger: this.opts.logger });
    const result = await decider.decide(question, ctx, hints);
    if (UNANSWERED.has(result.status)) await this.logUnanswered(question, result);
    return result;
  }

  /**
   * Compatibility path for callers that keep no topic: with `conversation`
   * and no `topic`, the topic of that conversation's last answer (within 30
   * minutes) is passed in and this answer's topic remembered.
   */
  async ask(text: string, opts: AskOptions = {}, hints: RetrievalHints = {}): Promise<AnswerResult> {
    const stateless = opts.topic !== undefined || !opts.conversation;
    const topic = stateless ? (opts.topic ?? null) : this.storedTopic(opts.conversation!);
    const result = await this.answer(text, { town: opts.boundTown ?? null, topic }, hints);
    if (!stateless && result.topic) this.remember(opts.conversation!, result);
    return result;
  }

  private async logUnanswered(text: string, result: AnswerResult): Promise<void> {
    await this.opts.unanswered
      ?.add({
        // Maintainers read these: personal data never goes in.
        question: maskPersonalData(text.slice(0, 500)),
        normalized: normalize(maskPersonalData(text)),
        town: result.town,
        status: result.status === 'out_of_scope' || result.status === 'partial' ? result.status : 'no_match',
        candidates: result.matches.map((m) => ({ item: m.item, score: m.score })),
        at: new Date(this.now()),
      })
      .catch((err: unknown) => this.opts.logger?.warn({ err }, 'could not record an unanswered question'));
  }

  private storedTopic(conversation: string): Topic | null {
    const c = this.conversations.get(conversation);
    return c && Date.now() - c.at < TOPIC_TTL_MS ? (c.result.topic ?? null) : null;
  }

  private remember(conversation: string, result: AnswerResult): void {
    const now = Date.now();
    // Re-inserted so that the map's order is least recently used first.
    this.conversations.delete(conversation);
    this.conversations.set(conversation, { at: now, result });
    if (this.conversations.size > 5000) {
      for (const [k, v] of this.conversations) if (now - v.at > TOPIC_TTL_MS || this.conversations.size > 5000) this.conversations.delete(k);
    }
  }

  /** The last answer given in a conversation (for 「代办」 after an answer), within 30 minutes. */
  lastAnswer(conversation: string): AnswerResult | null {
    const c = this.conversations.get(conversation);
    return c && Date.now() - c.at < TOPIC_TTL_MS ? c.result : null;
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
