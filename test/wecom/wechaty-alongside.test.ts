// Wechaty (pilots) and the WeCom intelligent bot in one process on one core:
// an owner's 代办 from a Wechaty group becomes a ticket whose card reaches the
// WeCom staff group; the clerk's 接单 button tells the owner on WeChat.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockWorld, type MockWorld } from '../../bot/mock-world.ts';
import { startChannels, type RunningChannels } from '../../bot/channels/run.ts';
import { loadConfig } from '../../src/config/env.ts';
import { silentLogger } from '../../src/log.ts';
import { waitFor } from '../bot/harness.ts';
import { FakeBotServer } from './fakes/bot-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BOT = 'aibpilot';
const STAFF_CHAT = 'wrStaffPilot';
const GROUP = 'yongan-owners@chatroom';

let dataDir: string;
let botFake: FakeBotServer;
let world: MockWorld;
let app: RunningChannels;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-pilot-'));
  botFake = new FakeBotServer({ [BOT]: 'ps' });
  const wsUrl = await botFake.start();
  const config = loadConfig(
    { KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'), DATA_DIR: dataDir, WECOM_BOT_ID: BOT, WECOM_BOT_SECRET: 'ps', WECOM_BOT_WS_URL: wsUrl, WECOM_BOT_TOWNS: `${STAFF_CHAT}=永安镇` },
    ROOT,
  );
  world = createMockWorld({ botName: config.botName });
  app = await startChannels(config, {
    logger: silentLogger(),
    handleSignals: false,
    wechaty: { bot: world.bot, start: () => world.start(), stop: () => world.stop() },
  });
  await app.bot!.when('connected');
}, 180_000);

afterAll(async () => {
  await app?.stop('test end');
  await botFake?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('Wechaty next to the WeCom bot', () => {
  it('a ticket opened on WeChat is posted as a card to the WeCom staff group, and 接单 there tells the owner on WeChat', async () => {
    const zhang = world.contact('zhang-pilot', '张老板');
    const group = world.room(GROUP, '永安镇企业服务群', [zhang]);
    const say = async (text: string, opts: { room?: typeof group; mention?: boolean } = {}) => {
      const before = world.sent.length;
      const t = app.wechaty!.transport;
      const received = t.stats.received;
      const sentStat = t.stats.sent;
      world.say(zhang, text, opts);
      await waitFor(() => t.stats.received > received, 5000, 'the message to reach the transport');
      await app.idle();
      // The mock puppet records what was sent a moment after the transport sent it.
      await waitFor(() => world.sent.length - before >= t.stats.sent - sentStat, 5000, 'sent messages');
      return world.sent.slice(before).map((m) => m.text).join('\n');
    };
    expect(await say('能帮我代办永安镇食品经营许可吗', { room: group, mention: true })).toContain('私聊');
    expect(await say('代办')).toContain('企业名称');
    expect(await say('浏阳市永安镇张记餐馆')).toContain('统一社会信用代码');
    expect(await say('无')).toContain('联系人');
    expect(await say('张三')).toContain('手机');
    expect(await say('13812345678')).toContain('材料');
    expect(await say('营业执照')).toContain('确认');
    const before = botFake.sent.length;
    expect(await say('确认')).toMatch(/#1（DB-\d{8}-0001）/);
    await botFake.until(() => botFake.sent.slice(before).some((m) => m.msgtype === 'template_card'), 'the card');
    const card = botFake.sent.slice(before).find((m) => m.chatid === STAFF_CHAT && m.msgtype === 'template_card')!;
    expect(card.buttons).toContainEqual({ text: '接单', key: '接单 1' });
    expect(card.text).not.toContain('13812345678');

    const sentBefore = world.sent.length;
    botFake.click(BOT, 'lisi', STAFF_CHAT, { key: '接单 1' }, card.taskId);
    await botFake.until(() => world.sent.length > sentBefore, 'the owner told on WeChat');
    await app.idle();
    const told = world.sent.slice(sentBefore);
    expect(told.some((m) => m.chatType === 'private' && m.chatId === zhang.id && m.text.includes('lisi'))).toBe(true);
  });
});
