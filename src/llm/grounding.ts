// Checks a model-worded reply against the facts it was given. A reply is
// rejected (and the template reply used instead) when it names a catalogue
// item that was not retrieved, states a time limit, fee, phone number or
// address the facts do not hold, or repeats the prompts.
import { MAX_MAIN_REPLY } from '../answering/compose.ts';
import { toHalfWidth, toSimplified } from '../text/normalize.ts';
import { ALL_PROMPTS } from './prompts.ts';

export type GroundingReason =
  | 'empty'
  | 'too_long'
  | 'prompt'
  | 'item'
  | 'licence'
  | 'conclusion'
  | 'online'
  | 'visits'
  | 'time_limit'
  | 'fee'
  | 'phone'
  | 'address'
  | 'place'
  | 'hours'
  | 'numbers';

/** What the template concludes, which the reply must not change. */
export type Conclusion = 'can' | 'cannot' | 'abolished';

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
  /** The template's conclusion about the asked town (or anywhere when no town), when it has one. */
  conclusion?: Conclusion;
  /** The town asked about, for the conclusion check. */
  town?: string | null;
  /** Per item, the towns the facts say cannot handle it: the reply may not say they can. */
  unableTowns?: Record<string, string[]>;
}

/** Simplified, half-width, numerals as digits; the form both replies and sources are compared in. */
const canon = (s: string): string => normalizeNumerals(toHalfWidth(toSimplified(s)));

/** Banker's numerals (大写数字) to the ordinary ones; 圆 to 元. */
const BANKERS: Record<string, string> = {
  壹: '一', 贰: '二', 貳: '二', 叁: '三', 參: '三', 肆: '四', 伍: '五', 陆: '六', 陸: '六', 柒: '七', 捌: '八', 玖: '九',
  拾: '十', 佰: '百', 仟: '千', 萬: '万', 圆: '元', 圓: '元', 两: '两', 〇: '零',
};
const RE_BANKERS = /[壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬圆圓〇]/g;
/** Positional Chinese numerals (五十, 一百二十, 两千) directly before a unit. */
const RE_CN_POSITIONAL = /[零一二两三四五六七八九十百千万]+(?=\s*(?:元|块|角|天|个|日|周|星期|月|年|小时|分钟|次|趟|回|号|楼|层|室|栋|幢|单元|项|件|份|张|名|人|岁|公里|米|工作日|%))/g;
/** Digits spelled one by one (一三八一二三四五六七八, 幺三八…): three or more in a row. */
const RE_CN_SPELLED = /[零一二三四五六七八九幺洞](?:[\s\-·.,，、]*[零一二三四五六七八九幺洞]){4,}/g;
const SPELLED: Record<string, string> = { 零: '0', 洞: '0', 一: '1', 幺: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9' };

/** 十万 … 九千九百九十九万 (positional) to a number. */
function positional(s: string): number | null {
  let total = 0;
  let section = 0;
  let current = 0;
  for (const ch of s) {
    if (ch === '万') {
      total += (section + current) * 10000;
      section = 0;
      current = 0;
    } else if (ch === '千' || ch === '百' || ch === '十') {
      const unit = ch === '千' ? 1000 : ch === '百' ? 100 : 10;
      section += (current || 1) * unit;
      current = 0;
    } else {
      const d = CN_DIGITS[ch];
      if (d === undefined) return null;
      current = d;
    }
  }
  return total + section + current;
}

/**
 * Every way of writing a number the same way: full-width digits (already
 * half-width here), banker's numerals, digits spelled in Chinese, positional
 * numerals before a unit, digits with spaces or dashes between them
 * (138 1234 5678). Applied to both reply and sources before any number check.
 */
export function normalizeNumerals(text: string): string {
  let t = text.replace(RE_BANKERS, (c) => BANKERS[c] ?? c);
  t = t.replace(RE_CN_SPELLED, (run) => run.replace(/[^零一二三四五六七八九幺洞]/g, '').replace(/./g, (c) => SPELLED[c] ?? c));
  t = t.replace(RE_CN_POSITIONAL, (run) => {
    if (!/[十百千万]/.test(run) && run.length > 1 && !/^[零一二三四五六七八九]$/.test(run)) {
      // 三四天 (three or four days) is a range, not 34: keep the words.
      return run;
    }
    const n = positional(run);
    return n === null ? run : String(n);
  });
  // Spaced or dashed digit groups (138 1234 5678, 138-1234-5678) are one number.
  // Only runs that make a long number (7+ digits) are joined: times (9:00-17:00) and dates stay as written.
  t = t.replace(/\d(?:[ \t\u00a0\-·.]{1,2}(?=\d)|\d)+/g, (m) => {
    const digits = m.replace(/\D/g, '');
    if (digits.length < 7 || /^\d{4}[-.]\d{1,2}[-.]\d{1,2}$/.test(m) || /^\d+\.\d+$/.test(m)) return m;
    return digits;
  });
  return t;
}

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

// ---------------------------------------------------------------------------
// Claims in words. All patterns run on canonical text (numerals are digits).

const CLAUSE_SPLIT = /[，。；;,！？!?\n]/;
const clauses = (text: string): string[] => text.split(CLAUSE_SPLIT).map((c) => c.trim()).filter(Boolean);

/** "Cannot be handled (here)". */
const RE_CANNOT =
  /(?:不能|不可以|不可|无法|没法|没办法|不予|不再|暂不|暂时不|暂未|尚未|不在|未)(?:能|能够|可以|可)?(?:在[^，。；]{0,12})?(?:办理|办|受理|申请|承接)|办不了|办不成|(?:没有?|未|尚未)(?:被)?下放|不受理|不承接|(?:只能|必须|得)(?:到|去|前往)/;
/** "Abolished / no longer needed". */
const RE_ABOLISHED = /已(?:经)?(?:被)?(?:取消|废止|停止|撤销|停办)|(?:不用|无需|不需要|不必|无须)(?:再)?(?:办理|办)|不再需要|不再办理|停办/;
/** "Can be handled". Negated spans are removed before this is tried. */
const RE_CAN = /(?:可以|可|能|能够|就能|也能|也可以|即可|直接|均可|都能|都可以)(?:在[^，。；]{0,30}?)?(?:办理|办|受理|申请|承接)|已(?:经)?下放|承接了/;

/** Claims that the formality is done online or without visiting. */
const ONLINE_CLAIMS: { re: RegExp; allowedBy: RegExp }[] = [
  { re: /全程网(?:上|办)|网办|掌上办|足不出户|(?:1次|1趟)都?不(?:用|需要?)跑|零跑腿|不(?:用|需要?)(?:再)?(?:跑|去|到)(?:窗口|现场|大厅|腿)?|无需(?:到场|跑腿|到窗口|跑)/, allowedBy: /全程网办|1次不用跑/ },
  { re: /(?:网上|线上|在线|网站|小程序|公众号|微信|app|APP)(?:上|里)?(?:就能|就可以|可以|也能|能|即可|直接)*(?:办理|办|申请|提交|申报)/, allowedBy: /全程网办|网上申请/ },
  { re: /手机(?:上)?(?:就能|就可以|可以|也能|能|即可|直接)?(?:办理|办|申请|提交)/, allowedBy: /手机可办/ },
];
/** A number with what it counts. */
const RE_COUNT = /(?<![\d.:\-])(\d+)\s*(份|项|件|张|个窗口|名|人|岁|本|套|页|种|类)/g;
/** Visits: 跑1次 / 跑2趟 / 只跑1次. */
const RE_VISITS = /跑\s*(\d+)\s*(?:次|趟)/g;

/** Charges in words (工本费, 少量费用, 要交钱). Clauses that say "free" are not charges. */
const RE_CHARGE = /工本费|手续费|服务费|材料费|押金|收(?:取)?(?:一点|少量|一定|部分|点)?(?:费用|费)|(?:缴|交|付)(?:纳)?[^，。；]{0,10}?(?:费用|钱|费)|要(?:交|花|给|出)钱|收钱|付费|自费|花钱/;
const RE_NEGATED_CHARGE = /(?:不|免|无需|无|没有|不用|不需要)(?:收取?|缴|交|付|花)?(?:任何)?(?:费|钱)|免费/;

/** Times in words. Instant ones are claims of 即办; the others must be in the facts as written. */
const RE_INSTANT_WORDS = /当天|当日|当场|立等可取|随到随办|马上(?:就)?(?:能|可以)?(?:办|拿|领|出)|立刻|立即(?:办|拿|领|出)|现场(?:就能|即可|可以)?(?:办结|拿|领|出证)/;
const RE_VAGUE_TIME = /半个?月|次日|第二天|隔天|隔日|明天|后天|翌日|一两天|两三天|三五天|三四天|四五天|几天|数日|一星期|一礼拜|很快|分分钟/g;

/** Name endings of licences and formalities (…许可证, …登记, …备案). */
const RE_LICENCE = /[\u4e00-\u9fa5]{0,12}(?:许可证|登记证|备案证|合格证|资格证|经营证|执照|证书|许可|登记|备案)/g;
/** Words before a name that are not part of it. */
const FUNCTION_CHARS = new Set([...'的了和与及或并也还就都再先需要须得办理取领申请拿发给您你个张份本到去在把将被让请带交持凭有无是为可以能即上下好完后前等核换补做另外另该此其各这那即开附由跑从向往回离至经按述关属地近些']);
/** Generic words ending in a place suffix that are not places. */
const GENERIC_PLACE = /(?:本|该|各|全|此|哪个|哪|其他|其它|所在|乡|城|集|村|附近|邻近|周边|外|上述|前述|以上|这些|那些|相关|有关|所属|当地|本地|邻)(?:镇|乡|街道|县|市|区)$|(?:超|城|都|门|菜|夜|闹|集)市$|(?:社|小|园|景|辖|片|地|城|市|郊|山|库|灾|县城|开发|新|试验|功能)区$|^(?:县|市|区|镇|乡|街道)$/;
/** Place names: up to six characters before 镇/乡/街道/县/市/区. */
const RE_PLACE = /[\u4e00-\u9fa5]{1,6}?(?:街道|镇|乡|县|市|区)(?![场级民域委内外长直属辖里镇])/g;

/** For a run of text ending in a name: the longest tail of it that is known, and what is left before it. */
function knownTail(run: string, known: (s: string) => boolean, min: number): { tail: string; rest: string } | null {
  for (let i = 0; i + min <= run.length; i++) {
    const tail = run.slice(i);
    if (known(tail)) return { tail, rest: run.slice(0, i) };
  }
  return null;
}

/** The words before a name: nothing, or ending in a function character. */
const endsInFunctionWord = (rest: string): boolean => !rest || FUNCTION_CHARS.has(rest[rest.length - 1]!);

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
  private readonly keySet: Set<string>;

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
    this.keySet = new Set(this.keys.map((k) => k.key));
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

    // The conclusion: can / cannot / abolished, as the template says.
    const verdict = checkConclusion(reply, input.conclusion, input.town ? canon(input.town) : null, source);
    if (verdict) return verdict;
    // A town said to handle an item the facts list it as unable to: the items the
    // clause names, or every item when it names none (这两件事乙街道都能办).
    const unable = Object.entries(input.unableTowns ?? {}).map(([item, towns]) => ({ item, towns: towns.map(canon) }));
    if (unable.length) {
      for (const c of clauses(reply)) {
        if (isProxyClause(c) || source.includes(c) || !RE_CAN.test(c.replace(new RegExp(RE_CANNOT.source, 'g'), ''))) continue;
        const named = new Set(this.itemsNamed(c).map((x) => x.item));
        for (const { item, towns } of unable) {
          if (named.size && !named.has(item)) continue;
          const t = towns.find((x) => c.includes(x));
          if (t) return { ok: false, reason: 'conclusion', detail: `the facts say ${t} cannot handle ${item}, the reply says 「${c}」` };
        }
      }
    }

    // Counted things (5份材料, 3项, 2个窗口): the number and the unit as in the facts.
    const knownCounts = new Set([...source.matchAll(RE_COUNT)].map((m) => `${m[1]}${m[2]}`));
    for (const m of reply.matchAll(RE_COUNT)) {
      if (!knownCounts.has(`${m[1]}${m[2]}`)) return { ok: false, reason: 'numbers', detail: `states a count (${m[0]}) the facts do not hold` };
    }

    // Online and without visits: only when the facts say so.
    for (const cl of clauses(reply)) {
      for (const { re, allowedBy } of ONLINE_CLAIMS) {
        const m = re.exec(cl);
        if (!m || allowedBy.test(source) || source.includes(m[0])) continue;
        // 不用跑市里 / 不用再跑县城: about not going to the county, which a devolved item means.
        if (/^(?:跑|去|到)?(?:市里|县里|县城|城区|市区|城里|[\u4e00-\u9fa5]{0,4}(?:市|县|城区))/.test(cl.slice(m.index + m[0].length))) continue;
        if (m) return { ok: false, reason: 'online', detail: `says 「${m[0]}」 but the facts do not` };
      }
    }
    const knownVisits = new Set([...source.matchAll(RE_VISITS)].map((m) => m[1]));
    for (const m of reply.matchAll(RE_VISITS)) {
      if (!knownVisits.has(m[1])) return { ok: false, reason: 'visits', detail: `says 「${m[0]}」 but the facts do not` };
    }

    // Times in words.
    const instant = RE_INSTANT_WORDS.exec(reply);
    if (instant && !/即办|当场办结/.test(source)) return { ok: false, reason: 'time_limit', detail: `says 「${instant[0]}」 but the item is not 即办` };
    for (const m of reply.matchAll(RE_VAGUE_TIME)) {
      if (!source.includes(m[0])) return { ok: false, reason: 'time_limit', detail: `states a time (${m[0]}) the facts do not hold` };
    }

    // Charges in words (工本费, 少量费用) when the facts hold none.
    // 「知识库未记录收费」 says the fee is unknown: neither a charge nor free.
    const charges = (text: string) =>
      clauses(text).filter((cl) => !isProxyClause(cl) && !/未记录|未载明|未说明/.test(cl) && !RE_NEGATED_CHARGE.test(cl) && !RE_FREE.test(cl) && RE_CHARGE.test(cl));
    RE_FREE.lastIndex = 0;
    const charged = charges(reply);
    if (charged.length && !charges(source).length) return { ok: false, reason: 'fee', detail: `speaks of a charge (${charged[0]}) the facts do not hold` };

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
    // Licence-like names (…许可证, …登记, …备案) must be catalogue names or fact text.
    const knownName = (n: string) => source.includes(n) || this.keySet.has(n);
    for (const m of reply.matchAll(RE_LICENCE)) {
      const run = m[0];
      const found = knownTail(run, knownName, 2);
      if (found && endsInFunctionWord(found.rest)) continue;
      // An unknown tail: fine only when it is just the bare word (办个许可, 去登记).
      const bare = run.match(/(?:许可证|登记证|备案证|合格证|资格证|经营证|执照|证书|许可|登记|备案)$/)![0];
      const before = run.slice(0, run.length - bare.length);
      if (endsInFunctionWord(before)) continue;
      return { ok: false, reason: 'licence', detail: `names 「${run}」, which is neither in the catalogue nor in the facts` };
    }

    // Place names anywhere (丙镇, 丁市), labelled or not: only those of the facts.
    for (const m of reply.matchAll(RE_PLACE)) {
      const run = m[0];
      const suffix = /街道$/.test(run) ? 2 : 1;
      if (GENERIC_PLACE.test(run) || FUNCTION_CHARS.has(run[run.length - suffix - 1] ?? '的')) continue;
      if (knownTail(run, (t) => source.includes(t), 2)) continue;
      if (run.length <= 2 && endsInFunctionWord(run.slice(0, -1))) continue;
      return { ok: false, reason: 'place', detail: `names a place (${run}) the facts do not hold` };
    }
    return { ok: true };
  }
}

/** A reply whose conclusion differs from the template's, or null. */
function checkConclusion(reply: string, conclusion: Conclusion | undefined, town: string | null, source: string): GroundingVerdict | null {
  if (!conclusion) return null;
  const parts = clauses(reply).filter((c) => !isProxyClause(c));
  const fail = (detail: string): GroundingVerdict => ({ ok: false, reason: 'conclusion', detail });
  /** The words around a claim, as written in the facts (丙镇不能办, 不需要办理某某许可). */
  const stated = (clause: string, re: RegExp): boolean => {
    const m = re.exec(clause);
    if (!m) return false;
    const window = clause.slice(Math.max(0, m.index - 6), m.index + m[0].length + 6);
    return source.includes(window) || source.includes(clause);
  };
  const negative = (c: string) => (RE_CANNOT.test(c) && !stated(c, RE_CANNOT)) || (RE_ABOLISHED.test(c) && !stated(c, RE_ABOLISHED));
  const stripNegations = (c: string) => c.replace(new RegExp(RE_CANNOT.source, 'g'), '').replace(new RegExp(RE_ABOLISHED.source, 'g'), '');
  const positive = (c: string) => RE_CAN.test(stripNegations(c));
  const newPositive = (c: string) => positive(c) && !stated(stripNegations(c), RE_CAN) && !source.includes(c);
  if (conclusion === 'can') {
    const no = parts.find(negative);
    if (no) return fail(`the facts say it can be handled, the reply says 「${no}」`);
    if (!parts.some(positive)) return fail('the facts say it can be handled, the reply does not say so');
  } else if (conclusion === 'cannot') {
    const gone = parts.find((c) => RE_ABOLISHED.test(c) && !stated(c, RE_ABOLISHED));
    if (gone) return fail(`the item is not abolished, the reply says 「${gone}」`);
    const here = town ? (c: string) => c.includes(town) || /本镇|镇上|这里|我们这/.test(c) : (c: string) => /镇|乡|街道/.test(c);
    const yes = parts.find((c) => here(c) && newPositive(c));
    if (yes) return fail(`the facts say it cannot be handled there, the reply says 「${yes}」`);
  } else {
    const yes = parts.find((c) => newPositive(c) || /(?:还|仍|仍然|依然|依旧)(?:要|需要?|得)办/.test(c));
    if (yes) return fail(`the item is abolished, the reply says 「${yes}」`);
    if (!parts.some((c) => RE_ABOLISHED.test(c))) return fail('the item is abolished, the reply does not say so');
  }
  return null;
}
