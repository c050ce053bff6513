// How much of an item's name the question contains (the answer gate), and how
// much of the question the item explains (the ranking), on character pairs
// weighted by how rare they are among all item keys.
import type { Knowledge } from '../knowledge/load.ts';
import type { Item } from '../knowledge/schemas.ts';
import { normalize } from '../text/normalize.ts';
import { Understander } from './understand.ts';

/** Character bigrams of Chinese runs plus Latin/digit words (KTV, 4.5t) of a text. */
export function keyFeatures(text: string): Set<string> {
  const out = Understander.bigrams(text);
  for (const w of normalize(text).match(/[a-z0-9.]{2,}/g) ?? []) out.add(w);
  return out;
}

/**
 * The clauses of a long power name, each a key of its own: a question names
 * one duty of 「对城乡规划实施情况的监督检查，以及对《…条例》第七十四条所列违法建筑的日常巡查」
 * (违法建筑日常巡查), never the whole sentence. Function words (对, 的, 本地区),
 * cited titles and article numbers are dropped; clauses under four characters
 * (山塘) would match too much and are not keys.
 */
export function clauseKeys(name: string): string[] {
  if ([...name].length < 12) return [];
  const out: string[] = [];
  const text = name.replace(/《[^》]*》/g, '').replace(/第[一二三四五六七八九十百零〇\d]+条(第[一二三四五六七八九十\d]+款)?/g, '');
  for (const part of text.split(/[，,、；;。]|以及/)) {
    const clause = part
      .replace(/^(对|对于|关于)/, '')
      .replace(/^(本地区|本辖区|辖区内|本行政区域内?)/, '')
      .replace(/所列|的/g, '')
      .trim();
    if ([...clause].length >= 4 && clause !== name && !out.includes(clause)) out.push(clause);
  }
  return out.length > 1 ? out : [];
}

/** A question's features that occur in some key, as feature numbers in keyFeatures order. */
export interface QueryFeatures {
  list: number[];
  set: Set<number>;
}

/**
 * Key features (see keyFeatures) of every item's name, aliases and synonyms,
 * computed once per index: each distinct feature gets a number, with its
 * weight from the document frequency over all keys. Per item the keys'
 * feature numbers are stored in key order and, within a key, in the order
 * keyFeatures yields them.
 */
export class ItemMatcher {
  private readonly featureIds = new Map<string, number>();
  private readonly featureWeight: Float64Array;
  /** Item id → its first key (item i owns keys itemKeys[i] .. itemKeys[i+1]-1). */
  private readonly itemKeys: Uint32Array;
  /** Per key feature: 1 when it joins its two neighbours and may be bridged. */
  private readonly keyFeatureBridge: Uint8Array;
  /** Key → its first feature (key j owns keyFeatureIds[keyStart[j] .. keyStart[j+1]-1]). */
  private readonly keyStart: Uint32Array;
  private readonly keyFeatureIds: Int32Array;
  /** Scratch marks for the union of one item's features (explanation). */
  private readonly ownMark: Uint32Array;
  private ownStamp = 0;
  /** Every item's keys: name, aliases, synonyms (in synonyms.csv order). */
  readonly keys: string[][];

  constructor(k: Knowledge, itemName: (name: string) => string | undefined) {
    const synonyms = new Map<string, string[]>();
    for (const s of k.synonyms) {
      const name = itemName(s.事项);
      if (name === undefined) continue;
      const list = synonyms.get(name);
      if (list) list.push(s.说法);
      else synonyms.set(name, [s.说法]);
    }
    this.keys = k.items.map((item: Item) => [item.name, ...clauseKeys(item.name), ...item.aliases, ...(synonyms.get(item.name) ?? [])]);
    const df: number[] = [];
    const itemKeys: number[] = [0];
    const keyStart: number[] = [0];
    const flat: number[] = [];
    const bridge: number[] = [];
    for (const keys of this.keys) {
      for (const key of keys) {
        const features = [...keyFeatures(key)];
        features.forEach((f, i) => {
          // A pair joining two neighbouring pairs of the same run (户注 in 个体户注销)
          // may be bridged when the question puts words between them.
          const prev = features[i - 1];
          const next = features[i + 1];
          bridge.push(f.length === 2 && prev?.length === 2 && next?.length === 2 && prev[1] === f[0] && f[1] === next[0] ? 1 : 0);
        });
        for (const f of features) {
          let id = this.featureIds.get(f);
          if (id === undefined) {
            id = df.length;
            this.featureIds.set(f, id);
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
    this.featureWeight = Float64Array.from(df, (n) => Math.log(1 + featureKeys / n));
    this.itemKeys = Uint32Array.from(itemKeys);
    this.keyStart = Uint32Array.from(keyStart);
    this.keyFeatureIds = Int32Array.from(flat);
    this.keyFeatureBridge = Uint8Array.from(bridge);
    this.ownMark = new Uint32Array(df.length);
  }

  /** Some key has this feature (a character pair or a Latin/digit word). */
  hasFeature(feature: string): boolean {
    return this.featureIds.has(feature);
  }

  query(text: string): QueryFeatures {
    const list: number[] = [];
    for (const f of keyFeatures(text)) {
      const id = this.featureIds.get(f);
      if (id !== undefined) list.push(id);
    }
    return { list, set: new Set(list) };
  }

  /** Weighted share of the question's features that the item's keys explain. */
  explanation(id: number, q: QueryFeatures): number {
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
   * an alias or synonym) the question contains, weighting rare character
   * pairs above common ones such as 许可 or 登记.
   */
  confidence(id: number, q: QueryFeatures): number {
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
}
