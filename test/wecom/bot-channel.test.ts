// The intelligent-bot adapter against the fake long-connection server: staff
// @-messages and button clicks become Inbound, replies and cards go out, one
// process holds the connection (lease), a dropped connection is re-made, and
// a connection replaced by another is not re-made.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WSClient } from '@wecom/aibot-node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBotChannel, type BotChannel } from '../../bot/wecom-bot/channel.ts';
import type { Inbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeBotServer } from './fakes/bot-server.ts';

const BOT = 'aib1';
const SECRET = 'sec1';
let dataDir: string;
let fake: FakeBotServer;
let received: Inbound[];
const channels: BotChannel[] = [];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function channel(): BotChannel {
  const c = createBotChannel({
    config: { botId: BOT, secret: SECRET, wsUrl: fake.url, towns: { wrStaff: '永安镇' } },
    dataDir,
    logger: silentLogger(),
    onInbound: async (i) => void received.push(i),
    timing: { leaseTtlMs: 600, reconnectBaseMs: 20, heartbeatMs: 200 },
  });
  channels.push(c);
  return c;
}

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-bot-'));
  fake = new FakeBotServer({ [BOT]: SECRET });
  await fake.start();
  received = [];
});

afterEach(async () => {
  for (const c of channels.splice(0)) await c.stop();
  await fake.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('WeCom intelligent bot adapter', () => {
  it('turns an @-message in a staff group into Inbound with the town, and replies with an @mention', async () => {
    const c = channel();
    await c.start();
    await c.when('connected');
    fake.userSays(BOT, 'lisi', '待办', 'wrStaff');
    await fake.until(() => received.length === 1, 'the inbound');
    expect(received[0]).toMatchObject({
      chat: { channel: 'wecom-bot', kind: 'group', id: 'wrStaff' },
      sender: { channel: 'wecom-bot', id: 'lisi' },
      text: '待办',
      mentioned: true,
      context: { town: '永安镇', isStaff: true },
    });
    await c.send({ to: received[0]!.chat, text: '暂无待办', mention: { id: 'lisi', name: 'lisi' } });
    expect(fake.sent.at(-1)).toMatchObject({ chatid: 'wrStaff', msgtype: 'markdown', text: '<@lisi> 暂无待办' });
    // The connection is kept alive with heartbeats.
    await fake.until(() => fake.pings >= 2, 'heartbeats');
  });

  it('posts actions as a card whose button click comes back as the clerk’s command', async () => {
    const c = channel();
    await c.start();
    await c.when('connected');
    await c.send({ to: { channel: 'wecom-bot', kind: 'group', id: 'wrStaff' }, text: '新代办单 #3\n永安镇 · 食品经营许可', actions: [{ label: '接单', command: '接单 3' }, { label: '查', command: '查 3' }] });
    const card = fake.sent.at(-1)!;
    expect(card).toMatchObject({ msgtype: 'template_card', text: '新代办单 #3\n永安镇 · 食品经营许可', buttons: [{ text: '接单', key: '接单 3' }, { text: '查', key: '查 3' }] });
    fake.click(BOT, 'wangwu', 'wrStaff', card.buttons[0]!, card.taskId);
    await fake.until(() => received.length === 1, 'the click');
    expect(received[0]).toMatchObject({ text: '接单 3', sender: { id: 'wangwu' }, chat: { kind: 'group', id: 'wrStaff' } });
  });

  it('lets only one process connect: the second waits on standby and takes over when the first stops', async () => {
    const first = channel();
    await first.start();
    await first.when('connected');
    const second = channel();
    await second.start();
    expect(second.status).toBe('standby');
    expect(fake.subscriptions).toBe(1);
    await first.stop();
    await second.when('connected');
    expect(fake.kicked).toBe(0);
    expect(fake.subscriptions).toBe(2);
  });

  it('reconnects after the connection drops, and messages flow again', async () => {
    const c = channel();
    await c.start();
    await c.when('connected');
    fake.dropAll();
    await c.when('connecting');
    await c.when('connected');
    expect(fake.subscriptions).toBe(2);
    fake.userSays(BOT, 'lisi', '待办', 'wrStaff');
    await fake.until(() => received.length === 1, 'the inbound after reconnecting');
  });

  it('holds a send made during a reconnect until the connection is back', async () => {
    const c = channel();
    await c.start();
    await c.when('connected');
    fake.dropAll();
    await c.when('connecting');
    await c.send({ to: { channel: 'wecom-bot', kind: 'group', id: 'wrStaff' }, text: '#2 已由 lisi 接单。' });
    expect(fake.sent.at(-1)).toMatchObject({ chatid: 'wrStaff', text: '#2 已由 lisi 接单。' });
  });

  it('stops, rather than retrying for ever, when WeCom keeps refusing the bot id and secret', async () => {
    const c = createBotChannel({
      config: { botId: BOT, secret: 'wrong', wsUrl: fake.url, towns: {} },
      dataDir,
      logger: silentLogger(),
      onInbound: async () => undefined,
      timing: { leaseTtlMs: 600, reconnectBaseMs: 5, heartbeatMs: 200 },
    });
    channels.push(c);
    await c.start();
    await c.when('stopped');
    expect(fake.subscriptions).toBe(0);
    expect(c.lease.current()).toBeNull();
  });

  it('stops reconnecting when WeCom says another connection replaced this one', async () => {
    const c = channel();
    await c.start();
    await c.when('connected');
    // Someone elsewhere (not under our lease) connects with the same bot id.
    const intruder = new WSClient({ botId: BOT, secret: SECRET, wsUrl: fake.url, heartbeatInterval: 50, logger: quiet });
    intruder.connect();
    try {
      await c.when('replaced');
      expect(fake.kicked).toBe(1);
      const subscriptions = fake.subscriptions;
      // Wait for a few heartbeats of the new connection: the replaced one has not come back meanwhile.
      const pings = fake.pings;
      await fake.until(() => fake.pings >= pings + 4, 'heartbeats of the new connection');
      expect(fake.subscriptions).toBe(subscriptions);
      expect(c.status).toBe('replaced');
      expect(c.lease.current()).toBeNull();
      await expect(c.send({ to: { channel: 'wecom-bot', kind: 'group', id: 'wrStaff' }, text: 'x' })).rejects.toThrow(/not connected/);
    } finally {
      intruder.disconnect();
    }
  });
});
