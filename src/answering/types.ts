// What the answering core returns for one question.
import type { DevolutionMode, Status } from '../knowledge/schemas.ts';

export interface Match {
  /** Exact catalogue item name. */
  item: string;
  /** Town the availability refers to (null: any town). */
  town: string | null;
  /** Available at that town (for no town: at any town). */
  atTown: boolean;
  /** Fused retrieval score, 0..1, higher is better. */
  score: number;
  /** How the town handles it, when available there. */
  mode?: DevolutionMode;
}

/** Which path produced the reply text. */
export type AnswerPath =
  | { kind: 'template' }
  | { kind: 'llm'; model: string }
  | { kind: 'fallback'; reason: string };

export interface AnswerResult {
  status: Status;
  /** Resolved town (from the text, else the bound town, else null). */
  town: string | null;
  matches: Match[];
  /** Main reply, Simplified Chinese, about 350 characters at most. */
  answer: string;
  /** Detail replies keyed by follow-up word (材料, 流程, 地址 …) for the same conversation. */
  followups: Record<string, string>;
  /** Scenario name when status is 'scenario'. */
  scenario?: string;
  path: AnswerPath;
  /** What this answer is about, to pass back as AnswerContext.topic with the next question. */
  topic?: Topic;
  /** For partial: the part the knowledge does not hold (税率, 罚款 …). */
  unheld?: string;
}

export interface AskOptions {
  /** Town the chat is bound to; a town named in the text wins. */
  boundTown?: string | null;
  /** Conversation key (chat id + sender) so follow-ups like 「材料」 work. */
  conversation?: string;
  /**
   * The previous turn's topic (stateless path). When given, the engine keeps
   * no follow-up state of its own for this question; when absent, the topic
   * remembered under `conversation` is used (compatibility path).
   */
  topic?: Topic | null;
}

/** The answering core as the assistant and the CLI see it. */
export interface Answerer {
  ask(text: string, opts?: AskOptions): Promise<AnswerResult>;
  /** Canonical town name for a name, short name or Traditional form; null if unknown. */
  resolveTown(name: string): string | null;
  /** Canonical town names, in knowledge order. */
  towns(): string[];
}

/** What a previous turn was about, passed back in by the caller for follow-ups. */
export interface Topic {
  /** Catalogue items the previous answer was about. */
  items: string[];
  /** Scenario (一件事) name, when the previous answer was one. */
  scenario?: string;
  /** Town the previous answer was for (null: none known; the bot asked which town). */
  town: string | null;
  /** Aspect asked last (材料, 时限 …), as an intent aspect name. */
  aspect?: string;
}

/** What the stateless answerer needs besides the question. */
export interface AnswerContext {
  /** Town the chat is bound to (or the person's known town); a town named in the text wins. */
  town?: string | null;
  /** The previous turn's topic, for follow-ups such as 「要几天」「那大瑶镇呢」. */
  topic?: Topic | null;
}
