// The WeCom intelligent bot (企业微信智能机器人) in the staff's internal groups,
// over WeCom's outbound long connection (no public IP needed), spoken by
// WeCom's own SDK (@wecom/aibot-node-sdk: subscribe, heartbeat, reconnect
// with backoff, and no reconnect once WeCom says another connection replaced
// this one). @-messages become Inbound; Outbound goes out as markdown, or as
// a template card whose buttons send their command back as the clerk's
// message. WeCom allows one connection per bot id: a lease under DATA_DIR
// makes sure only one process of ours tries.
import path from 'node:path';
import crypto from 'node:crypto';
import { WSClient, type WsFrame } from '@wecom/aibot-node-sdk';
import { z } from 'zod';
import { splitText } from '../../src/core/split.ts';
import type { WecomBotConfig } from '../../src/config/channels.ts';
import type { ChannelSender, Inbound, Outbound } from '../../src/core/messages.ts';
import type { Logger } from '../../src/log.ts';
import { fileLease, type Lease } from '../channels/lease.ts';

export const BOT_CHANNEL = 'wecom-bot';
/** Characters per markdown message. */
const MARKDOWN_CHARS = 1200;
/** WeCom shows at most this many buttons on a card. */
const MAX_BUTTONS = 6;
/** A send during a reconnect waits this long for the connection. */
const SEND_WAIT_MS = 10_000;

const textFrame = z.looseObject({
  msgid: z.string(),
  chatid: z.string().optional(),
  chattype: z.enum(['single', 'group']).default('single'),
  from: z.looseObject({ userid: z.string() }),
  create_time: z.number().optional(),
  msgtype: z.literal('text'),
  text: z.looseObject({ content: z.string() }),
});
const cardEventFrame = z.looseObject({
  msgid: z.string(),
  chatid: z.string().optional(),
  chattype: z.enum(['single', 'group']).optional(),
  from: z.looseObject({ userid: z.string() }),
  create_time: z.number().optional(),
  event: z.looseObject({
    eventtype: z.literal('template_card_event'),
    event_key: z.string().optional(),
    task_id: z.string().optional(),
    // The HTTP-callback flavour nests the click under template_card_event.
    template_card_event: z.looseObject({ event_key: z.string().optional(), task_id: z.string().optional() }).optional(),
  }),
});

export type BotStatus = 'standby' | 'connecting' | 'connected' | 'replaced' | 'stopped';

export interface BotChannelDeps {
  config: WecomBotConfig;
  dataDir: string;
  logger: Logger;
  onInbound(inbound: Inbound): Promise<void>;
  /** Tests shorten these. */
  timing?: { leaseTtlMs?: number; reconnectBaseMs?: number; heartbeatMs?: number };
}

export interface BotChannel extends ChannelSender {
  /** Takes the lease and connects; without the lease it waits on standby and retries. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly status: BotStatus;
  /** Resolves when the status becomes `status`. */
  when(status: BotStatus): Promise<void>;
  readonly lease: Lease;
}

export function createBotChannel(deps: BotChannelDeps): BotChannel {
  const { config, logger } = deps;
  const log = logger.child({ channel: BOT_CHANNEL });
  const leaseTtl = deps.timing?.leaseTtlMs ?? 30_000;
  const lease = fileLease(path.join(deps.dataDir, 'wecom', `bot-${safe(config.botId)}.lease`), { ttlMs: leaseTtl });
  let status: BotStatus = 'stopped';
  const waiters: { status: BotStatus; resolve: () => void }[] = [];
  let client: WSClient | null = null;
  let leaseTimer: NodeJS.Timeout | null = null;

  const setStatus = (s: BotStatus) => {
    status = s;
    for (const w of waiters.filter((x) => x.status === s)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };

  const sdkLogger = {
    debug: (m: string) => log.debug(m),
    info: (m: string) => log.info(m),
    warn: (m: string) => log.warn(m),
    error: (m: string, ...a: unknown[]) => log.error({ detail: a.map(String).join(' ') }, m),
  };

  const stripMentions = (text: string) => text.replace(/^(?:\s*@\S+)+\s*/u, '').trim();

  async function deliver(inbound: Inbound) {
    try {
      await deps.onInbound(inbound);
    } catch (err) {
      log.error({ err, msgid: inbound.id }, 'bot message handling failed');
    }
  }

  function connect() {
    setStatus('connecting');
    const c = new WSClient({
      botId: config.botId,
      secret: config.secret,
      wsUrl: config.wsUrl,
      reconnectInterval: deps.timing?.reconnectBaseMs ?? 1000,
      maxReconnectAttempts: -1,
      maxAuthFailureAttempts: 5,
      heartbeatInterval: deps.timing?.heartbeatMs ?? 30_000,
      logger: sdkLogger,
    });
    client = c;
    c.on('authenticated', () => {
      log.info({ bot: config.botId }, 'WeCom bot connected');
      setStatus('connected');
    });
    c.on('reconnecting', (attempt) => {
      log.warn({ attempt }, 'WeCom bot reconnecting');
      setStatus('connecting');
    });
    c.on('error', (err) => {
      if ((err as { code?: string }).code === 'WS_AUTH_FAILURE_EXHAUSTED') {
        // Retrying will not help: the bot id or secret is wrong (or the bot was disabled).
        log.error({ bot: config.botId }, 'WeCom refused WECOM_BOT_ID / WECOM_BOT_SECRET; the bot channel stops');
        stopLeaseTimer();
        client = null;
        void lease.release();
        setStatus('stopped');
        return;
      }
      log.warn({ err: err.message }, 'WeCom bot connection error');
    });
    c.on('message.text', (frame: WsFrame) => {
      const parsed = textFrame.safeParse(frame.body);
      if (!parsed.success) return log.warn('unreadable bot text frame ignored');
      const m = parsed.data;
      const group = m.chattype === 'group' && m.chatid;
      const chatId = group ? m.chatid! : m.from.userid;
      void deliver({
        id: `wb:${m.msgid}`,
        chat: { channel: BOT_CHANNEL, kind: group ? 'group' : 'direct', id: chatId },
        sender: { channel: BOT_CHANNEL, id: m.from.userid, name: m.from.userid },
        text: stripMentions(m.text.content),
        // WeCom only delivers group messages that @ the bot.
        mentioned: true,
        timestamp: (m.create_time ?? Math.floor(Date.now() / 1000)) * 1000,
        context: group && config.towns[chatId] ? { town: config.towns[chatId], isStaff: true } : {},
      });
    });
    c.on('event.template_card_event', (frame: WsFrame) => {
      const parsed = cardEventFrame.safeParse(frame.body);
      if (!parsed.success) return log.warn('unreadable card event ignored');
      const m = parsed.data;
      const command = m.event.event_key ?? m.event.template_card_event?.event_key;
      if (!command) return;
      const group = m.chattype !== 'single' && m.chatid;
      const chatId = group ? m.chatid! : m.from.userid;
      void deliver({
        id: `wb:${m.msgid}`,
        chat: { channel: BOT_CHANNEL, kind: group ? 'group' : 'direct', id: chatId },
        sender: { channel: BOT_CHANNEL, id: m.from.userid, name: m.from.userid },
        text: command,
        mentioned: true,
        timestamp: (m.create_time ?? Math.floor(Date.now() / 1000)) * 1000,
        context: group && config.towns[chatId] ? { town: config.towns[chatId], isStaff: true } : {},
      });
    });
    c.on('event.disconnected_event', () => {
      // Another connection for this bot id took over (elsewhere, since we hold the lease here):
      // reconnecting would only kick it back. Stop, give up the lease, tell the operator.
      log.error({ bot: config.botId }, 'WeCom replaced this bot connection with another one; not reconnecting');
      stopLeaseTimer();
      void lease.release();
      client = null;
      setStatus('replaced');
    });
    c.connect();
  }

  const stopLeaseTimer = () => {
    if (leaseTimer) clearInterval(leaseTimer);
    leaseTimer = null;
  };

  async function tick() {
    if (status === 'replaced' || status === 'stopped') return stopLeaseTimer();
    const ok = await lease.acquire().catch((err: unknown) => {
      log.warn({ err }, 'bot lease check failed');
      return false;
    });
    if (ok && status === 'standby') connect();
    if (!ok && client) {
      log.error('lost the bot connection lease to another process; disconnecting');
      client.disconnect();
      client = null;
      setStatus('standby');
    }
  }

  async function send(message: Outbound): Promise<void> {
    if (message.to.channel !== BOT_CHANNEL) throw new Error(`the WeCom bot cannot send to ${message.to.channel}`);
    if (status === 'connecting') {
      // Reconnecting after a drop takes a moment; wait for it rather than lose the message.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this_.when('connected'), new Promise((r) => (timer = setTimeout(r, SEND_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const c = client;
    if (!c || status !== 'connected') throw new Error(`WeCom bot not connected (${status})`);
    const chatId = message.to.id;
    const mention = message.mention && message.to.kind === 'group' ? `<@${message.mention.id}> ` : '';
    const text = message.text.trim();
    if (message.actions?.length) {
      const [title = '', ...rest] = text.split('\n');
      const sub = rest.join('\n').trim();
      const fits = title.length <= 30 && sub.length <= 500;
      if (!fits || mention) await sendMarkdown(c, chatId, mention + text);
      await c.sendMessage(chatId, {
        msgtype: 'template_card',
        template_card: {
          card_type: 'button_interaction',
          main_title: { title: fits ? title : clip(title, 30) },
          ...(fits && sub ? { sub_title_text: sub } : {}),
          button_list: message.actions.slice(0, MAX_BUTTONS).map((a, i) => ({ text: a.label, style: i === 0 ? 1 : 2, key: a.command })),
          task_id: `daiban_${Date.now()}_${crypto.randomBytes(4).toString('hex')}`,
        },
      });
      return;
    }
    await sendMarkdown(c, chatId, mention + text);
  }

  async function sendMarkdown(c: WSClient, chatId: string, text: string) {
    for (const chunk of splitText(text, MARKDOWN_CHARS)) {
      await c.sendMessage(chatId, { msgtype: 'markdown', markdown: { content: chunk } });
    }
  }

  const this_: BotChannel = {
    name: BOT_CHANNEL,
    lease,
    get status() {
      return status;
    },
    when(s) {
      if (status === s) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ status: s, resolve }));
    },
    async start() {
      setStatus('standby');
      leaseTimer = setInterval(() => void tick(), Math.max(50, Math.floor(leaseTtl / 3)));
      await tick();
      if (status === 'standby') log.warn({ holder: lease.current() }, 'another process holds the WeCom bot connection; on standby');
    },
    async stop() {
      stopLeaseTimer();
      client?.disconnect();
      client = null;
      if (status !== 'replaced') await lease.release();
      setStatus('stopped');
    },
    send,
  };
  return this_;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
