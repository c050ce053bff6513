// A local fake of WeCom's server side for 微信客服, on 127.0.0.1: gettoken
// (7200 s tokens that tests can expire → 42001), kf/sync_msg (cursor, at most
// 1000 per page, the callback token), kf/send_msg (only while the bot holds
// the session, at most 5 messages within 48 h of the customer's last
// message), kf/send_msg_on_event (a msg_code from a state change, once),
// kf/service_state/trans (WeCom's allowed transitions); and the customer's
// side: a message makes WeCom call the app's URL, encrypted and signed as
// WeCom does. Everything sent is recorded.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWecomCrypto, type WecomCrypto } from '../../../bot/channels/wecom-crypto.ts';
import { KF_TRANSITIONS } from '../../../bot/wecom-kf/kf-api.ts';

/** Our stand-ins for WeCom's refusal codes (the adapter does not depend on their values). */
export const FAKE_ERR = { SESSION_STATE: 95018, SEND_LIMIT: 95026, BAD_CURSOR: 95002, LIMIT: 40058, BAD_CODE: 95007 } as const;

export interface FakeKfOptions {
  corpId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  clock?: () => number;
  /** The kf account's servicers (接待人员); others cannot be given a session. Default: anyone. */
  servicers?: string[];
}

interface Session {
  state: number;
  servicer?: string;
  lastCustomerAt: number;
  sentSince: number;
}

export interface SentKf {
  api: 'send_msg' | 'send_msg_on_event';
  touser: string;
  text: string;
}

export class FakeKfServer {
  readonly crypto: WecomCrypto;
  private server: http.Server | null = null;
  baseUrl = '';
  private tokens = new Map<string, { expiresAt: number }>();
  private tokenSeq = 0;
  private callbackTokens = new Set<string>();
  /** Per open_kfid, every message ever (the cursor is an index into it). */
  private messages = new Map<string, Record<string, unknown>[]>();
  private sessions = new Map<string, Session>();
  private msgCodes = new Map<string, { userId: string; used: boolean; at: number }>();
  private msgSeq = 0;
  readonly clock: () => number;
  /** Everything the app sent to customers. */
  readonly sent: SentKf[] = [];
  /** Every accepted state change. */
  readonly transitions: { userId: string; state: number; servicer?: string }[] = [];
  /** Refused API calls, for assertions. */
  readonly refused: { api: string; errcode: number }[] = [];
  readonly calls: Record<string, number> = {};

  constructor(readonly opts: FakeKfOptions) {
    this.crypto = createWecomCrypto({ token: opts.token, encodingAesKey: opts.encodingAesKey, receiveId: opts.corpId });
    this.clock = opts.clock ?? Date.now;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.route(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  private failures: { api: string; errcode: number }[] = [];
  /** The next call of `api` fails with `errcode` (e.g. 45009, over the rate limit). */
  failNext(api: string, errcode: number): void {
    this.failures.push({ api, errcode });
  }

  /** Every issued token stops working at once (WeCom answers 42001 until a new one is fetched). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  session(userId: string): Session | undefined {
    return this.sessions.get(userId);
  }

  private reply(res: http.ServerResponse, body: unknown) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private refuse(res: http.ServerResponse, api: string, errcode: number, errmsg: string) {
    this.refused.push({ api, errcode });
    this.reply(res, { errcode, errmsg });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const api = url.pathname.replace(/^\/cgi-bin\//, '');
    this.calls[api] = (this.calls[api] ?? 0) + 1;
    if (api === 'gettoken') {
      if (url.searchParams.get('corpid') !== this.opts.corpId || url.searchParams.get('corpsecret') !== this.opts.secret) {
        return this.refuse(res, api, 40001, 'invalid credential');
      }
      const token = `fake-token-${++this.tokenSeq}`;
      this.tokens.set(token, { expiresAt: this.clock() + 7200_000 });
      return this.reply(res, { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 });
    }
    const token = url.searchParams.get('access_token') ?? '';
    const known = this.tokens.get(token);
    if (!known) return this.refuse(res, api, 40014, 'invalid access_token');
    if (known.expiresAt <= this.clock()) return this.refuse(res, api, 42001, 'access_token expired');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
    const failure = this.failures.findIndex((f) => f.api === api);
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return this.refuse(res, api, f!.errcode, 'failure injected by the test');
    }
    switch (api) {
      case 'kf/sync_msg':
        return this.syncMsg(res, body);
      case 'kf/send_msg':
        return this.sendMsg(res, body);
      case 'kf/send_msg_on_event':
        return this.sendOnEvent(res, body);
      case 'kf/service_state/trans':
        return this.trans(res, body);
      default:
        return this.refuse(res, api, 404, 'unknown api in the fake');
    }
  }

  private syncMsg(res: http.ServerResponse, body: Record<string, any>) {
    const limit = body.limit ?? 1000;
    if (typeof limit !== 'number' || limit < 1 || limit > 1000) return this.refuse(res, 'kf/sync_msg', FAKE_ERR.LIMIT, 'limit must be 1..1000');
    if (body.token !== undefined && !this.callbackTokens.has(body.token)) return this.refuse(res, 'kf/sync_msg', 95000, 'invalid token');
    const list = this.messages.get(body.open_kfid) ?? [];
    const cursor = body.cursor ? Number(/^c(\d+)$/.exec(body.cursor)?.[1] ?? NaN) : 0;
    if (!Number.isInteger(cursor) || cursor > list.length) return this.refuse(res, 'kf/sync_msg', FAKE_ERR.BAD_CURSOR, 'invalid cursor');
    const page = list.slice(cursor, cursor + limit);
    const next = cursor + page.length;
    return this.reply(res, { errcode: 0, errmsg: 'ok', next_cursor: `c${next}`, has_more: next < list.length ? 1 : 0, msg_list: page });
  }

  private sendMsg(res: http.ServerResponse, body: Record<string, any>) {
    const s = this.sessions.get(body.touser);
    if (!s) return this.refuse(res, 'kf/send_msg', FAKE_ERR.SESSION_STATE, 'no session with this customer');
    if (s.state !== 0 && s.state !== 1) return this.refuse(res, 'kf/send_msg', FAKE_ERR.SESSION_STATE, 'session not held by the bot');
    if (this.clock() - s.lastCustomerAt > 48 * 3600_000 || s.sentSince >= 5) {
      return this.refuse(res, 'kf/send_msg', FAKE_ERR.SEND_LIMIT, 'over 5 messages or 48 h after the customer message');
    }
    if (body.msgtype !== 'text' || typeof body.text?.content !== 'string') return this.refuse(res, 'kf/send_msg', 40008, 'invalid message type');
    if (Buffer.byteLength(body.text.content) > 2048) return this.refuse(res, 'kf/send_msg', 45002, 'content too long');
    s.sentSince++;
    this.sent.push({ api: 'send_msg', touser: body.touser, text: body.text.content });
    return this.reply(res, { errcode: 0, errmsg: 'ok', msgid: `sent-${++this.msgSeq}` });
  }

  private sendOnEvent(res: http.ServerResponse, body: Record<string, any>) {
    const code = this.msgCodes.get(body.code);
    if (!code || code.used || this.clock() - code.at > 20_000) return this.refuse(res, 'kf/send_msg_on_event', FAKE_ERR.BAD_CODE, 'invalid code');
    code.used = true;
    this.sent.push({ api: 'send_msg_on_event', touser: code.userId, text: body.text?.content ?? '' });
    return this.reply(res, { errcode: 0, errmsg: 'ok', msgid: `sent-${++this.msgSeq}` });
  }

  private trans(res: http.ServerResponse, body: Record<string, any>) {
    const s = this.sessions.get(body.external_userid);
    const to = Number(body.service_state);
    if (!s || !KF_TRANSITIONS[s.state]?.includes(to)) return this.refuse(res, 'kf/service_state/trans', FAKE_ERR.SESSION_STATE, 'state change not allowed');
    if (to === 3 && !body.servicer_userid) return this.refuse(res, 'kf/service_state/trans', 95014, 'servicer_userid required');
    if (to === 3 && this.opts.servicers && !this.opts.servicers.includes(body.servicer_userid)) {
      return this.refuse(res, 'kf/service_state/trans', 95013, 'not a servicer of this kf account');
    }
    s.state = to;
    s.servicer = to === 3 ? body.servicer_userid : undefined;
    this.transitions.push({ userId: body.external_userid, state: to, ...(s.servicer ? { servicer: s.servicer } : {}) });
    let msg_code: string | undefined;
    if (to === 3 || to === 4) {
      msg_code = `code-${crypto.randomBytes(4).toString('hex')}`;
      this.msgCodes.set(msg_code, { userId: body.external_userid, used: false, at: this.clock() });
    }
    return this.reply(res, { errcode: 0, errmsg: 'ok', ...(msg_code ? { msg_code } : {}) });
  }

  // --- the customer's side ----------------------------------------------------

  private push(openKfid: string, msg: Record<string, unknown>): string {
    const list = this.messages.get(openKfid) ?? [];
    list.push(msg);
    this.messages.set(openKfid, list);
    return msg.msgid as string;
  }

  /** The customer opens the kf link (with a scene_param, e.g. the town). */
  enterSession(openKfid: string, userId: string, sceneParam?: string): string {
    const welcomeCode = `wc-${crypto.randomBytes(4).toString('hex')}`;
    this.msgCodes.set(welcomeCode, { userId, used: false, at: this.clock() });
    return this.push(openKfid, {
      msgid: `ev-${++this.msgSeq}`,
      open_kfid: openKfid,
      send_time: Math.floor(this.clock() / 1000),
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'enter_session', open_kfid: openKfid, external_userid: userId, scene: 'link', ...(sceneParam ? { scene_param: encodeURIComponent(sceneParam) } : {}), welcome_code: welcomeCode },
    });
  }

  /** The customer writes; a new session opens if none is running. Returns the msgid. */
  customerSays(openKfid: string, userId: string, text: string, opts: { sentAt?: number } = {}): string {
    const s = this.sessions.get(userId);
    if (!s || s.state === 4) this.sessions.set(userId, { state: 0, lastCustomerAt: this.clock(), sentSince: 0 });
    else {
      s.lastCustomerAt = this.clock();
      s.sentSince = 0;
    }
    return this.push(openKfid, {
      msgid: `m-${++this.msgSeq}`,
      open_kfid: openKfid,
      external_userid: userId,
      send_time: Math.floor((opts.sentAt ?? this.clock()) / 1000),
      origin: 3,
      msgtype: 'text',
      text: { content: text },
    });
  }

  /** WeCom tells the app there are new messages: an encrypted, signed POST to its URL. Returns the answer and how long it took. */
  async notify(url: string, openKfid: string, opts: { nonce?: string; timestamp?: string } = {}): Promise<{ status: number; body: string; ms: number }> {
    const cbToken = `cb-${crypto.randomBytes(6).toString('hex')}`;
    this.callbackTokens.add(cbToken);
    const xml = `<xml><ToUserName><![CDATA[${this.opts.corpId}]]></ToUserName><CreateTime>${Math.floor(this.clock() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[${cbToken}]]></Token><OpenKfId><![CDATA[${openKfid}]]></OpenKfId></xml>`;
    return this.postEncrypted(url, xml, opts);
  }

  async postEncrypted(url: string, xml: string, opts: { nonce?: string; timestamp?: string; badSignature?: boolean } = {}) {
    const encrypt = this.crypto.encrypt(xml);
    const timestamp = opts.timestamp ?? String(Math.floor(this.clock() / 1000));
    const nonce = opts.nonce ?? String(crypto.randomInt(1e9));
    let sig = this.crypto.signature(timestamp, nonce, encrypt);
    if (opts.badSignature) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const body = `<xml><ToUserName><![CDATA[${this.opts.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    const started = performance.now();
    const res = await fetch(`${url}?msg_signature=${sig}&timestamp=${timestamp}&nonce=${nonce}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    return { status: res.status, body: await res.text(), ms: performance.now() - started };
  }

  /** The admin console's "save" on the callback URL: a signed GET whose echostr must come back decrypted. */
  async verifyUrl(url: string): Promise<{ ok: boolean; status: number; ms: number }> {
    const plain = String(crypto.randomInt(2 ** 47));
    const echostr = this.crypto.encrypt(plain);
    const timestamp = String(Math.floor(this.clock() / 1000));
    const nonce = String(crypto.randomInt(1e9));
    const sig = this.crypto.signature(timestamp, nonce, echostr);
    const started = performance.now();
    const res = await fetch(`${url}?msg_signature=${sig}&timestamp=${timestamp}&nonce=${nonce}&echostr=${encodeURIComponent(echostr)}`);
    const text = await res.text();
    return { ok: res.status === 200 && text === plain, status: res.status, ms: performance.now() - started };
  }
}
