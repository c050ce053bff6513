// The bridge from the channels' addressed messages (src/core/messages.ts) to
// today's core (openCore → assistant.handleMessage). It is the ONLY place that
// knows the old API; when the turn pipeline lands, `createApp(config, deps)`
// replaces it and `handle(inbound)` keeps its shape.
//
// The old core keys chats and people by bare strings, so an address becomes
// `channel|id` there (Wechaty ids have no '|', so they stay as they are).
// What the old core cannot say itself is derived here:
// - buttons (Outbound.actions) from the commands its staff texts quote, e.g. 「接单 3」;
// - handoffs (Outbound.handoff) from the requester's tickets after each turn: a clerk
//   holding an open ticket → 'human' (servicer: the clerk's WeCom userid), else 'bot'.
import type { Core } from '../core.ts';
import type { IncomingMessage, OutgoingReply } from '../../src/assistant/types.ts';
import type { Config } from '../../src/config/env.ts';
import type { Address, Inbound, Outbound, OutboundAction } from '../../src/core/messages.ts';
import { isOpen } from '../../src/tickets/model.ts';

const SEP = '|';
const WECHATY = 'wechaty';

export const legacyId = (channel: string, id: string): string => (channel === WECHATY ? id : `${channel}${SEP}${id}`);

export function fromLegacyId(key: string): { channel: string; id: string } {
  const i = key.indexOf(SEP);
  return i < 0 ? { channel: WECHATY, id: key } : { channel: key.slice(0, i), id: key.slice(i + 1) };
}

/** The old core's configuration with the intelligent bot's staff groups as staff rooms (town per group). */
export function legacyConfig(config: Config): Config {
  const bot = config.channels.wecomBot;
  if (!bot) return config;
  const rooms = Object.entries(bot.towns).map(([chatId, town]) => ({ roomId: legacyId('wecom-bot', chatId), town }));
  return { ...config, staffRooms: [...config.staffRooms, ...rooms] };
}

/** What the Wechaty transport (bot/transport.ts, old API) calls, with staff from its rooms. */
export interface LegacyWechatyAssistant {
  handleMessage(msg: IncomingMessage): Promise<OutgoingReply[]>;
  onFriend(contactId: string, name: string): Promise<OutgoingReply[]>;
  setStaffMembers(ids: string[]): void;
}

export interface InboundHandler {
  handle(inbound: Inbound): Promise<Outbound[]>;
  /**
   * A channel could not deliver a reply now and holds it (微信客服 budget, or a clerk holds
   * the session): recorded on the person's open tickets; returns what to tell the clerk.
   */
  held(to: Address, text: string, reason: string): Promise<Outbound[]>;
  /** The greeting for someone who just opened a direct chat (微信客服 link); null: none. */
  welcome(to: Address): Promise<string | null>;
  /** Housekeeping (SLA re-announcements). */
  tick(now: Date): Promise<Outbound[]>;
}

/** Quoted commands that take nothing but a ticket number become buttons. */
const BUTTON_RE = /「(接单|查|办理|办结|交还)\s*#?(\d+)」/g;

export function actionsFor(text: string): OutboundAction[] {
  const seen = new Set<string>();
  const out: OutboundAction[] = [];
  for (const m of text.matchAll(BUTTON_RE)) {
    const command = `${m[1]} ${m[2]}`;
    if (seen.has(command)) continue;
    seen.add(command);
    out.push({ label: m[1]!, command });
  }
  return out;
}

/**
 * Channels that pull messages with a persisted cursor and de-duplicate them (微信客服): a
 * message pulled late (after an outage) is not a replay, and is answered while WeCom still
 * allows a reply (48 h). The old gate drops anything older than MAX_MESSAGE_AGE_SECONDS, so
 * such messages are handed over with the time they were received.
 */
const PULLED_CHANNELS = new Set(['wecom-kf']);
const PULLED_MAX_AGE_MS = 48 * 3600_000;

export function toIncoming(inbound: Inbound, now = Date.now()): IncomingMessage {
  const late = PULLED_CHANNELS.has(inbound.chat.channel) && now - inbound.timestamp < PULLED_MAX_AGE_MS;
  return {
    id: `${inbound.chat.channel}:${inbound.id}`,
    chatId: legacyId(inbound.chat.channel, inbound.chat.id),
    chatType: inbound.chat.kind === 'group' ? 'group' : 'private',
    chatName: inbound.chatName,
    senderId: legacyId(inbound.sender.channel, inbound.sender.id),
    senderName: inbound.sender.name,
    text: inbound.text,
    mentioned: inbound.mentioned,
    timestamp: late ? Math.max(inbound.timestamp, now) : inbound.timestamp,
  };
}

export function toOutbound(reply: OutgoingReply): Outbound {
  const { channel, id } = fromLegacyId(reply.chatId);
  const to: Address = { channel, kind: reply.chatType === 'group' ? 'group' : 'direct', id };
  const actions = actionsFor(reply.text);
  return {
    to,
    text: reply.text,
    ...(reply.mention ? { mention: { id: fromLegacyId(reply.mention.id).id, name: reply.mention.name } } : {}),
    ...(actions.length ? { actions } : {}),
  };
}

const HELD_REASONS: Record<string, string> = {
  five_messages: '客户上次发消息后已发满 5 条',
  window_48h: '距客户上次发消息已超过 48 小时',
  human_servicer: '会话由办事员接待中',
  session_not_with_bot: '会话不在机器人接待中',
};

type Holder = { to: 'human' | 'bot'; servicer?: string };
const T_BACK_TO_BOT = '办事员已结束接待，接下来由小助手为您服务；查代办进度请发「进度」。';

/** Channels whose direct chats have a bot/human session (微信客服). */
const HANDOFF_CHANNELS = new Set(['wecom-kf']);

export interface LegacyHandler extends InboundHandler {
  /**
   * The assistant as the Wechaty transport calls it, when Wechaty runs next to the WeCom
   * channels: replies for Wechaty chats are returned to the transport, the others (a ticket
   * posted to a WeCom staff group, a kf requester told) go to `deliver`.
   */
  forWechaty(deliver: (out: Outbound[]) => Promise<void>): LegacyWechatyAssistant;
}

export function createLegacyHandler(core: Core): LegacyHandler {
  /** Who holds each kf requester's conversation, as last handed off (absent: the bot). In memory: a restart forgets it. */
  const holder = new Map<string, Holder>();
  const staffSeen = new Set<string>();
  let wechatyStaff: string[] = [];
  const publishStaff = () => core.assistant.setStaffMembers([...staffSeen, ...wechatyStaff]);

  /**
   * Adds the handoffs this turn caused. Looked at: the kf requesters the turn writes to, and
   * those a clerk held before (a 交还 or 转派 writes nothing to the requester). A clerk holds
   * the conversation while one of the requester's open tickets is held by its assignee.
   */
  async function withHandoffs(out: Outbound[]): Promise<Outbound[]> {
    const addressed = (key: string) => out.filter((o) => o.to.kind === 'direct' && legacyId(o.to.channel, o.to.id) === key);
    const keys = new Set([
      ...out.filter((o) => o.to.kind === 'direct' && HANDOFF_CHANNELS.has(o.to.channel)).map((o) => legacyId(o.to.channel, o.to.id)),
      ...[...holder.entries()].filter(([, h]) => h.to === 'human').map(([k]) => k),
    ]);
    for (const key of keys) {
      const tickets = await core.store.tickets.listByRequester(key);
      const held = tickets.find((t) => isOpen(t.status) && t.conversationHeld && t.assigneeId);
      const assignee = held ? fromLegacyId(held.assigneeId!) : null;
      const want: Holder = assignee ? { to: 'human', ...(assignee.channel === 'wecom-bot' ? { servicer: assignee.id } : {}) } : { to: 'bot' };
      const had = holder.get(key) ?? { to: 'bot' };
      if (had.to === want.to && had.servicer === want.servicer) continue;
      if (want.to === 'bot') holder.delete(key);
      else holder.set(key, want);
      const mine = addressed(key);
      if (mine.length === 0) {
        // Nothing else tells the requester: say who talks to them now.
        const { channel, id } = fromLegacyId(key);
        const text = want.to === 'bot' ? T_BACK_TO_BOT : `您的代办单 #${held!.id} 现由 ${held!.assigneeName ?? '办事员'} 接待，请直接在这里留言。`;
        out.push({ to: { channel, kind: 'direct', id }, text, handoff: want });
      } else if (want.to === 'human') {
        // After the clerk's notice has gone out, the session moves to the clerk.
        mine.at(-1)!.handoff = want;
      } else {
        // Back to the bot first, so the closing message (the rating request) can go out.
        mine[0]!.handoff = want;
      }
    }
    return out;
  }

  return {
    async handle(inbound) {
      // Members of the bot's staff groups are staff in their direct chats too.
      if (inbound.chat.channel === 'wecom-bot' && inbound.chat.kind === 'group' && inbound.context?.isStaff) {
        const id = legacyId(inbound.sender.channel, inbound.sender.id);
        if (!staffSeen.has(id)) {
          staffSeen.add(id);
          publishStaff();
        }
      }
      const replies = await core.assistant.handleMessage(toIncoming(inbound));
      const out = await withHandoffs(replies.map(toOutbound));
      // While a clerk holds a 微信客服 session the clerk talks to the customer there: the bot's
      // receipts to the customer ("已转给办事员…") would only be held and relayed, so they go.
      const self = legacyId(inbound.sender.channel, inbound.sender.id);
      if (HANDOFF_CHANNELS.has(inbound.chat.channel) && holder.get(self)?.to === 'human') {
        return out.filter((o) => o.handoff || !(o.to.kind === 'direct' && legacyId(o.to.channel, o.to.id) === self));
      }
      return out;
    },
    forWechaty(deliver) {
      const route = async (replies: OutgoingReply[]): Promise<OutgoingReply[]> => {
        const mine = replies.filter((r) => fromLegacyId(r.chatId).channel === WECHATY);
        const others = replies.filter((r) => fromLegacyId(r.chatId).channel !== WECHATY);
        if (others.length) await deliver(await withHandoffs(others.map(toOutbound)));
        return mine;
      };
      return {
        handleMessage: async (msg) => route(await core.assistant.handleMessage(msg)),
        onFriend: async (id, name) => route(await core.assistant.onFriend(id, name)),
        setStaffMembers: (ids) => {
          wechatyStaff = ids;
          publishStaff();
        },
      };
    },
    async welcome(to) {
      const replies = await core.assistant.onFriend(legacyId(to.channel, to.id), '微信客户');
      const mine = replies.filter((r) => r.chatType === 'private' && r.chatId === legacyId(to.channel, to.id));
      return mine.length ? mine.map((r) => r.text).join('\n\n') : null;
    },
    async held(to, text, reason) {
      const tickets = (await core.store.tickets.listByRequester(legacyId(to.channel, to.id))).filter((t) => isOpen(t.status));
      const why = HELD_REASONS[reason] ?? reason;
      const out: Outbound[] = [];
      for (const t of tickets) {
        await core.store.tickets.addEvent(t.id, {
          actor: { id: 'system', name: '小助手' },
          kind: 'note',
          public: false,
          text: reason === 'human_servicer' ? `消息未由机器人发给申请人（${why}），已请经办人转告：${text}` : `消息暂未送达申请人（${why}），将在申请人下次发消息后补发：${text}`,
        });
        if (reason === 'human_servicer' && t.assigneeId) {
          const clerk = fromLegacyId(t.assigneeId);
          out.push({
            to: { channel: clerk.channel, kind: 'direct', id: clerk.id },
            text: `代办单 #${t.id} 的会话由您在微信客服中接待，机器人不能代发，请您直接告诉申请人：\n${text}`,
          });
        }
      }
      return out;
    },
    async tick(now) {
      return withHandoffs((await core.assistant.tick(now)).map(toOutbound));
    },
  };
}
