// 微信客服 and the WeCom intelligent bot end to end, against the local fake
// WeCom servers, with the production core (answering engine, ticket desk):
// a business owner asks in kf; 代办 → dialog → ticket → card in the staff
// group → button 接单 → kf session moved to the clerk → 办结 → rating.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningChannels } from '../../bot/channels/run.ts';
import { loadConfig } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { FakeBotServer } from './fakes/bot-server.ts';
import { FakeKfServer } from './fakes/kf-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP = 'wwfakecorp';
const KF = 'wkYongan';
const BOT = 'aibfake';
const STAFF_CHAT = 'wrStaffYongan';
const OWNER = 'wmZhangOwner';
const CLERK = 'lisi';

let dataDir: string;
let kfFake: FakeKfServer;
let botFake: FakeBotServer;
let app: RunningChannels;
let callbackUrl: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-wecom-'));
  kfFake = new FakeKfServer({ corpId: CORP, secret: 'kfsecret', token: 'kftoken', encodingAesKey: KEY });
  botFake = new FakeBotServer({ [BOT]: 'botsecret' });
  const [apiBase, wsUrl] = await Promise.all([kfFake.start(), botFake.start()]);
  const env = {
    KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
    DATA_DIR: dataDir,
    HTTP_PORT: '0',
    WECOM_CORP_ID: CORP,
    WECOM_API_BASE: apiBase,
    WECOM_KF_SECRET: 'kfsecret',
    WECOM_KF_TOKEN: 'kftoken',
    WECOM_KF_ENCODING_AES_KEY: KEY,
    WECOM_KF_TOWNS: `${KF}=永安镇`,
    WECOM_BOT_ID: BOT,
    WECOM_BOT_SECRET: 'botsecret',
    WECOM_BOT_WS_URL: wsUrl,
    WECOM_BOT_TOWNS: `${STAFF_CHAT}=永安镇`,
  };
  app = await startChannels(loadConfig(env, ROOT), {
    logger: process.env.DEBUG_WECOM ? createLogger({ logLevel: 'debug', logFormat: 'json' }) : silentLogger(),
    handleSignals: false,
    hostname: '127.0.0.1',
    botTiming: { leaseTtlMs: 3000, reconnectBaseMs: 50, heartbeatMs: 1000 },
  });
  callbackUrl = `http://127.0.0.1:${app.port}/wecom/kf`;
  await app.bot!.when('connected');
}, 180_000);

afterAll(async () => {
  await app?.stop('test end');
  await kfFake?.close();
  await botFake?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The owner writes in kf; WeCom calls back; returns what the owner received. */
async function ownerSays(text: string, user = OWNER) {
  const before = kfFake.sent.length;
  kfFake.customerSays(KF, user, text);
  const ack = await kfFake.notify(callbackUrl, KF);
  expect(ack).toMatchObject({ status: 200, body: 'success' });
  await app.idle();
  return kfFake.sent.slice(before).filter((m) => m.touser === user);
}
const joined = (sent: { text: string }[]) => sent.map((m) => m.text).join('\n');

describe('WeCom channels end to end (fake WeCom servers)', () => {
  it('answers the URL verification with the decrypted echostr within 1 s, and refuses a bad signature', async () => {
    const v = await kfFake.verifyUrl(callbackUrl);
    expect(v.ok).toBe(true);
    expect(v.ms).toBeLessThan(1000);
    const bad = await kfFake.postEncrypted(callbackUrl, '<xml><Event>kf_msg_or_event</Event></xml>', { badSignature: true });
    expect(bad.status).toBe(403);
  });

  it('a business owner asks in 微信客服 and gets the answer; the bot takes the session', async () => {
    const got = await ownerSays('永安镇能办食品经营许可吗', 'wmAsker');
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toContain('食品经营许可');
    expect(kfFake.transitions).toContainEqual({ userId: 'wmAsker', state: 1 });
  });

  it('代办 in kf → dialog → ticket, created once across a duplicate callback and a replayed cursor', async () => {
    // Opening the kf link: the owner is greeted with the event's welcome_code.
    kfFake.enterSession(KF, OWNER, '永安镇');
    await kfFake.notify(callbackUrl, KF);
    await app.idle();
    expect(kfFake.sent.filter((m) => m.touser === OWNER)).toMatchObject([{ api: 'send_msg_on_event', text: expect.stringContaining('代办') }]);

    // The kf account is 永安镇's (WECOM_KF_TOWNS): the dialog knows the town and does not ask for it.
    const started = joined(await ownerSays('代办食品经营许可'));
    expect(started).toContain('永安镇');
    expect(started).not.toContain('哪个镇');
    expect(started).toContain('企业名称');
    expect(joined(await ownerSays('浏阳市永安镇张记餐馆'))).toContain('统一社会信用代码');
    expect(joined(await ownerSays('91350100M000100Y43'))).toContain('联系人');
    expect(joined(await ownerSays('张三'))).toContain('手机');
    expect(joined(await ownerSays('13812345678'))).toContain('材料');
    expect(joined(await ownerSays('营业执照'))).toContain('确认');
    const created = await ownerSays('确认');
    expect(joined(created)).toMatch(/#1（DB-\d{8}-0001）/);
    expect(await app.core.store.tickets.list()).toHaveLength(1);

    // A duplicate callback and a replayed cursor (as after a crash before the cursor was saved) create nothing twice.
    const sentBefore = kfFake.sent.length;
    await kfFake.notify(callbackUrl, KF);
    await kfFake.notify(callbackUrl, KF);
    const stateFile = path.join(dataDir, 'wecom', `kf-state-${CORP}.json`);
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { cursors: Record<string, string> };
    state.cursors[KF] = '';
    fs.writeFileSync(stateFile, JSON.stringify(state));
    await kfFake.notify(callbackUrl, KF);
    await app.idle();
    expect(kfFake.sent.length).toBe(sentBefore);
    expect(await app.core.store.tickets.list()).toHaveLength(1);
    expect(kfFake.refused).toEqual([]);
  });

  it('the new ticket is a card in the town staff bot group; 接单 moves the kf session to the clerk; 办结 → rating stored', async () => {
    const [ticket] = await app.core.store.tickets.list();
    // Stored on the channel the owner used, so every notice goes back through 微信客服.
    expect(ticket!.requester).toEqual({ channel: 'wecom-kf', kind: 'direct', id: OWNER });
    await botFake.until(() => botFake.sent.some((m) => m.chatid === STAFF_CHAT && m.buttons.length > 0), 'the card in the staff group');
    const card = botFake.sent.find((m) => m.chatid === STAFF_CHAT && m.buttons.length > 0)!;
    expect(card.msgtype).toBe('template_card');
    const claim = card.buttons.find((b) => b.text === '接单')!;
    expect(claim.key).toBe(`接单 ${ticket!.id}`);
    // No personal data in the staff group card.
    expect(JSON.stringify(card)).not.toContain('13812345678');

    const ownerBefore = kfFake.sent.filter((m) => m.touser === OWNER).length;
    botFake.click(BOT, CLERK, STAFF_CHAT, claim);
    await botFake.until(() => kfFake.transitions.some((x) => x.userId === OWNER && x.state === 3), 'the kf session moved to the clerk');
    await app.idle();
    expect(kfFake.transitions.filter((x) => x.userId === OWNER).at(-1)).toEqual({ userId: OWNER, state: 3, servicer: CLERK });
    const told = kfFake.sent.filter((m) => m.touser === OWNER).slice(ownerBefore);
    expect(joined(told)).toContain('已由办事员');
    const claimed = await app.core.store.tickets.get(ticket!.id);
    expect(claimed!.assignee).toEqual({ channel: 'wecom-bot', kind: 'direct', id: CLERK });
    expect(claimed!.status).not.toBe('registered');
    // The clerk is answered in the staff group.
    await botFake.until(() => botFake.sent.some((m) => m.chatid === STAFF_CHAT && m.text.includes(`已接单 #${ticket!.id}`)), 'the claim reply');

    // While the clerk holds the session, the owner's note reaches the clerk on the channel the clerk used (the bot).
    kfFake.customerSays(KF, OWNER, '好的，营业执照复印件我明天带去');
    await kfFake.notify(callbackUrl, KF);
    await app.idle();
    await botFake.until(() => botFake.sent.some((m) => m.chatid === CLERK && m.text.includes('营业执照复印件我明天带去')), 'the relay to the clerk');
    expect(botFake.sent.filter((m) => m.chatid === STAFF_CHAT && m.text.includes('营业执照复印件'))).toEqual([]);

    // 办结 typed in the staff group: the kf session is ended and the owner told, with the rating prompt.
    botFake.userSays(BOT, CLERK, `办结 ${ticket!.id}`, STAFF_CHAT);
    await botFake.until(() => kfFake.transitions.some((x) => x.userId === OWNER && x.state === 4), 'the kf session ended');
    await app.idle();
    const done = kfFake.sent.filter((m) => m.touser === OWNER).slice(ownerBefore + told.length);
    expect(joined(done)).toContain('已办结');
    expect((await app.core.store.tickets.get(ticket!.id))!.status).toBe('done');

    // The rating, in kf: stored on the ticket, thanked in kf.
    const rated = await ownerSays('非常满意');
    expect(joined(rated)).toContain('谢谢您的评价');
    const rates = (await app.core.store.tickets.events(ticket!.id)).filter((e) => e.kind === 'rate');
    expect(rates).toHaveLength(1);
    expect(rates[0]!.actorId).toBe(OWNER);
  });

  it('a question without a town in the 永安镇 kf account is answered for 永安镇', async () => {
    const got = await ownerSays('能办食品经营许可吗', 'wmNoTown');
    expect(joined(got)).toContain('永安镇');
    expect(joined(got)).not.toContain('哪个镇');
  });

  it('answers a message pulled ten minutes late (after an outage): the cursor, not the clock, keeps replays out', async () => {
    kfFake.customerSays(KF, 'wmLate', '永安镇能办食品经营许可吗', { sentAt: Date.now() - 10 * 60_000 });
    await kfFake.notify(callbackUrl, KF);
    await app.idle();
    expect(kfFake.sent.filter((m) => m.touser === 'wmLate')).toHaveLength(1);
  });

  it('refuses to start with a WECOM_KF_TOWNS town the knowledge base does not know', async () => {
    const env = {
      KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      HTTP_PORT: '0',
      WECOM_CORP_ID: CORP,
      WECOM_API_BASE: kfFake.baseUrl,
      WECOM_KF_SECRET: 'kfsecret',
      WECOM_KF_TOKEN: 'kftoken',
      WECOM_KF_ENCODING_AES_KEY: KEY,
      WECOM_KF_TOWNS: `${KF}=火星镇`,
    };
    await expect(startChannels(loadConfig(env, ROOT), { logger: silentLogger(), handleSignals: false })).rejects.toThrow(/WECOM_KF_TOWNS.*火星镇/s);
  });

  it('names WECOM_BOT_TOWNS when a staff group is tied to a town the knowledge base does not know', async () => {
    const env = {
      KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      WECOM_BOT_ID: 'other-bot',
      WECOM_BOT_SECRET: 'x',
      WECOM_BOT_WS_URL: botFake.url,
      WECOM_BOT_TOWNS: 'wrX=火星镇',
    };
    const err = await startChannels(loadConfig(env, ROOT), { logger: silentLogger(), handleSignals: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toMatchObject([{ variable: 'WECOM_BOT_TOWNS', value: 'wrX=火星镇' }]);
  });

  it('a token expiring mid-run is refreshed once and the message still gets its answer', async () => {
    const gettokenBefore = kfFake.calls['gettoken'] ?? 0;
    kfFake.expireTokens();
    const got = await ownerSays('永安镇能办食品经营许可吗', 'wmLater');
    expect(got).toHaveLength(1);
    expect(kfFake.calls['gettoken']).toBe(gettokenBefore + 1);
    expect(kfFake.refused.filter((r) => r.errcode === 42001)).toHaveLength(1);
  });
});
