// Recognises the few things the assistant handles itself before the answering
// core: group binding commands, "my tickets", and requests for proxy handling.
import { toHalfWidth, toSimplified } from '../text/normalize.ts';

export type BindingCommand = { kind: 'bind'; town: string } | { kind: 'unbind' } | { kind: 'status' };

const clean = (text: string): string => toSimplified(toHalfWidth(text)).trim();
const bare = (text: string): string => clean(text).replace(/[\s,.!?;:，。！？；：、~～…]+/g, '');

/** `#绑定 某某镇`, `#解绑`, `#状态` (also ＃, Traditional forms, no space). */
export function parseBindingCommand(text: string): BindingCommand | null {
  const m = /^#\s*(绑定|解绑|状态)\s*(.*)$/s.exec(clean(text));
  if (!m) return null;
  if (m[1] === '解绑') return { kind: 'unbind' };
  if (m[1] === '状态') return { kind: 'status' };
  return { kind: 'bind', town: (m[2] ?? '').replace(/^[:\s]+/, '').trim() };
}

/** 「我的代办」「进度」「我的工单」 and close variants. */
export function isTicketQuery(text: string): boolean {
  const t = bare(text);
  if (/我的(代办|工单|申请|办件)/.test(t)) return true;
  return /^(查看?|查询)?(代办|工单|办理|办件)?(进度|进展)(查询|怎么样了?|如何)?(吗|呢)?$/.test(t);
}

/** 「人工」「转人工」「找工作人员」: the asker wants a person, not the bot. */
export function isHumanRequest(text: string): boolean {
  const t = bare(text);
  return (
    /^(转|找|要|我要|请|麻烦)?(人工|真人)(服务|客服)?(吧|吗|呢)?$/.test(t) ||
    /(找|联系|转)(一下)?(工作人员|办事员|客服|真人|人工)/.test(t)
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
