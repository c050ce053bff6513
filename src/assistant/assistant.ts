// The core's one entry. A transport hands every incoming message to
// handleMessage and sends back whatever replies it returns; nothing here knows
// about WeChat. Order: gate → binding commands → personal data in a group →
// ticket desk → my tickets / proxy request → answering core.
import type { AnswerResult, Answerer } from '../answering/types.ts';
import type { Config } from '../config/env.ts';
import type { Catalogue } from '../knowledge/catalogue.ts';
import type { Logger } from '../log.ts';
import { findPersonalData, maskPersonalData, type PersonalDataKind } from '../privacy/pii.ts';
import type { BindingRepo, SeenRepo } from '../store/types.ts';
import { toSimplified } from '../text/normalize.ts';
import { createGate, type GateConfig } from './gate.ts';
import { isHumanRequest, isTicketQuery, parseBindingCommand, parseProxyRequest, type BindingCommand } from './intents.ts';
import * as T from './texts.ts';
import type { IncomingMessage, OutgoingReply, ProxyRequest, TicketDesk } from './types.ts';

export type AssistantConfig = GateConfig & Pick<Config, 'botName' | 'staffIds' | 'staffRooms'>;

export interface AssistantDeps {
  config: AssistantConfig;
  answerer: Answerer;
  /** The ticket side; undefined when tickets are not wired (proxy requests get an honest reply). */
  desk?: TicketDesk;
  store: { bindings: BindingRepo; seen: SeenRepo };
  logger: Logger;
  /** For service-centre contacts when there is no desk. */
  catalogue?: Catalogue;
  /** ms since epoch; injectable for tests. */
  clock?: () => number;
  /** The bot's own contact id, if known (the gate drops messages from it). */
  botId?: () => string | undefined;
}

export interface Assistant {
  handleMessage(msg: IncomingMessage): Promise<OutgoingReply[]>;
  onFriend(contactId: string, name: string): Promise<OutgoingReply[]>;
  tick(now: Date): Promise<OutgoingReply[]>;
  /** Members of the configured staff rooms (the transport reads them from WeChat). */
  setStaffMembers(ids: string[]): void;
  /** Is this person staff (configured id, staff-room member)? */
  isStaff(senderId: string, chatId?: string): boolean;
  close(): Promise<void>;
}

/** What an earlier answer in a conversation was about, for a later 「代办」. */
interface AnswerContext {
  items: string[];
  scenario?: string;
  town: string | null;
  at: number;
}

const CONTEXT_TTL_MS = 2 * 60 * 60 * 1000;
/** Statuses whose matches name the item(s) the person is asking about. */
const ITEM_STATUSES = new Set(['answered', 'not_at_town', 'scenario', 'proxy_request']);
/** What must never be repeated in a group. Credit codes are printed on every licence and are not blocked. */
const PRIVATE_KINDS = new Set<PersonalDataKind>(['id_card', 'bank_card', 'mobile']);

export function createAssistant(deps: AssistantDeps): Assistant {
  const { config, answerer, desk, store, logger, catalogue } = deps;
  const clock = deps.clock ?? Date.now;
  const gate = createGate({ config, seen: store.seen, clock, botId: deps.botId });
  const staffIds = new Set(config.staffIds);
  let staffMembers = new Set<string>();
  const staffRoomTown = new Map(config.staffRooms.map((r) => [r.roomId, r.town]));
  const contexts = new Map<string, AnswerContext>();
  const lastBySender = new Map<string, AnswerContext>();

  const isStaff = (senderId: string, chatId?: string): boolean =>
    staffIds.has(senderId) || staffMembers.has(senderId) || (chatId !== undefined && staffRoomTown.has(chatId));

  /** Reply to the asker in the asker's chat; @mention in a group. */
  // Nothing personal is ever said in a group, whatever produced the text.
  const to = (msg: IncomingMessage, text: string): OutgoingReply =>
    msg.chatType === 'group'
      ? { chatId: msg.chatId, chatType: 'group', text: maskPersonalData(text), mention: { id: msg.senderId, name: msg.senderName } }
      : { chatId: msg.chatId, chatType: 'private', text };

  /** Desk replies to the asker's group get the mention too. */
  const mentionAsker = (msg: IncomingMessage, replies: OutgoingReply[]): OutgoingReply[] =>
    replies.map((r) =>
      msg.chatType === 'group' && r.chatType === 'group' && r.chatId === msg.chatId && !r.mention
        ? { ...r, mention: { id: msg.senderId, name: msg.senderName } }
        : r,
    );

  const contactFor = (town: string | null): string => {
    if (!catalogue) return T.GENERIC_CONTACT;
    const centre = (town ? catalogue.town(town)?.centre : undefined) ?? catalogue.countyCentre();
    const hotline = catalogue.hotline();
    return (
      `${centre.name}，地址：${centre.address ?? '未记录'}，办公时间：${centre.hours ?? '未记录'}` +
      (centre.phone ? `，电话：${centre.phone}` : '') +
      (hotline ? `；也可拨打 ${hotline}。` : '。')
    );
  };

  const chatTown = async (msg: IncomingMessage): Promise<string | null> => {
    if (msg.chatType !== 'group') return null;
    const staffTown = staffRoomTown.get(msg.chatId);
    if (staffTown) return answerer.resolveTown(staffTown) ?? staffTown;
    return store.bindings.get(msg.chatId);
  };

  const conversationOf = (msg: IncomingMessage) => `${msg.chatId}:${msg.senderId}`;

  const remember = (msg: IncomingMessage, result: AnswerResult) => {
    if (!ITEM_STATUSES.has(result.status) || result.matches.length === 0) return;
    const items =
      result.status === 'scenario' ? unique(result.matches.map((m) => m.item)) : [result.matches[0]!.item];
    const ctx: AnswerContext = { items, scenario: result.scenario, town: result.town, at: clock() };
    contexts.set(conversationOf(msg), ctx);
    lastBySender.set(msg.senderId, ctx);
  };

  const recall = (msg: IncomingMessage): AnswerContext | undefined => {
    const now = clock();
    for (const ctx of [contexts.get(conversationOf(msg)), lastBySender.get(msg.senderId)]) {
      if (ctx && now - ctx.at < CONTEXT_TTL_MS) return ctx;
    }
    return undefined;
  };

  async function bindingCommand(msg: IncomingMessage, cmd: BindingCommand, staff: boolean): Promise<OutgoingReply[]> {
    if (msg.chatType !== 'group') {
      return [to(msg, cmd.kind === 'status' ? T.PRIVATE_STATUS : T.BIND_ONLY_IN_GROUP)];
    }
    if (cmd.kind === 'status') {
      const town = await chatTown(msg);
      return [to(msg, T.status(town, config.botName, config.groupPrefixes))];
    }
    if (!staff) {
      logger.warn({ chat: msg.chatId, sender: msg.senderId, command: cmd.kind }, 'binding command refused: not staff');
      return [to(msg, T.BIND_STAFF_ONLY)];
    }
    if (cmd.kind === 'unbind') {
      const town = await store.bindings.get(msg.chatId);
      if (!town) return [to(msg, T.NOT_BOUND)];
      await store.bindings.remove(msg.chatId);
      logger.info({ chat: msg.chatId, by: msg.senderId, town }, 'group unbound');
      return [to(msg, T.unbound(town))];
    }
    if (cmd.town === '') return [to(msg, T.bindNeedTown(answerer.towns()))];
    const town = answerer.resolveTown(cmd.town);
    if (!town) return [to(msg, T.bindUnknownTown(cmd.town, answerer.towns()))];
    await store.bindings.set(msg.chatId, town, msg.senderId);
    logger.info({ chat: msg.chatId, by: msg.senderId, town }, 'group bound');
    return [to(msg, T.bound(town))];
  }

  async function proxyRequest(msg: IncomingMessage, rest: string, boundTown: string | null): Promise<OutgoingReply[]> {
    let req: ProxyRequest | null = null;
    if (rest !== '') {
      const result = await answerer.ask(rest, { boundTown, conversation: conversationOf(msg) });
      if (ITEM_STATUSES.has(result.status) && result.matches.length > 0) {
        remember(msg, result);
        const ctx = recall(msg)!;
        req = { items: ctx.items, town: result.town ?? boundTown, ...(ctx.scenario ? { scenario: ctx.scenario } : {}) };
      }
    }
    if (!req) {
      const ctx = recall(msg);
      if (ctx) req = { items: ctx.items, town: ctx.town ?? boundTown, ...(ctx.scenario ? { scenario: ctx.scenario } : {}) };
    }
    if (!desk) return [to(msg, T.proxyUnavailable(contactFor(req?.town ?? boundTown)))];
    if (!req) return [to(msg, T.ASK_WHICH_ITEM)];
    logger.info({ chat: msg.chatId, sender: msg.senderId, items: req.items, town: req.town }, 'proxy request');
    return mentionAsker(msg, await desk.startRequest(msg, req));
  }

  /** When each person last asked for a human (staff are notified once per HUMAN_REPEAT_MS). */
  const humanAsked = new Map<string, number>();

  /** 「人工」: tell the staff of the chat's town, and the asker how they will be reached. */
  function humanRequest(msg: IncomingMessage, town: string | null): OutgoingReply[] {
    const now = clock();
    const last = humanAsked.get(msg.senderId);
    if (last !== undefined && now - last < HUMAN_REPEAT_MS) return [to(msg, T.HUMAN_ALREADY_REQUESTED)];
    const rooms = config.staffRooms.filter((r) => town && r.town === town);
    const targets: OutgoingReply[] = (rooms.length ? rooms : config.staffRooms.filter((r) => r.town === null)).map((r) => ({
      chatId: r.roomId,
      chatType: 'group' as const,
      text: '',
    }));
    if (!targets.length && config.staffRooms.length) targets.push(...config.staffRooms.map((r) => ({ chatId: r.roomId, chatType: 'group' as const, text: '' })));
    if (!targets.length) targets.push(...config.staffIds.map((id) => ({ chatId: id, chatType: 'private' as const, text: '' })));
    if (!targets.length) return [to(msg, T.humanUnavailable(contactFor(town)))];
    humanAsked.set(msg.senderId, now);
    const ctx = recall(msg);
    const where = msg.chatType === 'group' ? `群「${msg.chatName ?? msg.chatId}」` : '私聊';
    const about = ctx ? ctx.items.join('、') : null;
    const note = maskPersonalData(T.humanForStaff(msg.senderName, where, about));
    logger.info({ chat: msg.chatId, sender: msg.senderId, town }, 'human requested');
    return [to(msg, T.humanRequested(contactFor(town))), ...targets.map((t) => ({ ...t, text: note }))];
  }

  async function handle(raw: IncomingMessage): Promise<OutgoingReply[]> {
    const staff = isStaff(raw.senderId, raw.chatType === 'group' ? raw.chatId : undefined);
    // Staff are not rate limited; people answering a dialog or talking with their clerk get a larger allowance.
    const paced = raw.chatType === 'private' && !!desk && (await desk.inConversation(raw.senderId).catch(() => false));
    const decision = await gate.check(raw, { rateExempt: staff, paced });
    if (decision.action === 'drop') {
      logger.debug({ id: raw.id, chat: raw.chatId, reason: decision.reason }, 'message dropped');
      return [];
    }
    if (decision.action === 'notice') {
      logger.info({ chat: raw.chatId, sender: raw.senderId }, 'rate limited');
      return [to(raw, decision.text)];
    }
    // Traditional input is understood everywhere (dialog answers such as 無/確認,
    // staff commands such as 接單), and what is stored or relayed is Simplified.
    const msg = { ...decision.message, text: toSimplified(decision.message.text) };
    logger.debug({ id: msg.id, chat: msg.chatId, sender: msg.senderId, via: decision.via, text: msg.text }, 'message in');

    if (decision.via === 'staff_room') {
      // Clerks talking among themselves: only ticket commands get a reply.
      if (!desk || msg.text === '') return [];
      const handled = await desk.handle(msg, { isStaff: staff, town: await chatTown(msg) });
      return handled === null ? [] : mentionAsker(msg, handled);
    }

    const cmd = parseBindingCommand(msg.text);
    if (cmd) return bindingCommand(msg, cmd, staff);

    if (msg.chatType === 'group') {
      const kinds = findPersonalData(msg.text).filter((k) => PRIVATE_KINDS.has(k));
      if (kinds.length > 0) {
        logger.info({ chat: msg.chatId, sender: msg.senderId, kinds }, 'personal data in group: not answered');
        return [to(msg, T.PRIVACY_IN_GROUP)];
      }
    }

    const town = await chatTown(msg);
    if (desk) {
      const handled = await desk.handle(msg, { isStaff: staff, town });
      if (handled !== null) return mentionAsker(msg, handled);
    }

    if (msg.text === '') return [to(msg, T.helpText(config.botName))];

    if (isTicketQuery(msg.text)) {
      if (!desk) return [to(msg, T.ticketsUnavailable(contactFor(town)))];
      return mentionAsker(msg, await desk.myTickets(msg));
    }

    if (isHumanRequest(msg.text)) return humanRequest(msg, town);
    if (/^(取消|撤销|算了|不办了)$/.test(msg.text.trim())) return [to(msg, T.NOTHING_TO_CANCEL)];

    const proxy = parseProxyRequest(msg.text);
    if (proxy) return proxyRequest(msg, proxy.rest, town);

    const result = await answerer.ask(msg.text, { boundTown: town, conversation: conversationOf(msg) });
    remember(msg, result);
    logger.info(
      { chat: msg.chatId, sender: msg.senderId, status: result.status, town: result.town, path: result.path.kind },
      'answered',
    );
    return [to(msg, result.answer)];
  }

  return {
    async handleMessage(msg) {
      const started = clock();
      try {
        return await handle(msg);
      } catch (err) {
        logger.error({ err, id: msg.id, chat: msg.chatId, ms: clock() - started }, 'handleMessage failed');
        return [to(msg, T.APOLOGY)];
      }
    },

    async onFriend(contactId, name) {
      const greeting: OutgoingReply = { chatId: contactId, chatType: 'private', text: T.helpText(config.botName) };
      if (!desk) return [greeting];
      try {
        const replies = await desk.onFriend(contactId, name);
        return replies.length > 0 ? replies : [greeting];
      } catch (err) {
        logger.error({ err, contact: contactId }, 'onFriend failed');
        return [greeting];
      }
    },

    async tick(now) {
      const ms = now.getTime();
      gate.prune(ms);
      for (const map of [contexts, lastBySender]) {
        for (const [key, ctx] of map) if (ms - ctx.at >= CONTEXT_TTL_MS) map.delete(key);
      }
      for (const [who, at] of humanAsked) if (ms - at >= HUMAN_REPEAT_MS) humanAsked.delete(who);
      if (!desk) return [];
      try {
        return await desk.tick(now);
      } catch (err) {
        logger.error({ err }, 'desk tick failed');
        return [];
      }
    },

    setStaffMembers(ids) {
      staffMembers = new Set(ids);
    },

    isStaff,

    async close() {
      contexts.clear();
      lastBySender.clear();
    },
  };
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** A second 「人工」 within this time does not notify staff again. */
const HUMAN_REPEAT_MS = 10 * 60_000;
