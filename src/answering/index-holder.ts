// Holds the knowledge index in service and everything derived from it, as one
// immutable snapshot. A question takes the snapshot once and answers from it,
// so a swap to a newly built index never mixes two indexes in one answer; the
// next question after `kb build` returns sees the new one.
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Knowledge, ListEntry } from '../knowledge/load.ts';
import type { DaibanEmbeddings } from '../retrieval/embeddings.ts';
import { swapsInThisProcess, type IndexStore, type LoadedIndex } from '../retrieval/index-store.ts';
import { Composer } from './compose.ts';
import { ItemMatcher } from './confidence.ts';
import { Replies } from './replies.ts';
import { Retriever } from './retrieve.ts';
import { Understander } from './understand.ts';
import { Places } from './places.ts';

export class Snapshot {
  readonly u: Understander;
  readonly composer: Composer;
  /** Item name → town → its list entry. */
  readonly availability = new Map<string, Map<string, ListEntry>>();
  readonly matcher: ItemMatcher;
  readonly retriever: Retriever;
  readonly replies: Replies;
  /** Places in China outside this county (another city's question is not answered with this county's lists). */
  readonly places: Places;
  /** Registration families: the name without 设立/变更/注销 → its items (个体工商户登记 → 设立, 变更, 注销). */
  readonly families = new Map<string, import('../knowledge/schemas.ts').Item[]>();

  constructor(
    readonly loaded: LoadedIndex,
    botName: string,
  ) {
    const k = loaded.knowledge;
    this.u = new Understander(k);
    for (const [town, entries] of k.lists) {
      for (const e of entries) {
        const name = this.u.index.item(e.事项名称)?.name;
        if (!name) continue;
        if (!this.availability.has(name)) this.availability.set(name, new Map());
        this.availability.get(name)!.set(town, e);
      }
    }
    this.composer = new Composer(k, this.u.index, this.availability, botName);
    this.matcher = new ItemMatcher(k, (n) => this.u.index.item(n)?.name);
    this.retriever = new Retriever(loaded, this.u, this.matcher, this.availability);
    this.replies = new Replies(k, this.composer, this.availability);
    this.places = new Places(k.regions);
    for (const item of k.items) {
      const base = item.name.replace(/设立|变更|注销/, '');
      if (base === item.name) continue;
      const list = this.families.get(base);
      if (list) list.push(item);
      else this.families.set(base, [item]);
    }
  }

  get knowledge(): Knowledge {
    return this.loaded.knowledge;
  }
  get version(): string {
    return this.loaded.version;
  }
}

/** How often CURRENT is read when the index folder cannot be watched. */
const POLL_MS = 1000;

export class IndexHolder {
  private snap: Snapshot | null = null;
  private loading: Promise<void> | null = null;
  private rejectedVersion: string | null = null;
  /** Set when the index folder changed (a build in another process); checked before each question. */
  private changed = true;
  private watching = false;
  private seenSwaps = -1;
  private lastPoll = 0;

  constructor(
    private readonly store: IndexStore,
    private readonly embeddings: DaibanEmbeddings,
    private readonly opts: { ef: number; botName: string; logger?: Logger },
  ) {}

  /**
   * Watches the index folder so that a question only reads CURRENT when
   * something changed there (a file read per question costs more than the
   * rest of a cached answer under load). Without a watcher (unsupported file
   * system) CURRENT is read at most every POLL_MS.
   */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    try {
      fs.mkdirSync(this.store.root, { recursive: true });
      const w = fs.watch(this.store.root, () => {
        this.changed = true;
      });
      w.on('error', () => {
        this.changed = true;
        this.watching = false;
      });
      w.unref();
    } catch {
      this.watching = false;
    }
  }

  /** Whether CURRENT may point elsewhere now. */
  private mayHaveChanged(): boolean {
    const swaps = swapsInThisProcess();
    if (swaps !== this.seenSwaps) {
      this.seenSwaps = swaps;
      return true;
    }
    if (this.changed) return true;
    const now = Date.now();
    if (!this.watching && now - this.lastPoll >= POLL_MS) {
      this.lastPoll = now;
      return true;
    }
    return false;
  }

  get current(): Snapshot {
    if (!this.snap) throw new Error('no knowledge index is loaded');
    return this.snap;
  }

  /** An index is only usable with the embeddings it was built with. */
  private compatible(loaded: LoadedIndex): boolean {
    const e = loaded.manifest.embedding;
    return e.kind === this.embeddings.info.kind && e.model === this.embeddings.info.model;
  }

  /** Loads the index in service; returns false when there is none. Throws when its files are unreadable. */
  async load(): Promise<boolean> {
    const loaded = await this.store.load(this.embeddings, this.opts.ef);
    if (!loaded) return false;
    if (!this.compatible(loaded)) {
      throw new Error(`the index in ${loaded.dir} was built with ${loaded.manifest.embedding.model}, not ${this.embeddings.info.model}; rebuild it`);
    }
    this.snap = new Snapshot(loaded, this.opts.botName);
    this.watch();
    return true;
  }

  /**
   * Switches to a newly built index when the store points at another version
   * (one small file read per question). An index that cannot be read, or was
   * built with other embeddings, is ignored (logged) and the current one keeps
   * serving. Returns whether a switch happened.
   */
  async refresh(force = false): Promise<boolean> {
    if (this.loading) {
      await this.loading;
      return false;
    }
    if (!force && !this.mayHaveChanged()) return false;
    this.changed = false;
    const version = this.store.currentVersion();
    if (!version || version === this.snap?.version || version === this.rejectedVersion) return false;
    let switched = false;
    this.loading = (async () => {
      try {
        const loaded = await this.store.load(this.embeddings, this.opts.ef);
        if (!loaded) return;
        if (!this.compatible(loaded)) {
          this.rejectedVersion = version;
          this.opts.logger?.warn({ version, embedding: loaded.manifest.embedding }, 'new index built with other embeddings; ignored');
          return;
        }
        this.snap = new Snapshot(loaded, this.opts.botName);
        switched = true;
        this.opts.logger?.info({ version }, 'switched to a newly built knowledge index');
      } catch (err) {
        this.rejectedVersion = version;
        this.opts.logger?.error({ err, version }, 'could not load the new index; the current one keeps serving');
      } finally {
        this.loading = null;
      }
    })();
    await this.loading;
    return switched;
  }
}
