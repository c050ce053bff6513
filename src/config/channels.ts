// The official WeCom channels' variables (微信客服 and the WeCom intelligent
// bot): their zod fields, the rules that tie them together, and the narrowed
// configuration the channels receive. Merged into the one schema in env.ts.
import { z } from 'zod';

/** The official long-connection endpoint of the WeCom intelligent bot. */
export const WECOM_BOT_OFFICIAL_WS_URL = 'wss://openws.work.weixin.qq.com';
export const WECOM_OFFICIAL_API_BASE = 'https://qyapi.weixin.qq.com';

/** Variables whose values are masked in configuration errors. */
export const CHANNEL_SECRETS = ['WECOM_KF_SECRET', 'WECOM_KF_TOKEN', 'WECOM_KF_ENCODING_AES_KEY', 'WECOM_BOT_SECRET'];

/** `key=town` pairs separated by commas or spaces, e.g. `wkAAA=甲镇,wkBBB=乙镇`. */
const townMap = (what: string) =>
  z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Record<string, string> = {};
      for (const pair of s.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean)) {
        const [key, town, ...rest] = pair.split('=');
        if (!key?.trim() || !town?.trim() || rest.length > 0) {
          ctx.addIssue({ code: 'custom', message: `形如 ${what}=镇名，多个用逗号分隔；「${pair}」不符合` });
          return z.NEVER;
        }
        out[key.trim()] = town.trim();
      }
      return out;
    });

const url = (def: string, protocols: RegExp, hint: string) =>
  z
    .string()
    .default(def)
    .transform((v) => (v.trim() === '' ? def : v.trim()))
    .refine((v) => protocols.test(v) && URL.canParse(v), hint);

export const channelFields = {
  HTTP_PORT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().int().min(0).max(65_535).default(8080),
  ),
  WECOM_CORP_ID: z.string().default(''),
  WECOM_API_BASE: url(WECOM_OFFICIAL_API_BASE, /^https?:\/\//, 'http(s):// 开头的地址，默认 https://qyapi.weixin.qq.com'),
  WECOM_KF_SECRET: z.string().default(''),
  WECOM_KF_TOKEN: z
    .string()
    .default('')
    .refine((v) => v === '' || /^[A-Za-z0-9]{1,32}$/.test(v), '企业微信后台「接收消息」设置的 Token：至多 32 位英文或数字'),
  WECOM_KF_ENCODING_AES_KEY: z
    .string()
    .default('')
    .refine((v) => v === '' || /^[A-Za-z0-9]{43}$/.test(v), '企业微信后台设置的 EncodingAESKey：43 位英文或数字'),
  WECOM_KF_PATH: z
    .string()
    .default('/wecom/kf')
    .transform((v) => (v.trim() === '' ? '/wecom/kf' : v.trim()))
    .refine((v) => /^\/[A-Za-z0-9/_.-]*$/.test(v), '以 / 开头的路径，例如 /wecom/kf'),
  WECOM_KF_TOWNS: townMap('open_kfid'),
  WECOM_BOT_ID: z.string().default(''),
  WECOM_BOT_SECRET: z.string().default(''),
  WECOM_BOT_WS_URL: url(WECOM_BOT_OFFICIAL_WS_URL, /^wss?:\/\//, 'ws(s):// 开头的地址，默认企业微信官方长连接地址'),
  WECOM_BOT_TOWNS: townMap('群聊 chatid'),
};

type Fields = { [K in keyof typeof channelFields]: z.output<(typeof channelFields)[K]> };

/** Cross-field rules: a channel is on when any of its own variables is set, and then needs all of them. */
export function checkChannelFields(e: Fields, ctx: z.RefinementCtx): void {
  const kfOn = Boolean(e.WECOM_KF_SECRET || e.WECOM_KF_TOKEN || e.WECOM_KF_ENCODING_AES_KEY);
  if (kfOn) {
    for (const k of ['WECOM_CORP_ID', 'WECOM_KF_SECRET', 'WECOM_KF_TOKEN', 'WECOM_KF_ENCODING_AES_KEY'] as const) {
      if (!e[k]) ctx.addIssue({ code: 'custom', path: [k], message: '启用微信客服需要同时设置 WECOM_CORP_ID、WECOM_KF_SECRET、WECOM_KF_TOKEN、WECOM_KF_ENCODING_AES_KEY' });
    }
  } else if (Object.keys(e.WECOM_KF_TOWNS).length > 0) {
    ctx.addIssue({ code: 'custom', path: ['WECOM_KF_TOWNS'], message: '未启用微信客服（WECOM_KF_SECRET 等为空）时不应设置' });
  }
  const botOn = Boolean(e.WECOM_BOT_ID || e.WECOM_BOT_SECRET);
  if (botOn) {
    for (const k of ['WECOM_BOT_ID', 'WECOM_BOT_SECRET'] as const) {
      if (!e[k]) ctx.addIssue({ code: 'custom', path: [k], message: '启用企业微信智能机器人需要同时设置 WECOM_BOT_ID 和 WECOM_BOT_SECRET' });
    }
  } else if (Object.keys(e.WECOM_BOT_TOWNS).length > 0) {
    ctx.addIssue({ code: 'custom', path: ['WECOM_BOT_TOWNS'], message: '未启用智能机器人（WECOM_BOT_ID 为空）时不应设置' });
  }
}

export interface KfConfig {
  corpId: string;
  apiBase: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  path: string;
  /** open_kfid → town (as written; resolved against the knowledge base by the core). */
  towns: Record<string, string>;
}

export interface WecomBotConfig {
  botId: string;
  secret: string;
  wsUrl: string;
  /** Staff group chatid → town. */
  towns: Record<string, string>;
}

export interface ChannelsConfig {
  httpPort: number;
  /** null: 微信客服 is not configured. */
  kf: KfConfig | null;
  /** null: the intelligent bot is not configured. */
  wecomBot: WecomBotConfig | null;
}

export function channelsConfig(e: Fields): ChannelsConfig {
  return {
    httpPort: e.HTTP_PORT,
    kf: e.WECOM_KF_SECRET
      ? {
          corpId: e.WECOM_CORP_ID,
          apiBase: e.WECOM_API_BASE.replace(/\/+$/, ''),
          secret: e.WECOM_KF_SECRET,
          token: e.WECOM_KF_TOKEN,
          encodingAesKey: e.WECOM_KF_ENCODING_AES_KEY,
          path: e.WECOM_KF_PATH,
          towns: e.WECOM_KF_TOWNS,
        }
      : null,
    wecomBot: e.WECOM_BOT_ID
      ? { botId: e.WECOM_BOT_ID, secret: e.WECOM_BOT_SECRET, wsUrl: e.WECOM_BOT_WS_URL, towns: e.WECOM_BOT_TOWNS }
      : null,
  };
}
