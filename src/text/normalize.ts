// Text normalisation shared by documents and queries: Traditional → Simplified
// (OpenCC, Taiwan and Hong Kong variants), full-width → half-width, case,
// punctuation and whitespace.
import * as OpenCC from 'opencc-js';

const twToCn = OpenCC.Converter({ from: 'tw', to: 'cn' });
const hkToCn = OpenCC.Converter({ from: 'hk', to: 'cn' });

/**
 * Every code point that starts a key of any dictionary the two converters use
 * (normalisation, segmentation and conversion chains). OpenCC only rewrites
 * text where some key matches, so a string without any of these code points
 * comes out of both converters unchanged; checking that is much cheaper than
 * running the tries, and most Simplified text passes the check.
 */
const OPENCC_STARTS: Set<number> = (() => {
  const starts = new Set<number>();
  const addDict = (d: unknown): void => {
    if (typeof d === 'string') {
      // Dictionaries are "key value|key value|…" strings.
      for (const entry of d.split('|')) {
        const key = entry.split(' ')[0];
        if (key) starts.add(key.codePointAt(0)!);
      }
    } else if (Array.isArray(d)) {
      for (const x of d) addDict(x);
    }
  };
  const configs = (OpenCC.Locale as unknown as { configs: Record<string, unknown> }).configs;
  for (const name of ['tw2s', 'hk2s']) {
    const config = configs[name];
    // Should opencc-js change shape, fall back to always converting.
    if (!config || typeof config !== 'object') return new Set<number>([-1]);
    addDict(Object.values(config));
  }
  return starts;
})();
const ALWAYS_CONVERT = OPENCC_STARTS.has(-1);

/** Whether OpenCC could change the text (false means it certainly would not). */
function mayConvert(text: string): boolean {
  if (ALWAYS_CONVERT) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    const cp = text.codePointAt(i)!;
    if (OPENCC_STARTS.has(cp)) return true;
    if (cp > 0xffff) i++;
  }
  return false;
}

/** Traditional (Taiwan or Hong Kong forms) to Simplified; Simplified text passes through. */
export function toSimplified(text: string): string {
  if (!mayConvert(text)) return text;
  // 么 is already Simplified, but OpenCC's phrase tables turn the dialect 么 of
  // 么子 / 么得 into 幺 in some phrasings (么子材料 → 幺子材料): convert around it.
  return text.includes('么') ? text.split('么').map((part) => hkToCn(twToCn(part))).join('么') : hkToCn(twToCn(text));
}

/** Full-width ASCII forms and the ideographic space to their half-width forms. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

const PUNCT = /[\s!"#$%&'*+,\-./:;<=>?@[\\\]^_`{|}~，。！？、；：“”‘’「」『』〈〉《》…—·～\u2005\u200b]+/g;

/**
 * A small memo for normalize(): one question is normalised by several steps
 * (understanding, both retrievers, re-ranking), always to the same result.
 * Only short strings are kept, and the memo is emptied when it fills.
 */
const memo = new Map<string, string>();
const MEMO_SIZE = 512;
const MEMO_MAX_LENGTH = 600;

/**
 * Canonical form for matching: simplified, half-width, lower case, with
 * punctuation and whitespace collapsed to single spaces. Brackets （） are kept
 * as ( ) because catalogue names contain them.
 */
export function normalize(text: string): string {
  const hit = memo.get(text);
  if (hit !== undefined) return hit;
  const out = toHalfWidth(toSimplified(text)).toLowerCase().replace(PUNCT, ' ').replace(/\s+/g, ' ').trim();
  if (text.length <= MEMO_MAX_LENGTH) {
    if (memo.size >= MEMO_SIZE) memo.clear();
    memo.set(text, out);
  }
  return out;
}

/** normalize() without any spaces, for substring matching of names. */
export function compact(text: string): string {
  return normalize(text).replace(/[\s()]/g, '');
}
