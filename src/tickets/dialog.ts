// The private registration dialog, as a pure state machine. The desk persists
// the state (dialogs table) between messages, so a restart resumes it.
//
// Order: [事项, if none came with the request] → [镇, if unknown] → 企业名称 →
// 统一社会信用代码 (或「无」) → 联系人 → 手机 → 已备材料 (或「无」) → summary
// with 确认 / 修改 / 取消. One question at a time, but a message carrying
// several recognisable fields ("某某餐饮店 91350100M000100Y43 张三 13812345678")
// fills them all. 取消 works at every step. 修改 X jumps to one field and comes
// back to the summary; 重填 starts the five fields again.
import { z } from 'zod';
import { creditCodeProblem, normalizeCode, normalizeMobile, toHalfWidth } from '../privacy/pii.ts';

export const FIELDS = ['items', 'town', 'company', 'creditCode', 'contact', 'phone', 'materials'] as const;
export type Field = (typeof FIELDS)[number];
export type Step = Field | 'confirm' | 'done';

const stateSchema = z.object({
  v: z.literal(1),
  key: z.string().min(1),
  requesterId: z.string(),
  requesterName: z.string(),
  /** The requester's channel (absent in states saved before channels: Wechaty). */
  channel: z.string().optional(),
  items: z.array(z.string()),
  town: z.string().nullable(),
  scenario: z.string().nullable(),
  fromChat: z.string().nullable(),
  step: z.enum([...FIELDS, 'confirm', 'done']),
  editing: z.boolean(),
  fields: z.object({
    company: z.string().optional(),
    creditCode: z.string().nullable().optional(),
    contact: z.string().optional(),
    phone: z.string().optional(),
    materials: z.string().nullable().optional(),
  }),
  ticketId: z.number().int().optional(),
  startedAt: z.string(),
});
export type DialogState = z.infer<typeof stateSchema>;

/** Validates stored JSON; null when it is not a dialog state (e.g. from an older version). */
export function parseDialogState(v: unknown): DialogState | null {
  const r = stateSchema.safeParse(v);
  return r.success ? r.data : null;
}

export interface DialogEnv {
  /** Canonical town name for what the user typed, or null. */
  resolveTown(text: string): string | null;
  /** Catalogue item names for what the user typed (empty: not recognised). */
  resolveItems(text: string): string[];
}

export interface DialogInit {
  key: string;
  requesterId: string;
  requesterName: string;
  /** The requester's channel; default Wechaty. */
  channel?: string;
  items: string[];
  town: string | null;
  scenario?: string | null;
  fromChat?: string | null;
  now: Date;
}

export type DialogOutcome =
  | { kind: 'ask'; state: DialogState; text: string }
  | { kind: 'confirm'; state: DialogState }
  | { kind: 'cancelled'; text: string };

const CANCEL = /^(取消|不办了|算了|退出|取消代办|不用了)$/;
const CONFIRM = /^(确认|确定|确认无误|无误|是|是的|对|好|好的|提交|可以|ok|OK|Ok|yes)$/;
const NONE = /^(无|没有|暂无|无代码|还没有|没|否|空|\/|-|—)$/;

const EDIT_ALIASES: Record<string, Field> = {
  事项: 'items',
  镇: 'town',
  街道: 'town',
  乡镇: 'town',
  名称: 'company',
  企业: 'company',
  企业名称: 'company',
  公司: 'company',
  个体户: 'company',
  代码: 'creditCode',
  信用代码: 'creditCode',
  统一社会信用代码: 'creditCode',
  联系人: 'contact',
  姓名: 'contact',
  手机: 'phone',
  手机号: 'phone',
  电话: 'phone',
  材料: 'materials',
  已备材料: 'materials',
};

const FIELD_LABELS: Record<Field, string> = {
  items: '事项',
  town: '镇（街道）',
  company: '企业名称',
  creditCode: '统一社会信用代码',
  contact: '联系人',
  phone: '手机',
  materials: '已备材料',
};

/** Strips surrounding spaces and trailing punctuation; full-width ASCII to half-width. */
const clean = (s: string) => toHalfWidth(s).trim().replace(/^[\s"'“”「」]+|[\s。.!！"'“”「」]+$/g, '');

export function startDialog(init: DialogInit): { state: DialogState; text: string } {
  const state: DialogState = {
    v: 1,
    key: init.key,
    requesterId: init.requesterId,
    requesterName: init.requesterName,
    ...(init.channel && init.channel !== 'wechaty' ? { channel: init.channel } : {}),
    items: init.items,
    town: init.town,
    scenario: init.scenario ?? null,
    fromChat: init.fromChat ?? null,
    step: 'company',
    editing: false,
    fields: {},
    startedAt: init.now.toISOString(),
  };
  state.step = nextStep(state);
  const head = ['好的，我来帮您登记代办（免费、自愿，不额外增加办理时间）。'];
  if (state.items.length) head.push(`事项：${state.items.join('、')}${state.town ? `（${state.town}）` : ''}`);
  head.push('需要几项信息，一次问一项，回复「取消」可随时退出。');
  return { state, text: `${head.join('\n')}\n\n${question(state.step, state)}` };
}

/** The first unset field, or confirm. */
function nextStep(s: DialogState): Step {
  if (s.items.length === 0) return 'items';
  if (!s.town) return 'town';
  const f = s.fields;
  if (f.company === undefined) return 'company';
  if (f.creditCode === undefined) return 'creditCode';
  if (f.contact === undefined) return 'contact';
  if (f.phone === undefined) return 'phone';
  if (f.materials === undefined) return 'materials';
  return 'confirm';
}

export function question(step: Step, s: DialogState): string {
  switch (step) {
    case 'items':
      return '请问要办理什么事项？例如：食品经营许可';
    case 'town':
      return '请问在哪个镇（街道）办理？请回复镇或街道的名称。';
    case 'company':
      return '① 请回复企业名称（个体户请回复个体户名称，例如「某某餐饮店」）。';
    case 'creditCode':
      return '② 请回复统一社会信用代码（营业执照上的18位代码）；还没有执照可回复「无」。';
    case 'contact':
      return '③ 请回复联系人姓名。';
    case 'phone':
      return '④ 请回复联系人手机号（11位）。';
    case 'materials':
      return '⑤ 已经准备好哪些材料？例如「营业执照、身份证」；还没有可回复「无」。';
    case 'confirm':
      return summary(s);
    case 'done':
      return s.ticketId ? `代办单 #${s.ticketId} 已登记。` : '已登记。';
  }
}

export function summary(s: DialogState): string {
  const f = s.fields;
  return [
    '请核对代办信息：',
    `事项：${s.items.join('、')}`,
    `镇（街道）：${s.town ?? '未定'}`,
    `企业名称：${f.company ?? ''}`,
    `统一社会信用代码：${f.creditCode ?? '无'}`,
    `联系人：${f.contact ?? ''}`,
    `手机：${f.phone ?? ''}`,
    `已备材料：${f.materials ?? '无'}`,
    '',
    '无误请回复「确认」；要改某一项回复「修改 手机」（可改：名称、代码、联系人、手机、材料），「重填」从头再填，「取消」放弃。',
  ].join('\n');
}

const ask = (state: DialogState, text: string): DialogOutcome => ({ kind: 'ask', state, text });

/** After a field was set: the next question, or the summary when editing or complete. */
function advance(state: DialogState, prefix = ''): DialogOutcome {
  const next = state.editing && nextStep(state) === 'confirm' ? 'confirm' : nextStep(state);
  const s = { ...state, step: next, editing: next === 'confirm' ? false : state.editing };
  return ask(s, `${prefix}${question(next, s)}`);
}

// ---- field validation -------------------------------------------------------

type Checked<T> = { ok: true; value: T } | { ok: false; text: string };

export function checkCreditCode(raw: string): Checked<string | null> {
  const t = clean(raw);
  if (NONE.test(t)) return { ok: true, value: null };
  const code = normalizeCode(t);
  const problem = creditCodeProblem(code);
  if (problem === null) return { ok: true, value: code };
  if (problem === 'length') {
    return { ok: false, text: `统一社会信用代码应为18位，您发来的是${code.length}位，请核对营业执照上的代码；没有可回复「无」。` };
  }
  if (problem === 'charset') {
    return { ok: false, text: '统一社会信用代码只含数字和大写字母（没有 I、O、S、V、Z），请核对营业执照上的18位代码；没有可回复「无」。' };
  }
  return { ok: false, text: '统一社会信用代码校验位不对，请核对营业执照上的18位代码，没有可回复「无」。' };
}

export function checkMobile(raw: string): Checked<string> {
  const m = normalizeMobile(clean(raw));
  return m ? { ok: true, value: m } : { ok: false, text: '手机号应为11位大陆手机号，例如 138xxxxxxxx，请重新回复。' };
}

const looksLikeCode = (t: string) => {
  const c = normalizeCode(t);
  return /^[0-9A-Z]{15,20}$/.test(c) && (c.match(/\d/g)?.length ?? 0) >= 6;
};
const looksLikePhone = (t: string) => /^(\+?86)?1\d{10}$/.test(toHalfWidth(t).replace(/[\s-]/g, ''));

function checkCompany(raw: string): Checked<string> {
  const t = clean(raw);
  if (looksLikePhone(t) || looksLikeCode(t) || /^\d+$/.test(t)) {
    return { ok: false, text: '请先回复企业名称（个体户回复个体户名称），例如「某某餐饮店」。' };
  }
  // Several things in one line that could not be told apart (a phone number, 「无」, a name …).
  if (/1[3-9]\d{9}/.test(toHalfWidth(t).replace(/[\s.-]/g, '')) || t.split(/[\s,，、;；]+/).filter(Boolean).length >= 3) {
    return { ok: false, text: '这条消息里像是有好几项，我没能分清。请先只回复企业名称（个体户名称），其余的我会一项一项问您。' };
  }
  if (t.length < 2 || t.length > 60) return { ok: false, text: '企业名称应为2到60个字，请按营业执照上的名称回复。' };
  return { ok: true, value: t };
}

function checkContact(raw: string): Checked<string> {
  const t = clean(raw);
  if (/\d/.test(t) || t.length < 2 || t.length > 20) return { ok: false, text: '联系人请回复姓名（2到20个字，不含数字），例如「张三」。' };
  return { ok: true, value: t };
}

function checkMaterials(raw: string): Checked<string | null> {
  const t = clean(raw);
  if (NONE.test(t)) return { ok: true, value: null };
  if (t.length > 500) return { ok: false, text: '材料说明太长了，请简要列出（500字以内）。' };
  return { ok: true, value: t };
}

// ---- several fields in one message -----------------------------------------

const LABELS: [RegExp, Field][] = [
  [/^(企业名称|公司名称|个体户名称|企业|公司|名称|店名)[:：]/, 'company'],
  [/^(统一社会信用代码|社会信用代码|信用代码|代码)[:：]/, 'creditCode'],
  [/^(联系人|姓名)[:：]/, 'contact'],
  [/^(手机号码|手机号|手机|联系电话|电话)[:：]/, 'phone'],
  [/^(已备材料|材料)[:：]/, 'materials'],
];
const COMPANY_SUFFIX = /(公司|店|厂|社|工作室|部|馆|行|场|中心|所|坊|铺|园|站|农庄|门市|超市|酒家|酒店|宾馆|诊所|个体户)$|有限/;
const TEXT_ORDER: ('company' | 'contact')[] = ['company', 'contact'];
const PERSON_NAME = /^[\u4e00-\u9fa5·]{2,5}$/;

type Found = Partial<Record<'company' | 'creditCode' | 'contact' | 'phone' | 'materials', string>>;

/** Recognises fields in a message of several parts; null when it is not one. */
function recognise(text: string, step: Step): Found | null {
  const t = toHalfWidth(text).replace(/([:：])\s+/g, '$1');
  const tokens = t.split(/[\s,，、;；\n]+/).map((x) => x.trim()).filter(Boolean);
  const found: Found = {};
  const texts: string[] = [];
  let labelled = 0;
  for (const tok of tokens) {
    const label = LABELS.find(([re]) => re.test(tok));
    if (label) {
      const value = tok.replace(label[0], '');
      if (value) {
        found[label[1] as keyof Found] = value;
        labelled++;
      }
      continue;
    }
    if (looksLikePhone(tok) && !found.phone) found.phone = tok;
    // 「无」 among other fields answers the credit code, when that is still to come.
    else if (NONE.test(tok) && found.creditCode === undefined && FIELDS.indexOf(step as Field) <= FIELDS.indexOf('creditCode')) found.creditCode = tok;
    // A later 「无」 (after the code) answers 已备材料.
    else if (NONE.test(tok) && found.creditCode !== undefined && found.materials === undefined) found.materials = tok;
    else if (looksLikeCode(tok) && !found.creditCode) found.creditCode = tok;
    else texts.push(tok);
  }
  // Free text goes to 企业名称 (if it has a business suffix) and then to the
  // text fields from the current step on.
  const targets = TEXT_ORDER.filter((f) => FIELDS.indexOf(f) >= FIELDS.indexOf(step as Field) && !(f in found));
  const suffixed = (tok: string) => COMPANY_SUFFIX.test(tok);
  for (const tok of texts) {
    if (!found.company && suffixed(tok) && targets.includes('company')) {
      found.company = tok;
      targets.splice(targets.indexOf('company'), 1);
      continue;
    }
    const f = targets.shift();
    if (!f) return labelled > 0 ? found : null; // more free text than places for it
    // A contact is a short name; anything else means we misread the message.
    if (f === 'contact' && (!PERSON_NAME.test(tok) || suffixed(tok))) return labelled > 0 ? found : null;
    found[f] = tok;
  }
  const kinds = Object.keys(found).length;
  return kinds >= 2 || labelled > 0 ? found : null;
}

/** The message carries at least one labelled field (手机：…, 企业名称：…). */
const hasLabel = (text: string): boolean =>
  toHalfWidth(text)
    .replace(/([:：])\s+/g, '$1')
    .split(/[\s,，、;；\n]+/)
    .some((tok) => LABELS.some(([re]) => re.test(tok)));

// ---- the step function ------------------------------------------------------

export function stepDialog(state: DialogState, rawText: string, env: DialogEnv): DialogOutcome {
  const text = clean(rawText);
  if (CANCEL.test(text)) return { kind: 'cancelled', text: '已取消这次代办登记，没有保存任何单据。需要时再发「代办」即可。' };
  if (state.step === 'done') return ask(state, question('done', state));

  // 重填 and 修改 X work at every step, not only on the summary.
  if (/^(重填|重新填写|重新填|从头)$/.test(text)) {
    const s: DialogState = { ...state, fields: {}, editing: false };
    s.step = nextStep(s);
    return ask(s, `好的，从头再填。\n${question(s.step, s)}`);
  }
  const edit = /^(修改|改)\s*(.*)$/.exec(text);
  if (edit) {
    const which = edit[2]!.trim();
    const field = EDIT_ALIASES[which];
    if (!which || !field) {
      return ask(state, '要修改哪一项？回复「修改 名称」「修改 代码」「修改 联系人」「修改 手机」或「修改 材料」；「重填」从头再填。');
    }
    const s = { ...state, step: field, editing: true };
    return ask(s, question(field, s));
  }

  if (state.step === 'confirm') {
    if (CONFIRM.test(text)) return { kind: 'confirm', state };
    // Only a labelled field ("手机：139…") is taken as an edit here; free text
    // such as 「营业执照、身份证」 must never overwrite the company or contact.
    if (hasLabel(rawText)) {
      const found = recognise(rawText, 'company');
      if (found) return applyFound({ ...state, editing: true }, found);
    }
    return ask(state, '请回复「确认」提交；「修改 手机」等修改某一项；「取消」放弃。');
  }

  if (['company', 'creditCode', 'contact', 'phone'].includes(state.step)) {
    const found = recognise(rawText, state.step);
    if (found) return applyFound(state, found);
  }
  return applySingle(state, state.step, text, env);
}

function applySingle(state: DialogState, step: Field, text: string, env: DialogEnv): DialogOutcome {
  const s: DialogState = { ...state, fields: { ...state.fields } };
  // A labelled answer for this step ("手机：138…") is accepted as its value.
  const label = LABELS.find(([re, f]) => f === step && re.test(text));
  const value = label ? text.replace(label[0], '').trim() : text;
  switch (step) {
    case 'items': {
      const items = env.resolveItems(value);
      s.items = items.length ? items : value ? [value] : [];
      if (!s.items.length) return ask(state, question('items', state));
      break;
    }
    case 'town': {
      const town = env.resolveTown(value);
      if (!town) return ask(state, `没有找到「${value}」，请回复镇或街道的名称。`);
      s.town = town;
      break;
    }
    case 'company': {
      const r = checkCompany(value);
      if (!r.ok) return ask(state, r.text);
      s.fields.company = r.value;
      break;
    }
    case 'creditCode': {
      const r = checkCreditCode(value);
      if (!r.ok) return ask(state, r.text);
      s.fields.creditCode = r.value;
      break;
    }
    case 'contact': {
      const r = checkContact(value);
      if (!r.ok) return ask(state, r.text);
      s.fields.contact = r.value;
      break;
    }
    case 'phone': {
      const r = checkMobile(value);
      if (!r.ok) return ask(state, r.text);
      s.fields.phone = r.value;
      break;
    }
    case 'materials': {
      const r = checkMaterials(value);
      if (!r.ok) return ask(state, r.text);
      s.fields.materials = r.value;
      break;
    }
  }
  return advance(s);
}

/** Applies every recognised field; the first invalid one is asked again with its correction. */
function applyFound(state: DialogState, found: Found): DialogOutcome {
  const s: DialogState = { ...state, fields: { ...state.fields } };
  const problems: { field: Field; text: string }[] = [];
  if (found.company !== undefined) {
    const r = checkCompany(found.company);
    if (r.ok) s.fields.company = r.value;
    else problems.push({ field: 'company', text: r.text });
  }
  if (found.creditCode !== undefined) {
    const r = checkCreditCode(found.creditCode);
    if (r.ok) s.fields.creditCode = r.value;
    else problems.push({ field: 'creditCode', text: r.text });
  }
  if (found.contact !== undefined) {
    const r = checkContact(found.contact);
    if (r.ok) s.fields.contact = r.value;
    else problems.push({ field: 'contact', text: r.text });
  }
  if (found.phone !== undefined) {
    const r = checkMobile(found.phone);
    if (r.ok) s.fields.phone = r.value;
    else problems.push({ field: 'phone', text: r.text });
  }
  if (found.materials !== undefined) {
    const r = checkMaterials(found.materials);
    if (r.ok) s.fields.materials = r.value;
    else problems.push({ field: 'materials', text: r.text });
  }
  const got = FIELDS.filter((f) => f in found && !problems.some((p) => p.field === f))
    .map((f) => FIELD_LABELS[f]);
  const prefix = got.length ? `已记下：${got.join('、')}。\n` : '';
  const first = problems[0];
  if (first) {
    // Clear the bad field so it is asked for, and ask it now.
    delete s.fields[first.field as keyof DialogState['fields']];
    return ask({ ...s, step: first.field }, `${prefix}${first.text}`);
  }
  return advance(s, prefix);
}

/** The dialog after its ticket was created. */
/** The dialog after 确认: only what recognises a repeated 确认; the fields live on the ticket now (no second copy of personal data). */
export function markDone(state: DialogState, ticketId: number): DialogState {
  return { ...state, step: 'done', editing: false, ticketId, fields: {} };
}

