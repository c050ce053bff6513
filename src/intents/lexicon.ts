// Every trigger vocabulary of the assistant, once. The route table
// (routes.ts) decides which of these applies in which conversation mode; no
// other file recognises what a message means. Input is Simplified and
// half-width already (the pipeline normalises before routing), but the
// matchers normalise again so they can be used on their own.
import { toHalfWidth, toSimplified } from '../text/normalize.ts';

export const clean = (text: string): string => toSimplified(toHalfWidth(text)).trim();
/** Without spaces and punctuation: for whole-message vocabularies. */
export const bare = (text: string): string => clean(text).replace(/[\s,.!?;:，。！？；：、~～…]+/g, '');

/** The vocabularies, as words a person types. Tests iterate over these. */
export const VOCABULARY = {
  cancel: ['取消', '撤销', '算了', '不办了', '退出', '取消代办', '不用了'],
  confirm: ['确认', '确定', '提交', '确认无误'],
  human: ['人工', '转人工', '人工服务', '人工客服', '找人工', '我要人工', '真人', '找工作人员', '联系工作人员', '转客服'],
  myTickets: ['我的代办', '我的代办单', '我的工单', '我的申请', '进度', '查进度', '查看进度', '查询进度', '办理进度', '代办进度'],
  proxy: ['代办', '帮我代办', '请帮我代办', '帮我办', '我要代办', '申请代办', '能帮我办吗', '找人帮我办'],
  /** The national 政务服务「好差评」 levels, best first, and the scores they stand for. */
  rating: { 非常满意: 5, 满意: 4, 基本满意: 3, 不满意: 2, 非常不满意: 1 } as Record<string, 1 | 2 | 3 | 4 | 5>,
  /**
   * Everyday words for the same levels, taken only while a finished ticket
   * waits for its rating (「还行吧」「太慢了」); matched whole, after trailing
   * particles (吧 啊 呀 哈 的 了 …) are dropped.
   */
  ratingEveryday: {
    很满意: 5, 特别满意: 5, 十分满意: 5, 太满意了: 5, 非常好: 5, 特别好: 5, 太好了: 5, 很好: 5, 非常棒: 5, 很棒: 5, 太棒了: 5, 给力: 5, 五星: 5, 满分: 5, 好评: 5,
    挺满意: 4, 比较满意: 4, 还算满意: 4, 不错: 4, 挺不错: 4, 还不错: 4, 挺好: 4, 蛮好: 4, 挺快: 4, 很快: 4, 很及时: 4,
    还行: 3, 还可以: 3, 一般: 3, 一般般: 3, 凑合: 3, 凑合吧: 3, 马马虎虎: 3, 过得去: 3, 还好: 3, 就那样: 3, 说得过去: 3, 中评: 3,
    太慢了: 2, 太慢: 2, 很慢: 2, 有点慢: 2, 慢: 2, 不太满意: 2, 不好: 2, 不太好: 2, 不行: 2, 差评: 2, 一点都不快: 2,
    很差: 1, 太差了: 1, 太差: 1, 差: 1, 很不满意: 1, 特别不满意: 1, 极差: 1, 非常差: 1, 很糟糕: 1, 太烂了: 1, 垃圾: 1,
  } as Record<string, 1 | 2 | 3 | 4 | 5>,
  binding: ['#绑定', '#解绑', '#状态'],
  help: ['帮助', '菜单', '你能做什么', '怎么用', '使用说明'],
  /** Greetings: the bot introduces itself, but while a clerk holds the conversation they are for the clerk. */
  greeting: ['你好', '您好', '在吗', '在不在', 'hi', 'hello'],
  thanks: ['谢谢', '谢谢你', '多谢', '感谢', '辛苦了', '好的', '好的谢谢', '收到', '知道了', '明白了', 'ok'],
  /** Staff commands: 待办 alone, the others with a ticket number (接单 12, 补件 12 营业执照原件 …). */
  staff: ['待办', '查', '接单', '转派', '回复', '补件', '办理', '办结', '中止', '备注', '交还'],
} as const;

// ---- binding ----------------------------------------------------------------

export type BindingCommand = { kind: 'bind'; town: string } | { kind: 'unbind' } | { kind: 'status' };

/** `#绑定 某某镇`, `#解绑`, `#状态` (also ＃, Traditional forms, no space). */
export function parseBindingCommand(text: string): BindingCommand | null {
  const m = /^#\s*(绑定|解绑|状态)\s*(.*)$/s.exec(clean(text));
  if (!m) return null;
  if (m[1] === '解绑') return { kind: 'unbind' };
  if (m[1] === '状态') return { kind: 'status' };
  return { kind: 'bind', town: (m[2] ?? '').replace(/^[:\s]+/, '').trim() };
}

// ---- whole-message vocabularies ---------------------------------------------

const oneOf = (words: readonly string[]) => new Set(words.map((w) => bare(w).toLowerCase()));
const CANCEL = oneOf(VOCABULARY.cancel);
const CONFIRM = oneOf(VOCABULARY.confirm);
const HELP = oneOf(VOCABULARY.help);
const GREETING = oneOf(VOCABULARY.greeting);
const THANKS = oneOf(VOCABULARY.thanks);

export const isCancel = (text: string): boolean => CANCEL.has(bare(text));
export const isConfirm = (text: string): boolean => CONFIRM.has(bare(text));
export const isHelp = (text: string): boolean => HELP.has(bare(text).toLowerCase()) || /^(help|\?|？)$/i.test(clean(text));
export const isGreeting = (text: string): boolean => GREETING.has(bare(text).toLowerCase().replace(/(啊|呀|呢)$/, ''));
export const isThanks = (text: string): boolean =>
  THANKS.has(bare(text).toLowerCase()) || /^(好的)?(谢谢|多谢|感谢)(你|您|啦|了)?$/.test(bare(text));

/** 「我的代办」「进度」「我的工单」「查看进度」 and close variants. */
export function isTicketQuery(text: string): boolean {
  const t = bare(text);
  if (/^(查看?|查询)?我的(代办|工单|申请|办件)(单|进度|记录)?(呢|吗)?$/.test(t)) return true;
  return /^(查看?|查询)?(代办|工单|办理|办件)?(进度|进展)(查询|怎么样了?|如何)?(吗|呢)?$/.test(t);
}

/** 「人工」「转人工」「找工作人员」: the asker wants a person, not the bot. */
export function isHumanRequest(text: string): boolean {
  const t = bare(text);
  return (
    /^(转|找|要|我要|请|麻烦)?(人工|真人)(服务|客服)?(吧|吗|呢)?$/.test(t) ||
    /^(我要|请|麻烦)?(找|联系|转)(一下)?(工作人员|办事员|客服|真人|人工)(吧|吗|呢)?$/.test(t)
  );
}

const QUESTION_ABOUT_PROXY = /吗|么|什么|怎么|如何|多少|收费|要钱|免费|是否|谁|哪/;

/**
 * A request for proxy handling. Returns what the text says besides the
 * trigger (an item or scenario name, maybe empty), or null when the text is
 * not a request (questions *about* 代办 such as 「代办收费吗」 are not).
 */
export function parseProxyRequest(text: string): { rest: string } | null {
  const t = bare(text);
  if (t === '') return null;
  const whole =
    /^(请|麻烦)?(帮办|代办|帮办代办|帮我办|帮我代办|我要代办|我想代办|申请代办|需要代办|要代办|找人帮我办|找人代办|能帮我办吗|可以帮我办吗|能代办吗|可以代办吗|能帮我代办吗|可以帮我代办吗)(吧|吗|呢|啊|呀|一下|理)*$/;
  if (whole.test(t)) return { rest: '' };
  const patterns = [
    /(能|可以|能不能|可不可以)(帮我|帮忙|替我)(代办|办理|办)(一下)?/,
    /(请|麻烦)?(帮我|替我|给我)(代办|代理|办理|代|办)(一下)?/,
    /找人(帮我|给我)?(代办|办理|办)(一下)?/,
    /(我要|我想|申请|需要|请)代办(一下)?/,
  ];
  for (const p of patterns) {
    const m = p.exec(t);
    if (m) return { rest: tidyRest(t.replace(m[0], '')) };
  }
  const lead = /^代办(一下)?/.exec(t);
  if (lead) {
    const rest = t.slice(lead[0].length);
    if (QUESTION_ABOUT_PROXY.test(rest)) return null;
    return { rest: tidyRest(rest) };
  }
  return null;
}

function tidyRest(rest: string): string {
  const r = rest
    .replace(/(可以吗|行吗|好吗|能行吗|吗|吧|呢|啊|呀|谢谢|一下)+$/, '')
    .replace(/^(一下|的|个)+/, '')
    .trim();
  return [...r].length >= 2 ? r : '';
}

// ---- ratings ------------------------------------------------------------------

export interface Rating {
  score: 1 | 2 | 3 | 4 | 5;
  /** The ticket named with the rating (「评价 12 满意」「#12 满意」), if any. */
  ticket: number | null;
  comment: string | null;
}

const RATING_WORDS = Object.keys(VOCABULARY.rating).sort((a, b) => b.length - a.length).join('|');
const RATING_RE = new RegExp(
  String.raw`^(?:评价|评分|打分)?\s*(?:[#＃]?(\d{1,9})\s*(?:号单?)?[\s,，:：]+)?(?:(${RATING_WORDS})|([1-5])\s*(?:分|星)?)(?:\s*[，,。.!！:：\s]\s*([\s\S]*))?$`,
);

/** 「满意」「非常不满意，办事员态度差」「5」「4分」「评价 12 满意」「#12 3分」; null when the text is not a rating. */
export function parseRating(text: string): Rating | null {
  const t = clean(text).replace(/[!！。.]+$/, '');
  const m = RATING_RE.exec(t);
  if (!m) return null;
  const score = (m[2] ? VOCABULARY.rating[m[2]]! : Number(m[3])) as Rating['score'];
  return { score, ticket: m[1] ? Number(m[1]) : null, comment: m[4]?.trim() || null };
}

const EVERYDAY = new Map(Object.entries(VOCABULARY.ratingEveryday).map(([w, score]) => [bare(w), score] as const));
const PARTICLES = /(吧|啊|呀|哈|哦|喔|噢|嘛|的|了|啦|呗|咯|哟|吧其实|其实)+$/;

/**
 * While a rating is awaited: the 好差评 words and 1-5 (parseRating), or an
 * everyday word for a level (「还行吧」 3, 「不错」 4, 「太慢了」 2), optionally with
 * a comment after a comma (「一般，跑了两趟」). The everyday words are kept as
 * the comment so staff read what was said. Null when it is neither.
 */
export function parseEverydayRating(text: string): Rating | null {
  const strict = parseRating(text);
  if (strict) return strict;
  const t = clean(text).replace(/[!！。.~～…]+$/, '');
  const m = /^([^,，;；]+?)(?:\s*[,，;；:：\s]\s*([\s\S]*))?$/.exec(t);
  if (!m) return null;
  const head = bare(m[1]!);
  const score = EVERYDAY.get(head) ?? EVERYDAY.get(head.replace(PARTICLES, '')) ?? EVERYDAY.get(head.replace(/^(服务|感觉|总体|整体|总的来说|还是)+/, '').replace(PARTICLES, ''));
  if (score === undefined) return null;
  return { score, ticket: null, comment: t };
}

/** A bare number or 「6分」 that is not a valid rating: a score off the scale. */
export const isOffScale = (text: string): boolean => parseRating(text) === null && /^\d{1,3}\s*(分|星)?$/.test(clean(text));

// ---- staff and ticket references ---------------------------------------------

const REF = String.raw`((?:#|＃)?[0-9]{1,9}|DB-\d{8}-\d{4,})`;
const STAFF_RE = new RegExp(
  String.raw`^(${VOCABULARY.staff.filter((v) => v !== '待办').join('|')})\s*${REF}(?=$|[\s，,：:])[\s，,：:]*([\s\S]*)$`,
  'i',
);

export type StaffCommand = { verb: '待办' } | { verb: string; ref: string; arg: string };

/** A staff command (待办, 接单 12, 补件 12 材料 …) or null. */
export function parseStaffCommand(text: string): StaffCommand | null {
  const t = clean(text);
  if (/^(待办|待办单|待办列表)$/.test(t)) return { verb: '待办' };
  const m = STAFF_RE.exec(t);
  return m ? { verb: m[1]!, ref: m[2]!, arg: m[3]!.trim() } : null;
}

/** 「撤销 12」: a requester withdraws their own ticket. */
export function parseCancelOwn(text: string): string | null {
  const m = new RegExp(String.raw`^(?:撤销|撤回|撤销代办)\s*${REF}$`, 'i').exec(clean(text));
  return m ? m[1]! : null;
}

/** A message that starts with a ticket number: 「#12 好的我明天补」. */
export function parseTicketLead(text: string): { ticket: number; rest: string } | null {
  const m = /^[#＃](\d{1,9})[\s,，:：]*([\s\S]*)$/.exec(clean(text));
  return m ? { ticket: Number(m[1]), rest: m[2]!.trim() } : null;
}

// ---- questions ------------------------------------------------------------------

/**
 * Clearly a question for the assistant (not an answer to a dialog step, not
 * a note for the clerk): question words or a question mark. 「好的我明天补」,
 * 「营业执照原件」, 「张三」 are not; 「营业执照要多久办好」 is.
 */
export function isQuestion(text: string): boolean {
  const t = clean(text);
  if (/[?？]\s*$/.test(t)) return true;
  return /(吗|么|呢)$|怎么|怎样|如何|什么|哪里|哪儿|在哪|哪个|哪些|多久|多长时间|几天|多少|能不能|可不可以|是否|需不需要|要不要|有没有|能否/.test(
    bare(t),
  );
}
