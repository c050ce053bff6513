// Personal data: validators (used by the ticket dialog), detectors (used by the
// group gate) and masking (used by logs, group posts and before any LLM call).
//
// Detection is check-validated (a number only counts as an ID card if its
// check character is right). Masking is shape-based and therefore stricter:
// a mistyped phone or code is still somebody's data, so anything that looks
// like one is masked.

export type PersonalDataKind = 'mobile' | 'id_card' | 'credit_code' | 'bank_card';

export const PERSONAL_DATA_LABELS: Record<PersonalDataKind, string> = {
  mobile: '手机号',
  id_card: '身份证号',
  credit_code: '统一社会信用代码',
  bank_card: '银行卡号',
};

/** GB 32100-2015 character set: digits and capitals without I, O, S, V, Z. */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character for the first 17 characters of a credit code, or null if they are not in the charset. */
export function creditCodeCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARSET.indexOf(first17[i]!);
    if (v < 0) return null;
    sum += v * CREDIT_CODE_WEIGHTS[i]!;
  }
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CODE_CHARSET[check]!;
}

export type CreditCodeProblem = 'length' | 'charset' | 'check';

/** Why a credit code is invalid (after upper-casing and removing spaces), or null when valid. */
export function creditCodeProblem(raw: string): CreditCodeProblem | null {
  const s = normalizeCode(raw);
  if (s.length !== 18) return 'length';
  for (const ch of s) if (!CREDIT_CODE_CHARSET.includes(ch)) return 'charset';
  return creditCodeCheckChar(s.slice(0, 17)) === s[17] ? null : 'check';
}

/** 统一社会信用代码: 18 characters with a valid GB 32100-2015 check character. */
export function isValidCreditCode(raw: string): boolean {
  return creditCodeProblem(raw) === null;
}

/** Upper-cases, converts full-width to half-width and drops spaces and dashes. */
export function normalizeCode(raw: string): string {
  return toHalfWidth(raw).replace(/[\s-]/g, '').toUpperCase();
}

/** Full-width ASCII (Ａ１＋) to half-width; the ideographic space to a space. */
export function toHalfWidth(s: string): string {
  return s
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ');
}

/** Mainland mobile number, 11 digits starting 13–19; separators and +86 are tolerated. */
export function normalizeMobile(raw: string): string | null {
  let s = toHalfWidth(raw).replace(/[\s\-().·（）]/g, '');
  s = s.replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(s) ? s : null;
}

export function isValidMobile(raw: string): boolean {
  return normalizeMobile(raw) !== null;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** 18-digit resident ID (GB 11643) with the ISO 7064 MOD 11-2 check and a plausible birth date. */
export function isValidIdCard(raw: string): boolean {
  const s = normalizeCode(raw);
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i]!;
  if (ID_CHECK[sum % 11] !== s[17]) return false;
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  return y >= 1900 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** Luhn check over 16–19 digits (bank cards). */
export function isValidBankCard(raw: string): boolean {
  const s = toHalfWidth(raw).replace(/[\s-]/g, '');
  if (!/^\d{16,19}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    let v = Number(s[s.length - 1 - i]);
    if (i % 2 === 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return sum % 10 === 0;
}

export interface PersonalDataMatch {
  kind: PersonalDataKind;
  value: string;
  index: number;
}

// Candidate shapes. Lookarounds keep us from matching inside longer runs.
// People write numbers in groups: 138 1234 5678, 138-1234-5678, 138.1234.5678.
const RE_MOBILE = /(?<!\d)(?:\+?86[\s.\-]?)?1[3-9]\d(?:[\s.\-·]?\d{4}){2}(?!\d)/g;
const RE_CODE18 = /(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])/g;
/** An ID number written in groups (430181 19900101 1234). */
const RE_ID_GROUPED = /(?<!\d)\d{6}[\s.\-]\d{8}[\s.\-]?\d{3}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{6}[\s.\-]?\d{8}[\s.\-]\d{3}[\dXx](?![0-9A-Za-z])/g;
/** 16–19 digits, possibly in groups of three or four. */
const RE_CARD = /(?<!\d)\d{4}(?:[\s.\-]?\d{3,4}){3,4}(?!\d)/g;
const digitCount = (s: string): number => s.replace(/\D/g, '').length;

/** Region code, a plausible birth date, sequence and check character. */
const ID_CARD_SHAPE = /^\d{6}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$/;

// ---------------------------------------------------------------------------
// Digits written other ways: 一三八…, 幺三八…, 壹叁捌…, １３８…, 1 3 8 …

const DIGIT_OF: Record<string, string> = {
  零: '0', 〇: '0', 洞: '0', 一: '1', 幺: '1', 壹: '1', 二: '2', 贰: '2', 貳: '2', 两: '2', 三: '3', 叁: '3', 參: '3',
  四: '4', 肆: '4', 五: '5', 伍: '5', 六: '6', 陆: '6', 陸: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9',
};
const DIGITISH = '0-9０-９零〇洞一幺壹二贰貳两三叁參四肆五伍六陆陸七柒八捌九玖';
/** A run of seven or more digits in any form, with up to two separators between them (ending perhaps in X). */
const RE_DIGIT_RUN = new RegExp(`(?<![${DIGITISH}])[${DIGITISH}](?:[\\s\\-—–.·,，、_/]{0,3}[${DIGITISH}]){6,}(?:[\\s\\-—–.·]{0,3}[Xx])?(?![${DIGITISH}A-Za-z])`, 'g');

/** The digits of a run in any form ("一三八 1234-五六七八" → "13812345678"). */
function runDigits(run: string): string {
  return [...toHalfWidth(run)].map((c) => (/\d/.test(c) ? c : c === 'X' || c === 'x' ? 'X' : (DIGIT_OF[c] ?? ''))).join('');
}

/** What a run of digits is, by shape (masking) or validated (detection). */
function classifyDigits(d: string, validated: boolean): PersonalDataKind | null {
  const mobile = d.replace(/^86(?=1\d{10}$)/, '');
  if (/^1[3-9]\d{9}$/.test(mobile)) return 'mobile';
  if (ID_CARD_SHAPE.test(d)) return 'id_card';
  if (/^\d{16,19}$/.test(d) && (!validated || isValidBankCard(d))) return 'bank_card';
  return null;
}

/**
 * Runs written in a form the plain patterns miss: Chinese or banker's
 * numerals, full-width digits, or digits separated one by one. Plain runs
 * (13812345678, 138 1234 5678) are left to the patterns below.
 */
function otherFormRuns(text: string, validated: boolean): { index: number; length: number; kind: PersonalDataKind; digits: string }[] {
  const out: { index: number; length: number; kind: PersonalDataKind; digits: string }[] = [];
  for (const m of text.matchAll(RE_DIGIT_RUN)) {
    const run = m[0];
    const d = runDigits(run);
    if (d.length < 11) continue;
    const kind = classifyDigits(d, validated);
    if (kind) out.push({ index: m.index!, length: run.length, kind, digits: d });
  }
  return out;
}

const maskDigits = (kind: PersonalDataKind, d: string): string =>
  kind === 'mobile' ? maskMobile(d) : kind === 'id_card' ? maskIdCard(d) : maskBankCard(d);

/** Every validated personal number in the text, in order of appearance. */
export function scanPersonalData(text: string): PersonalDataMatch[] {
  const t = toHalfWidth(text);
  const found: PersonalDataMatch[] = [];
  // Characters already part of a match (linear, however many matches a long text holds).
  const covered = new Uint8Array(text.length + 1);
  const overlaps = (a: number, b: number) => covered.subarray(a, b).includes(1);
  const taken = { push: ([a, b]: [number, number]) => covered.fill(1, a, b) };
  const add = (kind: PersonalDataKind, m: RegExpMatchArray) => {
    const start = m.index!;
    const end = start + m[0].length;
    if (overlaps(start, end)) return;
    taken.push([start, end]);
    found.push({ kind, value: m[0], index: start });
  };
  for (const m of t.matchAll(RE_CODE18)) {
    if (isValidIdCard(m[0])) add('id_card', m);
    else if (isValidCreditCode(m[0]) && /\d/.test(m[0])) add('credit_code', m);
    // A mistyped ID number (wrong check character) is still someone's ID number.
    else if (ID_CARD_SHAPE.test(normalizeCode(m[0]))) add('id_card', m);
  }
  for (const m of t.matchAll(RE_ID_GROUPED)) if (ID_CARD_SHAPE.test(normalizeCode(m[0]))) add('id_card', m);
  for (const m of t.matchAll(RE_CARD)) {
    const n = digitCount(m[0]);
    if (n >= 16 && n <= 19 && isValidBankCard(m[0].replace(/\D/g, ''))) add('bank_card', m);
  }
  for (const m of t.matchAll(RE_MOBILE)) if (isValidMobile(m[0])) add('mobile', m);
  for (const r of otherFormRuns(text, true)) {
    if (overlaps(r.index, r.index + r.length)) continue;
    taken.push([r.index, r.index + r.length]);
    found.push({ kind: r.kind, value: text.slice(r.index, r.index + r.length), index: r.index });
  }
  return found.sort((a, b) => a.index - b.index);
}

/** The kinds of personal data present (validated), each once. */
export function findPersonalData(text: string): PersonalDataKind[] {
  return [...new Set(scanPersonalData(text).map((m) => m.kind))];
}

/** 13812345678 → 138****5678. */
export function maskMobile(s: string): string {
  const d = s.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
  return d.length === 11 ? `${d.slice(0, 3)}****${d.slice(7)}` : '*'.repeat(s.length);
}

/** 91350100M000100Y43 → 91**************43 (first two and last two kept). */
export function maskCreditCode(s: string): string {
  const c = normalizeCode(s);
  return c.length <= 4 ? '*'.repeat(c.length) : `${c.slice(0, 2)}${'*'.repeat(c.length - 4)}${c.slice(-2)}`;
}

/** 430181199001011234 → 430***********1234. */
export function maskIdCard(s: string): string {
  const c = normalizeCode(s);
  return `${c.slice(0, 3)}${'*'.repeat(Math.max(0, c.length - 7))}${c.slice(-4)}`;
}

/** 6222021234567890123 → 6222***********0123 (first four and last four kept). */
export function maskBankCard(s: string): string {
  const c = s.replace(/\D/g, '');
  return `${c.slice(0, 4)}${'*'.repeat(Math.max(0, c.length - 8))}${c.slice(-4)}`;
}

/**
 * Masks phones, ID cards, credit codes and bank cards. Shape-based: an
 * 18-character code with at least 8 digits is masked whether or not its check
 * character is right, as is any 16–19 digit run and any mobile-shaped number.
 */
export function maskPersonalData(text: string): string {
  if (!text) return text;
  // Chinese numerals, spaced or full-width digits: replaced by the masked number.
  const other = otherFormRuns(text, false);
  if (other.length) {
    let out = '';
    let at = 0;
    for (const r of other) {
      out += text.slice(at, r.index) + maskDigits(r.kind, r.digits);
      at = r.index + r.length;
    }
    text = out + text.slice(at);
  }
  // Full-width digits and letters (from Chinese input methods) are masked like any others.
  let t = text.replace(/[０-９Ａ-Ｚａ-ｚ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  t = t.replace(RE_ID_GROUPED, (m) => (ID_CARD_SHAPE.test(normalizeCode(m)) ? maskIdCard(m) : m));
  t = t.replace(RE_CODE18, (m) => {
    const digits = m.replace(/\D/g, '').length;
    if (digits < 8) return m;
    return /^\d{17}[\dXx]$/.test(m) && isValidIdCard(m) ? maskIdCard(m) : maskCreditCode(m);
  });
  t = t.replace(RE_CARD, (m) => (digitCount(m) >= 16 && digitCount(m) <= 19 ? maskBankCard(m) : m));
  t = t.replace(/(?<![0-9A-Za-z*])\d{16,19}(?![0-9A-Za-z])/g, (m) => maskBankCard(m));
  t = t.replace(RE_MOBILE, (m) => maskMobile(m));
  return t;
}

/**
 * A masked number (it holds the mask's stars, so 12345 or 2020 never match) with the words that introduce it as the
 * writer's own (「我手机号是138****5678」).
 */
const OWN_NUMBER = /(我的?|本人|联系)?(电话|手机|手机号|联系方式|身份证|身份证号|银行卡|卡号|号码)?(号码|号)?(是|为|:|：)?\s*[\dA-Za-z]*[*＊]+[\dA-Za-z*＊]*/g;

/**
 * A masked text without the writer's own numbers and the words around them, so what is left is what they ask
 * (「我电话138****5678开棋牌室要什么证」 → 「 开棋牌室要什么证」): the number is neither a question nor the hotline.
 */
export function withoutOwnNumbers(masked: string): string {
  return masked.replace(OWN_NUMBER, ' ');
}
