// The Wechaty channel: a thin adapter. It turns Wechaty messages into the
// core's Inbound (channel 'wechaty'), hands them to `app.handle` in the order
// they arrived, and delivers the Outbound messages the app sends through it
// (split to WeChat-sized messages, @mentioning the asker in groups). Friend
// requests are accepted here when configured. The core serialises turns.
import { types, type Contact, type Friendship, type Message, type Room, type Wechaty } from 'wechaty';
import type { App } from '../../src/app.ts';
import type { Config } from '../../src/config/env.ts';
import type { ChannelSender, Inbound, Outbound } from '../../src/core/messages.ts';
import { splitText, MAX_MESSAGE_CHARS } from '../../src/core/split.ts';
import type { Logger } from '../../src/log.ts';

export const CHANNEL = 'wechaty';

/** The separator WeChat puts after an @name (U+2005 FOUR-PER-EM SPACE). */
export const AT_SEPARATOR = '\u2005';

export interface TransportDeps {
  bot: Wechaty;
  app: Pick<App, 'handle' | 'greet' | 'registerChannel'>;
  config: Pick<Config, 'botName' | 'acceptFriends' | 'staffRooms' | 'groupAllowlist' | 'groupPrefixes'>;
  logger: Logger;
  /** Characters per WeChat message. */
  maxChars?: number;
  /** Pause between two messages sent to WeChat (protocols ban bursts). */
  sendDelayMs?: number;
}

export interface TransportStats {
  /** Messages taken from Wechaty (not counting the bot's own). */
  received: number;
  /** Messages whose handling (and replies) finished. */
  handled: number;
  /** WeChat messages sent (chunks). */
  sent: number;
  /** Sends that failed. */
  failed: number;
  /** Friend requests seen (accepted or not). */
  friendRequests: number;
  /** The bot's own messages seen and ignored. */
  own: number;
}

export interface Transport {
  /** Listens to the bot's message and friendship events. */
  attach(): void;
  /** Queues a Wechaty message for the app (the bot's own messages are ignored). */
  onMessage(message: Message): void;
  onFriendship(friendship: Friendship): void;
  /** The core's view of a Wechaty message; null for the bot's own and for non-text messages. */
  toInbound(message: Message): Promise<Inbound | null>;
  /** The channel the app delivers through: throws when a message cannot be sent (the app retries). */
  readonly sender: ChannelSender;
  /** Stops taking new messages; work already queued is finished. */
  stop(): void;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
  /** Resolves when the message with this id has been handled (or at once if it was). */
  whenHandled(messageId: string): Promise<void>;
  readonly stats: Readonly<TransportStats>;
}

export function createTransport(deps: TransportDeps): Transport {
  const { bot, app, config, logger } = deps;
  const maxChars = deps.maxChars ?? MAX_MESSAGE_CHARS;
  const sendDelayMs = deps.sendDelayMs ?? 0;
  const stats: TransportStats = { received: 0, handled: 0, sent: 0, failed: 0, friendRequests: 0, own: 0 };
  const queues = new Map<string, Promise<void>>();
  let pending = 0;
  let idleWaiters: (() => void)[] = [];
  const handledIds = new Set<string>();
  const handledWaiters = new Map<string, (() => void)[]>();
  let stopped = false;
  let attached = false;

  const markHandled = (id: string) => {
    handledIds.add(id);
    if (handledIds.size > 5000) {
      // Keep the set bounded; the oldest entries go first (insertion order).
      for (const old of handledIds) {
        handledIds.delete(old);
        if (handledIds.size <= 4000) break;
      }
    }
    for (const resolve of handledWaiters.get(id) ?? []) resolve();
    handledWaiters.delete(id);
  };

  /** Keeps one person's messages in the order they arrived; different keys run concurrently. */
  const enqueue = (key: string, task: () => Promise<void>): void => {
    pending++;
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((err: unknown) => logger.error({ err, key }, 'transport task failed'));
    queues.set(key, next);
    void next.finally(() => {
      pending--;
      if (queues.get(key) === next) queues.delete(key);
      if (pending === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  };

  async function botNames(room: Room): Promise<string[]> {
    const names = new Set<string>([config.botName]);
    if (bot.isLoggedIn) {
      const me = bot.currentUser;
      names.add(me.name());
      try {
        const alias = await room.alias(me);
        if (alias) names.add(alias);
      } catch {
        // alias lookup is best effort
      }
    }
    return [...names].filter(Boolean).sort((a, b) => b.length - a.length);
  }

  async function toInbound(message: Message): Promise<Inbound | null> {
    if (message.self()) return null;
    if (message.type() !== types.Message.Text) return null;
    const talker = message.talker();
    const room = message.room();
    let text = message.text();
    let mentioned = false;
    let chatName: string;
    let senderName = talker.name();
    if (room) {
      // Cheap checks first: in a busy group most messages are chatter that is
      // neither @ the bot nor prefixed, or come from rooms not allowlisted;
      // they need no puppet lookups (topic, aliases, mention list).
      const staffRoom = config.staffRooms.some((r) => r.roomId === room.id);
      if (!staffRoom && config.groupAllowlist.length > 0 && !config.groupAllowlist.includes(room.id)) return null;
      const head = text.trimStart();
      if (!staffRoom && !text.includes('@') && !text.includes('＠') && !config.groupPrefixes.some((p) => head.startsWith(p))) return null;
      try {
        mentioned = await message.mentionSelf();
      } catch (err) {
        logger.debug({ err }, 'mentionSelf failed');
      }
      for (const name of await botNames(room)) {
        const re = new RegExp(`@${escapeRegExp(name)}(?:${AT_SEPARATOR}| |$)`, 'g');
        if (re.test(text)) {
          // Some protocols give no mention list: the @name with WeChat's separator,
          // or typed by hand at the start of the message, is enough.
          const at = escapeRegExp(name);
          if (new RegExp(`@${at}${AT_SEPARATOR}|^@${at}(?:\\s|$)`).test(text)) mentioned = true;
          text = text.replace(re, '');
        }
      }
      chatName = await room.topic().catch(() => room.id);
      senderName = (await room.alias(talker).catch(() => undefined)) || senderName;
    } else {
      chatName = senderName;
    }
    return {
      id: message.id,
      chat: { channel: CHANNEL, kind: room ? 'group' : 'direct', id: room ? room.id : talker.id },
      chatName,
      sender: { channel: CHANNEL, id: talker.id, name: senderName },
      text: text.replace(/\s+$/, '').replace(/^\s+/, ''),
      mentioned,
      timestamp: message.date().getTime(),
    };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function sendOne(reply: Outbound): Promise<void> {
    const chunks = splitText(reply.text, maxChars);
    if (chunks.length === 0) return;
    if (reply.to.kind === 'group') {
      const room = await bot.Room.find({ id: reply.to.id });
      if (!room) throw new Error(`room not found: ${reply.to.id}`);
      let mentionContact: Contact | undefined;
      if (reply.mention) mentionContact = (await bot.Contact.find({ id: reply.mention.id })) ?? undefined;
      for (const [i, chunk] of chunks.entries()) {
        if (i === 0 && reply.mention) {
          if (mentionContact) await room.say(chunk, mentionContact);
          else await room.say(`@${reply.mention.name}${AT_SEPARATOR}${chunk}`);
        } else {
          await room.say(chunk);
        }
        stats.sent++;
        if (sendDelayMs > 0 && i < chunks.length - 1) await sleep(sendDelayMs);
      }
    } else {
      const contact = await bot.Contact.find({ id: reply.to.id });
      if (!contact) throw new Error(`contact not found: ${reply.to.id}`);
      for (const [i, chunk] of chunks.entries()) {
        await contact.say(chunk);
        stats.sent++;
        if (sendDelayMs > 0 && i < chunks.length - 1) await sleep(sendDelayMs);
      }
    }
  }

  /** Pause between two messages to WeChat (protocols ban bursts). */
  let lastSend = 0;
  const sender: ChannelSender = {
    name: CHANNEL,
    async send(message) {
      const wait = lastSend + sendDelayMs - Date.now();
      if (sendDelayMs > 0 && wait > 0) await sleep(wait);
      try {
        await sendOne(message);
      } catch (err) {
        stats.failed++;
        throw err;
      } finally {
        lastSend = Date.now();
      }
    },
  };

  function onMessage(message: Message): void {
    if (stopped) return;
    if (message.self()) {
      stats.own++;
      return;
    }
    stats.received++;
    const talker = message.talker();
    const chatId = message.room()?.id ?? talker.id;
    enqueue(`${chatId}:${talker.id}`, async () => {
      try {
        const inbound = await toInbound(message);
        if (!inbound) return;
        await app.handle(inbound);
      } finally {
        stats.handled++;
        markHandled(message.id);
      }
    });
  }

  function onFriendship(friendship: Friendship): void {
    if (stopped) return;
    if (friendship.type() !== types.Friendship.Receive) return;
    stats.friendRequests++;
    const contact = friendship.contact();
    if (!config.acceptFriends) {
      logger.info({ contact: contact.id }, 'friend request not accepted (ACCEPT_FRIENDS=false)');
      return;
    }
    enqueue(`${contact.id}:${contact.id}`, async () => {
      await friendship.accept();
      logger.info({ contact: contact.id }, 'friend request accepted');
      await app.greet({ channel: CHANNEL, id: contact.id, name: contact.name() });
    });
  }

  return {
    attach() {
      if (attached) return;
      attached = true;
      app.registerChannel(sender);
      bot.on('message', onMessage);
      bot.on('friendship', onFriendship);
    },
    onMessage,
    onFriendship,
    toInbound,
    sender,
    stop() {
      stopped = true;
    },
    idle() {
      if (pending === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    whenHandled(id) {
      if (handledIds.has(id)) return Promise.resolve();
      return new Promise((resolve) => {
        const list = handledWaiters.get(id) ?? [];
        list.push(resolve);
        handledWaiters.set(id, list);
      });
    },
    get stats() {
      return stats;
    },
  };
}

/** The bot's contact id once logged in (for the gate's own-message check). */
export const botIdOf =
  (bot: Wechaty) =>
  (channel: string): string | undefined =>
    channel === CHANNEL && bot.isLoggedIn ? bot.currentUser.id : undefined;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
