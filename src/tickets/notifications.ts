// Who is told what, derived from what happened (as Chatwoot's listeners turn
// events into notifications): one function per kind of event, reading the
// action table's `tells` and `handoff`. Nothing here parses chat commands or
// writes to the database; the service queues what these return in the outbox.
import { sameAddress, type Address, type Outbound } from '../core/messages.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import type { OutboxEntry, OutboxRow } from '../notify/outbox.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import { ACTIONS, type Action } from './actions.ts';
import { centreFor, confirmationText, isUnhappy, ratePrompt, ratingText, staffPostText } from './messages.ts';
import { STATUS_LABELS, type Actor, type Ticket } from './model.ts';
import type { Routing } from './routing.ts';

export interface NotifyContext {
  catalogue: Catalogue;
  routing: Routing;
}

/** Who acted, and where they typed it (their reply goes there; staff notices skip it). */
export interface ServiceActor extends Actor {
  /** The chat the command came from (a group or their direct chat); absent for the CLI and the web console. */
  via?: Address;
}

export interface Notices {
  /** What the actor is told (also queued to `via` when given). */
  reply: string;
  messages: OutboxEntry[];
}

const entry = (ticket: Ticket, kind: string, message: Outbound): OutboxEntry => ({ message, kind, ticketId: ticket.id, town: ticket.town });

/**
 * Channels whose person ids can serve a requester's session on a channel with
 * a human handoff: the 微信客服 servicer is a WeCom userid, which is also how
 * the same corp's intelligent bot knows a clerk in a staff group.
 */
const SERVICER_CHANNELS: Record<string, string[]> = { 'wecom-kf': ['wecom-kf', 'wecom-bot'] };

/** The clerk's id as the requester's channel can name them (kf servicer_userid), or undefined. */
export function servicerFor(clerk: Address | null | undefined, requester: Address): string | undefined {
  if (!clerk) return undefined;
  const ok = clerk.channel === requester.channel || (SERVICER_CHANNELS[requester.channel] ?? []).includes(clerk.channel);
  return ok ? clerk.id : undefined;
}

/** A message into a group never carries personal data. */
const safe = (to: Address, text: string): string => (to.kind === 'group' ? maskPersonalData(text) : text);

function toMany(ticket: Ticket, kind: string, to: Address[], text: string, skip: (Address | undefined)[] = [], extra: Partial<Outbound> = {}): OutboxEntry[] {
  return to
    .filter((a) => !skip.some((s) => s && sameAddress(s, a)))
    .map((a) => entry(ticket, kind, { to: a, text: safe(a, text), ...extra }));
}

/** The reply to the actor in the chat they used: masked and @-mentioning them in a group. */
function replyEntry(ticket: Ticket, kind: string, actor: ServiceActor, text: string, extra: Partial<Outbound> = {}): OutboxEntry[] {
  if (!actor.via) return [];
  const v = actor.via;
  return [entry(ticket, kind, { to: v, text: safe(v, text), ...(v.kind === 'group' ? { mention: { id: actor.id, name: actor.name } } : {}), ...extra })];
}

/** 确认 → the requester's one-time notice and the staff post with 接单 / 查 buttons. */
export function ticketCreated(ticket: Ticket, ctx: NotifyContext): OutboxEntry[] {
  const route = ctx.routing.route(ticket.town);
  const heading =
    route.queue === 'unassigned' ? `新代办单（未分派：${ticket.town ?? '未指明镇'}没有代办员群）` : route.queue === 'county' ? '新代办单（本镇无代办员群，请县中心分派）' : '新代办单';
  const actions = [
    { label: '接单', command: `接单 ${ticket.id}` },
    { label: '查看详情', command: `查 ${ticket.id}` },
  ];
  return [
    entry(ticket, 'ticket_created', { to: ticket.requester, text: confirmationText(ticket, ctx.catalogue) }),
    ...toMany(ticket, 'ticket_created', route.to, staffPostText(ticket, heading), [], { actions }),
  ];
}

export interface ActionFacts {
  action: Action;
  ticket: Ticket;
  actor: ServiceActor;
  text: string | null;
  /** 转派: the new clerk. */
  assignee?: Actor;
  /** The clerk who held the ticket before (撤销 tells them). */
  previousAssignee?: Address | null;
  rating?: { score: number; comment: string | null };
}

/** The notices of one action, from the action table's `tells` and `handoff`. */
export function actionNotices(f: ActionFacts, ctx: NotifyContext): Notices {
  const spec = ACTIONS[f.action];
  const t = f.ticket;
  const n = `#${t.id}`;
  const kind = f.action;
  const centre = centreFor(ctx.catalogue, t.town);
  const clerkTown = ctx.routing.clerkTown(f.actor.via);
  const clerkCentre = clerkTown ? centreFor(ctx.catalogue, clerkTown) : null;
  const staff = ctx.routing.route(t.town).to;
  const skip = [f.actor.via, f.actor.address];
  const handoff = (servicer?: Address | null): Partial<Outbound> =>
    spec.handoff === 'human'
      ? { handoff: { to: 'human', ...(servicerFor(servicer, t.requester) ? { servicer: servicerFor(servicer, t.requester)! } : {}) } }
      : spec.handoff === 'bot'
        ? { handoff: { to: 'bot' } }
        : {};
  const toRequester = (text: string, extra: Partial<Outbound> = {}): OutboxEntry[] =>
    spec.tells.includes('requester') ? [entry(t, kind, { to: t.requester, text, ...extra })] : [];

  let reply = '';
  const out: OutboxEntry[] = [];
  switch (f.action) {
    case 'claim':
      reply = `已接单 ${n}。申请人的私聊消息会转给你；回复请发「回复 ${t.id} 内容」，完成后「办结 ${t.id}」。`;
      out.push(
        ...toRequester(
          `您的代办单 ${n}（${t.number}）已由办事员 ${f.actor.name}${clerkCentre ? `（${clerkCentre.name}）` : ''}受理。\n有问题直接在这里回复即可，消息会转给办事员。\n办理单位：${centre.name}${centre.phone ? `；电话：${centre.phone}` : ''}`,
          handoff(t.assignee),
        ),
      );
      // The other clerks learn of a claim made elsewhere (e.g. in private chat with the bot).
      out.push(...toMany(t, kind, staff, `${n} 已由 ${f.actor.name} 接单。`, skip));
      break;
    case 'transfer': {
      const to = f.assignee!;
      reply = `已把 ${n} 转派给 ${to.name}。`;
      out.push(entry(t, kind, { to: t.assignee!, text: `${f.actor.name} 把代办单 ${n} 转派给你：\n${staffPostText(t, '转派')}` }));
      out.push(...toRequester(`您的代办单 ${n} 改由办事员 ${to.name} 办理，有问题直接在这里回复即可。`, handoff(t.assignee)));
      break;
    }
    case 'start':
      reply = `${n} 已标记为办理中。`;
      out.push(...toRequester(`您的代办单 ${n} 已开始办理（办事员 ${t.assigneeName ?? f.actor.name}）。`));
      break;
    case 'request_materials':
      reply = `已通知申请人补件（${n}）。`;
      out.push(
        ...toRequester(
          `您的代办单 ${n} 需要补充材料：\n${f.text}\n准备好后直接在这里回复（会转给办事员 ${t.assigneeName ?? f.actor.name}），或带到 ${centre.name}${centre.address ? `（${centre.address}）` : ''}。`,
        ),
      );
      break;
    case 'reply':
      reply = `已转告申请人（${n}）。`;
      out.push(...toRequester(`【代办单 ${n}】办事员 ${f.actor.name}：${f.text}`));
      break;
    case 'finish':
      reply = `${n} 已办结，已请申请人评价。`;
      out.push(...toRequester(`您的代办单 ${n} 已办结。${f.text ? `\n办事员说明：${f.text}` : ''}\n${ratePrompt(t)}`, handoff()));
      break;
    case 'stop':
      reply = `${n} 已中止，已告知申请人。`;
      out.push(
        ...toRequester(
          `您的代办单 ${n} 已中止，原因：${f.text}\n如需重新办理可发「代办」，或联系 ${centre.name}${centre.phone ? `（${centre.phone}）` : ''}。`,
          handoff(),
        ),
      );
      break;
    case 'note':
      reply = `已备注 ${n}（仅内部可见）。`;
      break;
    case 'handback':
      reply = `已交还 ${n}：申请人的消息将由小助手回答，需要时可再「回复 ${t.id} 内容」。`;
      out.push(...toRequester(`办事员 ${f.actor.name} 已把对话交还给小助手，代办单 ${n} 照常办理。有问题可以直接问我；查进度发「进度」。`, handoff()));
      break;
    case 'cancel': {
      reply = `已撤销代办单 ${n}。需要时再发「代办」。`;
      const note = `${n} 已由申请人撤销。`;
      if (f.previousAssignee) out.push(entry(t, kind, { to: f.previousAssignee, text: note }));
      else out.push(...toMany(t, kind, staff, note, skip));
      break;
    }
    case 'rate': {
      const { score, comment } = f.rating!;
      const unhappy = isUnhappy(score);
      reply = `谢谢您的评价！代办单 ${n} 记为「${ratingText(score)}」${unhappy ? '，我们会改进，服务中心会联系您了解情况' : ''}。`;
      const summary = `${n} 申请人评价：${ratingText(score)}${comment ? `，意见：${comment}` : ''}`;
      out.push(...toMany(t, kind, staff, summary, skip));
      const sup = ctx.routing.supervisor;
      if (unhappy && sup && spec.tells.includes('supervisor_if_unhappy') && !staff.some((a) => sameAddress(a, sup))) {
        out.push(
          entry(t, 'rating_unhappy', {
            to: sup,
            text: safe(
              sup,
              `【差评回访】代办单 ${n}（${t.number}）${t.town ? ` · ${t.town}` : ''}\n申请人评价：${ratingText(score)}${comment ? `，意见：${comment}` : ''}\n经办：${t.assigneeName ?? '未接单'}\n差评须在15个工作日内整改并回访申请人。`,
            ),
          }),
        );
      }
      break;
    }
  }
  // The actor's reply; when the actor is the requester in their own chat, it carries the handoff.
  const ownChat = f.actor.via && sameAddress(f.actor.via, t.requester);
  const messages = [...replyEntry(t, `${kind}_reply`, f.actor, reply, ownChat ? handoff(t.assignee) : {}), ...out];
  return { reply, messages };
}

/** A requester's message while a clerk holds the ticket: to the clerk, and (once per exchange) an acknowledgement. */
export function relayNotices(t: Ticket, from: ServiceActor, text: string, acknowledge: boolean): Notices {
  const reply = `已转给办事员 ${t.assigneeName}（代办单 #${t.id}），请稍候。`;
  const messages: OutboxEntry[] = [
    entry(t, 'relay', {
      to: t.assignee!,
      text: `【#${t.id} ${t.requesterName}】${text}\n（回复请发「回复 ${t.id} 内容」；交还小助手发「交还 ${t.id}」）`,
    }),
  ];
  if (acknowledge) messages.push(...replyEntry(t, 'relay_reply', from, reply));
  return { reply: acknowledge ? reply : '', messages };
}

/** SLA reminders to the ticket's staff: unclaimed past the working hours, or past the promised time. */
export function slaNotice(t: Ticket, kind: 'unclaimed' | 'overdue', detail: { hours?: number; days?: number }, ctx: NotifyContext): OutboxEntry[] {
  const text =
    kind === 'unclaimed'
      ? `⏰ 超过 ${detail.hours} 个工作小时无人接单：\n${staffPostText(t, '待接单')}`
      : `⏰ #${t.id}（${t.number}）已超过承诺时限（${detail.days === 0 ? '即办' : `${detail.days}个工作日`}）仍未办结：${STATUS_LABELS[t.status]}，经办：${t.assigneeName ?? '未接单'}。发「查 ${t.id}」看详情。`;
  const actions = kind === 'unclaimed' ? { actions: [{ label: '接单', command: `接单 ${t.id}` }] } : {};
  return toMany(t, `sla_${kind}`, ctx.routing.route(t.town).to, text, [], actions);
}

/** Tells the ticket's staff that a message could not be delivered (the dispatcher's `onUndeliverable`). */
export function undeliverableNotice(row: OutboxRow, routing: Routing): OutboxEntry[] {
  const dest = row.message.to;
  // The ticket's staff; if the failed message was for them, the clerks in private; else the supervisor.
  const others = (list: Address[]) => list.filter((a) => !sameAddress(a, dest));
  const candidates = [others(routing.route(row.town).to), others(routing.clerks()), others(routing.supervisor ? [routing.supervisor] : [])];
  const targets = candidates.find((c) => c.length > 0) ?? [];
  const who = dest.kind === 'group' ? '群' : '私聊';
  const preview = maskPersonalData(row.message.text).replace(/\s+/g, ' ').slice(0, 60);
  const text = `⚠️ 消息未能送达${row.ticketId ? `（代办单 #${row.ticketId}）` : ''}：发往${who}的「${preview}…」重试 ${row.attempts + 1} 次仍失败，请人工联系对方。`;
  return targets.map((to) => ({ message: { to, text: safe(to, text) }, kind: 'delivery_failed', ticketId: row.ticketId, town: row.town }));
}
