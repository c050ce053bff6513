// The one gate that decides whether a message gets an answer. Channel
// independent: a transport hands over every message it receives and the gate
// drops what the bot must not answer (own, replayed, duplicated, not
// addressed to it, from a group not on the allowlist, too fast).
import type { Config } from '../config/env.ts';
import type { SeenRepo } from '../store/types.ts';
import { TokenBuckets } from './ratelimit.ts';
import type { IncomingMessage } from './types.ts';

export type GateConfig = Pick<
  Config,
  'groupPrefixes' | 'groupAllowlist' | 'maxMessageAgeMs' | 'ratePerson' | 'rateGroup'
> &
  Partial<Pick<Config, 'staffRooms'>>;

/** Message ids are remembered this long (across restarts, via SeenRepo). */
export const SEEN_TTL_MS = 24 * 60 * 60 * 1000;

/** Said once when a person first runs out of tokens. */
/** How much larger the allowance of a person in a human-paced conversation is. */
export const PACED_FACTOR = 5;

export const RATE_NOTICE = '您发得有点快，请稍等一会儿再问～';

export type DropReason =
  | 'own'
  | 'stale'
  | 'not_allowlisted'
  | 'not_addressed'
  | 'duplicate'
  | 'rate_limited_person'
  | 'rate_limited_group';

export type GateDecision =
  /**
   * Handle it; `message.text` has the trigger prefix removed. `staff_room`: a
   * message in a staff room that is not addressed to the bot, for staff
   * commands only (the bot does not answer questions clerks ask each other).
   */
  | { action: 'pass'; message: IncomingMessage; via: Via }
  /** Do not answer, but tell the person (once) that they are too fast. */
  | { action: 'notice'; reason: 'rate_limited_person'; text: string }
  | { action: 'drop'; reason: DropReason };

export type Via = 'private' | 'mention' | 'prefix' | 'staff_room';

export interface Gate {
  /** rateExempt: staff; paced: a person in a dialog or a clerk conversation (a larger allowance). */
  check(msg: IncomingMessage, opts?: { rateExempt?: boolean; paced?: boolean }): Promise<GateDecision>;
  /** Frees memory of refilled buckets. */
  prune(now: number): void;
}

export interface GateDeps {
  config: GateConfig;
  seen: SeenRepo;
  /** ms since epoch; injectable for tests. */
  clock?: () => number;
  /** The bot's own id, when the transport knows it. */
  botId?: () => string | undefined;
}

export function createGate({ config, seen, clock = Date.now, botId }: GateDeps): Gate {
  const persons = new TokenBuckets(config.ratePerson);
  const groups = new TokenBuckets(config.rateGroup);
  /** People answering a dialog or talking with their clerk type faster: five times the allowance, still bounded. */
  const paced = new TokenBuckets({ capacity: config.ratePerson.capacity * PACED_FACTOR, perSeconds: config.ratePerson.perSeconds });
  /** People who were told they are too fast and have not been served since. */
  const noticed = new Set<string>();
  const allowlist = new Set(config.groupAllowlist);
  const staffRooms = new Set((config.staffRooms ?? []).map((r) => r.roomId));
  const prefixes = [...config.groupPrefixes].filter(Boolean).sort((a, b) => b.length - a.length);

  return {
    async check(msg, opts = {}) {
      const now = clock();
      const self = botId?.();
      if (self && msg.senderId === self) return { action: 'drop', reason: 'own' };
      if (now - msg.timestamp > config.maxMessageAgeMs) return { action: 'drop', reason: 'stale' };

      let text = msg.text.trim();
      let via: Via;
      if (msg.chatType === 'group') {
        const staffRoom = staffRooms.has(msg.chatId);
        if (allowlist.size > 0 && !allowlist.has(msg.chatId) && !staffRoom) {
          return { action: 'drop', reason: 'not_allowlisted' };
        }
        const prefix = prefixes.find((p) => text.startsWith(p));
        if (msg.mentioned) {
          via = 'mention';
        } else if (prefix !== undefined) {
          text = stripLeading(text.slice(prefix.length));
          via = 'prefix';
        } else if (staffRoom) {
          via = 'staff_room';
        } else {
          return { action: 'drop', reason: 'not_addressed' };
        }
      } else {
        via = 'private';
        const prefix = prefixes.find((p) => text.startsWith(p) && /^[\s:：,，]/.test(text.slice(p.length)));
        if (prefix !== undefined) text = stripLeading(text.slice(prefix.length));
      }

      // Only messages addressed to the bot are recorded: group chatter is not stored.
      if (!(await seen.firstSeen(msg.id, now, SEEN_TTL_MS))) return { action: 'drop', reason: 'duplicate' };

      if (!opts.rateExempt) {
        const buckets = opts.paced ? paced : persons;
        if (!buckets.has(msg.senderId, now)) {
          if (noticed.has(msg.senderId)) return { action: 'drop', reason: 'rate_limited_person' };
          noticed.add(msg.senderId);
          return { action: 'notice', reason: 'rate_limited_person', text: RATE_NOTICE };
        }
        if (msg.chatType === 'group' && !groups.has(msg.chatId, now)) {
          return { action: 'drop', reason: 'rate_limited_group' };
        }
        noticed.delete(msg.senderId);
        buckets.take(msg.senderId, now);
        if (msg.chatType === 'group') groups.take(msg.chatId, now);
      }
      return { action: 'pass', message: { ...msg, text }, via };
    },

    prune(now) {
      persons.prune(now);
      paced.prune(now);
      groups.prune(now);
      // A notice is owed again once the person's allowance has come back.
      for (const id of noticed) if (persons.has(id, now)) noticed.delete(id);
    },
  };
}

/** Drops the separator after a prefix: spaces, colons, commas. */
const stripLeading = (s: string): string => s.replace(/^[\s:：,，、]+/, '').trim();
