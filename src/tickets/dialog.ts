// The private registration dialog, as a pure state machine. The desk persists
// the state (dialogs table) between messages, so a restart resumes it.
//
// Order: [事项, if none came with the request] → [镇, if unknown] → 企业名称 →
// 统一社会信用代码 (或「无」) → 联系人 → 手机 → 已备材料 (或「无」) → summary
// with 确认 / 修改 / 取消. One question at a time, but a message carrying
// several recognisable fields ("某某餐饮店 91350100M000100Y43 张三 13812345678")
// fills them all, labelled or not (「王记小吃店，联系人王五，手机137…」). 取消
// works at every step. 修改 X asks X again and then comes back to where the
// dialog was (the summary when it was complete); 重填 starts the five fields
// again. A question, a command word or 确认 before the end is never stored as
// a field; a bare town name at any step is taken as the town.
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
  /** A short answer to a question typed at a field step (materials, time limit, fee, place), or null. */
  brief?(text: string, state: DialogState): string | null;
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
  /** 「交给办事员」: the fields so far become a ticket that a clerk completes with the requester. */
  | { kind: 'handoff'; state: DialogState }
  | { kind: 'cancelled'; text: string };

const CANCEL = /^(取消|不办了|算了|退出|取消代办|不用了)$/;
const CONFIRM = /^(确认|确定|确认无误|无误|是|是的|对|好|好的|提交|可以|ok|OK|Ok|yes)$/;
const NONE = /^(无|没有|暂无|无代码|还没有|没|否|空|\/|-|—)$/;
/** No licence yet, so no credit code. */
const NO_LICENCE = /^(还?没有?(营业)?执照|无(营业)?执照|执照还没(办|下来)?|还没办执照)$/;
/** 「代码无」「没有代码」「无信用代码」「代码：没有」: no credit code, said with the word 代码. */
const NO_CODE =
  /^((还?没有?|无|暂无|还没)(统一社会|社会)?(信用)?代码|(统一社会|社会)?(信用)?代码[:：]?(无|没有|暂无|还没有|空))$/;
/** Any way of saying there is no credit code (yet). */
const noCode = (t: string): boolean => NONE.test(t) || NO_LICENCE.test(t) || NO_CODE.test(t);
/** 「我叫王五」「我是王五」: the contact. */
const INTRO = /^(我叫|我是|本人|联系人是|姓名是)/;
/** Hands the unfinished registration to a clerk. */
const HANDOFF = /^(交给办事员|交给工作人员|转给办事员|让办事员联系我|让工作人员联系我|办事员联系我|交办事员)$/;
/** Words that are commands or replies to the bot, never a company or a person's name. */
const COMMAND_WORD =
  /^(确认|确定|确认无误|无误|提交|是|是的|对|好|好的|可以|行|嗯|ok|yes|no|修改|改|重填|重新来|重新填|重来|从头|人工|转人工|真人|客服|代办|帮我代办|我要代办|进度|我的代办|查进度|帮助|菜单|你好|您好|在吗|谢谢|多谢|收到|知道了|继续|下一步|跳过|返回|不知道|不清楚)$/i;

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

export const FIELD_LABELS: Record<Field, string> = {
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

/** The fields not answered yet, in order (「无」 is an answer). */
export function missingFields(s: DialogState): Field[] {
  const f = s.fields;
  return FIELDS.filter((k) => {
    if (k === 'items') return s.items.length === 0;
    if (k === 'town') return !s.town;
    return f[k] === undefined;
  });
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

/**
 * After a field was set: the first field still unset, or the summary when all
 * are. The dialog always asks the first unset field, so after 修改 X it comes
 * back to where it was (or to the summary when it was complete).
 */
function advance(state: DialogState, prefix = ''): DialogOutcome {
  const next = nextStep(state);
  const s = { ...state, step: next, editing: false };
  return ask(s, `${prefix}${question(next, s)}`);
}

// ---- questions and town names typed at a field step --------------------------

/** Question words (dialect 么子 / 啥 / 咋 too), a question mark, or a final 吗 / 呢. */
const QUESTION_WORDS =
  /[?？]|(吗|嘛|呢|么)$|什么|么子|啥|咋|怎么|怎样|如何|哪里|哪儿|在哪|哪个|哪些|哪天|多久|多长|几天|几个工作日|多少|能不能|可不可以|是否|需不需要|要不要|有没有|能否|会不会|行不行/;
/** What a question about the item asks (材料, 时限 …). */
const ASPECT = /材料|资料|证件|时限|时间|几天|多久|费用|收费|多少钱|要钱|免费|地址|地点|窗口|流程|手续|电话/;

/** The message asks something rather than answering the step. */
export function looksLikeQuestion(raw: string, step: Step): boolean {
  const t = clean(raw).replace(/\s+/g, '');
  if (!t) return false;
  if (QUESTION_WORDS.test(t)) return true;
  // 「材料」「要带的材料」「办事时间」: an aspect word with 要 / 带 / 需 … (not at the materials step, where they are the answer).
  if (step === 'materials') return false;
  if (COMPANY_SUFFIX.test(t)) return false;
  return ASPECT.test(t) && (t.length <= 4 || /^(要|带|需|准备|交|办|请问|问一下|问下)|要|需要|得/.test(t));
}

const TOWN_FILLERS_HEAD = /^(我们?|我家|我的店|店|公司)?(就?在|是|属于|位于|选|办在|在这个)?/;
const TOWN_FILLERS_TAIL = /(的|吧|啊|呀|哈|这边|那边|办理?|这里|那里)+$/;

/**
 * The town a short message names and nothing else (「甲镇」「在甲镇」「甲镇的」),
 * or null. The resolver may find a town inside any text (「某县甲镇张记餐馆」):
 * what is left after the fillers must be the town's name or its start.
 */
export function townIn(raw: string, env: DialogEnv): string | null {
  const t = clean(raw).replace(/\s+/g, '');
  if (!t || t.length > 12) return null;
  const core = t.replace(TOWN_FILLERS_HEAD, '').replace(TOWN_FILLERS_TAIL, '');
  if (core.length < 2) return null;
  const town = env.resolveTown(core);
  return town && town.startsWith(core) ? town : null;
}

// ---- field validation -------------------------------------------------------

type Checked<T> = { ok: true; value: T } | { ok: false; text: string };

export function checkCreditCode(raw: string): Checked<string | null> {
  const t = clean(raw);
  if (noCode(t.replace(/\s+/g, ''))) return { ok: true, value: null };
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
  if (COMMAND_WORD.test(t) || CONFIRM.test(t) || looksLikeQuestion(t, 'company')) {
    return { ok: false, text: `「${t}」不像企业名称。请回复营业执照上的名称（个体户回复个体户名称），例如「某某餐饮店」。` };
  }
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
  if (COMMAND_WORD.test(t) || CONFIRM.test(t) || looksLikeQuestion(t, 'contact')) {
    return { ok: false, text: `「${t}」不像姓名。联系人请回复姓名，例如「张三」。` };
  }
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
/**
 * The same labels without a colon (「联系人王五」「手机13700001111」): taken only
 * when what follows looks like that field, so 「手机维修店」 stays a name.
 */
const BARE_LABELS: [RegExp, Field, (v: string) => boolean][] = [
  [/^(企业名称|公司名称|个体户名称|店名)/, 'company', (v) => v.length >= 2],
  [/^(统一社会信用代码|社会信用代码|信用代码)/, 'creditCode', (v) => looksLikeCode(v) || NONE.test(v)],
  [/^(联系人|姓名)/, 'contact', (v) => PERSON_NAME.test(v)],
  [/^(手机号码|手机号|手机|联系电话|电话)/, 'phone', (v) => /^[+\d]/.test(v)],
];
/** A label on its own (「手机 137…」「联系人 王五」): the next part is its value. */
const LONE_LABEL: [RegExp, Field][] = [
  [/^(企业名称|公司名称|个体户名称|店名)[:：]?$/, 'company'],
  [/^(统一社会信用代码|社会信用代码|信用代码)[:：]?$/, 'creditCode'],
  [/^(联系人|姓名)[:：]?$/, 'contact'],
  [/^(手机号码|手机号|手机|联系电话|电话)[:：]?$/, 'phone'],
];
const COMPANY_SUFFIX = /(公司|店|厂|社|工作室|部|馆|行|场|中心|所|坊|铺|园|站|农庄|门市|超市|酒家|酒店|宾馆|诊所|个体户)$|有限/;
const TEXT_ORDER: ('company' | 'contact')[] = ['company', 'contact'];
const PERSON_NAME = /^[\u4e00-\u9fa5·]{2,5}$/;

type Found = Partial<Record<'company' | 'creditCode' | 'contact' | 'phone' | 'materials', string>>;

/**
 * The parts of a message: split at separators, and where fields are glued
 * together (「王记小吃店联系人王五手机137…」) before 联系人 / 手机 / 电话 / 信用代码
 * and around a mobile number.
 */
export function parts(text: string): string[] {
  const t = toHalfWidth(text)
    .replace(/([:：])\s+/g, '$1')
    // A label inside a part starts a new part (not the 信用代码 of 统一社会信用代码).
    .replace(/(?<=[\u4e00-\u9fa5A-Za-z0-9])(?<!统一|统一社会|社会)(联系人|手机号码|手机号|手机|联系电话|统一社会信用代码|社会信用代码|信用代码)(?=[:：]|\s*\+?\d|[\u4e00-\u9fa5]{2,4}(?:$|[\s,，、;；]|手机|电话|1[3-9]))/g, ' $1')
    // A mobile number glued to a name: 「王五13700001111」.
    .replace(/(?<=[\u4e00-\u9fa5])(?<!手机|手机号|号码|电话)(?=1[3-9]\d{9}(?!\d))/g, ' ')
    .replace(/(?<=(?<!\d)1[3-9]\d{9})(?=[\u4e00-\u9fa5])/g, ' ');
  return t.split(/[\s,，、;；\n]+/).map((x) => x.trim()).filter(Boolean);
}

/** Recognises fields in a message of several parts; null when it is not one. */
function recognise(text: string, step: Step): Found | null {
  const tokens = parts(text);
  const found: Found = {};
  const texts: string[] = [];
  let labelled = 0;
  let pendingLabel: Field | null = null;
  for (const tok of tokens) {
    if (pendingLabel) {
      found[pendingLabel as keyof Found] = tok;
      labelled++;
      pendingLabel = null;
      continue;
    }
    const lone = LONE_LABEL.find(([re]) => re.test(tok));
    if (lone) {
      pendingLabel = lone[1];
      continue;
    }
    const label = LABELS.find(([re]) => re.test(tok));
    if (label) {
      const value = tok.replace(label[0], '');
      if (value) {
        found[label[1] as keyof Found] = value;
        labelled++;
      }
      continue;
    }
    const bare = BARE_LABELS.find(([re, , ok]) => {
      const m = re.exec(tok);
      return m !== null && ok(tok.slice(m[0].length));
    });
    if (bare) {
      found[bare[1] as keyof Found] = tok.replace(bare[0], '');
      labelled++;
      continue;
    }
    const intro = INTRO.exec(tok);
    if (intro && PERSON_NAME.test(tok.slice(intro[0].length)) && found.contact === undefined) {
      found.contact = tok.slice(intro[0].length);
      labelled++;
      continue;
    }
    if ((NO_LICENCE.test(tok) || NO_CODE.test(tok)) && found.creditCode === undefined) {
      found.creditCode = '无';
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

/** The message carries at least one labelled field (手机：…, 企业名称：…, 手机137…). */
const hasLabel = (text: string): boolean =>
  parts(text).some(
    (tok) =>
      LABELS.some(([re]) => re.test(tok)) ||
      BARE_LABELS.some(([re, , ok]) => {
        const m = re.exec(tok);
        return m !== null && ok(tok.slice(m[0].length));
      }),
  );

/** 「修改 手机」「改手机 139…」: the field (longest alias first) and what follows it. */
const EDIT_KEYS = Object.keys(EDIT_ALIASES).sort((a, b) => b.length - a.length);
function parseEdit(text: string): { field: Field | null; rest: string } | null {
  const m = /^(修改|更改|改一下|改)\s*(.*)$/s.exec(text);
  if (!m) return null;
  const what = m[2]!.trim().replace(/^(一下|下)\s*/, '');
  if (!what) return { field: null, rest: '' };
  const key = EDIT_KEYS.find((k) => what.startsWith(k));
  if (!key) return { field: null, rest: what };
  return { field: EDIT_ALIASES[key]!, rest: what.slice(key.length).replace(/^[\s:：为成]+/, '').trim() };
}

const fieldLabel = (step: Step): string => (step === 'confirm' || step === 'done' ? '确认' : FIELD_LABELS[step]);

// ---- the step function ------------------------------------------------------

export function stepDialog(state: DialogState, rawText: string, env: DialogEnv): DialogOutcome {
  const text = clean(rawText);
  if (CANCEL.test(text)) return { kind: 'cancelled', text: '已取消这次代办登记，没有保存任何单据。需要时再发「代办」即可。' };
  if (state.step === 'done') return ask(state, question('done', state));
  if (HANDOFF.test(text.replace(/\s+/g, ''))) {
    if (state.items.length === 0) return ask(state, `请先告诉我要办理什么事项，办事员才知道交给谁。\n${question(state.step, state)}`);
    return { kind: 'handoff', state };
  }

  // 重填 and 修改 X work at every step, not only on the summary.
  if (/^(重填|重新填写|重新填|从头)$/.test(text)) {
    const s: DialogState = { ...state, fields: {}, editing: false };
    s.step = nextStep(s);
    return ask(s, `好的，从头再填。\n${question(s.step, s)}`);
  }
  const edit = parseEdit(text);
  if (edit) {
    if (!edit.field) {
      return ask(state, `要修改哪一项？回复「修改 名称」「修改 代码」「修改 联系人」「修改 手机」或「修改 材料」；「重填」从头再填。\n${question(state.step, state)}`);
    }
    const s = { ...state, step: edit.field, editing: true };
    // 「修改 手机 139…」: the new value came with it.
    if (edit.rest) return applySingle(s, edit.field, edit.rest, env);
    return ask(s, question(edit.field, s));
  }

  if (state.step === 'confirm') {
    if (CONFIRM.test(text)) return { kind: 'confirm', state };
    const town = townIn(rawText, env);
    if (town) return ask({ ...state, town }, `好的，办理地点改为${town}。\n${summary({ ...state, town })}`);
    // Only a labelled field ("手机：139…") is taken as an edit here; free text
    // such as 「营业执照、身份证」 must never overwrite the company or contact.
    if (hasLabel(rawText)) {
      const found = recognise(rawText, 'company');
      if (found) return applyFound({ ...state, editing: true }, found);
    }
    if (looksLikeQuestion(rawText, 'confirm')) return askedAQuestion(state, rawText, env);
    return ask(state, '请回复「确认」提交；「修改 手机」等修改某一项；「取消」放弃。');
  }

  // 确认 before everything is filled: say what is still missing (never a field value).
  if (CONFIRM.test(text)) return ask(state, `还没填完，还差${missingFields(state).length}项，填完会请您核对再确认。\n${question(state.step, state)}`);

  // A town named at a field step (the bot asked 哪个镇 while answering a question) is the town.
  if (state.step !== 'items') {
    const town = townIn(rawText, env);
    if (town) {
      if (state.step === 'town') return applySingle(state, 'town', town, env);
      const s = { ...state, town };
      return ask(s, `好的，在${town}办理。\n${question(state.step, s)}`);
    }
  }

  // A question is answered briefly (or pointed back), never stored.
  if (state.step !== 'items' && looksLikeQuestion(rawText, state.step)) return askedAQuestion(state, rawText, env);

  if (['company', 'creditCode', 'contact', 'phone'].includes(state.step)) {
    const found = recognise(rawText, state.step);
    if (found) return applyFound(state, found);
  }
  return applySingle(state, state.step, text, env);
}

/** A question typed at a step: a short answer when there is one, and what the dialog is waiting for. */
function askedAQuestion(state: DialogState, rawText: string, env: DialogEnv): DialogOutcome {
  const brief = env.brief?.(rawText, state) ?? null;
  const waiting =
    state.step === 'confirm'
      ? '（代办登记还差您确认：无误请回复「确认」，不办了回复「取消」。）'
      : `（代办登记还在进行，这句没有当作${fieldLabel(state.step)}记下。继续请回复：）\n${question(state.step, state)}\n不办了回复「取消」。`;
  if (brief) return ask(state, `${brief}\n\n${waiting}`);
  return ask(state, `这句像是一个问题，我先不记。想问办理的事，可以办完登记再问，或回复「人工」。\n${waiting}`);
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

