// Text normalisation shared by documents and queries: Traditional → Simplified
// (OpenCC, Taiwan and Hong Kong variants), full-width → half-width, case,
// punctuation and whitespace.
import * as OpenCC from 'opencc-js';

const twToCn = OpenCC.Converter({ from: 'tw', to: 'cn' });
const hkToCn = OpenCC.Converter({ from: 'hk', to: 'cn' });

/** Traditional (Taiwan or Hong Kong forms) to Simplified; Simplified text passes through. */
export function toSimplified(text: string): string {
  return hkToCn(twToCn(text));
}

/** Full-width ASCII forms and the ideographic space to their half-width forms. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

const PUNCT = /[\s!"#$%&'*+,\-./:;<=>?@[\\\]^_`{|}~，。！？、；：“”‘’「」『』〈〉《》…—·～\u2005\u200b]+/g;

/**
 * Canonical form for matching: simplified, half-width, lower case, with
 * punctuation and whitespace collapsed to single spaces. Brackets （） are kept
 * as ( ) because catalogue names contain them.
 */
export function normalize(text: string): string {
  return toHalfWidth(toSimplified(text)).toLowerCase().replace(PUNCT, ' ').replace(/\s+/g, ' ').trim();
}

/** normalize() without any spaces, for substring matching of names. */
export function compact(text: string): string {
  return normalize(text).replace(/[\s()]/g, '');
}
