// The gate: the first step of the turn pipeline. It decides whether a message
// gets an answer at all, for every channel alike: drops the bot's own
// messages, replays (older than maxMessageAgeMs), duplicates, groups not on
// the allowlist (by id, never by topic), group messages not addressed to the
// bot (no @mention or prefix), and applies the rate limits. Over-long text is
// cut with a note to the sender, never silently.
import type { Config } from '../config/env.ts';
import type { SeenRepo } from '../store/types.ts';
import { addressKey, type Inbound } from './messages.ts';
import { TokenBuckets } from './ratelimit.ts';

export type GateConfig = Pick<
  Config,
  'groupPrefixes' | 'groupAllowlist' | 'maxMessageAgeMs' | 'ratePerson' | 'rateGroup'
> &
  Partial<Pick<Config, 'staffRooms'>>;

/** Message ids are remembered this long (across restarts, via SeenRepo). */
export const SEEN_TTL_MS = 24 * 60 * 60 * 1000;

/** How much larger the allowance of a person in a human-paced conversation is. */
export const PACED_FACTOR = 5;

/** Longest text the core takes from one message (code points); the rest is cut with a note. */
export const MAX_INBOUND_CHARS = 2000;

/**
 * Share of a group's allowance kept for members who have not spoken in the
 * current window: once the group's bucket is down to this share, only they
 * are served, so one or two busy members cannot use up the whole group.
 */
export const GROUP_RESERVE_SHARE = 0.3;

/** Said once when a person first runs out of tokens. */
export const RATE_NOTICE = '您发得有点快，请稍等一会儿再问～';

/** Said once in a group when the group's allowance is used up (or kept for others). */
export const GROUP_RATE_NOTICE = '本群这会儿提问较多，我先回答还没问过的朋友，请稍等一两分钟再@我～';

export const truncatedNote = (max: number): string =>
  `（您的消息超过${max}字，我只读了前${max}字；内容较多时请分几条发，或私聊我。）`;

export type DropReason =
  | 'own'
  | 'stale'
  | 'not_allowlisted'
  | 'not_addressed'
  | 'duplicate'
  | 'rate_limited_person'
  | 'rate_limited_group';

export type Via = 'private' | 'mention' | 'prefix' | 'staff_room';

export type GateDecision =
  /**
   * Handle it; `message.text` has the trigger prefix removed (and is cut to
   * MAX_INBOUND_CHARS, `truncated` set). `staff_room`: a message in a staff
   * room that is not addressed to the bot, for staff commands only.
   */
  | { action: 'pass'; message: Inbound; via: Via; truncated: boolean }
  /** Do not answer, but tell the sender (once) why. */
  | { action: 'notice'; reason: 'rate_limited_person' | 'rate_limited_group'; text: string }
  | { action: 'drop'; reason: DropReason };

export interface Gate {
  /** rateExempt: staff; paced: a person in a dialog or a clerk conversation (a larger allowance). */
  check(msg: Inbound, opts?: { rateExempt?: boolean; paced?: boolean }): Promise<GateDecision>;
  /** Frees memory of refilled buckets. */
  prune(now: number): void;
}

export interface GateDeps {
  config: GateConfig;
  seen: SeenRepo & { has?(messageId: string, now: number, ttlMs: number): Promise<boolean> };
  /**
   * true (default): the gate claims the message id. false: the turn claims it
   * in its own transaction (src/store/turns.ts); the gate only drops ids
   * already committed.
   */
  claimSeen?: boolean;
  /** ms since epoch; the app's one clock. */
  clock: () => number;
  /** The bot's own id on a channel, when the channel knows it. */
  botId?: (channel: string) => string | undefined;
  maxChars?: number;
}

export function createGate({ config, seen, clock, botId, maxChars = MAX_INBOUND_CHARS, claimSeen = true }: GateDeps): Gate {
  const persons = new TokenBuckets(config.ratePerson);
  const groups = new TokenBuckets(config.rateGroup);
  /** People answering a dialog or talking with their clerk type faster: five times the allowance, still bounded. */
  const paced = new TokenBuckets({ capacity: config.ratePerson.capacity * PACED_FACTOR, perSeconds: config.ratePerson.perSeconds });
  /** Who was served in a group during the group's current window: `${group}\n${person}` → last time. */
  const spoke = new Map<string, number>();
  const windowMs = config.rateGroup.perSeconds * 1000;
  const reserve = Math.max(1, Math.floor(config.rateGroup.capacity * GROUP_RESERVE_SHARE));
  /** People, and groups, who were told they are too fast and have not been served since. */
  const noticed = new Set<string>();
  /** Groups told they are throttled, and when: at most one notice a group per window. */
  const noticedGroups = new Map<string, number>();
  const allowlist = new Set(config.groupAllowlist);
  const staffRooms = new Set((config.staffRooms ?? []).map((r) => r.roomId));
  const prefixes = [...config.groupPrefixes].filter(Boolean).sort((a, b) => b.length - a.length);

  const personKey = (m: Inbound) => `${m.sender.channel}:${m.sender.id}`;
  const groupKey = (m: Inbound) => `${m.chat.channel}:${m.chat.id}`;

  return {
    async check(msg, opts = {}) {
      const now = clock();
      const self = botId?.(msg.sender.channel);
      if (self && msg.sender.id === self) return { action: 'drop', reason: 'own' };
      // Pushed messages older than this are replays (a reconnect re-delivering history); pulled ones are deduped only.
      if (!msg.pulled && now - msg.timestamp > config.maxMessageAgeMs) return { action: 'drop', reason: 'stale' };

      let text = msg.text.trim();
      let via: Via;
      const inGroup = msg.chat.kind === 'group';
      if (inGroup) {
        // A staff room is configured by bare (Wechaty) room id or by address key (wecom-bot:group:…).
        const staffRoom = staffRooms.has(msg.chat.id) || staffRooms.has(addressKey(msg.chat));
        if (allowlist.size > 0 && !allowlist.has(msg.chat.id) && !staffRoom) {
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
      const seenKey = `${msg.chat.channel}:${msg.id}`;
      const duplicate = claimSeen || !seen.has ? !(await seen.firstSeen(seenKey, now, SEEN_TTL_MS)) : await seen.has(seenKey, now, SEEN_TTL_MS);
      if (duplicate) return { action: 'drop', reason: 'duplicate' };

      if (!opts.rateExempt && via !== 'staff_room') {
        const who = personKey(msg);
        const buckets = opts.paced ? paced : persons;
        if (!buckets.has(who, now)) {
          if (noticed.has(who)) return { action: 'drop', reason: 'rate_limited_person' };
          noticed.add(who);
          return { action: 'notice', reason: 'rate_limited_person', text: RATE_NOTICE };
        }
        if (inGroup) {
          const g = groupKey(msg);
          const member = `${g}\n${who}`;
          const last = spoke.get(member);
          const spokeRecently = last !== undefined && now - last < windowMs;
          const left = groups.available(g, now);
          // The last tokens of a group are kept for members who have not spoken in this window.
          if (left < 1 || (spokeRecently && left < reserve + 1)) {
            const told = noticedGroups.get(g);
            if (told !== undefined && now - told < windowMs) return { action: 'drop', reason: 'rate_limited_group' };
            noticedGroups.set(g, now);
            return { action: 'notice', reason: 'rate_limited_group', text: GROUP_RATE_NOTICE };
          }
          groups.take(g, now);
          spoke.set(member, now);
        }
        noticed.delete(who);
        buckets.take(who, now);
      }
      const chars = [...text];
      const truncated = chars.length > maxChars;
      if (truncated) text = chars.slice(0, maxChars).join('');
      return { action: 'pass', message: { ...msg, text }, via, truncated };
    },

    prune(now) {
      persons.prune(now);
      paced.prune(now);
      groups.prune(now);
      for (const [k, at] of spoke) if (now - at >= windowMs) spoke.delete(k);
      // A notice is owed again once the allowance has come back.
      for (const id of noticed) if (persons.has(id, now)) noticed.delete(id);
      for (const [id, at] of noticedGroups) if (now - at >= windowMs) noticedGroups.delete(id);
    },
  };
}

/** Drops the separator after a prefix: spaces, colons, commas. */
const stripLeading = (s: string): string => s.replace(/^[\s:：,，、]+/, '').trim();
