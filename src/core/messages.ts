// The message envelope shared by every channel (bot/*) and the core (src/*).
// This is the contract between transports and the turn pipeline: a channel
// turns its protocol's message into an Inbound, hands it to `app.handle`, and
// delivers the Outbound messages the core queues for it (through the outbox).
// Nothing here knows about WeChat, WeCom or any other protocol.

/** Which transport a message came from or goes to: 'wechaty', 'wecom-kf', 'wecom-bot', 'cli', … */
export type ChannelName = string;

/** Where a message can be sent: a group chat or one person, on one channel. */
export interface Address {
  channel: ChannelName;
  kind: 'group' | 'direct';
  /** The channel's own id of the room or person (wechaty room/contact id, kf external_userid, WeCom chatid …). */
  id: string;
}

/** A person on one channel. */
export interface Person {
  channel: ChannelName;
  id: string;
  /** For display and logs only; never used to decide anything. */
  name: string;
}

export interface Inbound {
  /** The channel's message id, used for de-duplication (unique per channel). */
  id: string;
  /** The chat the message was posted in (a group, or the sender's direct chat). */
  chat: Address;
  /** Room topic or contact name, for display and logs only (never for allowlisting). */
  chatName?: string;
  sender: Person;
  /** Text with the bot's @mention stripped. */
  text: string;
  /** In a group: the bot was @mentioned (or the channel only delivers addressed messages). */
  mentioned: boolean;
  /** When the message was sent, ms since epoch. */
  timestamp: number;
  /**
   * The channel pulled this message from a persisted cursor (微信客服 sync_msg):
   * a late pull after an outage is no replay, so the gate's age rule (made for
   * pushed replays) does not apply; de-duplication still does.
   */
  pulled?: boolean;
  /** Channel facts the core may use, e.g. the town a 微信客服 link was opened for. */
  context?: { town?: string; isStaff?: boolean };
}

/** A button a channel may render (WeCom template cards); pressing it sends `command` as the presser's message. */
export interface OutboundAction {
  label: string;
  command: string;
}

export interface Outbound {
  to: Address;
  text: string;
  /** In a group, @mention this person at the start of the message. */
  mention?: { id: string; name: string };
  /** Buttons for channels that can render them; others show only the text (which must stand on its own). */
  actions?: OutboundAction[];
  /**
   * Who should hold a direct conversation on channels with a human handoff
   * (微信客服 service_state): 'human' when a clerk takes over (servicer: the clerk's
   * id on that channel, if known), 'bot' when it is given back.
   */
  handoff?: { to: 'human' | 'bot'; servicer?: string };
}

/** What a channel adapter gives the core so the outbox can deliver through it. */
export interface ChannelSender {
  readonly name: ChannelName;
  /** Delivers one message; throws on failure (the outbox retries, then reports). */
  send(message: Outbound): Promise<void>;
}

export const sameAddress = (a: Address, b: Address): boolean =>
  a.channel === b.channel && a.kind === b.kind && a.id === b.id;

/** A stable string key for an address, e.g. for maps and database columns. */
export const addressKey = (a: Address): string => `${a.channel}:${a.kind}:${a.id}`;

export function parseAddressKey(key: string): Address | null {
  const m = /^([^:]+):(group|direct):(.+)$/s.exec(key);
  return m ? { channel: m[1]!, kind: m[2] as Address['kind'], id: m[3]! } : null;
}
