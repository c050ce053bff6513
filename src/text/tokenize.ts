// jieba segmentation with a user dictionary built from the knowledge base
// (item names, aliases, synonyms, town names), plus character bigrams so that
// typos and unseen words still overlap.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import { normalize } from './normalize.ts';

/**
 * jieba's default dictionary (the file @node-rs/jieba/dict.js exports). Read
 * here for each new Tokenizer rather than imported: that module keeps both its
 * dictionary and its IDF table (11 MB) in memory for the life of the process.
 */
const DICT_PATH = createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt');

/** Function words and question words that carry no meaning for matching. */
export const STOPWORDS = new Set(
  (
    '的 了 吗 嘛 呢 吧 啊 呀 哦 么 在 是 有 和 与 及 或 我 你 您 他 她 我们 咱 咱们 想 要 需要 能 能不能 可以 可不可以 可否 ' +
    '办 办理 去 到 哪 哪里 哪儿 哪个 什么 啥 怎么 怎样 如何 多少 几 吗 请问 一下 个 这 那 就 还 也 都 又 给 让 把 被 ' +
    '镇 街道 镇上 本地 这边 那边 问 问问 咨询 一个 现在 能办 可办 在哪 在哪办 哪办 办得 得 不 没 没有 呢 嗯 么'
  ).split(/\s+/),
);

export class Tokenizer {
  private readonly jieba: Jieba;

  /** `terms`: domain words that must stay whole (item names, aliases, synonyms, towns). */
  constructor(terms: Iterable<string>) {
    this.jieba = Jieba.withDict(fs.readFileSync(DICT_PATH));
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const t of terms) {
      const w = normalize(t).replace(/\s+/g, '');
      if (w.length < 2 || seen.has(w)) continue;
      seen.add(w);
      lines.push(`${w} 200000 n`);
    }
    if (lines.length) this.jieba.loadDict(Buffer.from(lines.join('\n') + '\n'));
  }

  /** Words in search mode (long words also yield their parts), stopwords removed. */
  words(text: string): string[] {
    const norm = normalize(text);
    if (!norm) return [];
    return this.jieba
      .cutForSearch(norm, true)
      .map((w) => w.trim())
      .filter((w) => w && !STOPWORDS.has(w) && /[\p{L}\p{N}]/u.test(w));
  }

  /** Overlapping character bigrams of each CJK run (single characters for runs of one). */
  static grams(text: string): string[] {
    const out: string[] = [];
    for (const run of normalize(text).split(/[^\u3400-\u9fff]+/)) {
      if (!run) continue;
      if (run.length === 1) {
        out.push(run);
        continue;
      }
      for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    }
    return out;
  }

  /** Query tokens: words plus the text's character bigrams (unknown bigrams simply match nothing). */
  query(text: string): string[] {
    return [...new Set([...this.words(text), ...Tokenizer.grams(text).filter((g) => g.length > 1 || !STOPWORDS.has(g))])];
  }
}
