// `npm start` (daiban start) with the 微信客服 and bot variables pointing at the
// local fakes: the process serves both channels, not the Wechaty demo, and
// stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeBotServer } from './fakes/bot-server.ts';
import { FakeKfServer } from './fakes/kf-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-start-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

describe('npm start with the WeCom channels configured', () => {
  it('serves 微信客服 and the bot, not the demo, and stops on SIGTERM', async () => {
    const kf = new FakeKfServer({ corpId: 'wwstart', secret: 'ks', token: 'kt', encodingAesKey: KEY });
    const bot = new FakeBotServer({ aibstart: 'bs' });
    const [apiBase, wsUrl] = await Promise.all([kf.start(), bot.start()]);
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'cli/bin.ts', 'start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
        DATA_DIR: dataDir,
        LOG_FORMAT: 'json',
        HTTP_PORT: String(port),
        WECOM_CORP_ID: 'wwstart',
        WECOM_API_BASE: apiBase,
        WECOM_KF_SECRET: 'ks',
        WECOM_KF_TOKEN: 'kt',
        WECOM_KF_ENCODING_AES_KEY: KEY,
        WECOM_BOT_ID: 'aibstart',
        WECOM_BOT_SECRET: 'bs',
        WECOM_BOT_WS_URL: wsUrl,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      // The bot connects after the HTTP server listens.
      await bot.until(() => bot.connected('aibstart') || child.exitCode !== null, 'the bot connection', 100_000);
      expect(child.exitCode, out).toBeNull();
      const v = await kf.verifyUrl(`http://127.0.0.1:${port}/wecom/kf`);
      expect(v.ok).toBe(true);
      expect(out).toContain('WeCom channels started');
      expect(out).not.toContain('本地演示');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(bot.connected('aibstart')).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await kf.close();
      await bot.close();
    }
  }, 120_000);
});
