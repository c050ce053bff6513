// A simulated WeChat: real Wechaty on wechaty-puppet-mock, with contacts and
// rooms created on demand. Used by the local demo and the end-to-end tests,
// so both go through exactly the production transport path.
import { randomUUID } from 'node:crypto';
import { WechatyBuilder, types, type Message, type Wechaty } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { AT_SEPARATOR } from './transport.ts';

export type MockContact = mock.ContactMock;
export type MockRoom = mock.RoomMock;

export interface SayOptions {
  /** Say it in this room; without a room the message goes privately to the bot. */
  room?: MockRoom;
  /** @mention the bot (text gets `@<bot name>` + U+2005 in front, as WeChat writes it). */
  mention?: boolean;
  /** Message id (default: a fresh one). Reusing an id re-delivers that message. */
  id?: string;
  /** When the message was sent, ms since epoch (default: now). */
  timestamp?: number;
}

/** A message the bot sent, as WeChat shows it. */
export interface SentMessage {
  /** Room topic, or the contact's name for private chat. */
  chat: string;
  chatId: string;
  chatType: 'group' | 'private';
  text: string;
}

export interface MockWorld {
  mocker: mock.Mocker;
  puppet: PuppetMock;
  bot: Wechaty;
  me: MockContact;
  contact(id: string, name: string): MockContact;
  room(id: string, topic: string, members: MockContact[]): MockRoom;
  /** Delivers a text message to the bot; returns its id. */
  say(from: MockContact, text: string, opts?: SayOptions): string;
  /** Delivers the message with this id once more (a replay). */
  redeliver(id: string): void;
  /** A friend request from `from` to the bot. */
  friendRequest(from: MockContact, hello?: string): Promise<void>;
  /** Everything the bot sent so far, in order. */
  sent: SentMessage[];
  /** Called for every message the bot sends. */
  onSent(listener: (m: SentMessage) => void): void;
  /** Starts Wechaty and logs the bot in. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMockWorld(opts: { botId?: string; botName: string }): MockWorld {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const bot = WechatyBuilder.build({ puppet });
  const me = mocker.createContact({ id: opts.botId ?? 'daiban-bot', name: opts.botName });
  const sent: SentMessage[] = [];
  const listeners: ((m: SentMessage) => void)[] = [];

  bot.on('message', async (message: Message) => {
    if (!message.self()) return;
    const room = message.room();
    let m: SentMessage;
    if (room) {
      m = { chat: await room.topic(), chatId: room.id, chatType: 'group', text: message.text() };
    } else {
      const to = message.listener();
      m = { chat: to?.name() ?? '?', chatId: to?.id ?? '?', chatType: 'private', text: message.text() };
    }
    sent.push(m);
    for (const l of listeners) l(m);
  });

  return {
    mocker,
    puppet,
    bot,
    me,
    contact(id, name) {
      return mocker.createContact({ id, name });
    },
    room(id, topic, members) {
      if (!id.includes('@')) throw new Error(`room ids must contain @ (the mock tells rooms from contacts by it): ${id}`);
      return mocker.createRoom({ id, topic, memberIdList: [me.id, ...members.map((c) => c.id)] });
    },
    say(from, text, o = {}) {
      const id = o.id ?? randomUUID();
      const base = {
        id,
        talkerId: from.id,
        timestamp: o.timestamp ?? Date.now(),
        type: types.Message.Text,
        text: o.room && o.mention ? `@${opts.botName}${AT_SEPARATOR}${text}` : text,
      };
      const payload = o.room
        ? { ...base, roomId: o.room.id, mentionIdList: o.mention ? [me.id] : [] }
        : { ...base, listenerId: me.id };
      mocker.MessageMock.create(payload);
      puppet.emit('message', { messageId: id });
      return id;
    },
    redeliver(id) {
      puppet.emit('message', { messageId: id });
    },
    async friendRequest(from, hello = '你好') {
      const friendshipId = randomUUID();
      await puppet.friendshipPayload(friendshipId, {
        id: friendshipId,
        contactId: from.id,
        hello,
        ticket: friendshipId,
        timestamp: Date.now(),
        type: types.Friendship.Receive,
      });
      puppet.emit('friendship', { friendshipId });
    },
    sent,
    onSent(listener) {
      listeners.push(listener);
    },
    async start() {
      const loggedIn = new Promise<void>((resolve) => bot.once('login', () => resolve()));
      await bot.start();
      mocker.login(me);
      await loggedIn;
      // The mock never reports "ready"; Wechaty waits for it before some calls.
      puppet.emit('ready', { data: 'mock ready' });
    },
    async stop() {
      await bot.stop();
    },
  };
}
