// ONE ordered table of routes: the first route whose modes include the
// conversation's mode and whose `match` accepts the message handles the turn
// (grammY's composer, without next()). `match` is pure — it sees only the
// text and the facts in RouteFacts — so the whole table can be tested for
// every mode × every lexicon phrase (test/intents/routes.test.ts).
import type { Mode } from '../conversation/record.ts';
import { findPersonalData, type PersonalDataKind } from '../privacy/pii.ts';
import {
  isCancel,
  isConfirm,
  isGreeting,
  isHelp,
  isHumanRequest,
  isOffScale,
  isQuestion,
  isThanks,
  isTicketQuery,
  parseBindingCommand,
  parseCancelOwn,
  parseEverydayRating,
  parseProxyRequest,
  parseRating,
  parseStaffCommand,
  parseTicketLead,
} from './lexicon.ts';

/** What a route may look at to decide whether it applies. */
export interface RouteFacts {
  text: string;
  /** The conversation's mode; in a group always 'bot' (dialogs and clerk conversations are private). */
  mode: Mode;
  chat: 'group' | 'direct';
  /** A staff room message not addressed to the bot (only staff commands are taken). */
  staffRoomChatter: boolean;
  staff: boolean;
  /** The person has a registered ticket no clerk has claimed yet. */
  unclaimedTicket: boolean;
  /** The bot just asked this person which item to handle (「请问您想代办哪一项手续？」) in this chat. */
  awaitingItem?: boolean;
}

export const ROUTE_NAMES = [
  'staff_chatter',
  'staff_command',
  'binding',
  'privacy_in_group',
  'cancel_own',
  'help_empty',
  'my_tickets',
  'human',
  'dialog_cancel',
  'nothing_to_cancel',
  'help',
  'greeting',
  'proxy_request',
  'rate',
  'clerk_message',
  'thanks',
  'confirm_again',
  'dialog_question',
  'dialog_step',
  'clerk_question',
  'proxy_item',
  'unclaimed_note',
  'question',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface Route<H> {
  name: RouteName;
  modes: readonly Mode[];
  match(f: RouteFacts): boolean;
  handle: H;
}

const ALL: readonly Mode[] = ['bot', 'dialog', 'clerk', 'awaiting_rating'];
/** What must never be repeated in a group. Credit codes are printed on every licence and are not blocked. */
const PRIVATE_KINDS = new Set<PersonalDataKind>(['id_card', 'bank_card', 'mobile']);

/** The table without handlers: order, modes and matchers. */
export const ROUTE_SPECS: readonly Omit<Route<never>, 'handle'>[] = [
  // Clerks talking among themselves in a staff room: only ticket commands get a reply.
  { name: 'staff_chatter', modes: ALL, match: (f) => f.staffRoomChatter && !parseStaffCommand(f.text) && !isHelp(f.text) },
  // 待办 / 接单 12 / 补件 12 …: staff only (others get a refusal, or their own ticket for 查).
  { name: 'staff_command', modes: ALL, match: (f) => parseStaffCommand(f.text) !== null },
  { name: 'binding', modes: ALL, match: (f) => parseBindingCommand(f.text) !== null },
  { name: 'privacy_in_group', modes: ALL, match: (f) => f.chat === 'group' && findPersonalData(f.text).some((k) => PRIVATE_KINDS.has(k)) },
  { name: 'cancel_own', modes: ALL, match: (f) => f.chat === 'direct' && parseCancelOwn(f.text) !== null },
  { name: 'help_empty', modes: ALL, match: (f) => f.text.trim() === '' },
  { name: 'my_tickets', modes: ALL, match: (f) => isTicketQuery(f.text) },
  { name: 'human', modes: ALL, match: (f) => isHumanRequest(f.text) },
  { name: 'dialog_cancel', modes: ['dialog'], match: (f) => isCancel(f.text) },
  { name: 'nothing_to_cancel', modes: ['bot', 'clerk', 'awaiting_rating'], match: (f) => isCancel(f.text) },
  { name: 'help', modes: ALL, match: (f) => isHelp(f.text) },
  { name: 'greeting', modes: ['bot', 'dialog', 'awaiting_rating'], match: (f) => isGreeting(f.text) },
  { name: 'proxy_request', modes: ALL, match: (f) => parseProxyRequest(f.text) !== null },
  // While a finished ticket waits for its rating, everyday words (还行, 太慢了 …) and off-scale numbers are ratings too.
  {
    name: 'rate',
    modes: ['bot', 'awaiting_rating'],
    match: (f) => parseRating(f.text) !== null || (f.mode === 'awaiting_rating' && (isOffScale(f.text) || parseEverydayRating(f.text) !== null)),
  },
  // Talking with the clerk: 「#12 …」 always goes to that ticket's clerk; thanks and 「在吗」 too.
  { name: 'clerk_message', modes: ['clerk'], match: (f) => parseTicketLead(f.text) !== null || !isQuestion(f.text) || isGreeting(f.text) },
  { name: 'thanks', modes: ['bot', 'awaiting_rating'], match: (f) => isThanks(f.text) },
  { name: 'confirm_again', modes: ['bot', 'awaiting_rating'], match: (f) => f.chat === 'direct' && isConfirm(f.text) },
  // Inside the registration dialog a question is answered, never stored as a field.
  { name: 'dialog_question', modes: ['dialog'], match: (f) => isQuestion(f.text) },
  { name: 'dialog_step', modes: ['dialog'], match: () => true },
  { name: 'clerk_question', modes: ['clerk'], match: () => true },
  // The reply to 「请问您想代办哪一项手续？」: the item(s) to register (a question is answered instead).
  { name: 'proxy_item', modes: ['bot', 'awaiting_rating'], match: (f) => !!f.awaitingItem && !isQuestion(f.text) },
  // 「好的我明天补」 before anyone claimed the ticket: kept on the ticket for the clerk.
  { name: 'unclaimed_note', modes: ['bot', 'awaiting_rating'], match: (f) => f.chat === 'direct' && f.unclaimedTicket && !isQuestion(f.text) },
  { name: 'question', modes: ALL, match: () => true },
];

/** The first route that applies. */
export function pickRoute<R extends { name: RouteName; modes: readonly Mode[]; match(f: RouteFacts): boolean }>(
  table: readonly R[],
  facts: RouteFacts,
): R {
  const route = table.find((r) => r.modes.includes(facts.mode) && r.match(facts));
  if (!route) throw new Error(`no route for mode ${facts.mode}`);
  return route;
}

/** Attaches handlers to the specs; every route must have one. */
export function withHandlers<H>(handlers: Record<RouteName, H>): Route<H>[] {
  return ROUTE_SPECS.map((s) => ({ ...s, handle: handlers[s.name] }));
}
