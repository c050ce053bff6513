// Every ticket text, in one place (the desk, notifications, the CLI and the
// web console format through these). Short, WeChat-friendly Chinese.
// Functions that produce text for a group take `masked` data only.
import { ACTIONS } from './actions.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import { maskCreditCode, maskMobile } from '../privacy/pii.ts';
import { STATUS_LABELS, type Ticket, type TicketEvent, type TicketItem } from './model.ts';
import { formatAge, formatLocal } from './worktime.ts';

/**
 * 即办 worded as the answering side words it (src/answering/compose.ts
 * `limitText`: 「即办（当场办结）」), so a requester reads the same promise in the
 * answer and on the ticket.
 */
export const INSTANT_LIMIT = '即办（当场办结）';

export const limitText = (l: TicketItem['promisedLimit'], short = false): string =>
  l === null ? (short ? '时限待定' : '以窗口告知为准') : l === '即办' || l === 0 ? (short ? '即办' : INSTANT_LIMIT) : `${l}个工作日`;

/** The national 政务服务「好差评」 levels, by score. */
export const RATING_LEVELS: Record<1 | 2 | 3 | 4 | 5, string> = {
  5: '非常满意',
  4: '满意',
  3: '基本满意',
  2: '不满意',
  1: '非常不满意',
};
export const ratingText = (score: number): string => `${RATING_LEVELS[score as 1 | 2 | 3 | 4 | 5] ?? '未知'}（${score}分）`;
/** 不满意 and 非常不满意 are 差评: followed up by the supervisor. */
export const isUnhappy = (score: number): boolean => score <= 2;

export interface CentreInfo {
  name: string;
  address?: string | undefined;
  hours?: string | undefined;
  phone?: string | undefined;
}

export function centreFor(catalogue: Catalogue, town: string | null): CentreInfo {
  const t = town ? catalogue.town(town) : undefined;
  return t ? t.centre : catalogue.countyCentre();
}

const centreLines = (c: CentreInfo): string[] => [
  `办理单位：${c.name}`,
  `地址：${c.address ?? '知识库未记录'}；办公时间：${c.hours ?? '知识库未记录'}${c.phone ? `；电话：${c.phone}` : ''}`,
];

/** The one message after 确认: everything the requester needs, at once (一次性告知). */
export function confirmationText(t: Ticket, catalogue: Catalogue): string {
  const lines = [`代办单已登记：#${t.id}（${t.number}）`, '事项：'];
  t.items.forEach((it, i) => {
    const item = catalogue.item(it.name);
    lines.push(`${i + 1}. ${it.name}`);
    lines.push(`   承诺时限：${limitText(it.promisedLimit)}；政府收费：${item?.fee ?? '知识库未记录，以窗口告知为准'}`);
    const materials = item?.materials ?? [];
    lines.push(materials.length ? `   需准备：${materials.join('；')}` : '   需准备：办事员核实后告知');
  });
  lines.push(...centreLines(centreFor(catalogue, t.town)));
  lines.push('代办免费、自愿，不额外增加办理时间；政府收费（如有）另行缴纳。');
  lines.push('办事员接单后会在这里通知您，之后直接回复即可。');
  lines.push('查进度：发「进度」或「我的代办」。办结后会请您评价服务（满意度回访）。');
  return lines.join('\n');
}

/** The new-ticket post for a staff group: personal data masked. */
export function staffPostText(t: Ticket, heading = '新代办单'): string {
  return [
    `【${heading}】#${t.id}（${t.number}）${t.town ? `· ${t.town}` : ''}`,
    `事项：${t.items.map((i) => `${i.name}（${limitText(i.promisedLimit, true)}）`).join('、') || '未指明'}`,
    `企业：${t.companyName}${t.creditCode ? `（${maskCreditCode(t.creditCode)}）` : '（无信用代码）'}`,
    `联系人：${t.contactName} ${maskMobile(t.phone)}`,
    `已备材料：${t.preparedMaterials ?? '无'}`,
    `回复「接单 ${t.id}」接单；「查 ${t.id}」看详情。`,
  ].join('\n');
}

/** 查 12: details and history; masked in groups. */
export function detailText(t: Ticket, events: TicketEvent[], opts: { masked: boolean; internal: boolean }): string {
  const phone = opts.masked ? maskMobile(t.phone) : t.phone;
  const code = t.creditCode ? (opts.masked ? maskCreditCode(t.creditCode) : t.creditCode) : '无';
  const lines = [
    `#${t.id}（${t.number}）${STATUS_LABELS[t.status]}${t.town ? ` · ${t.town}` : ''}`,
    `事项：${t.items.map((i) => `${i.name}（${limitText(i.promisedLimit, true)}）`).join('、') || '未指明'}`,
    `企业：${t.companyName}（${code}）`,
    `联系人：${t.contactName} ${phone}`,
    `已备材料：${t.preparedMaterials ?? '无'}`,
    `经办：${t.assigneeName ?? '未接单'}${t.conversationHeld ? '（对话由办事员接管）' : ''}`,
    `登记：${formatLocal(t.createdAt)}；更新：${formatLocal(t.updatedAt)}`,
    '记录：',
  ];
  const shown = events.filter((e) => opts.internal || e.public).slice(-15);
  for (const e of shown) {
    const what = EVENT_LABELS[e.kind] ?? e.kind;
    const status = e.toStatus && e.toStatus !== e.fromStatus ? ` →${STATUS_LABELS[e.toStatus]}` : '';
    const body = e.text ? `：${e.text}` : '';
    lines.push(`${formatLocal(e.at)} ${e.actorName} ${what}${status}${body}${e.public ? '' : '（内部）'}`);
  }
  return lines.join('\n');
}

/** History labels: the action table's, and the events that are not actions. */
const EVENT_LABELS: Record<string, string> = {
  ...Object.fromEntries(Object.values(ACTIONS).map((a) => [a.action, a.label])),
  created: '登记',
  requester_message: '留言',
  redacted: '删除个人信息',
  sla: '超时提醒',
};

/**
 * 待办: open tickets oldest first with age. In a town's staff group, tickets of
 * other towns are there only because their town has no staff group (routing.ts):
 * they are marked 未分派 so someone picks them up.
 */
export function openListText(tickets: Ticket[], now: Date, town: string | null): string {
  if (tickets.length === 0) return `目前没有${town ? `${town}的` : ''}待办单。`;
  const lines = [`待办 ${tickets.length} 件${town ? `（${town}）` : ''}，最早的在前：`];
  for (const t of tickets.slice(0, 30)) {
    const foreign = town !== null && t.town !== town ? '【未分派：该镇没有代办员群】' : '';
    lines.push(
      `#${t.id} ${t.town ?? ''}${foreign} ${t.items.map((i) => i.name).join('、') || '未指明'} · ${STATUS_LABELS[t.status]} · ${t.assigneeName ?? '未接单'} · 已${formatAge(now.getTime() - t.createdAt.getTime())}`,
    );
  }
  if (tickets.length > 30) lines.push(`……还有 ${tickets.length - 30} 件，可在终端用 daiban tickets list 查看。`);
  return lines.join('\n');
}

/** 我的代办 / 进度. */
export function myTicketsText(tickets: Ticket[]): string {
  if (tickets.length === 0) return '您还没有代办单。需要帮办时发「代办」或「帮我办 + 事项名称」。';
  const lines = ['您的代办单：'];
  for (const t of tickets.slice(0, 10)) {
    lines.push(
      `#${t.id} ${t.items.map((i) => i.name).join('、') || '未指明'} · ${STATUS_LABELS[t.status]} · 经办：${t.assigneeName ?? '待接单'} · 更新 ${formatLocal(t.updatedAt)}`,
    );
  }
  if (tickets.length > 10) lines.push(`……共 ${tickets.length} 件，只列出最近 10 件。`);
  return lines.join('\n');
}

export const GREETING = [
  '您好，我是代办小助手，可以帮您：',
  '· 问事项：某件事能不能在镇上办、去哪办、带什么、多久',
  '· 代办：发「代办」或「帮我办 + 事项」，服务中心办事员免费帮您办',
  '· 查进度：发「进度」或「我的代办」',
].join('\n');

/** Asks for the rating of one named ticket (好差评 words or 1-5). */
export const ratePrompt = (t: { id: number }): string =>
  `请为代办单 #${t.id} 的服务评价：回复 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意，或 1-5 的数字（5 为非常满意），也可以加一句意见，例如「满意 很及时」。`;

/**
 * A short answer to a question typed in the middle of the registration dialog
 * (「要带么子材料」「要几天」「收费吗」「在哪办」), from the catalogue; null when
 * the question is about none of these.
 */
export function briefAnswer(catalogue: Catalogue, d: { items: string[]; town: string | null }, question: string): string | null {
  const items = d.items.map((name) => ({ name, item: catalogue.item(name) }));
  const q = question.replace(/\s+/g, '');
  const lines: string[] = [];
  if (/材料|资料|证件|带|准备/.test(q)) {
    for (const { name, item } of items) {
      const m = item?.materials ?? [];
      lines.push(`「${name}」需准备：${m.length ? m.join('；') : '办事员核实后告知'}`);
    }
  }
  if (/几天|多久|多长|时限|啥时候|什么时候|哪天|办好|办结|拿到|快/.test(q)) {
    for (const { name, item } of items) lines.push(`「${name}」承诺时限：${limitText(item?.promised_limit ?? null)}；代办不额外增加时间。`);
  }
  if (/费|钱|收费|免费/.test(q)) {
    for (const { name, item } of items) lines.push(`「${name}」政府收费：${item?.fee ?? '知识库未记录，以窗口告知为准'}；代办本身免费。`);
  }
  if (/地址|地点|在哪|哪里|窗口|办公时间|上班|几点/.test(q)) lines.push(...centreLines(centreFor(catalogue, d.town)));
  return lines.length ? lines.join('\n') : null;
}

/** Put on a ticket handed to a clerk before the dialog was finished. */
export const handoffNote = (missing: string[]): string =>
  `（申请人登记到一半转交办事员，未填：${missing.join('、')}，请联系补全）`;

/** Told to the requester after 「交给办事员」. */
export const handoffText = (ticketId: number, missing: string[]): string =>
  missing.length
    ? `已把您填好的信息交给办事员（代办单 #${ticketId}）。还没填的${missing.join('、')}，办事员接单后会在这里跟您确认，直接回复即可。`
    : `已交给办事员（代办单 #${ticketId}），接单后会在这里联系您。`;

/** 「人工」 in the middle of the registration dialog: the town's own centre, and the two ways on. */
export const humanDuringDialog = (contact: string): string =>
  `已通知服务中心工作人员。着急可直接联系：${contact}\n` +
  '您可以接着登记（回复下面的问题），办事员接单后会在这里联系您；' +
  '也可以回复「交给办事员」，把已填的信息直接交给办事员，其余由办事员跟您确认。';
