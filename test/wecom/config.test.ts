// The WeCom channel variables: names as issue 13 fixes them, defaults, and
// clear messages when a channel is half configured.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';

const KEY = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/x');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('WeCom channel configuration', () => {
  it('has both channels off by default, port 8080 and the official endpoints', () => {
    const c = loadConfig({}, '/x').channels;
    expect(c).toEqual({ httpPort: 8080, kf: null, wecomBot: null });
  });

  it('reads a full 微信客服 and bot configuration, with the town maps', () => {
    const c = loadConfig(
      {
        HTTP_PORT: '9000',
        WECOM_CORP_ID: 'ww1',
        WECOM_API_BASE: 'http://127.0.0.1:7000/',
        WECOM_KF_SECRET: 's',
        WECOM_KF_TOKEN: 'tok',
        WECOM_KF_ENCODING_AES_KEY: KEY,
        WECOM_KF_TOWNS: 'wkA=永安镇，wkB=大瑶镇',
        WECOM_BOT_ID: 'bot1',
        WECOM_BOT_SECRET: 'bs',
        WECOM_BOT_WS_URL: 'ws://127.0.0.1:7001',
        WECOM_BOT_TOWNS: 'chat1=永安镇',
      },
      '/x',
    ).channels;
    expect(c.httpPort).toBe(9000);
    expect(c.kf).toEqual({ corpId: 'ww1', apiBase: 'http://127.0.0.1:7000', secret: 's', token: 'tok', encodingAesKey: KEY, path: '/wecom/kf', towns: { wkA: '永安镇', wkB: '大瑶镇' } });
    expect(c.wecomBot).toEqual({ botId: 'bot1', secret: 'bs', wsUrl: 'ws://127.0.0.1:7001', towns: { chat1: '永安镇' } });
  });

  it('names every missing variable of a half-configured channel, with secrets masked', () => {
    const p = problems({ WECOM_KF_SECRET: 'supersecretvalue', WECOM_BOT_TOWNS: 'c1=永安镇' });
    expect(p.map((x) => x.variable).sort()).toEqual(['WECOM_BOT_TOWNS', 'WECOM_CORP_ID', 'WECOM_KF_ENCODING_AES_KEY', 'WECOM_KF_TOKEN']);
    expect(p.find((x) => x.variable === 'WECOM_KF_TOKEN')!.expected).toContain('WECOM_KF_SECRET');
    const bad = problems({ WECOM_BOT_ID: 'b' });
    expect(bad.map((x) => x.variable)).toEqual(['WECOM_BOT_SECRET']);
  });

  it('refuses a wrong EncodingAESKey, a malformed town map and a non-ws bot URL', () => {
    const p = problems({ WECOM_CORP_ID: 'ww', WECOM_KF_SECRET: 'sssssssss', WECOM_KF_TOKEN: 't', WECOM_KF_ENCODING_AES_KEY: 'tooshort', WECOM_KF_TOWNS: 'wkA', WECOM_BOT_ID: 'b', WECOM_BOT_SECRET: 'x', WECOM_BOT_WS_URL: 'https://x' });
    expect(p.map((x) => x.variable).sort()).toEqual(['WECOM_BOT_WS_URL', 'WECOM_KF_ENCODING_AES_KEY', 'WECOM_KF_TOWNS']);
    expect(p.find((x) => x.variable === 'WECOM_KF_ENCODING_AES_KEY')!.value).not.toContain('tooshort');
    expect(p.find((x) => x.variable === 'WECOM_KF_TOWNS')!.expected).toContain('open_kfid=镇名');
  });
});
