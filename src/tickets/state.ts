// Where tickets change state. A pure function over the action table
// (actions.ts): given a ticket's status and assignee, an action and who does
// it, the new status or a refusal whose reason (in Chinese) can be shown as is.
import type { Address } from '../core/messages.ts';
import { ACTIONS, type Action } from './actions.ts';
import { isOpen, STATUS_LABELS, type TicketStatus } from './model.ts';

export { ACTION_VERBS, type Action } from './actions.ts';

export interface TransitionSubject {
  id: number;
  status: TicketStatus;
  assigneeId: string | null;
  assigneeName: string | null;
  conversationHeld?: boolean;
}

export interface TransitionActor {
  id: string;
  name: string;
  role: 'staff' | 'requester';
  /** The actor's direct chat (for the assignee address); default: Wechaty private chat of `id`. */
  address?: Address;
}

export type TransitionResult =
  | { ok: true; to: TicketStatus; changed: boolean }
  | { ok: false; reason: string };

export function transition(ticket: TransitionSubject, action: Action, actor: TransitionActor): TransitionResult {
  const spec = ACTIONS[action];
  const n = `#${ticket.id}`;
  const s = ticket.status;
  const refuse = (reason: string): TransitionResult => ({ ok: false, reason });

  if (actor.role !== spec.role) {
    if (actor.role === 'requester') return refuse(`「${spec.verb}」是办事员指令，您不能使用。`);
    return refuse(action === 'rate' ? `${n} 只能由申请人本人评价。` : `${n} 只能由申请人本人撤销；办事员请用「中止 ${ticket.id} 原因」。`);
  }
  if (spec.from.includes(s)) {
    if (action === 'handback' && !ticket.conversationHeld) return refuse(`${n} 的对话没有由办事员接管，无需交还。`);
    const to = spec.to === 'same' ? (spec.effects.includes('assign_target') && s === 'registered' ? 'claimed' : s) : spec.to;
    return { ok: true, to, changed: to !== s };
  }
  // Refused: say why in the words of the situation.
  if (action === 'claim' && isOpen(s)) {
    if (ticket.assigneeId === actor.id) return refuse(`${n} 已经由您接单了。`);
    return refuse(`${n} 已由 ${ticket.assigneeName ?? '其他办事员'} 接单；如需转交请用「转派 ${ticket.id} @某人」。`);
  }
  if (s === 'registered' && spec.from.includes('claimed')) return refuse(`${n} 还没有人接单，不能${spec.verb}，请先「接单 ${ticket.id}」`);
  if (action === 'start' && s === 'in_progress') return refuse(`${n} 已在办理中。`);
  if (action === 'finish' && (s === 'done' || s === 'rated')) return refuse(`${n} 已办结，无需重复办结。`);
  if (action === 'rate') {
    if (s === 'rated') return refuse(`${n} 已经评价过了，谢谢！`);
    if (isOpen(s)) return refuse(`${n} 还没有办结，办结后再评价。`);
    return refuse(`${n} ${STATUS_LABELS[s]}，不能评价。`);
  }
  return refuse(`${n} ${STATUS_LABELS[s]}，不能再${spec.verb}`);
}
