// 微信客服 (WeCom customer service): business owners write from personal
// WeChat through a kf link or QR code. WeCom calls our URL ("there are new
// messages"), we ack at once and pull them with kf/sync_msg from the cursor
// persisted per open_kfid; each customer text becomes an Inbound. Replies go
// out with kf/send_msg within WeCom's budget (5 messages within 48 h of the
// customer's last message, and only while the bot holds the session); what
// cannot go out yet is held and sent after the customer's next message.
// Outbound.handoff moves the session with kf/service_state/trans.
import path from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import { splitText } from '../../src/core/split.ts';
import type { ChannelSender, Inbound, Outbound } from '../../src/core/messages.ts';
import type { Logger } from '../../src/log.ts';
import { jsonFile, type JsonFile } from '../channels/file-state.ts';
import { createWecomApi, WecomApiError, type WecomApi } from '../channels/wecom-api.ts';
import { createWecomCrypto, WecomCryptoError, xmlField, type WecomCrypto } from '../channels/wecom-crypto.ts';
import type { KfConfig } from '../../src/config/channels.ts';
import { KF_STATE, KF_TRANSITIONS, ORIGIN_CUSTOMER, sendReply, syncReply, transReply, type KfMessage } from './kf-api.ts';

export const KF_CHANNEL = 'wecom-kf';
/** WeCom allows this many messages per customer message … */
export const KF_MESSAGES_PER_CUSTOMER_MESSAGE = 5;
/** … within this long after it. */
export const KF_REPLY_WINDOW_MS = 48 * 3600_000;
/** Characters per kf text message (kf allows 2048 bytes; CJK is 3 bytes in UTF-8). */
const KF_CHUNK_CHARS = 600;
/** A welcome_code can be used this long after the enter_session event. */
const WELCOME_CODE_MS = 20_000;
/** A failed sync is tried again after this, doubling up to the maximum. */
const SYNC_RETRY_BASE_MS = 15_000;
const SYNC_RETRY_MAX_MS = 5 * 60_000;
/** Message ids remembered for de-duplication (persisted). */
const SEEN_KEEP = 5000;
/** Without a saved cursor, messages older than this are recorded but not answered. */
export const COLD_START_MAX_AGE_MS = 10 * 60_000;
/** Customers quiet this long, with nothing held and no clerk, are forgotten (the town comes back from the next link). */
const FORGET_AFTER_MS = 30 * 24 * 3600_000;

const heldMessage = z.object({ text: z.string(), at: z.number(), reason: z.string() });
const customer = z.object({
  openKfid: z.string(),
  /** Town from the link's scene_param or the account's WECOM_KF_TOWNS entry. */
  town: z.string().optional(),
  /** Our view of the kf session state (0–4). */
  state: z.number().int().min(0).max(4).default(0),
  servicer: z.string().optional(),
  /** ms since epoch of the customer's last message; 0 when they never wrote. */
  lastCustomerAt: z.number().default(0),
  /** Messages sent since then (the budget is 5). */
  sentSince: z.number().default(0),
  held: z.array(heldMessage).default([]),
});
export type KfCustomer = z.output<typeof customer>;
const stateSchema = z.object({
  cursors: z.record(z.string(), z.string()).default({}),
  seen: z.array(z.string()).default([]),
  customers: z.record(z.string(), customer).default({}),
});
export type KfStateFile = z.output<typeof stateSchema>;

export interface KfChannelDeps {
  config: KfConfig;
  dataDir: string;
  logger: Logger;
  /** Hands a customer's message to the core and delivers what it answers (through the outbox). */
  onInbound(inbound: Inbound): Promise<void>;
  /** The greeting for a customer who just opened the kf link (sent with the welcome_code); null: none. */
  welcome?(customer: string): Promise<string | null>;
  /** A reply could not be sent now and was held (to record it and tell the clerk). */
  onHeld?(customer: string, text: string, reason: string): Promise<void>;
  /** Injected for tests. */
  api?: WecomApi;
  clock?: () => number;
  /** First retry delay of a failed sync (tests shorten it). */
  syncRetryMs?: number;
}

export interface KfChannel extends ChannelSender {
  /** Mounts GET (URL verification) and POST (callbacks) on WECOM_KF_PATH. */
  mount(app: Hono): void;
  /** Pulls new messages of one kf account now (the callback does this itself). */
  sync(openKfid: string, callbackToken?: string): Promise<void>;
  /** Resolves when no sync is running or queued. */
  idle(): Promise<void>;
  stop(): void;
  /** The persisted state (for tests and the operator). */
  state(): KfStateFile;
  readonly api: WecomApi;
}

export function createKfChannel(deps: KfChannelDeps): KfChannel {
  const { config, logger } = deps;
  const log = logger.child({ channel: KF_CHANNEL });
  const clock = deps.clock ?? Date.now;
  const crypto: WecomCrypto = createWecomCrypto({ token: config.token, encodingAesKey: config.encodingAesKey, receiveId: config.corpId });
  const api =
    deps.api ??
    createWecomApi({
      apiBase: config.apiBase,
      corpId: config.corpId,
      secret: config.secret,
      tokenFile: path.join(deps.dataDir, 'wecom', `token-${config.corpId}-kf.json`),
      clock,
    });
  const file: JsonFile<KfStateFile> = jsonFile(path.join(deps.dataDir, 'wecom', `kf-state-${config.corpId}.json`), stateSchema, () =>
    stateSchema.parse({}),
  );
  /** One sync at a time per kf account; a callback during a sync queues exactly one more. */
  const syncs = new Map<string, { running: Promise<void>; again: boolean; token?: string }>();
  let stopped = false;
  const failures = new Map<string, number>();
  const retries = new Set<NodeJS.Timeout>();

  const mask = (id: string) => (id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-2)}` : '***');

  // --- receiving --------------------------------------------------------------

  /**
   * Records a page of messages; returns those not seen before (a duplicate callback, a
   * replayed cursor or a second process finds them recorded). A message is recorded
   * before it is handled: after a crash mid-page it is not handled twice.
   */
  const firstTime = (msgs: KfMessage[]): Promise<KfMessage[]> =>
    file.update((s) => {
      const seen = new Set(s.seen);
      const fresh: KfMessage[] = [];
      for (const msg of msgs) {
        if (seen.has(msg.msgid)) continue;
        seen.add(msg.msgid);
        s.seen.push(msg.msgid);
        fresh.push(msg);
        record(s, msg);
      }
      if (s.seen.length > SEEN_KEEP) s.seen.splice(0, s.seen.length - SEEN_KEEP);
      const cutoff = clock() - FORGET_AFTER_MS;
      for (const [id, c] of Object.entries(s.customers)) {
        if (c.lastCustomerAt < cutoff && c.held.length === 0 && c.state !== KF_STATE.HUMAN && c.state !== KF_STATE.POOL) delete s.customers[id];
      }
      return fresh;
    });

  /** What a message tells us about the customer's session. */
  function record(s: KfStateFile, msg: KfMessage): void {
    const userId = msg.external_userid ?? msg.event?.external_userid;
    if (!userId) return;
    const c = (s.customers[userId] ??= customer.parse({ openKfid: msg.open_kfid, town: config.towns[msg.open_kfid] }));
    c.openKfid = msg.open_kfid;
    if (msg.msgtype === 'event' && msg.event?.event_type === 'enter_session' && msg.event.scene_param) {
      c.town = decodeSceneParam(msg.event.scene_param);
    }
    if (msg.msgtype === 'event' && msg.event?.event_type === 'session_status_change') {
      // A servicer took, passed on or ended the session in the WeCom client.
      const change = Number(msg.event.change_type);
      if (change === 3) {
        c.state = KF_STATE.ENDED;
        c.servicer = undefined;
      } else if (change === 1 || change === 2 || change === 4) {
        c.state = KF_STATE.HUMAN;
        c.servicer = typeof msg.event.new_servicer_userid === 'string' ? msg.event.new_servicer_userid : c.servicer;
      }
    }
    if (msg.origin === ORIGIN_CUSTOMER) {
      c.lastCustomerAt = msg.send_time * 1000;
      c.sentSince = 0;
      // An ended session reopens as "new" when the customer writes again.
      if (c.state === KF_STATE.ENDED) {
        c.state = KF_STATE.NEW;
        c.servicer = undefined;
      }
    }
  }

  async function handleMessage(msg: KfMessage): Promise<void> {
    if (msg.msgtype === 'event' && msg.event?.event_type === 'enter_session') return welcome(msg);
    if (msg.origin !== ORIGIN_CUSTOMER || !msg.external_userid) return;
    const userId = msg.external_userid;
    const c = file.read().customers[userId]!;
    // A new session is taken by the bot, so WeCom's own routing does not queue it for people.
    if (c.state === KF_STATE.NEW) {
      await trans(userId, KF_STATE.BOT).catch((err: unknown) => log.warn({ err, customer: mask(userId) }, 'kf: could not take the session for the bot'));
    }
    await flushHeld(userId);
    if (msg.msgtype !== 'text' || !msg.text) {
      log.info({ msgtype: msg.msgtype, customer: mask(userId) }, 'non-text kf message ignored');
      return;
    }
    const inbound: Inbound = {
      id: `kf:${msg.msgid}`,
      chat: { channel: KF_CHANNEL, kind: 'direct', id: userId },
      sender: { channel: KF_CHANNEL, id: userId, name: '微信客户' },
      text: msg.text.content.trim(),
      mentioned: true,
      timestamp: msg.send_time * 1000,
      // Pulled from a saved cursor and de-duplicated: a late pull (after an outage) is no replay,
      // so the gate's age rule does not apply. (Without a cursor, old ones are skipped above.)
      pulled: true,
      context: c.town ? { town: c.town } : {},
    };
    await deps.onInbound(inbound);
  }

  /** Greets a customer who opened the link, with the event's welcome_code (valid 20 s, once; not counted in the 5). */
  async function welcome(msg: KfMessage): Promise<void> {
    const code = msg.event?.welcome_code;
    const userId = msg.event?.external_userid;
    if (!code || !userId || !deps.welcome || clock() - msg.send_time * 1000 > WELCOME_CODE_MS) return;
    const text = await deps.welcome(userId);
    if (!text) return;
    await api.post('kf/send_msg_on_event', { code, msgtype: 'text', text: { content: splitText(text, KF_CHUNK_CHARS)[0] } }, sendReply);
  }

  async function syncOnce(openKfid: string, callbackToken?: string): Promise<void> {
    // Without a saved cursor (first run, or the state file was lost) sync_msg returns up to
    // three days of history, and we cannot tell what was answered: only recent messages count.
    const cold = !file.read().cursors[openKfid];
    for (let page = 0; page < 100 && !stopped; page++) {
      const cursor = file.read().cursors[openKfid] ?? '';
      const reply = await api.post(
        'kf/sync_msg',
        { cursor, ...(callbackToken ? { token: callbackToken } : {}), limit: 1000, open_kfid: openKfid },
        syncReply,
      );
      const fresh = await firstTime(reply.msg_list);
      if (fresh.length < reply.msg_list.length) log.debug({ skipped: reply.msg_list.length - fresh.length }, 'kf messages seen before, skipped');
      const horizon = clock() - COLD_START_MAX_AGE_MS;
      const handled = cold ? fresh.filter((m) => m.send_time * 1000 >= horizon) : fresh;
      if (handled.length < fresh.length) log.warn({ openKfid, skipped: fresh.length - handled.length }, 'kf: no saved cursor; older messages are not answered');
      for (const msg of handled) {
        try {
          await handleMessage(msg);
        } catch (err) {
          log.error({ err, msgid: msg.msgid }, 'kf message handling failed');
        }
      }
      // The cursor moves only after the page is handled; a crash before replays it, and the seen ids drop the replay.
      if (reply.next_cursor) await file.update((s) => void (s.cursors[openKfid] = reply.next_cursor));
      if (!reply.has_more) return;
    }
  }

  function sync(openKfid: string, callbackToken?: string): Promise<void> {
    const current = syncs.get(openKfid);
    if (current) {
      current.again = true;
      current.token = callbackToken ?? current.token;
      return current.running;
    }
    const entry = { running: Promise.resolve(), again: false, token: callbackToken };
    entry.running = (async () => {
      try {
        do {
          entry.again = false;
          try {
            await syncOnce(openKfid, entry.token);
            failures.delete(openKfid);
          } catch (err) {
            // WeCom calls back only for new messages: pull again later ourselves, backing off.
            const n = (failures.get(openKfid) ?? 0) + 1;
            failures.set(openKfid, n);
            const delay = Math.min((deps.syncRetryMs ?? SYNC_RETRY_BASE_MS) * 2 ** (n - 1), SYNC_RETRY_MAX_MS);
            log.error({ err, openKfid, retryInMs: delay }, 'kf sync failed');
            if (!stopped) {
              const timer = setTimeout(() => {
                retries.delete(timer);
                void sync(openKfid);
              }, delay);
              timer.unref();
              retries.add(timer);
            }
          }
        } while (entry.again && !stopped);
      } finally {
        syncs.delete(openKfid);
      }
    })();
    syncs.set(openKfid, entry);
    return entry.running;
  }

  function mount(app: Hono): void {
    // URL verification: answer the decrypted echostr (WeCom waits 1 s).
    app.get(config.path, (c) => {
      const q = c.req.query();
      try {
        const echo = crypto.open(q.msg_signature ?? '', q.timestamp ?? '', q.nonce ?? '', q.echostr ?? '');
        return c.text(echo);
      } catch (err) {
        log.warn({ reason: err instanceof WecomCryptoError ? err.reason : String(err) }, 'kf URL verification refused');
        return c.text('invalid signature', 403);
      }
    });
    // Callbacks: verify, decrypt, ack at once (WeCom retries after 5 s), pull after the ack.
    app.post(config.path, async (c) => {
      const q = c.req.query();
      const body = await c.req.text();
      const encrypt = xmlField(body, 'Encrypt');
      let xml: string;
      try {
        xml = crypto.open(q.msg_signature ?? '', q.timestamp ?? '', q.nonce ?? '', encrypt ?? '');
      } catch (err) {
        log.warn({ reason: err instanceof WecomCryptoError ? err.reason : String(err) }, 'kf callback refused');
        return c.text('invalid signature', 403);
      }
      const event = xmlField(xml, 'Event');
      const openKfid = xmlField(xml, 'OpenKfId');
      if (event === 'kf_msg_or_event' && openKfid && !stopped) {
        const token = xmlField(xml, 'Token');
        void sync(openKfid, token);
      }
      return c.text('success');
    });
  }

  // --- sending ----------------------------------------------------------------

  async function trans(userId: string, to: number, servicer?: string): Promise<string | undefined> {
    const c = file.read().customers[userId];
    if (!c) throw new Error(`unknown kf customer ${mask(userId)}`);
    if (c.state === to && to !== KF_STATE.HUMAN) return undefined;
    if (!KF_TRANSITIONS[c.state]?.includes(to)) {
      log.warn({ customer: mask(userId), from: c.state, to }, 'kf session state change not allowed; skipped');
      return undefined;
    }
    const reply = await api.post(
      'kf/service_state/trans',
      { open_kfid: c.openKfid, external_userid: userId, service_state: to, ...(servicer ? { servicer_userid: servicer } : {}) },
      transReply,
    );
    await file.update((s) => {
      const x = s.customers[userId]!;
      x.state = to;
      x.servicer = to === KF_STATE.HUMAN ? servicer : undefined;
    });
    log.info({ customer: mask(userId), state: to }, 'kf session state changed');
    return reply.msg_code;
  }

  /** Why a message cannot be sent to this customer now; null when it can. */
  const blockedBecause = (c: KfCustomer): string | null => {
    if (c.state !== KF_STATE.NEW && c.state !== KF_STATE.BOT) return c.state === KF_STATE.HUMAN ? 'human_servicer' : 'session_not_with_bot';
    if (clock() - c.lastCustomerAt > KF_REPLY_WINDOW_MS) return 'window_48h';
    if (c.sentSince >= KF_MESSAGES_PER_CUSTOMER_MESSAGE) return 'five_messages';
    return null;
  };

  /**
   * Sends one text, or keeps it: held until the customer writes again (budget, window), or,
   * while a clerk holds the session, handed to onHeld so the clerk passes it on (not held:
   * it would be stale by the time the session comes back to the bot).
   */
  async function sendText(userId: string, text: string, opts: { alreadyReported?: boolean } = {}): Promise<boolean> {
    const c = file.read().customers[userId]!;
    const reason = blockedBecause(c);
    if (reason) {
      if (reason !== 'human_servicer') await file.update((s) => void s.customers[userId]!.held.push({ text, at: clock(), reason }));
      log.warn({ customer: mask(userId), reason }, reason === 'human_servicer' ? 'kf reply not sent: a clerk holds the session' : 'kf reply held until the customer writes again');
      // Held replies were reported when first held; one that now meets a clerk's session is reported afresh.
      if (!opts.alreadyReported || reason === 'human_servicer') await deps.onHeld?.(userId, text, reason).catch((err: unknown) => log.error({ err }, 'recording a held kf reply failed'));
      return false;
    }
    await api.post('kf/send_msg', { touser: userId, open_kfid: c.openKfid, msgtype: 'text', text: { content: text } }, sendReply);
    await file.update((s) => void s.customers[userId]!.sentSince++);
    return true;
  }

  /** Sends what was held, oldest first, as far as the budget allows (the rest stays held, reported once). */
  async function flushHeld(userId: string): Promise<void> {
    const held = file.read().customers[userId]?.held ?? [];
    if (held.length === 0) return;
    await file.update((s) => void (s.customers[userId]!.held = []));
    for (const h of held) await sendText(userId, h.text, { alreadyReported: true });
  }

  async function send(message: Outbound): Promise<void> {
    if (message.to.channel !== KF_CHANNEL || message.to.kind !== 'direct') {
      throw new Error(`the kf channel cannot send to ${message.to.channel}:${message.to.kind}`);
    }
    const userId = message.to.id;
    if (!file.read().customers[userId]) throw new Error(`unknown kf customer ${mask(userId)} (never wrote to a kf account)`);
    const chunks = splitText(message.text, KF_CHUNK_CHARS);
    const handoff = message.handoff;
    if (handoff?.to === 'bot') {
      const c = file.read().customers[userId]!;
      if (c.state === KF_STATE.POOL || c.state === KF_STATE.HUMAN) {
        // WeCom does not move a session from people back to the bot: it ends it (state 4). The
        // customer's next message opens a new session the bot takes. The closing message goes
        // with the msg_code of the change (send_msg_on_event); the rest waits for the customer.
        const code = await trans(userId, KF_STATE.ENDED);
        const [first, ...rest] = chunks;
        if (code && first) {
          await api.post('kf/send_msg_on_event', { code, msgtype: 'text', text: { content: first } }, sendReply);
        } else if (first) {
          rest.unshift(first);
        }
        for (const chunk of rest) await sendText(userId, chunk);
        return;
      }
    }
    for (const chunk of chunks) await sendText(userId, chunk);
    if (handoff?.to === 'human') {
      // After the notice: a named clerk (3), or the waiting pool (2) when we do not know their
      // WeCom id or WeCom refuses them (not a servicer of this kf account, not on duty).
      if (handoff.servicer) {
        try {
          await trans(userId, KF_STATE.HUMAN, handoff.servicer);
          return;
        } catch (err) {
          if (!(err instanceof WecomApiError)) throw err;
          log.warn({ errcode: err.errcode, servicer: handoff.servicer }, 'kf: the clerk cannot take the session; it goes to the waiting pool');
        }
      }
      await trans(userId, KF_STATE.POOL);
    }
  }

  return {
    name: KF_CHANNEL,
    api,
    mount,
    sync,
    send,
    async idle() {
      while (syncs.size > 0) await Promise.all([...syncs.values()].map((s) => s.running));
    },
    stop() {
      stopped = true;
      for (const t of retries) clearTimeout(t);
      retries.clear();
    },
    state: () => file.read(),
  };
}

/** scene_param arrives URL-encoded (the link carries it encoded); the town as written. */
function decodeSceneParam(raw: string): string {
  try {
    return decodeURIComponent(raw).trim();
  } catch {
    return raw.trim();
  }
}
