// The 微信客服 adapter on its own (a stub core), against the fake kf server:
// de-duplication across callbacks and replayed cursors, paging past 1000,
// WeCom's 5-messages / 48-hour budget with held replies, the town binding,
// and the access token shared by processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../bot/channels/http-server.ts';
import { createWecomApi } from '../../bot/channels/wecom-api.ts';
import { createKfChannel, type KfChannel } from '../../bot/wecom-kf/channel.ts';
import type { KfConfig } from '../../src/config/channels.ts';
import type { Inbound, Outbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeKfServer } from './fakes/kf-server.ts';

const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const KF = 'wkDayao';
const USER = 'wmCustomer';

let now = Date.UTC(2026, 11, 4, 2, 0, 0);
const clock = () => now;
let dataDir: string;
let fake: FakeKfServer;
let http: HttpServer;
let url: string;
let received: Inbound[];
let reply: (inbound: Inbound) => Outbound[];
let kf: KfChannel;
let waiters: (() => void)[] = [];
const nextInbound = () => new Promise<void>((r) => waiters.push(r));

function channel(): KfChannel {
  const config: KfConfig = {
    corpId: 'wwcorp',
    apiBase: fake.baseUrl,
    secret: 's',
    token: 'tok',
    encodingAesKey: KEY,
    path: '/wecom/kf',
    towns: { [KF]: '大瑶镇' },
  };
  const c: KfChannel = createKfChannel({
    config,
    dataDir,
    logger: silentLogger(),
    clock,
    syncRetryMs: 20,
    async onInbound(inbound) {
      received.push(inbound);
      for (const o of reply(inbound)) await c.send(o);
      for (const w of waiters.splice(0)) w();
    },
  });
  return c;
}

beforeEach(async () => {
  now = Date.UTC(2026, 11, 4, 2, 0, 0);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-kf-'));
  fake = new FakeKfServer({ corpId: 'wwcorp', secret: 's', token: 'tok', encodingAesKey: KEY, clock });
  await fake.start();
  received = [];
  reply = (i) => [{ to: i.chat, text: `收到：${i.text}` }];
  kf = channel();
  http = createHttpServer({ port: 0, hostname: '127.0.0.1' });
  kf.mount(http.app);
  url = `http://127.0.0.1:${await http.start()}/wecom/kf`;
});

afterEach(async () => {
  kf.stop();
  await http.close();
  await fake.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function says(text: string) {
  fake.customerSays(KF, USER, text);
  await fake.notify(url, KF);
  await kf.idle();
}

describe('微信客服 adapter', () => {
  it('hands each customer message to the core once, across duplicate callbacks, a replayed cursor and a restart', async () => {
    await says('你好');
    await fake.notify(url, KF);
    await kf.idle();
    expect(received.map((i) => i.text)).toEqual(['你好']);

    // A crash before the cursor was saved: the same page comes again.
    const file = path.join(dataDir, 'wecom', 'kf-state-wwcorp.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8'));
    state.cursors = {};
    fs.writeFileSync(file, JSON.stringify(state));
    // … and the process restarts.
    kf.stop();
    kf = channel();
    const h2 = createHttpServer({ port: 0, hostname: '127.0.0.1' });
    kf.mount(h2.app);
    const url2 = `http://127.0.0.1:${await h2.start()}/wecom/kf`;
    try {
      fake.customerSays(KF, USER, '第二句');
      await fake.notify(url2, KF);
      await kf.idle();
      expect(received.map((i) => i.text)).toEqual(['你好', '第二句']);
      expect(fake.sent.map((m) => m.text)).toEqual(['收到：你好', '收到：第二句']);
    } finally {
      await h2.close();
    }
  });

  it('after losing its state file answers only recent messages, not three days of history again', async () => {
    await says('昨天的问题');
    fs.rmSync(path.join(dataDir, 'wecom', 'kf-state-wwcorp.json'));
    now += 3600_000;
    await says('新问题');
    expect(received.map((i) => i.text)).toEqual(['昨天的问题', '新问题']);
  });

  it('reads past a 1000-message page with the cursor', async () => {
    reply = () => [];
    for (let i = 0; i < 1003; i++) fake.customerSays(KF, `wm${i % 3}`, `消息${i}`);
    await fake.notify(url, KF);
    await kf.idle();
    expect(received).toHaveLength(1003);
    expect(new Set(received.map((r) => r.id)).size).toBe(1003);
    expect(fake.calls['kf/sync_msg']).toBe(2);
  });

  it('binds the town from the link scene_param, else from WECOM_KF_TOWNS', async () => {
    await says('在吗');
    expect(received[0]!.context).toEqual({ town: '大瑶镇' });
    fake.enterSession(KF, 'wmOther', '永安镇');
    fake.customerSays(KF, 'wmOther', '你好');
    await fake.notify(url, KF);
    await kf.idle();
    expect(received[1]!.context).toEqual({ town: '永安镇' });
    expect(received[1]!.chat).toEqual({ channel: 'wecom-kf', kind: 'direct', id: 'wmOther' });
  });

  it('sends at most 5 messages per customer message and holds the rest until the customer writes again', async () => {
    reply = (i) => Array.from({ length: 7 }, (_, n) => ({ to: i.chat, text: `第${n + 1}条` }));
    await says('多说几句');
    expect(fake.sent.map((m) => m.text)).toEqual(['第1条', '第2条', '第3条', '第4条', '第5条']);
    expect(kf.state().customers[USER]!.held.map((h) => [h.text, h.reason])).toEqual([
      ['第6条', 'five_messages'],
      ['第7条', 'five_messages'],
    ]);
    expect(fake.refused).toEqual([]);

    reply = () => [];
    await says('好的');
    expect(fake.sent.map((m) => m.text).slice(5)).toEqual(['第6条', '第7条']);
    expect(kf.state().customers[USER]!.held).toEqual([]);
  });

  it('holds a message sent more than 48 hours after the customer last wrote', async () => {
    await says('你好');
    now += 49 * 3600_000;
    await kf.send({ to: { channel: 'wecom-kf', kind: 'direct', id: USER }, text: '您的代办单已办结' });
    expect(fake.sent.map((m) => m.text)).toEqual(['收到：你好']);
    expect(kf.state().customers[USER]!.held).toMatchObject([{ text: '您的代办单已办结', reason: 'window_48h' }]);
    expect(fake.refused).toEqual([]);
    reply = () => [];
    await says('办得怎么样了');
    expect(fake.sent.at(-1)!.text).toBe('您的代办单已办结');
  });

  it('hands the session to the named clerk, or to the waiting pool when WeCom refuses that clerk', async () => {
    fake.opts.servicers = ['lisi'];
    reply = () => [];
    await says('你好');
    await says('我要人工');
    const to = { channel: 'wecom-kf', kind: 'direct', id: USER } as const;
    await kf.send({ to, text: '办事员 wangwu 已接单', handoff: { to: 'human', servicer: 'wangwu' } });
    expect(fake.session(USER)).toMatchObject({ state: 2 });
    expect(fake.sent.at(-1)!.text).toBe('办事员 wangwu 已接单');
    // From the pool the named clerk can still take it; the bot may not write while it waits there (held).
    await kf.send({ to, text: '办事员 lisi 已接单', handoff: { to: 'human', servicer: 'lisi' } });
    expect(fake.session(USER)).toMatchObject({ state: 3, servicer: 'lisi' });
    expect(kf.state().customers[USER]!.held).toMatchObject([{ text: '办事员 lisi 已接单', reason: 'session_not_with_bot' }]);
    expect(fake.refused.map((r) => r.errcode)).toEqual([95013]);
  });

  it('gives a clerk-held session back by ending it (WeCom allows no 3 → 1): the closing text goes with the msg_code, the next message reopens it for the bot', async () => {
    reply = () => [];
    await says('我要办执照');
    const to = { channel: 'wecom-kf', kind: 'direct', id: USER } as const;
    await kf.send({ to, text: '办事员 lisi 已接单', handoff: { to: 'human', servicer: 'lisi' } });
    expect(fake.session(USER)).toMatchObject({ state: 3, servicer: 'lisi' });
    await kf.send({ to, text: '您的代办单已办结。请为本次服务打分：回复 1-5', handoff: { to: 'bot' } });
    expect(fake.session(USER)).toMatchObject({ state: 4 });
    expect(fake.sent.at(-1)).toEqual({ api: 'send_msg_on_event', touser: USER, text: '您的代办单已办结。请为本次服务打分：回复 1-5' });
    reply = (i) => [{ to: i.chat, text: `收到评分：${i.text}` }];
    await says('5');
    expect(fake.session(USER)).toMatchObject({ state: 1 });
    expect(fake.sent.at(-1)!.text).toBe('收到评分：5');
    expect(fake.refused).toEqual([]);
  });

  it('pulls again by itself when a sync fails (WeCom calls back only for new messages)', async () => {
    fake.failNext('kf/sync_msg', 45009);
    const arrived = nextInbound();
    fake.customerSays(KF, USER, '在吗');
    await fake.notify(url, KF);
    await arrived;
    expect(received.map((r) => r.text)).toEqual(['在吗']);
    expect(fake.refused).toContainEqual({ api: 'kf/sync_msg', errcode: 45009 });
  });

  it('acks the callback before the sync finishes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    reply = () => [];
    kf.stop();
    const slow = createKfChannel({
      config: { corpId: 'wwcorp', apiBase: fake.baseUrl, secret: 's', token: 'tok', encodingAesKey: KEY, path: '/slow', towns: {} },
      dataDir,
      logger: silentLogger(),
      clock,
      onInbound: async (i) => {
        received.push(i);
        await gate;
      },
    });
    slow.mount(http.app);
    fake.customerSays(KF, USER, '慢慢来');
    const ack = await fake.notify(url.replace('/wecom/kf', '/slow'), KF);
    expect(ack.body).toBe('success');
    expect(ack.ms).toBeLessThan(1000);
    release();
    await slow.idle();
    expect(received.map((r) => r.text)).toEqual(['慢慢来']);
  });
});

describe('WeCom access token', () => {
  it('is fetched once for concurrent calls in two processes sharing DATA_DIR', async () => {
    const tokenFile = path.join(dataDir, 'wecom', 'token-x.json');
    const a = createWecomApi({ apiBase: fake.baseUrl, corpId: 'wwcorp', secret: 's', tokenFile, clock });
    const b = createWecomApi({ apiBase: fake.baseUrl, corpId: 'wwcorp', secret: 's', tokenFile, clock });
    const tokens = await Promise.all([a.token(), a.token(), b.token(), b.token()]);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.calls['gettoken']).toBe(1);
    // Two hours later it is refreshed (early), once.
    now += 7200_000 - 60_000;
    await Promise.all([a.token(), b.token()]);
    expect(fake.calls['gettoken']).toBe(2);
  });

  it('does not hammer gettoken when the secret is wrong', async () => {
    const api = createWecomApi({ apiBase: fake.baseUrl, corpId: 'wwcorp', secret: 'wrong', tokenFile: path.join(dataDir, 't.json'), clock });
    await expect(api.token()).rejects.toThrow(/40001/);
    await expect(api.token()).rejects.toThrow(/recently/);
    expect(fake.calls['gettoken']).toBe(1);
  });
});
