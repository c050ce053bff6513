// Where tickets change state. A pure function: given a ticket's status and
// assignee, an action and who does it, the new status or a refusal whose
// reason (in Chinese) can be shown as is.
//
//   已登记 ─接单→ 已受理 ─办理→ 办理中 ─补件→ 待补件 ─办结→ 已办结 ─评分→ 已回访
//   (补件 and 办结 also from 已受理/办理中; 办理 also from 待补件)
//   已中止 (staff) / 已撤销 (requester) from any open state.
import { isOpen, STATUS_LABELS, type TicketStatus } from './model.ts';

export type Action =
  | 'claim'
  | 'transfer'
  | 'start'
  | 'request_materials'
  | 'reply'
  | 'finish'
  | 'stop'
  | 'cancel'
  | 'rate'
  | 'note'
  | 'handback';

export const ACTION_VERBS: Record<Action, string> = {
  claim: '接单',
  transfer: '转派',
  start: '办理',
  request_materials: '补件',
  reply: '回复',
  finish: '办结',
  stop: '中止',
  cancel: '撤销',
  rate: '评分',
  note: '备注',
  handback: '交还',
};

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
}

export type TransitionResult =
  | { ok: true; to: TicketStatus; changed: boolean }
  | { ok: false; reason: string };

const STAFF_ONLY: readonly Action[] = ['claim', 'transfer', 'start', 'request_materials', 'reply', 'finish', 'stop', 'note', 'handback'];
const REQUESTER_ONLY: readonly Action[] = ['cancel', 'rate'];

export function transition(ticket: TransitionSubject, action: Action, actor: TransitionActor): TransitionResult {
  const n = `#${ticket.id}`;
  const s = ticket.status;
  const label = STATUS_LABELS[s];
  const verb = ACTION_VERBS[action];
  const refuse = (reason: string): TransitionResult => ({ ok: false, reason });
  const to = (status: TicketStatus): TransitionResult => ({ ok: true, to: status, changed: status !== s });

  if (actor.role === 'requester' && STAFF_ONLY.includes(action)) {
    return refuse(`「${verb}」是办事员指令，您不能使用。`);
  }
  if (actor.role === 'staff' && REQUESTER_ONLY.includes(action)) {
    return refuse(action === 'rate' ? `${n} 只能由申请人本人评分。` : `${n} 只能由申请人本人撤销；办事员请用「中止 ${ticket.id} 原因」。`);
  }
  const closedReason = `${n} ${label}，不能再${verb}`;
  const unclaimed = `${n} 还没有人接单，不能${verb}，请先「接单 ${ticket.id}」`;

  switch (action) {
    case 'claim':
      if (s === 'registered') return to('claimed');
      if (isOpen(s)) {
        if (ticket.assigneeId === actor.id) return refuse(`${n} 已经由您接单了。`);
        return refuse(`${n} 已由 ${ticket.assigneeName ?? '其他办事员'} 接单；如需转交请用「转派 ${ticket.id} @某人」。`);
      }
      return refuse(closedReason);
    case 'transfer':
      if (s === 'registered') return to('claimed');
      if (isOpen(s)) return to(s);
      return refuse(closedReason);
    case 'start':
      if (s === 'registered') return refuse(unclaimed);
      if (s === 'claimed' || s === 'awaiting_materials') return to('in_progress');
      if (s === 'in_progress') return refuse(`${n} 已在办理中。`);
      return refuse(closedReason);
    case 'request_materials':
      if (s === 'registered') return refuse(unclaimed);
      if (isOpen(s)) return to('awaiting_materials');
      return refuse(closedReason);
    case 'finish':
      if (s === 'registered') return refuse(unclaimed);
      if (isOpen(s)) return to('done');
      if (s === 'done' || s === 'rated') return refuse(`${n} 已办结，无需重复办结。`);
      return refuse(closedReason);
    case 'stop':
      if (isOpen(s)) return to('stopped');
      return refuse(closedReason);
    case 'cancel':
      if (isOpen(s)) return to('cancelled');
      return refuse(closedReason);
    case 'rate':
      if (s === 'done') return to('rated');
      if (s === 'rated') return refuse(`${n} 已经评过分了，谢谢！`);
      if (isOpen(s)) return refuse(`${n} 还没有办结，办结后再评分。`);
      return refuse(`${n} ${label}，不能评分。`);
    case 'reply':
      if (s === 'cancelled') return refuse(closedReason);
      return to(s);
    case 'note':
      return to(s);
    case 'handback':
      if (!isOpen(s)) return refuse(closedReason);
      if (!ticket.conversationHeld) return refuse(`${n} 的对话没有由办事员接管，无需交还。`);
      return to(s);
  }
}
