// The one place that reads the environment. Everything else receives a Config.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { parseAddressKey, type Address } from '../core/messages.ts';
import { ConfigError } from '../errors.ts';
import { channelFields, channelsConfig, checkChannelFields, CHANNEL_SECRETS, type ChannelsConfig } from './channels.ts';

const SECRET = new Set(['OPENAI_API_KEY', 'WECHATY_PUPPET_SERVICE_TOKEN', 'DATABASE_URL', ...CHANNEL_SECRETS]);

const list = (def = '') =>
  z
  .string()
  .default(def)
  .transform((s) =>
    s
      .split(/[,，\s]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  );
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(def ? 'true' : 'false')
    .transform((v) => (v === '' ? def : ['true', '1', 'yes'].includes(v)));
/** A whole number; an empty value (a blanked line in .env) means the default, not 0. */
const int = (def: number, min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(min).max(max).default(def));

/** A token bucket written as `capacity/seconds`, e.g. `5/60`: 5 messages, refilled over 60 s. */
const bucket = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const m = /^(\d+)\/(\d+)$/.exec(v.trim());
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: '形如 容量/秒数，例如 5/60' });
        return z.NEVER;
      }
      return { capacity: Number(m[1]), perSeconds: Number(m[2]) };
    });

/** `roomId` or `roomId=某某镇` pairs: staff groups, optionally tied to a town. */
const staffRooms = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(/[,，\s]+/)
      .map((x) => x.trim())
      .filter(Boolean)
      .map((pair) => {
        const [roomId, town] = pair.split('=');
        return { roomId: roomId!.trim(), town: town?.trim() || null };
      }),
  );

const schema = z.object({
  KNOWLEDGE_DIR: z.string().min(1).default('knowledge'),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z
    .string()
    .default('')
    .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), 'postgres://… 形式的连接串，或留空使用内置 SQLite'),
  WECHATY_PUPPET: z
    .enum(['', 'wechaty-puppet-wechat4u', 'wechaty-puppet-service', 'wechaty-puppet-mock'])
    .default(''),
  WECHATY_PUPPET_SERVICE_TOKEN: z.string().default(''),
  WECHATY_PUPPET_SERVICE_ENDPOINT: z.string().default(''),
  BOT_NAME: z.string().min(1).default('代办小助手'),
  GROUP_PREFIXES: list('办事,#问'),
  GROUP_ALLOWLIST: list(),
  STAFF_IDS: list(),
  STAFF_ROOMS: staffRooms,
  SUPERVISOR: z.string().trim().default(''),
  ACCEPT_FRIENDS: bool(true),
  MAX_MESSAGE_AGE_SECONDS: int(120, 5, 86_400),
  RATE_PERSON: bucket('6/60'),
  RATE_GROUP: bucket('20/60'),
  SLA_UNCLAIMED_HOURS: int(4, 1, 240),
  OPENAI_API_KEY: z.string().default(''),
  OPENAI_BASE_URL: z.string().url().or(z.literal('')).default(''),
  OPENAI_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_EMBEDDING_MODEL: z.string().default(''),
  OPENAI_TIMEOUT_MS: int(8000, 100, 120_000),
  OPENAI_DAILY_TOKEN_BUDGET: int(200_000, 0, 1_000_000_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  HNSW_EF: int(64, 1, 10_000),
  ...channelFields,
}).superRefine(checkChannelFields);

/** Every variable the configuration reads (documented in .env.example). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

export interface Config {
  knowledgeDir: string;
  dataDir: string;
  /** PostgreSQL URL, or null for the embedded SQLite file in dataDir. */
  databaseUrl: string | null;
  /** SQLite file used when databaseUrl is null. */
  sqlitePath: string;
  /** null: the local demo (mock puppet, terminal chat). */
  puppet: string | null;
  puppetToken: string | null;
  puppetEndpoint: string | null;
  botName: string;
  groupPrefixes: string[];
  groupAllowlist: string[];
  staffIds: string[];
  staffRooms: { roomId: string; town: string | null }[];
  /** Where 不满意 / 非常不满意 ratings also go; null: nowhere else. */
  supervisor: Address | null;
  acceptFriends: boolean;
  maxMessageAgeMs: number;
  ratePerson: { capacity: number; perSeconds: number };
  rateGroup: { capacity: number; perSeconds: number };
  slaUnclaimedHours: number;
  /** null when no model is configured: everything runs offline. */
  openai: {
    apiKey: string;
    baseURL: string | null;
    chatModel: string;
    embeddingModel: string | null;
    timeoutMs: number;
    dailyTokenBudget: number;
  } | null;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  hnswEf: number;
  /** The official WeCom channels (微信客服, intelligent bot) and the HTTP server. */
  channels: ChannelsConfig;
}

const expectedOf = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return issue.values.map((v) => (v === '' ? '(空)' : String(v))).join(' | ');
  }
  return issue.message;
};

/** Reads `.env` in `cwd` (values already in `env` win). Returns the merged map. */
export function withDotenv(env: NodeJS.ProcessEnv, cwd: string): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  if (!fs.existsSync(file)) return { ...env };
  return { ...parseDotenv(fs.readFileSync(file)), ...env };
}

/**
 * Validates the environment. All problems are reported at once, each naming
 * the variable, its (masked, if secret) value and what is expected.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === undefined ? undefined : env[k]]),
  );
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0]);
        const raw = env[variable];
        const value = raw !== undefined && SECRET.has(variable) ? mask(raw) : raw;
        return { variable, value, expected: expectedOf(issue) };
      }),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  return {
    knowledgeDir: path.resolve(cwd, e.KNOWLEDGE_DIR),
    dataDir,
    databaseUrl: e.DATABASE_URL || null,
    sqlitePath: path.join(dataDir, 'daiban.sqlite'),
    puppet: e.WECHATY_PUPPET || null,
    puppetToken: e.WECHATY_PUPPET_SERVICE_TOKEN || null,
    puppetEndpoint: e.WECHATY_PUPPET_SERVICE_ENDPOINT || null,
    botName: e.BOT_NAME,
    groupPrefixes: e.GROUP_PREFIXES,
    groupAllowlist: e.GROUP_ALLOWLIST,
    staffIds: e.STAFF_IDS,
    staffRooms: e.STAFF_ROOMS,
    supervisor: e.SUPERVISOR ? (parseAddressKey(e.SUPERVISOR) ?? { channel: 'wechaty', kind: 'direct', id: e.SUPERVISOR }) : null,
    acceptFriends: e.ACCEPT_FRIENDS,
    maxMessageAgeMs: e.MAX_MESSAGE_AGE_SECONDS * 1000,
    ratePerson: e.RATE_PERSON,
    rateGroup: e.RATE_GROUP,
    slaUnclaimedHours: e.SLA_UNCLAIMED_HOURS,
    openai: e.OPENAI_API_KEY
      ? {
          apiKey: e.OPENAI_API_KEY,
          baseURL: e.OPENAI_BASE_URL || null,
          chatModel: e.OPENAI_CHAT_MODEL,
          embeddingModel: e.OPENAI_EMBEDDING_MODEL || null,
          timeoutMs: e.OPENAI_TIMEOUT_MS,
          dailyTokenBudget: e.OPENAI_DAILY_TOKEN_BUDGET,
        }
      : null,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    hnswEf: e.HNSW_EF,
    channels: channelsConfig(e),
  };
}

/** Keeps the first and last two characters of a secret. */
export function mask(secret: string): string {
  if (secret.length <= 6) return '*'.repeat(secret.length);
  return `${secret.slice(0, 2)}${'*'.repeat(secret.length - 4)}${secret.slice(-2)}`;
}
