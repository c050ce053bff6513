// Every ticket action in ONE table: the chat verb, who may do it, whether it
// needs text, the states it is allowed from and the state it leads to, its
// effects on the ticket, the event it records, and who is told. The state
// machine (state.ts), the service (service.ts), the notifications
// (notifications.ts), the chat commands and the CLI all read this table.
//
//   已登记 ─接单→ 已受理 ─办理→ 办理中 ─补件→ 待补件 ─办结→ 已办结 ─评价→ 已回访
//   (补件 and 办结 also from 已受理/办理中; 办理 also from 待补件)
//   已中止 (staff) / 已撤销 (requester) from any open state.
import { OPEN_STATUSES, STATUSES, type TicketStatus } from './model.ts';

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

/** Who hears about an action (besides the actor, who always gets a reply). */
export type Audience =
  /** The requester's direct chat. */
  | 'requester'
  /** The clerk holding the ticket, in private. */
  | 'assignee'
  /** The clerk a ticket is transferred to. */
  | 'new_assignee'
  /** The ticket's staff groups (routing.ts), except the chat the actor spoke in. */
  | 'staff'
  /** Staff groups only when nobody holds the ticket yet (else the assignee). */
  | 'assignee_or_staff'
  /** The configured supervisor, for 不满意 / 非常不满意 ratings. */
  | 'supervisor_if_unhappy';

export type Effect =
  /** The actor becomes the assignee and holds the requester's conversation. */
  | 'assign_actor'
  /** The named clerk becomes the assignee and holds the conversation. */
  | 'assign_target'
  /** Sets closed_at and releases the conversation. */
  | 'close'
  /** Releases the conversation to the bot. */
  | 'release'
  /** Stores the rating. */
  | 'store_rating';

export interface ActionSpec {
  action: Action;
  /** The chat command word (also the history label unless `label` says otherwise). */
  verb: string;
  /** How the history shows the event. */
  label: string;
  role: 'staff' | 'requester';
  /** Usage shown when the required text is missing (`12` stands for the ticket); null: no text needed. */
  needsText: string | null;
  from: readonly TicketStatus[];
  /** The status afterwards; 'same' keeps it (an assigning action on a 已登记 ticket makes it 已受理). */
  to: TicketStatus | 'same';
  effects: readonly Effect[];
  /** Public events are what the requester saw or said; others are internal notes. */
  publicEvent: boolean;
  tells: readonly Audience[];
  /** 微信客服-style channels: who holds the requester's conversation afterwards. */
  handoff?: 'human' | 'bot';
}

const ALL = STATUSES;
const OPEN = OPEN_STATUSES;

export const ACTIONS: Record<Action, ActionSpec> = {
  claim: { action: 'claim', verb: '接单', label: '接单', role: 'staff', needsText: null, from: ['registered'], to: 'claimed', effects: ['assign_actor'], publicEvent: true, tells: ['requester', 'staff'], handoff: 'human' },
  transfer: { action: 'transfer', verb: '转派', label: '转派', role: 'staff', needsText: '转派 12 @某人', from: OPEN, to: 'same', effects: ['assign_target'], publicEvent: true, tells: ['requester', 'new_assignee'], handoff: 'human' },
  start: { action: 'start', verb: '办理', label: '开始办理', role: 'staff', needsText: null, from: ['claimed', 'awaiting_materials'], to: 'in_progress', effects: [], publicEvent: true, tells: ['requester'] },
  request_materials: { action: 'request_materials', verb: '补件', label: '要求补件', role: 'staff', needsText: '补件 12 需要补充的材料', from: ['claimed', 'in_progress', 'awaiting_materials'], to: 'awaiting_materials', effects: [], publicEvent: true, tells: ['requester'] },
  reply: { action: 'reply', verb: '回复', label: '回复', role: 'staff', needsText: '回复 12 内容', from: ALL.filter((s) => s !== 'cancelled'), to: 'same', effects: [], publicEvent: true, tells: ['requester'] },
  finish: { action: 'finish', verb: '办结', label: '办结', role: 'staff', needsText: null, from: ['claimed', 'in_progress', 'awaiting_materials'], to: 'done', effects: ['close'], publicEvent: true, tells: ['requester'], handoff: 'bot' },
  stop: { action: 'stop', verb: '中止', label: '中止', role: 'staff', needsText: '中止 12 原因', from: OPEN, to: 'stopped', effects: ['close'], publicEvent: true, tells: ['requester'], handoff: 'bot' },
  cancel: { action: 'cancel', verb: '撤销', label: '撤销', role: 'requester', needsText: null, from: OPEN, to: 'cancelled', effects: ['close'], publicEvent: true, tells: ['assignee_or_staff'], handoff: 'bot' },
  rate: { action: 'rate', verb: '评价', label: '评价', role: 'requester', needsText: null, from: ['done'], to: 'rated', effects: ['store_rating'], publicEvent: true, tells: ['staff', 'supervisor_if_unhappy'] },
  note: { action: 'note', verb: '备注', label: '备注', role: 'staff', needsText: '备注 12 内容', from: ALL, to: 'same', effects: [], publicEvent: false, tells: [] },
  handback: { action: 'handback', verb: '交还', label: '交还对话', role: 'staff', needsText: null, from: OPEN, to: 'same', effects: ['release'], publicEvent: false, tells: ['requester'], handoff: 'bot' },
};

/** Command word → action: 接单 → claim … */
export const ACTION_BY_VERB: ReadonlyMap<string, Action> = new Map(Object.values(ACTIONS).map((a) => [a.verb, a.action]));

/** Chat verbs, e.g. for the history and refusals. */
export const ACTION_VERBS = Object.fromEntries(Object.values(ACTIONS).map((a) => [a.action, a.verb])) as Record<Action, string>;
