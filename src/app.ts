// The ONE composition root and the turn pipeline. Every channel (bot/*), the
// demo and the CLI hand messages to `app.handle`:
//
//   serialise(person) → gate → normalise → load conversation → first matching
//   route (src/intents/routes.ts) → save conversation → deliver (masked for groups)
//
// `app.tick(now)` runs the housekeeping (SLA notices). Nothing here knows a
// protocol; nothing in src/ imports bot/.
import type { AnswerResult, Answerer } from './answering/types.ts';
import type { DeskContext, IncomingMessage, OutgoingReply, ProxyRequest, TicketDesk } from './core/desk.ts';
import type { Config } from './config/env.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { createGate, GROUP_RATE_NOTICE, truncatedNote, MAX_INBOUND_CHARS, type GateConfig, type Via } from './core/gate.ts';
import { addressKey, type Address, type ChannelSender, type Inbound, type Outbound, type Person } from './core/messages.ts';
import { personKey, revive, TTL, type ConversationRecord, type Mode } from './conversation/record.ts';
import { keyedQueue, type Serialiser } from './conversation/serialise.ts';
import { MemoryConversationStore, type ConversationStore } from './conversation/store.ts';
import { ConfigError } from './errors.ts';
import type { Catalogue } from './knowledge/catalogue.ts';
import {
  isQuestion,
  parseBindingCommand,
  parseEverydayRating,
  parseProxyRequest,
  parseRating,
  parseTicketLead,
  type BindingCommand,
} from './intents/lexicon.ts';
import { pickRoute, withHandlers, type RouteFacts, type RouteName } from './intents/routes.ts';
import * as T from './intents/texts.ts';
import type { Logger } from './log.ts';
import { maskPersonalData, withoutOwnNumbers } from './privacy/pii.ts';
import type { BindingRepo, SeenRepo } from './store/types.ts';
import { FIELD_LABELS, parseDialogState, question as dialogQuestion, type DialogState } from './tickets/dialog.ts';
import { humanDuringDialog } from './tickets/messages.ts';
import { isOpen, STATUS_LABELS, type Ticket, type TicketEvent } from './tickets/model.ts';
import { formatLocal, nextWorkingStart } from './tickets/worktime.ts';
import { parseWorkingHours } from './knowledge/facts.ts';
import { toSimplified } from './text/normalize.ts';
import type { Dispatcher } from './notify/dispatcher.ts';
import type { OutboxEntry } from './notify/outbox.ts';
import type { Routing } from './tickets/routing.ts';
import type { Scope, ServiceActor, ServiceResult, TicketService } from './tickets/service.ts';

export type AppConfig = GateConfig & Pick<Config, 'botName' | 'staffIds' | 'staffRooms'>;

/** The ticket tables the routes read (and, until the ticket service lands, write a requester's notes to). */
export interface TicketReader {
  dialogs: { get(requesterId: string, channel?: string): Promise<{ state: unknown; updatedAt: Date } | undefined> };
  tickets: {
    listByRequester(requester: Address | string): Promise<Ticket[]>;
    get(ref: number | string): Promise<Ticket | undefined>;
    events(ticketId: number): Promise<TicketEvent[]>;
    addEvent(id: number, event: { actor: { id: string; name: string }; kind: string; text?: string | null; public: boolean }, now?: Date): Promise<unknown>;
    rate(id: number, score: number, comment: string | null, actor: { id: string; name: string }, now?: Date): Promise<{ ok: true; ticket: Ticket } | { ok: false; reason: string }>;
  };
}

export interface AppDeps {
  answerer: Answerer;
  /** The ticket side; undefined when tickets are not wired (proxy requests get an honest reply). */
  desk?: TicketDesk;
  store: { bindings: BindingRepo; seen: SeenRepo } & Partial<TicketReader>;
  logger: Logger;
  /** For service-centre contacts. */
  catalogue?: Catalogue;
  /** The one clock (ms since epoch). */
  clock?: Clock;
  /** The bot's own id on a channel, if known (the gate drops messages from it). */
  botId?: (channel: string) => string | undefined;
  /** Where conversation records live (default: memory). */
  conversations?: ConversationStore;
  /** Serialises one person's turns (default: in-process queue; PostgreSQL: advisory locks). */
  serialise?: Serialiser;
  /** Ticket actions (rating, relaying to the clerk) and staff routing; the desk uses the same ones. */
  tickets?: { service: TicketService; routing: Routing; scope: Scope };
  /**
   * The persistent outbox: every message of a turn is queued there and the
   * dispatcher delivers it through the registered channels (retrying, then
   * reporting). Without it (tests, store-less runs) messages are sent directly.
   */
  outbox?: { enqueue(entries: OutboxEntry[]): Promise<unknown>; dispatcher: Dispatcher };
  /**
   * Effectively-once turns: the message id, the turn's writes and its outbox
   * rows commit together. The answering core runs before the transaction.
   */
  commit?: TurnCommitter;
}

/** What a turn reads and writes through: the store's repositories, or those bound to the turn's transaction. */
export interface TurnScope {
  bindings: BindingRepo;
  reader: TicketReader | null;
  desk: TicketDesk | undefined;
  tickets: { service: TicketService; routing: Routing; scope: Scope } | undefined;
  conversations: ConversationStore;
}

/**
 * Runs a turn's writes in one transaction that also claims the message id and
 * queues the turn's messages in the outbox (see src/store/turns.ts). Returns
 * null for a message already handled.
 */
export type TurnCommitter = (inbound: Inbound, now: number, work: (scope: TurnScope) => Promise<Outbound[]>) => Promise<Outbound[] | null>;

export interface App {
  /** One turn: the messages it produced (delivered through registered channels too). */
  handle(inbound: Inbound): Promise<Outbound[]>;
  /** A new friend or contact on a channel: greet, pick up a pending group request. */
  greet(person: Person): Promise<Outbound[]>;
  /** Housekeeping: SLA notices, pruning. Returns (and delivers) what it produced. */
  tick(now: number): Promise<Outbound[]>;
  registerChannel(sender: ChannelSender): void;
  /** Members of the configured staff rooms (the channel reads them). */
  setStaffMembers(ids: string[]): void;
  isStaff(personId: string, chatId?: string, chat?: Address): boolean;
  close(): Promise<void>;
}

/** Statuses whose matches name the item(s) the person is asking about. */
const ITEM_STATUSES = new Set(['answered', 'not_at_town', 'scenario', 'proxy_request']);
/** Statuses of a text that is not a question the knowledge placed (small talk while a rating is awaited asks for the rating again). */
const NOT_UNDERSTOOD = new Set(['no_match', 'out_of_scope', 'smalltalk']);
/**
 * The masked text of a group message holding personal data, when a question is left around the number
 * (「烟花爆竹零售许可证甲镇能办吗，我手机号138…」), else null (「我手机号138…」 alone).
 */
function questionAroundPersonalData(text: string): string | null {
  const masked = maskPersonalData(text);
  return (withoutOwnNumbers(masked).match(/[\u4e00-\u9fff]/g) ?? []).length >= 4 ? masked : null;
}

/** Attempts to deliver one message through its channel before it is reported as failed. */
const SEND_ATTEMPTS = 3;

interface Turn {
  msg: IncomingMessage;
  inbound: Inbound;
  via: Via;
  staff: boolean;
  town: string | null;
  now: number;
  mode: Mode;
  record: ConversationRecord;
  dialog: DialogState | null;
  tickets: Ticket[];
  /** Where this turn writes. */
  s: TurnScope;
  /** Answers computed before the turn's transaction (the answering core is slow; writes wait for nobody). */
  answers: Map<string, AnswerResult>;
  /** Inside the transaction: no new answers may be computed. */
  committing: boolean;
}

export function createApp(config: AppConfig, deps: AppDeps): App {
  const { answerer, desk, store, logger, catalogue } = deps;
  const clock = deps.clock ?? systemClock;
  const gate = createGate({ config, seen: store.seen, clock, botId: deps.botId, claimSeen: !deps.commit });
  const conversations = deps.conversations ?? new MemoryConversationStore();
  const serialise = deps.serialise ?? keyedQueue();
  const senders = new Map<string, ChannelSender>();
  const staffIds = new Set(config.staffIds);
  let staffMembers = new Set<string>();
  /** Staff rooms by bare (Wechaty) room id and by address key (wecom-bot:group:…). */
  const staffRoomTown = new Map(config.staffRooms.map((r) => [r.roomId, r.town]));
  const staffRoomOf = (chat: Address): string | null | undefined =>
    staffRoomTown.has(addressKey(chat)) ? staffRoomTown.get(addressKey(chat)) : staffRoomTown.get(chat.id);
  const isStaffRoom = (chat: Address): boolean => chat.kind === 'group' && (staffRoomTown.has(addressKey(chat)) || staffRoomTown.has(chat.id));
  const reader: TicketReader | null = store.dialogs && store.tickets ? { dialogs: store.dialogs, tickets: store.tickets } : null;
  const baseScope: TurnScope = { bindings: store.bindings, reader, desk, tickets: deps.tickets, conversations };

  const isStaff = (personId: string, chatId?: string, chat?: Address): boolean =>
    staffIds.has(personId) ||
    staffMembers.has(personId) ||
    (chat !== undefined ? isStaffRoom(chat) : chatId !== undefined && staffRoomTown.has(chatId));

  // ---- addresses and messages ---------------------------------------------------

  const legacyOf = (m: Inbound): IncomingMessage => ({
    id: m.id,
    channel: m.chat.channel,
    chatId: m.chat.id,
    chatType: m.chat.kind === 'group' ? 'group' : 'private',
    ...(m.chatName !== undefined ? { chatName: m.chatName } : {}),
    senderId: m.sender.id,
    senderName: m.sender.name,
    text: m.text,
    mentioned: m.mentioned,
    timestamp: m.timestamp,
  });

  /** The desk speaks in chat ids of the message's channel. */
  const fromDesk = (channel: string, replies: OutgoingReply[]): Outbound[] =>
    replies.map((r) =>
      // The ticket service's notices carry their own address (the requester's channel, the staff group's).
      r.message
        ? { ...r.message, text: r.message.to.kind === 'group' ? maskPersonalData(r.message.text) : r.message.text }
        : {
            to: { channel: r.channel ?? channel, kind: r.chatType === 'group' ? 'group' : 'direct', id: r.chatId },
            text: r.chatType === 'group' ? maskPersonalData(r.text) : r.text,
            ...(r.mention ? { mention: r.mention } : {}),
          },
    );

  /** To the asker's chat; @mention and masked in a group. */
  const replyTo = (m: Inbound, text: string): Outbound =>
    m.chat.kind === 'group'
      ? { to: m.chat, text: maskPersonalData(text), mention: { id: m.sender.id, name: m.sender.name } }
      : { to: m.chat, text };

  const directTo = (m: Inbound, text: string): Outbound => ({ to: { channel: m.sender.channel, kind: 'direct', id: m.sender.id }, text });

  /** Desk replies to the asker's group get the mention too. */
  const mentionAsker = (m: Inbound, out: Outbound[]): Outbound[] =>
    out.map((o) =>
      m.chat.kind === 'group' && o.to.kind === 'group' && o.to.id === m.chat.id && !o.mention
        ? { ...o, mention: { id: m.sender.id, name: m.sender.name } }
        : o,
    );

  const contactFor = (town: string | null): string => {
    if (!catalogue) return T.GENERIC_CONTACT;
    const centre = (town ? catalogue.town(town)?.centre : undefined) ?? catalogue.countyCentre();
    const hotline = catalogue.hotline();
    return (
      `${centre.name}，地址：${centre.address ?? '知识库未记录'}，办公时间：${centre.hours ?? '知识库未记录'}` +
      (centre.phone ? `，电话：${centre.phone}` : '') +
      (hotline ? `；也可拨打 ${hotline}。` : '。')
    );
  };

  /** The staff chats for a town: its rooms; else the rooms without a town; else every room; else staff in private. */
  const staffAddresses = (channel: string, town: string | null): Address[] => {
    if (deps.tickets) return deps.tickets.routing.route(town).to;
    const rooms = config.staffRooms;
    let chosen = town ? rooms.filter((r) => r.town === town) : [];
    if (chosen.length === 0) chosen = rooms.filter((r) => r.town === null);
    if (chosen.length === 0) chosen = rooms;
    if (chosen.length) return chosen.map((r) => ({ channel, kind: 'group' as const, id: r.roomId }));
    return config.staffIds.map((id) => ({ channel, kind: 'direct' as const, id }));
  };

  const chatTown = async (m: Inbound): Promise<string | null> => {
    if (m.chat.kind !== 'group') return null;
    const staffTown = staffRoomOf(m.chat);
    if (staffTown) return answerer.resolveTown(staffTown) ?? staffTown;
    return store.bindings.get(m.chat.id);
  };

  // ---- the conversation's state ---------------------------------------------------

  async function activeDialog(personId: string, channel: string, now: number): Promise<DialogState | null> {
    if (!reader) return null;
    const row = await reader.dialogs.get(personId, channel);
    if (!row || now - row.updatedAt.getTime() > TTL.dialogMs) return null;
    const state = parseDialogState(row.state);
    return state && state.step !== 'done' ? state : null;
  }

  const heldTickets = (t: Turn) => t.tickets.filter((x) => isOpen(x.status) && x.conversationHeld && !!x.assigneeId);
  const finishedTickets = (tickets: Ticket[]) => tickets.filter((x) => x.status === 'done');

  /** The mode follows the tickets: a clerk's claim or a 办结 changes it between this person's turns. */
  function modeOf(dialog: DialogState | null, tickets: Ticket[], paced: boolean): Mode {
    if (dialog) return 'dialog';
    if (tickets.some((x) => isOpen(x.status) && x.conversationHeld && !!x.assigneeId)) return 'clerk';
    if (finishedTickets(tickets).length > 0) return 'awaiting_rating';
    // Without the ticket tables (a desk that keeps its own state), the desk says whether a dialog is open.
    return paced && !reader ? 'dialog' : 'bot';
  }

  const topicOf = (result: AnswerResult, now: number): ConversationRecord['topic'] => {
    if (!ITEM_STATUSES.has(result.status) || result.matches.length === 0) return null;
    // Several items named at once (「食品经营许可和营业执照」): the engine's topic holds them all.
    const named = (result.topic?.items ?? []).filter((i) => result.matches.some((m) => m.item === i));
    const items =
      result.status === 'scenario' ? [...new Set(result.matches.map((m) => m.item))] : named.length > 1 ? named : [result.matches[0]!.item];
    return { items, ...(result.scenario ? { scenario: result.scenario } : {}), town: result.town, at: now };
  };

  /** The answering core's result for a text, computed once per turn. */
  async function compute(turn: Turn, text: string): Promise<AnswerResult> {
    let result = turn.answers.get(text);
    if (!result) {
      // The answering core may write (the unanswered log) through the store: never inside the turn's transaction.
      if (turn.committing) throw new Error('an answer was needed that was not computed before the transaction (see answersNeeded)');
      // Stateless: the previous answer's topic comes from the conversation record (same chat), not from the engine.
      const prev = turn.record.answerTopic;
      const topic =
        prev && prev.chat === turn.inbound.chat.id
          ? { items: prev.items, town: prev.town, ...(prev.scenario ? { scenario: prev.scenario } : {}), ...(prev.aspect ? { aspect: prev.aspect } : {}) }
          : null;
      result = await answerer.ask(text, { boundTown: turn.town, topic });
      turn.answers.set(text, result);
    }
    return result;
  }

  async function answer(turn: Turn, text = turn.msg.text): Promise<AnswerResult> {
    const result = await compute(turn, text);
    if (result.topic) turn.record.answerTopic = { ...result.topic, chat: turn.inbound.chat.id, at: turn.now };
    // A question the knowledge could not place (驾照换证) moved the conversation on: a follow-up after it
    // (今天下午能办不) must not answer the topic before it.
    else if (result.status === 'no_match' || result.status === 'out_of_scope') delete turn.record.answerTopic;
    const topic = topicOf(result, turn.now);
    if (topic) {
      turn.record.topic = topic;
      turn.record.topicChat = turn.inbound.chat.id;
    }
    logger.info(
      { chat: turn.msg.chatId, sender: turn.msg.senderId, status: result.status, town: result.town, path: result.path.kind, route: 'answer' },
      'answered',
    );
    return result;
  }

  const knows = (r: AnswerResult) => ITEM_STATUSES.has(r.status) && r.matches.length > 0;

  // ---- handlers -------------------------------------------------------------------

  const actorOf = (t: Turn): ServiceActor => ({
    id: t.inbound.sender.id,
    name: t.inbound.sender.name,
    address: { channel: t.inbound.sender.channel, kind: 'direct', id: t.inbound.sender.id },
    via: t.inbound.chat,
  });

  /** The service's messages (the actor's reply among them), or its refusal. */
  const serviceOut = (t: Turn, r: ServiceResult): Outbound[] =>
    r.ok ? r.messages.map((e) => e.message) : [replyTo(t.inbound, r.reason)];

  const deskCtx = (t: Turn): DeskContext => ({ isStaff: t.staff, town: t.town });
  const viaDesk = async (t: Turn): Promise<Outbound[] | null> => {
    if (!t.s.desk) return null;
    const r = await t.s.desk.handle(t.msg, deskCtx(t));
    return r === null ? null : mentionAsker(t.inbound, fromDesk(t.inbound.chat.channel, r));
  };

  async function bindingCommand(t: Turn, cmd: BindingCommand): Promise<Outbound[]> {
    const m = t.inbound;
    const say = (text: string) => [replyTo(m, text)];
    if (m.chat.kind !== 'group') return say(cmd.kind === 'status' ? T.PRIVATE_STATUS : T.BIND_ONLY_IN_GROUP);
    if (cmd.kind === 'status') return say(T.status(t.town, config.botName, config.groupPrefixes));
    if (!t.staff) {
      logger.warn({ chat: m.chat.id, sender: m.sender.id, command: cmd.kind }, 'binding command refused: not staff');
      return say(T.BIND_STAFF_ONLY);
    }
    if (cmd.kind === 'unbind') {
      const town = await t.s.bindings.get(m.chat.id);
      if (!town) return say(T.NOT_BOUND);
      await t.s.bindings.remove(m.chat.id);
      logger.info({ chat: m.chat.id, by: m.sender.id, town }, 'group unbound');
      return say(T.unbound(town));
    }
    if (cmd.town === '') return say(T.bindNeedTown(answerer.towns()));
    const town = answerer.resolveTown(cmd.town);
    if (!town) return say(T.bindUnknownTown(cmd.town, answerer.towns()));
    await t.s.bindings.set(m.chat.id, town, m.sender.id);
    logger.info({ chat: m.chat.id, by: m.sender.id, town }, 'group bound');
    return say(T.bound(town));
  }

  async function proxyRequest(t: Turn, rest: string): Promise<Outbound[]> {
    let req: ProxyRequest | null = null;
    if (rest !== '') {
      const result = await answer(t, rest);
      if (knows(result)) {
        const topic = t.record.topic!;
        req = { items: topic.items, town: result.town ?? t.town, ...(topic.scenario ? { scenario: topic.scenario } : {}) };
      }
    }
    if (!req && t.record.topic) {
      const topic = t.record.topic;
      req = { items: topic.items, town: topic.town ?? t.town, ...(topic.scenario ? { scenario: topic.scenario } : {}) };
    }
    if (t.mode === 'dialog' && !req && t.dialog) {
      // 「代办」 again mid-dialog: the registration goes on where it was.
      return [replyTo(t.inbound, T.dialogContinues(dialogQuestion(t.dialog.step, t.dialog)))];
    }
    const desk = t.s.desk;
    if (!desk) return [replyTo(t.inbound, T.proxyUnavailable(contactFor(req?.town ?? t.town)))];
    if (!req) {
      // The next message in this chat may name the item(s) (route proxy_item).
      t.record.awaitingItem = { chat: t.inbound.chat.id, at: t.now };
      return [replyTo(t.inbound, T.ASK_WHICH_ITEM)];
    }
    logger.info({ chat: t.msg.chatId, sender: t.msg.senderId, items: req.items, town: req.town }, 'proxy request');
    return mentionAsker(t.inbound, fromDesk(t.inbound.chat.channel, await desk.startRequest(t.msg, req)));
  }

  /** 「人工」: tell the staff of the chat's town, and the asker how they will be reached. */
  function humanRequest(t: Turn): Outbound[] {
    const m = t.inbound;
    const reminder = t.dialog ? `\n${T.dialogContinues(dialogQuestion(t.dialog.step, t.dialog))}` : '';
    if (t.record.humanAskedAt !== null && t.now - t.record.humanAskedAt < TTL.humanRepeatMs) {
      return [replyTo(m, T.HUMAN_ALREADY_REQUESTED + reminder)];
    }
    const open = t.tickets.filter((x) => isOpen(x.status));
    // In a registration dialog the town is the dialog's: its own centre, not the county's; else the open ticket's or the topic's.
    const town = t.town ?? t.dialog?.town ?? open[0]?.town ?? t.record.topic?.town ?? null;
    // Private or group, staff are told the same way (a town nobody covers: every staff group).
    const targets =
      config.staffRooms.length || config.staffIds.length
        ? deps.tickets
          ? deps.tickets.routing.forHuman(town)
          : staffAddresses(m.chat.channel, town)
        : [];
    if (!targets.length) return [replyTo(m, T.humanUnavailable(contactFor(town)) + reminder)];
    t.record.humanAskedAt = t.now;
    const where = m.chat.kind === 'group' ? `群「${m.chatName ?? m.chat.id}」` : '私聊';
    const about = t.dialog?.items.length ? t.dialog.items.join('、') : t.record.topic ? t.record.topic.items.join('、') : null;
    const situation: T.HumanSituation =
      m.chat.kind === 'group'
        ? { kind: 'group' }
        : t.dialog
          ? { kind: 'dialog', step: t.dialog.step === 'confirm' ? '核对确认' : FIELD_LABELS[t.dialog.step as keyof typeof FIELD_LABELS] ?? t.dialog.step }
          : open.length
            ? { kind: 'tickets', tickets: open.map((x) => ({ id: x.id, status: STATUS_LABELS[x.status] })) }
            : { kind: 'none' };
    const note = maskPersonalData(T.humanForStaff(m.sender.name, where, about, situation));
    logger.info({ chat: m.chat.id, sender: m.sender.id, town, situation: situation.kind }, 'human requested');
    // Outside the centre's working hours: when staff will see it.
    const hours = catalogue ? parseWorkingHours((town ? catalogue.town(town)?.centre.hours : undefined) ?? catalogue.countyCentre().hours) : null;
    const next = nextWorkingStart(new Date(t.now), hours ?? undefined);
    const told = (t.dialog ? humanDuringDialog(contactFor(town)) : T.humanRequested(contactFor(town))) + (next ? T.staffSeeAt(formatLocal(next)) : '');
    return [replyTo(m, told + reminder), ...targets.map((to) => ({ to, text: note }))];
  }

  async function myTickets(t: Turn): Promise<Outbound[]> {
    const desk = t.s.desk;
    if (!desk) return [replyTo(t.inbound, T.ticketsUnavailable(contactFor(t.town)))];
    if (t.inbound.chat.kind === 'group') {
      // A person's tickets are never listed to a whole group: in private, with a pointer here.
      const priv: IncomingMessage = { ...t.msg, chatId: t.msg.senderId, chatType: 'private' };
      const list = fromDesk(t.inbound.chat.channel, await desk.myTickets(priv));
      return [replyTo(t.inbound, T.TICKETS_IN_PRIVATE), ...list];
    }
    return fromDesk(t.inbound.chat.channel, await desk.myTickets(t.msg));
  }

  /** The ticket the clerk last wrote about (claims count); null when two tickets are equally likely. */
  async function clerkTicket(t: Turn): Promise<Ticket | null> {
    const held = heldTickets(t);
    const reader = t.s.reader;
    if (held.length <= 1 || !reader) return held[0] ?? null;
    let best: { ticket: Ticket; at: number; spoke: boolean } | null = null;
    let anySpoke = false;
    for (const ticket of held) {
      const events = await reader.tickets.events(ticket.id);
      const byClerk = events.filter((e) => e.actorId === ticket.assigneeId && e.kind !== 'note');
      const last = byClerk.at(-1);
      const spoke = byClerk.some((e) => e.kind !== 'claim' && e.kind !== 'transfer');
      anySpoke ||= spoke;
      const at = last?.at.getTime() ?? 0;
      if (!best || at > best.at) best = { ticket, at, spoke };
    }
    if (anySpoke) return best!.ticket;
    // Only claims so far: the ticket this person last wrote about (「#12 …」), else ask.
    return held.find((x) => x.id === t.record.clerkTicket) ?? null;
  }

  /** A requester's message kept on a ticket (and relayed to its clerk when there is one). */
  async function noteOnTicket(t: Turn, ticket: Ticket, text: string): Promise<Outbound[]> {
    const reader = t.s.reader;
    if (!reader) return [];
    const events = await reader.tickets.events(ticket.id);
    const lastKind = events.at(-1)?.kind;
    t.record.clerkTicket = ticket.id;
    const channel = t.inbound.chat.channel;
    const out: Outbound[] = [];
    const tickets = t.s.tickets;
    if (ticket.assigneeId && ticket.conversationHeld && tickets) {
      // Acknowledge once per exchange, not for every message.
      const r = await tickets.service.relay(tickets.scope, ticket.id, actorOf(t), text, { acknowledge: lastKind !== 'requester_message' });
      return serviceOut(t, r);
    }
    await reader.tickets.addEvent(
      ticket.id,
      { actor: { id: t.msg.senderId, name: t.msg.senderName }, kind: 'requester_message', text, public: true },
      new Date(t.now),
    );
    if (ticket.assigneeId) {
      logger.info({ event: 'relayed_to_clerk', ticket: ticket.number, clerk: ticket.assigneeId, text: maskPersonalData(text) }, 'requester message relayed');
      out.push({ to: ticket.assignee ?? { channel, kind: 'direct', id: ticket.assigneeId }, text: T.relayToClerk(ticket.id, ticket.requesterName, text) });
      if (lastKind !== 'requester_message') out.push(replyTo(t.inbound, T.relayed(ticket.assigneeName ?? '办事员', ticket.id)));
    } else {
      logger.info({ event: 'note_before_claim', ticket: ticket.number }, 'requester message kept on an unclaimed ticket');
      if (lastKind !== 'requester_message') out.push(replyTo(t.inbound, T.keptForClerk(ticket.id)));
    }
    return out;
  }

  async function clerkMessage(t: Turn): Promise<Outbound[]> {
    const held = heldTickets(t);
    const lead = parseTicketLead(t.msg.text);
    if (lead) {
      const named = held.find((x) => x.id === lead.ticket) ?? t.tickets.find((x) => x.id === lead.ticket && isOpen(x.status));
      if (named) return noteOnTicket(t, named, lead.rest || t.msg.text);
    }
    const ticket = await clerkTicket(t);
    if (!ticket) return [replyTo(t.inbound, T.whichTicket(held.map((x) => ({ id: x.id, items: x.items.map((i) => i.name), clerk: x.assigneeName ?? '' }))))];
    return noteOnTicket(t, ticket, t.msg.text);
  }

  async function rate(t: Turn): Promise<Outbound[]> {
    const r = parseRating(t.msg.text) ?? (t.mode === 'awaiting_rating' ? parseEverydayRating(t.msg.text) : null);
    if (!r) return [replyTo(t.inbound, T.RATING_SCALE)];
    const done = finishedTickets(t.tickets);
    const reader = t.s.reader;
    if (!reader || done.length === 0) return [replyTo(t.inbound, T.NOTHING_TO_RATE)];
    let ticket: Ticket | undefined;
    if (r.ticket !== null) ticket = done.find((x) => x.id === r.ticket);
    else if (done.length === 1) ticket = done[0];
    else if (t.record.ratingTicket !== null) ticket = done.find((x) => x.id === t.record.ratingTicket);
    if (!ticket) {
      if (r.ticket !== null) return [replyTo(t.inbound, T.noSuchTicketToRate(r.ticket, done.map((x) => x.id)))];
      return [replyTo(t.inbound, T.whichTicketToRate(done.map((x) => ({ id: x.id, items: x.items.map((i) => i.name) }))))];
    }
    const rest = done.filter((x) => x.id !== ticket.id);
    if (t.s.tickets) {
      const res = await t.s.tickets.service.rate(t.s.tickets.scope, ticket.id, actorOf(t), r.score, r.comment);
      if (res.ok) {
        t.record.ratingTicket = rest.length === 1 ? rest[0]!.id : null;
        const out = serviceOut(t, res);
        if (rest.length) out.push(replyTo(t.inbound, T.stillToRate(rest.map((x) => x.id))));
        return out;
      }
      return serviceOut(t, res);
    }
    const res = await reader.tickets.rate(ticket.id, r.score, r.comment, { id: t.msg.senderId, name: t.msg.senderName }, new Date(t.now));
    if (!res.ok) return [replyTo(t.inbound, res.reason)];
    t.record.ratingTicket = null;
    logger.info({ event: 'ticket_rated', ticket: ticket.number, score: r.score }, 'ticket rated');
    const channel = t.inbound.chat.channel;
    const note = T.ratingForStaff(ticket.id, r.score, r.comment);
    const to = staffAddresses(channel, ticket.town);
    const out: Outbound[] = [replyTo(t.inbound, T.rated(ticket.id, r.score, rest.map((x) => x.id)))];
    out.push(...to.map((a) => ({ to: a, text: maskPersonalData(note) })));
    return out;
  }

  async function dialogQuestionRoute(t: Turn): Promise<Outbound[]> {
    const dialog = t.dialog!;
    const result = await answer(t);
    const reminder = T.dialogContinues(dialogQuestion(dialog.step, dialog));
    if (knows(result)) return [replyTo(t.inbound, `${result.answer}\n\n${reminder}`)];
    return [replyTo(t.inbound, T.dialogNotAField(reminder))];
  }

  async function clerkQuestion(t: Turn): Promise<Outbound[]> {
    const result = await answer(t);
    if (!knows(result)) return clerkMessage(t);
    const ticket = await clerkTicket(t);
    const held = heldTickets(t);
    return [replyTo(t.inbound, `${result.answer}\n\n${T.answeredNotRelayed(ticket?.id ?? held[0]!.id)}`)];
  }

  async function plainQuestion(t: Turn): Promise<Outbound[]> {
    const result = await answer(t);
    return [replyTo(t.inbound, result.answer)];
  }

  const handlers: Record<RouteName, (t: Turn) => Promise<Outbound[]>> = {
    staff_chatter: async () => [],
    staff_command: async (t) => (await viaDesk(t)) ?? (t.staff ? [] : [replyTo(t.inbound, T.STAFF_ONLY)]),
    binding: (t) => bindingCommand(t, parseBindingCommand(t.msg.text)!),
    privacy_in_group: async (t) => {
      // The question around the number is still answered, from the masked text (the reply never repeats the
      // question), so the conversation's topic follows it; the warning comes first.
      const masked = questionAroundPersonalData(t.msg.text);
      const result = masked ? await answer(t, masked) : null;
      const answered = result && !['help', 'smalltalk', 'no_match', 'out_of_scope'].includes(result.status);
      logger.info({ chat: t.msg.chatId, sender: t.msg.senderId, answered: !!answered }, 'personal data in group: warned');
      return [replyTo(t.inbound, answered ? `${T.PRIVACY_IN_GROUP}\n\n${result.answer}` : T.PRIVACY_IN_GROUP)];
    },
    cancel_own: async (t) => (await viaDesk(t)) ?? [replyTo(t.inbound, T.ticketsUnavailable(contactFor(t.town)))],
    help_empty: async (t) => [replyTo(t.inbound, T.helpText(config.botName))],
    my_tickets: myTickets,
    human: async (t) => humanRequest(t),
    dialog_cancel: async (t) => (await viaDesk(t)) ?? [],
    nothing_to_cancel: async (t) => [replyTo(t.inbound, T.NOTHING_TO_CANCEL)],
    help: async (t) => {
      // A clerk in a staff group or in private: the ticket commands.
      if (t.staff && (t.inbound.chat.kind === 'direct' || isStaffRoom(t.inbound.chat))) {
        return [replyTo(t.inbound, t.inbound.chat.kind === 'direct' ? `${T.STAFF_HELP}\n\n${T.helpText(config.botName)}` : T.STAFF_HELP)];
      }
      return [
        replyTo(t.inbound, T.helpText(config.botName) + (t.dialog ? `\n${T.dialogContinues(dialogQuestion(t.dialog.step, t.dialog))}` : '')),
      ];
    },
    greeting: async (t) => [
      replyTo(t.inbound, T.helpText(config.botName) + (t.dialog ? `\n${T.dialogContinues(dialogQuestion(t.dialog.step, t.dialog))}` : '')),
    ],
    proxy_request: (t) => proxyRequest(t, parseProxyRequest(t.msg.text)!.rest),
    // The reply to 「请问您想代办哪一项手续？」: an item (or several) starts the dialog; anything else is a question.
    proxy_item: async (t) => (knows(await compute(t, t.msg.text)) ? proxyRequest(t, t.msg.text) : plainQuestion(t)),
    rate,
    clerk_message: clerkMessage,
    thanks: async (t) => [replyTo(t.inbound, T.YOU_ARE_WELCOME)],
    confirm_again: async (t) => (await viaDesk(t)) ?? plainQuestion(t),
    dialog_question: dialogQuestionRoute,
    // The desk takes the answer; should it decline, the dialog's question is asked again (a dialog answer is never sent to the answering core).
    dialog_step: async (t) =>
      (await viaDesk(t)) ?? (t.dialog ? [replyTo(t.inbound, T.dialogContinues(dialogQuestion(t.dialog.step, t.dialog)))] : plainQuestion(t)),
    clerk_question: clerkQuestion,
    unclaimed_note: async (t) => {
      const ticket = t.tickets.find((x) => x.status === 'registered');
      return ticket ? noteOnTicket(t, ticket, t.msg.text) : plainQuestion(t);
    },
    question: async (t) => {
      // Without the ticket tables, the desk still keeps its dialogs and relays.
      if (!reader && t.inbound.chat.kind === 'direct') {
        const r = await viaDesk(t);
        if (r) return r;
      }
      // A finished ticket waits for its rating: a remark the knowledge cannot place (「嗯就这样吧」) is taken as a try at rating.
      if (t.mode === 'awaiting_rating' && !isQuestion(t.msg.text) && NOT_UNDERSTOOD.has((await compute(t, t.msg.text)).status)) {
        return [replyTo(t.inbound, T.rateAgain(finishedTickets(t.tickets).map((x) => x.id)))];
      }
      return plainQuestion(t);
    },
  };
  const routes = withHandlers(handlers);

  // ---- delivery -------------------------------------------------------------------

  async function deliver(out: Outbound[], kind = 'turn'): Promise<void> {
    if (out.length === 0) return;
    if (deps.outbox) {
      await deps.outbox.enqueue(out.map((message) => ({ message, kind })));
      // Delivered now (the dispatcher keeps one destination's messages in order); failures are retried by its poll.
      await deps.outbox.dispatcher.runOnce();
      return;
    }
    for (const message of out) {
      const sender = senders.get(message.to.channel);
      if (!sender) continue;
      for (let attempt = 1; ; attempt++) {
        try {
          await sender.send(message);
          break;
        } catch (err) {
          if (attempt >= SEND_ATTEMPTS) {
            logger.error({ err, to: message.to, attempts: attempt }, 'message could not be delivered');
            break;
          }
          logger.warn({ err, to: message.to, attempt }, 'delivery failed, retrying');
        }
      }
    }
  }

  // ---- the turn ---------------------------------------------------------------------

  /** The texts whose answers a route may give (computed before its transaction). */
  function answersNeeded(route: RouteName, text: string): string[] {
    switch (route) {
      // Only questions: dialog answers and notes for the clerk (names, phone numbers) never reach the answering core or its log.
      case 'question':
      case 'dialog_question':
      case 'clerk_question':
      case 'confirm_again':
      case 'proxy_item':
        return [text];
      case 'proxy_request': {
        const rest = parseProxyRequest(text)?.rest ?? '';
        return rest ? [rest] : [];
      }
      case 'privacy_in_group': {
        const masked = questionAroundPersonalData(text);
        return masked ? [masked] : [];
      }
      default:
        return [];
    }
  }

  async function turn(raw: Inbound): Promise<{ out: Outbound[]; queued: boolean }> {
    const now = clock();
    const chatId = raw.chat.kind === 'group' ? raw.chat.id : undefined;
    const staff = isStaff(raw.sender.id, chatId, raw.chat.kind === 'group' ? raw.chat : undefined) || raw.context?.isStaff === true;
    const dialog = raw.chat.kind === 'direct' ? await activeDialog(raw.sender.id, raw.sender.channel, now) : null;
    const tickets = reader && raw.chat.kind === 'direct' ? await reader.tickets.listByRequester({ channel: raw.sender.channel, kind: 'direct', id: raw.sender.id }) : [];
    // People answering a dialog or talking with their clerk are paced by people: a larger allowance.
    const paced =
      raw.chat.kind === 'direct' && (reader ? !!dialog || tickets.some((x) => isOpen(x.status) && x.conversationHeld) : !!desk && (await desk.inConversation(raw.sender.id, raw.sender.channel).catch(() => false)));
    const decision = await gate.check(raw, { rateExempt: staff, paced });
    if (decision.action === 'drop') {
      logger.debug({ id: raw.id, chat: raw.chat.id, reason: decision.reason }, 'message dropped');
      return { out: [], queued: false };
    }
    if (decision.action === 'notice') {
      logger.info({ chat: raw.chat.id, sender: raw.sender.id, reason: decision.reason }, 'rate limited');
      return { out: [decision.reason === 'rate_limited_group' ? { to: raw.chat, text: GROUP_RATE_NOTICE } : replyTo(raw, decision.text)], queued: false };
    }
    // Traditional input is understood everywhere, and what is stored or relayed is Simplified.
    const inbound: Inbound = { ...decision.message, text: toSimplified(decision.message.text) };
    const { channel, id: personId } = inbound.sender;
    const loaded = await conversations.load(channel, personId);
    const record = revive(loaded.state, personKey(channel, personId), now);
    const mode: Mode = inbound.chat.kind === 'group' ? 'bot' : modeOf(dialog, tickets, paced);
    record.mode = mode;
    const t: Turn = {
      msg: legacyOf(inbound),
      inbound,
      via: decision.via,
      staff,
      // The chat's town (bound group, staff group), else the one the channel knows (a 微信客服 link opened for a town).
      town: (await chatTown(inbound)) ?? (inbound.context?.town ? answerer.resolveTown(inbound.context.town) : null),
      now,
      mode,
      record,
      dialog,
      tickets,
      s: baseScope,
      answers: new Map(),
      committing: false,
    };
    const facts: RouteFacts = {
      text: inbound.text,
      mode,
      chat: inbound.chat.kind,
      staffRoomChatter: decision.via === 'staff_room',
      staff,
      unclaimedTicket: tickets.some((x) => x.status === 'registered'),
      awaitingItem: record.awaitingItem?.chat === inbound.chat.id,
    };
    // 「请问您想代办哪一项手续？」 waits for one message only.
    record.awaitingItem = null;
    const route = pickRoute(routes, facts);
    logger.debug({ id: inbound.id, chat: inbound.chat.id, sender: personId, via: decision.via, mode, route: route.name }, 'message in');
    // The slow part first, outside any transaction: the answers this route may give.
    for (const text of answersNeeded(route.name, inbound.text)) await compute(t, text);
    const work = async (s: TurnScope): Promise<Outbound[]> => {
      t.s = s;
      t.committing = !!deps.commit;
      let out = await route.handle(t);
      if (decision.truncated && out.length > 0) out = [...out, replyTo(inbound, truncatedNote(MAX_INBOUND_CHARS))];
      record.updatedAt = now;
      if (!(await s.conversations.save(channel, personId, record, loaded.version))) {
        logger.warn({ person: personKey(channel, personId) }, 'conversation record changed by another writer; kept theirs');
      }
      return out;
    };
    if (!deps.commit) return { out: await work(baseScope), queued: false };
    const committed = await deps.commit(inbound, now, work);
    if (committed === null) {
      logger.debug({ id: raw.id, chat: raw.chat.id, reason: 'duplicate' }, 'message dropped');
      return { out: [], queued: true };
    }
    return { out: committed, queued: true };
  }

  return {
    async handle(inbound) {
      const started = clock();
      const { out, queued } = await serialise(personKey(inbound.sender.channel, inbound.sender.id), async () => {
        try {
          return await turn(inbound);
        } catch (err) {
          logger.error({ err, id: inbound.id, chat: inbound.chat.id, ms: clock() - started }, 'turn failed');
          return { out: [replyTo(inbound, T.APOLOGY)], queued: false };
        }
      });
      // Committed with the turn: deliver now (the dispatcher's poll would, a moment later).
      if (queued) await deps.outbox?.dispatcher.runOnce();
      else await deliver(out);
      return out;
    },

    async greet(person) {
      const to: Address = { channel: person.channel, kind: 'direct', id: person.id };
      const greeting: Outbound[] = [{ to, text: T.helpText(config.botName) }];
      let out = greeting;
      if (desk) {
        try {
          const replies = await desk.onFriend(person.id, person.name, person.channel);
          if (replies.length > 0) out = fromDesk(person.channel, replies);
        } catch (err) {
          logger.error({ err, contact: person.id }, 'greeting failed');
        }
      }
      await deliver(out);
      return out;
    },

    async tick(now) {
      gate.prune(now);
      if (!desk) return [];
      let out: Outbound[] = [];
      try {
        const channels = [...senders.keys()];
        out = fromDesk(channels[0] ?? 'wechaty', await desk.tick(new Date(now)));
      } catch (err) {
        logger.error({ err }, 'desk tick failed');
        return [];
      }
      await deliver(out, 'tick');
      return out;
    },

    registerChannel(sender) {
      senders.set(sender.name, sender);
      deps.outbox?.dispatcher.register(sender);
      deps.outbox?.dispatcher.start();
    },

    setStaffMembers(ids) {
      staffMembers = new Set(ids);
    },

    isStaff,

    async close() {
      await deps.outbox?.dispatcher.stop();
      senders.clear();
    },
  };
}

// ---- opening everything behind the channels -----------------------------------------

export interface OpenedApp {
  app: App;
  config: Config;
  store: import('./store/index.ts').Store;
  answerer: import('./answering/engine.ts').Engine & { close(): Promise<void> };
  desk: (TicketDesk & { readonly store: unknown }) | null;
  /** Closes the app, the desk, the answerer and the store, in that order. */
  close(): Promise<void>;
}

export interface OpenOptions {
  logger: Logger;
  onProgress?: (p: import('./retrieval/index-store.ts').BuildProgress) => void;
  /** The bot's own id on a channel once logged in. */
  botId?: (channel: string) => string | undefined;
  /** Opens the store (default: from the configuration); tests pass a PostgreSQL schema here. */
  openStore?: () => Promise<import('./store/index.ts').Store>;
  /** Without the ticket desk (CLI questions). */
  tickets?: boolean;
  /** Record questions the knowledge could not answer (default true). */
  recordUnanswered?: boolean;
  clock?: Clock;
  /** Runs inside a turn's transaction just before COMMIT (crash tests). */
  beforeCommit?: (inbound: Inbound) => void | Promise<void>;
}

/**
 * Opens the store, the answering core (its index built on first run, with
 * the model around it when one is configured), the ticket desk and the app.
 * The bot, the demo and every CLI command open exactly this.
 */
export async function openApp(configIn: Config, opts: OpenOptions): Promise<OpenedApp> {
  const { logger } = opts;
  const { openStore } = await import('./store/index.ts');
  const store = await (opts.openStore?.() ?? openStore({ databaseUrl: configIn.databaseUrl, sqlitePath: configIn.sqlitePath }));
  try {
    const { openAnswerer } = await import('./answering/engine.ts');
    const offline = await openAnswerer(configIn, {
      logger,
      onProgress: opts.onProgress,
      unanswered: opts.recordUnanswered === false ? undefined : store.unanswered,
    });
    const config = withStaffRoomTowns(configIn, offline);
    // With a model configured, questions are also rewritten and replies reworded (src/llm), never ungrounded.
    const answerer = config.openai
      ? (await import('./llm/answerer.ts')).withLlm(offline, config.openai, {
          logger,
          budgetFile: (await import('node:path')).join(config.dataDir, 'llm-usage.json'),
        })
      : offline;
    const catalogue = answerer.catalogue();
    const clock = opts.clock ?? systemClock;
    const dateNow = () => new Date(clock());
    const { createRouting } = await import('./tickets/routing.ts');
    const { createTicketService } = await import('./tickets/service.ts');
    const routing = createRouting(config);
    // The desk's and the routes' ticket actions return their messages; the app queues them with the turn's.
    const service = createTicketService({ catalogue, routing, clock: dateNow, logger, enqueue: false });
    const { createTicketDesk } = await import('./tickets/desk.ts');
    type DeskStore = Parameters<typeof createTicketDesk>[0]['store'];
    const deskOn = (on: DeskStore) =>
      createTicketDesk({ store: on, catalogue, config, routing, service, clock: dateNow, logger, resolveTown: (text) => answerer.resolveTown(text) });
    const desk = opts.tickets === false ? null : deskOn(store);
    const { commitTurn } = await import('./store/turns.ts');
    const { databaseConversationStore: conversationsOn } = await import('./conversation/store.ts');
    /** One transaction per turn: the message id, every write of the turn (through `tx`) and its outbox rows. */
    const commit: TurnCommitter = async (inbound, now, work) => {
      const r = await commitTurn(store, { channel: inbound.chat.channel, id: inbound.id }, new Date(now), async (tx) => {
        // The store as seen from inside the transaction: services and the desk join it instead of opening their own.
        const inTx = { ...tx, transaction: <T>(fn: (t: typeof tx) => Promise<T>) => fn(tx), close: async () => {} } as unknown as DeskStore;
        const out = await work({
          bindings: tx.bindings,
          reader: { dialogs: tx.dialogs, tickets: tx.tickets },
          desk: desk ? deskOn(inTx) : undefined,
          tickets: { service, routing, scope: tx },
          conversations: conversationsOn(tx.conversations),
        });
        return { result: out, outbound: out.map((message) => ({ message, kind: 'turn' })) };
      }, opts.beforeCommit ? { beforeCommit: () => opts.beforeCommit!(inbound) } : {});
      return r.duplicate ? null : r.result;
    };
    const { createDispatcher } = await import('./notify/dispatcher.ts');
    const { undeliverableNotice } = await import('./tickets/notifications.ts');
    const dispatcher = createDispatcher({ store, clock: dateNow, logger, onUndeliverable: (row) => undeliverableNotice(row, routing) });
    const { databaseConversationStore } = await import('./conversation/store.ts');
    const { postgresSerialiser } = await import('./conversation/serialise.ts');
    const app = createApp(config, {
      answerer,
      ...(desk ? { desk } : {}),
      store,
      logger,
      catalogue,
      clock,
      tickets: { service, routing, scope: store },
      outbox: { enqueue: (entries) => store.outbox.enqueue(entries, dateNow()), dispatcher },
      commit,
      ...(opts.botId ? { botId: opts.botId } : {}),
      conversations: databaseConversationStore(store.conversations),
      // On PostgreSQL several processes may serve one channel: the person's lock holds across them.
      ...(store.dialect === 'postgres' ? { serialise: postgresSerialiser(store.db) } : {}),
    });
    let closed = false;
    return {
      app,
      config,
      store,
      answerer,
      desk,
      async close() {
        if (closed) return;
        closed = true;
        for (const [name, step] of [
          ['app', () => app.close()],
          ['desk', () => desk?.close()],
          ['answerer', () => answerer.close()],
          ['store', () => store.close()],
        ] as const) {
          try {
            await step();
          } catch (err) {
            logger.error({ err, part: name }, 'close failed');
          }
        }
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * STAFF_ROOMS may name a town by short or Traditional name (r1@chatroom=某镇简称);
 * tickets carry the full name, so resolve it once, and refuse unknown towns
 * instead of quietly routing every town's tickets to every staff room.
 */
export function withStaffRoomTowns(config: Config, towns: { resolveTown(name: string): string | null; towns(): string[] }): Config {
  const problems: { variable: string; value: string; expected: string }[] = [];
  const staffRooms = config.staffRooms.map((r) => {
    if (!r.town) return r;
    const town = towns.resolveTown(r.town);
    if (!town) problems.push({ variable: 'STAFF_ROOMS', value: `${r.roomId}=${r.town}`, expected: `知识库里的镇（街道）：${towns.towns().join('、')}` });
    return { ...r, town };
  });
  if (problems.length) throw new ConfigError(problems);
  return { ...config, staffRooms };
}
