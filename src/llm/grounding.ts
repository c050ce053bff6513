// Checks a model-worded reply against the facts it was given. A reply is
// rejected (and the template reply used instead) when it names a catalogue
// item that was not retrieved, states a time limit, fee, phone number or
// address the facts do not hold, or repeats the prompts.
import { MAX_MAIN_REPLY } from '../answering/compose.ts';
import { toHalfWidth, toSimplified } from '../text/normalize.ts';
import { ALL_PROMPTS } from './prompts.ts';

export type GroundingReason = 'empty' | 'too_long' | 'prompt' | 'item' | 'time_limit' | 'fee' | 'phone' | 'address' | 'hours';

export type GroundingVerdict = { ok: true } | { ok: false; reason: GroundingReason; detail: string };

export interface GroundingInput {
  /** The generated reply. */
  reply: string;
  /** Catalogue names of the items the reply may talk about (the retrieved ones). */
  items: string[];
  /** Every text the reply may take facts from: the facts JSON and the template answer. */
  sources: string[];
  /** Longest acceptable reply (default MAX_MAIN_REPLY). */
  maxLength?: number;
}

/** Simplified, half-width; the form both replies and sources are compared in. */
const canon = (s: string): string => toHalfWidth(toSimplified(s));

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 一 … 九十九 (and 百) to a number; null if not a Chinese numeral. */
export function chineseNumber(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^[零〇一二两三四五六七八九十百]+$/.test(s)) return null;
  let total = 0;
  let current = 0;
  for (const ch of s) {
    if (ch === '百') {
      total += (current || 1) * 100;
      current = 0;
    } else if (ch === '十') {
      total += (current || 1) * 10;
      current = 0;
    } else {
      current = CN_DIGITS[ch]!;
    }
  }
  return total + current;
}

const NUM = '(\\d+|[零〇一二两三四五六七八九十百]+)';
const RE_DAYS = new RegExp(`${NUM}\\s*(?:个)?\\s*(?:工作日|自然日|天)`, 'g');
const RE_INSTANT = /即办|当场办结|当场办理|当天办结|当日办结|当天就能办|当场就能办|立等可取|马上办结|立即办结/;
const RE_YUAN = new RegExp(`(?:[¥￥]\\s*(\\d+(?:\\.\\d+)?))|(?:(\\d+(?:\\.\\d+)?|[零〇一二两三四五六七八九十百千]+)\\s*(?:元|块钱|块))`, 'g');
/** The amount of a fee match (either form). */
const yuanOf = (m: RegExpMatchArray): number | null => (m[1] !== undefined ? Number(m[1]) : chineseNumber(m[2]!.replace(/千/g, '')) ?? null);
/** Other time spans (3日内, 一周, 48小时, 一个月): any must appear in the facts. */
const RE_SPAN = new RegExp(`${NUM}\\s*(?:个)?\\s*(小时|周|星期|个月|月|日内|日)(?![期号])`, 'g');
/** Spoken times of day (九点, 8点半). */
const RE_OCLOCK = new RegExp(`${NUM}\\s*点(半|\\d+分|[零〇一二三四五六七八九十]+分)?`, 'g');
const RE_FREE = /不收费|免费|不收取(?:任何)?费用|无需(?:缴|交)费|不用(?:缴|交)(?:费|钱)|不要钱|零收费|无收费/g;
const RE_DIGITS = /\d(?:[\d\-.·]|\s+(?=\d)|\)(?=\d)|\((?=\d))*\d/g;
/** Digits spelled one by one in Chinese (一三八一二三四五六七八) read as digits. */
const spelledDigits = (text: string): string =>
  text.replace(/[零〇一二三四五六七八九]{5,}/g, (run) => [...run].map((c) => String(CN_DIGITS[c])).join(''));
/** Labels that introduce a place; the span after them is checked. */
const RE_PLACE_LABEL = /(?:地址|地点|位于|坐落于|坐落在|前往|请到|可到|可以到|直接到|就近到)\s*[:：是为在]?\s*([^，。；;,！？!?\n（()）]{2,40})/g;
/** Numbered address parts (88号, 3楼, 二楼, 201室) anywhere in the reply. */
const RE_ADDRESS_PART = /(?:\d+|[一二三四五六七八九十]+)\s*(?:号楼|号院|号|栋|幢|单元|楼|层|室)/g;

const RE_TAGGED = new RegExp(`(承诺|法定)(?:办结|时限|期限|为|是|:|\\s)*(?:${NUM}\\s*(?:个)?\\s*(?:工作日|自然日|天)|(即办))`, 'g');
const RE_CLOCK = /\d{1,2}\s*:\s*\d{2}/g;

/** Time-limit claims ("5个工作日" → "5", "即办" → "即办", "承诺5个工作日" → also "承诺:5"). */
function timeClaims(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(RE_DAYS)) {
    const n = chineseNumber(m[1]!);
    if (n !== null) out.push(String(n));
  }
  if (RE_INSTANT.test(text)) out.push('即办');
  for (const m of text.matchAll(RE_TAGGED)) {
    const n = m[3] ? '即办' : chineseNumber(m[2]!);
    if (n !== null) out.push(`${m[1]}:${n}`);
  }
  return out;
}

/** The clause (between punctuation) around an index. */
function clauseAt(text: string, index: number): string {
  const stops = /[，。；;,！？!?\n]/;
  let a = index;
  while (a > 0 && !stops.test(text[a - 1]!)) a--;
  let b = index;
  while (b < text.length && !stops.test(text[b]!)) b++;
  return text.slice(a, b);
}

const isProxyClause = (clause: string): boolean => /代办|帮办/.test(clause);

/** Free-of-charge claims that are about an item (not about proxy handling, which is always free). */
function itemFreeClaims(text: string): string[] {
  return [...text.matchAll(RE_FREE)].filter((m) => !isProxyClause(clauseAt(text, m.index!))).map((m) => m[0]);
}

const digitRuns = (text: string): string[] =>
  [...text.matchAll(RE_DIGITS)].map((m) => m[0].replace(/\D/g, '')).filter((d) => d.length >= 5);

const GLUE = /[\s·、和或及与的\-—:：()（）"“”「」]/;
/** Words that point at a place without naming one. */
const PLACE_WORDS = /上述|以上|这些|这个|那些|附近|就近|当地|所在|办理|申请|咨询|即可|直接/g;

/**
 * How many characters of `span` are not covered by pieces (two characters or
 * longer) that occur in `source`; greedy longest match from left to right.
 */
export function uncoveredChars(place: string, source: string): number {
  const span = place.replace(PLACE_WORDS, ' ');
  let uncovered = 0;
  let i = 0;
  while (i < span.length) {
    if (GLUE.test(span[i]!)) {
      i++;
      continue;
    }
    let len = 0;
    for (let l = Math.min(span.length - i, 40); l >= 2; l--) {
      if (source.includes(span.slice(i, i + l))) {
        len = l;
        break;
      }
    }
    if (len) i += len;
    else {
      uncovered++;
      i++;
    }
  }
  return uncovered;
}

/** Fragments of the prompts long enough to identify them (whitespace removed). */
function promptFragments(prompts: readonly string[], size = 12, step = 4): string[] {
  const out = new Set<string>();
  for (const p of prompts) {
    const flat = canon(p).replace(/\s+/g, '');
    for (let i = 0; i + size <= flat.length; i += step) out.add(flat.slice(i, i + size));
  }
  return [...out];
}

const RE_PROMPT_WORDS = /提示词|系统提示|系统指令|system\s*prompt|\bprompt\b|facts\s*JSON|template/i;

export class Grounder {
  /** Catalogue names and aliases (canonical form) → item name, longest first. */
  private readonly keys: { key: string; item: string }[];
  private readonly fragments: string[];

  constructor(items: { name: string; aliases?: string[] }[], prompts: readonly string[] = ALL_PROMPTS) {
    const keys = new Map<string, string>();
    for (const item of items) {
      for (const k of [item.name, ...(item.aliases ?? [])]) {
        const key = canon(k).trim();
        if (key.length >= 2 && !keys.has(key)) keys.set(key, item.name);
      }
    }
    this.keys = [...keys].map(([key, item]) => ({ key, item })).sort((a, b) => b.key.length - a.key.length);
    this.fragments = promptFragments(prompts);
  }

  /** Catalogue items named in a text (a name inside a longer name counts as the longer one only). */
  itemsNamed(text: string): { item: string; key: string }[] {
    const t = canon(text);
    const taken: [number, number][] = [];
    const found: { item: string; key: string; at: number }[] = [];
    for (const { key, item } of this.keys) {
      let from = 0;
      for (;;) {
        const at = t.indexOf(key, from);
        if (at < 0) break;
        from = at + 1;
        const end = at + key.length;
        if (taken.some(([a, b]) => at < b && end > a)) continue;
        taken.push([at, end]);
        found.push({ item, key, at });
      }
    }
    return found.sort((a, b) => a.at - b.at).map(({ item, key }) => ({ item, key }));
  }

  check(input: GroundingInput): GroundingVerdict {
    const reply = canon(input.reply).trim();
    const source = canon(input.sources.join('\n'));
    const max = input.maxLength ?? MAX_MAIN_REPLY;
    if (!reply) return { ok: false, reason: 'empty', detail: 'the reply is empty' };
    if (reply.length > max) return { ok: false, reason: 'too_long', detail: `${reply.length} characters (limit ${max})` };

    // The prompts are never repeated, in whole or in part.
    const flat = reply.replace(/\s+/g, '');
    const echoed = this.fragments.find((f) => flat.includes(f));
    if (echoed) return { ok: false, reason: 'prompt', detail: `repeats the prompt: ${echoed}` };
    const word = RE_PROMPT_WORDS.exec(reply);
    if (word) return { ok: false, reason: 'prompt', detail: `talks about its instructions: ${word[0]}` };

    // Only the retrieved items (or items the facts themselves mention).
    const allowed = new Set(input.items);
    for (const { item, key } of this.itemsNamed(reply)) {
      if (!allowed.has(item) && !source.includes(key)) return { ok: false, reason: 'item', detail: `names 「${item}」, which was not retrieved` };
    }

    // Time limits.
    const knownTimes = new Set(timeClaims(source));
    for (const claim of timeClaims(reply)) {
      if (!knownTimes.has(claim)) return { ok: false, reason: 'time_limit', detail: `states a time limit (${claim}) the facts do not hold` };
    }

    // Fees: amounts must appear in the facts; "free" must be a fact about the item (proxy handling is always free).
    const knownYuan = new Set([...source.matchAll(RE_YUAN)].map(yuanOf));
    for (const m of reply.matchAll(RE_YUAN)) {
      if (!knownYuan.has(yuanOf(m))) return { ok: false, reason: 'fee', detail: `states a fee (${m[0]}) the facts do not hold` };
    }
    const knownSpans = new Set([...source.matchAll(RE_SPAN)].map((m) => `${chineseNumber(m[1]!)}${m[2]}`));
    for (const m of reply.matchAll(RE_SPAN)) {
      const claim = `${chineseNumber(m[1]!)}${m[2]}`;
      if (!knownSpans.has(claim)) return { ok: false, reason: 'time_limit', detail: `states a time span (${m[0]}) the facts do not hold` };
    }
    const free = itemFreeClaims(reply);
    if (free.length && !itemFreeClaims(source).length) {
      return { ok: false, reason: 'fee', detail: `says 「${free[0]}」 but the facts state no free item` };
    }

    // Phone numbers and any other run of five or more digits (12345, 0731-…, mobiles, dates written as digits).
    const knownDigits = new Set(digitRuns(spelledDigits(source)));
    for (const d of digitRuns(spelledDigits(reply))) {
      if (!knownDigits.has(d)) return { ok: false, reason: 'phone', detail: `states a number (${d}) the facts do not hold` };
    }

    // Opening hours (8:30, 17:00) must be the centre's.
    const clock = (s: string) => s.replace(/\s+/g, '').replace(/^0(?=\d)/, '');
    const knownClock = new Set([...source.matchAll(RE_CLOCK)].map((m) => clock(m[0])));
    for (const m of reply.matchAll(RE_CLOCK)) {
      const t = clock(m[0]);
      if (!knownClock.has(t)) return { ok: false, reason: 'hours', detail: `states a time of day (${t}) the facts do not hold` };
    }
    // Spoken times (九点, 8点半) are compared as clock times.
    for (const m of reply.matchAll(RE_OCLOCK)) {
      const h = chineseNumber(m[1]!);
      const minutes = !m[2] ? 0 : m[2] === '半' ? 30 : chineseNumber(m[2].replace('分', '')) ?? -1;
      const t = `${h}:${String(minutes).padStart(2, '0')}`;
      if (!knownClock.has(t)) return { ok: false, reason: 'hours', detail: `states a time of day (${m[0]}) the facts do not hold` };
    }

    // Addresses: numbered parts must appear in the facts; labelled places must be made of fact text.
    for (const m of reply.matchAll(RE_ADDRESS_PART)) {
      const part = m[0].replace(/\s+/g, '');
      if (!source.replace(/\s+/g, '').includes(part)) return { ok: false, reason: 'address', detail: `states an address part (${part}) the facts do not hold` };
    }
    for (const m of reply.matchAll(RE_PLACE_LABEL)) {
      const span = m[1]!.trim();
      if (uncoveredChars(span, source) > 1) return { ok: false, reason: 'address', detail: `states a place (${span}) the facts do not hold` };
    }
    return { ok: true };
  }
}
