// A local fake of the WeCom intelligent bot's long-connection server on
// 127.0.0.1, speaking the frames of WeCom's SDK (@wecom/aibot-node-sdk):
// aibot_subscribe → ack; ping → ack; aibot_send_msg / aibot_respond_msg →
// recorded and acked; it pushes aibot_msg_callback (a staff member's
// @-message) and aibot_event_callback (a card button click). One connection
// per bot id: a second subscription kicks the first with disconnected_event.
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Frame {
  cmd?: string;
  headers?: { req_id?: string };
  body?: Record<string, any>;
}

export interface SentBot {
  chatid: string;
  msgtype: string;
  /** markdown content, or the card's title + sub title. */
  text: string;
  /** Card buttons (key = the command they send back). */
  buttons: { text: string; key: string }[];
  taskId?: string;
}

export class FakeBotServer {
  private wss: WebSocketServer | null = null;
  url = '';
  /** bot id → its authenticated socket. */
  private active = new Map<string, WebSocket>();
  readonly sent: SentBot[] = [];
  /** Sockets kicked because a newer one subscribed. */
  kicked = 0;
  subscriptions = 0;
  pings = 0;
  private seq = 0;
  private listeners: (() => void)[] = [];

  constructor(readonly bots: Record<string, string>) {}

  async start(): Promise<string> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => this.wss!.once('listening', () => r()));
    this.url = `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
    this.wss.on('connection', (ws) => {
      let botId: string | null = null;
      ws.on('message', (data) => {
        let frame: Frame;
        try {
          frame = JSON.parse(String(data)) as Frame;
        } catch {
          return;
        }
        const reqId = frame.headers?.req_id ?? '';
        const ack = (errcode = 0, errmsg = 'ok') => ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode, errmsg }));
        if (frame.cmd === 'aibot_subscribe') {
          const id = String(frame.body?.bot_id ?? '');
          if (!id || this.bots[id] !== frame.body?.secret) return ack(40001, 'invalid bot_id or secret');
          const previous = this.active.get(id);
          if (previous && previous !== ws) {
            this.kicked++;
            previous.send(
              JSON.stringify({
                cmd: 'aibot_event_callback',
                headers: { req_id: `evt_${++this.seq}` },
                body: { msgid: `kick-${this.seq}`, create_time: Math.floor(Date.now() / 1000), aibotid: id, from: { userid: '' }, msgtype: 'event', event: { eventtype: 'disconnected_event' } },
              }),
            );
            previous.close();
          }
          botId = id;
          this.active.set(id, ws);
          this.subscriptions++;
          ack();
          this.changed();
          return;
        }
        if (!botId || this.active.get(botId) !== ws) return ack(40002, 'not subscribed');
        if (frame.cmd === 'ping') {
          this.pings++;
          return ack();
        }
        if (frame.cmd === 'aibot_send_msg' || frame.cmd === 'aibot_respond_msg') {
          const b = frame.body ?? {};
          const card = b.template_card as Record<string, any> | undefined;
          this.sent.push({
            chatid: String(b.chatid ?? ''),
            msgtype: String(b.msgtype),
            text: b.msgtype === 'markdown' ? String(b.markdown?.content ?? '') : [card?.main_title?.title, card?.sub_title_text].filter(Boolean).join('\n'),
            buttons: (card?.button_list ?? []).map((x: { text: string; key: string }) => ({ text: x.text, key: x.key })),
            taskId: card?.task_id,
          });
          ack();
          this.changed();
          return;
        }
        ack(40003, `unknown cmd ${frame.cmd}`);
      });
      ws.on('close', () => {
        if (botId && this.active.get(botId) === ws) this.active.delete(botId);
        this.changed();
      });
    });
    return this.url;
  }

  /** The network drops every connection (no event first, as when a link breaks). */
  dropAll(): void {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
  }

  connected(botId: string): boolean {
    return this.active.has(botId);
  }

  private changed() {
    const l = this.listeners;
    this.listeners = [];
    for (const f of l) f();
  }

  /** Resolves when `test` holds (checked after every frame and connection change). */
  async until(test: () => boolean, what = 'condition', timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`fake bot server: timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.listeners.push(r);
        setTimeout(r, 200).unref();
      });
    }
  }

  private push(botId: string, cmd: string, body: Record<string, unknown>): void {
    const ws = this.active.get(botId);
    if (!ws) throw new Error(`bot ${botId} is not connected`);
    ws.send(JSON.stringify({ cmd, headers: { req_id: `${cmd}_${++this.seq}_${crypto.randomBytes(3).toString('hex')}` }, body }));
  }

  /** A staff member @-mentions the bot in a group (or writes to it directly when chatid is omitted). */
  userSays(botId: string, userId: string, text: string, chatid?: string): string {
    const msgid = `bm-${++this.seq}`;
    this.push(botId, 'aibot_msg_callback', {
      msgid,
      aibotid: botId,
      ...(chatid ? { chatid, chattype: 'group' } : { chattype: 'single' }),
      from: { userid: userId },
      create_time: Math.floor(Date.now() / 1000),
      msgtype: 'text',
      text: { content: chatid ? `@代办小助手 ${text}` : text },
    });
    return msgid;
  }

  /** A staff member presses a card button. */
  click(botId: string, userId: string, chatid: string, button: { key: string }, taskId?: string): void {
    this.push(botId, 'aibot_event_callback', {
      msgid: `be-${++this.seq}`,
      create_time: Math.floor(Date.now() / 1000),
      aibotid: botId,
      chatid,
      chattype: 'group',
      from: { userid: userId },
      msgtype: 'event',
      event: { eventtype: 'template_card_event', event_key: button.key, task_id: taskId },
    });
  }

  async close(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    this.wss = null;
  }
}
