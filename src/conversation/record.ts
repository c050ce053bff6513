// The conversation record: ONE per (channel, person), the only place the
// pipeline keeps what a person is in the middle of. Like Chatwoot's
// Conversation: `bot` while the assistant answers, `dialog` while the 代办
// registration runs, `clerk` while a clerk holds one of their tickets,
// `awaiting_rating` while a finished ticket waits for its 好差评.
import { z } from 'zod';

export const MODES = ['bot', 'dialog', 'clerk', 'awaiting_rating'] as const;
export type Mode = (typeof MODES)[number];

/** Every lifetime of per-person state, in one place. */
export const TTL = {
  /** What an answer was about (for a later 「代办」 or 「人工」). */
  topicMs: 2 * 3600_000,
  /** What the last answer was about, for follow-ups such as 「要几天」「那大瑶镇呢」. */
  followupMs: 30 * 60_000,
  /** A reply to 「请问您想代办哪一项手续？」 within this time names the item(s) to register. */
  awaitingItemMs: 30 * 60_000,
  /** A second 「人工」 within this time does not notify staff again. */
  humanRepeatMs: 10 * 60_000,
  /** An untouched registration dialog is forgotten after this (the desk keeps its state). */
  dialogMs: 72 * 3600_000,
  /** A record untouched this long is dropped altogether. */
  recordMs: 7 * 86_400_000,
} as const;

const topicSchema = z.object({
  items: z.array(z.string()).min(1),
  scenario: z.string().optional(),
  town: z.string().nullable(),
  /** ms since epoch */
  at: z.number(),
});
export type Topic = z.infer<typeof topicSchema>;

/** The answering engine's own topic of the last answer (passed back with the next question; the engine keeps nothing). */
const answerTopicSchema = z.object({
  items: z.array(z.string()),
  scenario: z.string().optional(),
  town: z.string().nullable(),
  aspect: z.string().optional(),
  /** The chat it was asked in: follow-ups are per chat. */
  chat: z.string(),
  /** ms since epoch */
  at: z.number(),
});
export type AnswerTopic = z.infer<typeof answerTopicSchema>;

export const recordSchema = z.object({
  v: z.literal(1),
  /** `${channel}:${personId}` */
  key: z.string().min(1),
  mode: z.enum(MODES),
  topic: topicSchema.nullable(),
  /** The chat the topic was asked in (follow-ups such as 「材料」 are per chat). */
  topicChat: z.string().nullable(),
  /** The ticket a clerk last wrote to this person about (relay target). */
  clerkTicket: z.number().int().nullable(),
  /** The finished ticket whose rating was asked for last. */
  ratingTicket: z.number().int().nullable(),
  /** The engine's topic of the last answer (absent in records from before the stateless engine). */
  answerTopic: answerTopicSchema.nullable().optional(),
  /** The bot asked which item to register (in this chat, at this time); the next message there may name it. */
  awaitingItem: z.object({ chat: z.string(), at: z.number() }).nullable().optional(),
  /** When this person last asked for a human (staff are told once per TTL.humanRepeatMs). */
  humanAskedAt: z.number().nullable(),
  /** ms since epoch */
  updatedAt: z.number(),
});
export type ConversationRecord = z.infer<typeof recordSchema>;

export const personKey = (channel: string, personId: string): string => `${channel}:${personId}`;

export function freshRecord(key: string, now: number): ConversationRecord {
  return { v: 1, key, mode: 'bot', topic: null, topicChat: null, clerkTicket: null, ratingTicket: null, humanAskedAt: null, updatedAt: now };
}

/** A stored record with expired parts cleared; a fresh one when it is missing, invalid or too old. */
export function revive(raw: unknown, key: string, now: number): ConversationRecord {
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success || parsed.data.key !== key || now - parsed.data.updatedAt > TTL.recordMs) return freshRecord(key, now);
  const r = { ...parsed.data };
  if (r.topic && now - r.topic.at >= TTL.topicMs) {
    r.topic = null;
    r.topicChat = null;
  }
  if (r.answerTopic && now - r.answerTopic.at >= TTL.followupMs) r.answerTopic = null;
  if (r.awaitingItem && now - r.awaitingItem.at >= TTL.awaitingItemMs) r.awaitingItem = null;
  if (r.humanAskedAt !== null && now - r.humanAskedAt >= TTL.humanRepeatMs) r.humanAskedAt = null;
  return r;
}
