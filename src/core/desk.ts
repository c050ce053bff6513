// The ticket desk as the turn pipeline calls it (src/tickets/desk.ts), in the
// flat chat shape the desk speaks: a chat id and type on the message's own
// channel. The app converts to and from the addressed Inbound/Outbound
// (messages.ts) at this boundary. Nothing here knows about WeChat.

import type { Outbound } from './messages.ts';

export type ChatType = 'group' | 'private';

export interface IncomingMessage {
  /** Transport message id, used for de-duplication. */
  id: string;
  /** Room id for groups, the sender's contact id for private chats. */
  chatId: string;
  chatType: ChatType;
  /** Room topic or contact name, for display and logs only (never for allowlisting). */
  chatName?: string;
  senderId: string;
  senderName: string;
  /** Text with the @mention of the bot stripped. */
  text: string;
  /** The bot was @mentioned (groups). */
  mentioned: boolean;
  /** When the message was sent, ms since epoch. */
  timestamp: number;
  /**
   * The channel the message came on (Inbound.chat.channel); default 'wechaty'.
   * Added by the ticket side (A2) so tickets store the requester's real address.
   */
  channel?: string;
}

export interface OutgoingReply {
  /**
   * The channel to send on, when it is not the incoming message's: a ticket
   * notice may go to a staff group on another channel than the requester's.
   * Added by the ticket side (A2); callers mapping to Outbound use `channel ?? inbound channel`.
   */
  channel?: string;
  chatId: string;
  chatType: ChatType;
  text: string;
  /** In a group, @mention this person at the start of the reply. */
  mention?: { id: string; name: string };
  /**
   * The full addressed message, when the reply goes to a person or group on a
   * channel of its own (the ticket service's notices: the requester's channel,
   * the staff group's, with buttons and handoff). Wins over chatId/chatType.
   */
  message?: Outbound;
}

/** What the ticket desk needs to know about the message's chat. */
export interface DeskContext {
  /** Sender is staff (configured id, or member of a staff group). */
  isStaff: boolean;
  /** Town of the chat (bound group, staff group's town) or null. */
  town: string | null;
}

/** A proxy-handling request recognised by the assistant. */
export interface ProxyRequest {
  /** Exact catalogue item names (one ticket, several items). */
  items: string[];
  town: string | null;
  scenario?: string;
}

/**
 * The ticket side of the assistant (src/tickets). Every method returns the
 * replies to send, possibly to other chats (staff group, requester, clerk).
 */
export interface TicketDesk {
  /**
   * A staff command, a requester's message inside an open dialog, or a
   * requester's message while a clerk holds the conversation. Returns null
   * when the message is none of these, so the assistant answers it.
   */
  handle(msg: IncomingMessage, ctx: DeskContext): Promise<OutgoingReply[] | null>;
  /** Starts a request: in a group, points to private chat; in private, starts the dialog. */
  startRequest(msg: IncomingMessage, req: ProxyRequest): Promise<OutgoingReply[]>;
  /** 「我的代办」「进度」: the sender's tickets. */
  myTickets(msg: IncomingMessage): Promise<OutgoingReply[]>;
  /** A new friend or a first private message: greet, pick up a pending group request. */
  onFriend(contactId: string, name: string, channel?: string): Promise<OutgoingReply[]>;
  /**
   * The person is in a conversation paced by people (an open dialog, or a
   * clerk holding one of their tickets); such messages are not rate limited.
   */
  inConversation(personId: string, channel?: string): Promise<boolean>;
  /** Periodic housekeeping: SLA re-announcements to staff groups. */
  tick(now: Date): Promise<OutgoingReply[]>;
  close(): Promise<void>;
}
