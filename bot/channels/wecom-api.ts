// The WeCom server API (qyapi.weixin.qq.com or WECOM_API_BASE): gettoken with
// a cached access token shared by every process on the host (a file under
// DATA_DIR), refreshed early behind one flight, invalidated and retried once
// when WeCom says the token is invalid or expired; and JSON calls on it.
import { z } from 'zod';
import { jsonFile, withFileLock } from './file-state.ts';

/** access_token invalid (40014), expired (42001), or the secret's token was replaced (42009). */
export const TOKEN_ERRCODES = new Set([40014, 42001, 42009]);
/** Refresh this long before WeCom's expiry. */
const REFRESH_EARLY_MS = 5 * 60_000;
/** After a failed gettoken, wait this long before asking again (WeCom blocks callers that fail often). */
const GETTOKEN_BACKOFF_MS = 30_000;

export class WecomApiError extends Error {
  constructor(
    readonly api: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeCom ${api} failed: errcode ${errcode} ${errmsg}`);
    this.name = 'WecomApiError';
  }
}

const tokenReply = z.object({
  errcode: z.number().optional(),
  errmsg: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
});
const cached = z.object({ token: z.string(), expiresAt: z.number(), fetchedAt: z.number() }).nullable();
const baseReply = z.looseObject({ errcode: z.number().default(0), errmsg: z.string().default('') });

export interface WecomApiOptions {
  apiBase: string;
  corpId: string;
  secret: string;
  /** Where the token is cached (one file per corp id + secret). */
  tokenFile: string;
  fetch?: typeof fetch;
  clock?: () => number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export interface WecomApi {
  /** POST a JSON body to /cgi-bin/{api}; returns the parsed reply, throws WecomApiError when errcode ≠ 0. */
  post<S extends z.ZodType>(api: string, body: unknown, schema: S): Promise<z.output<S>>;
  /** The current token (cached, refreshed when close to expiry). */
  token(): Promise<string>;
  /** Counts for tests and logs. */
  readonly stats: { gettoken: number; tokenRetries: number };
}

export function createWecomApi(opts: WecomApiOptions): WecomApi {
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const file = jsonFile(opts.tokenFile, cached, () => null);
  const stats = { gettoken: 0, tokenRetries: 0 };
  let memory: z.output<typeof cached> = null;
  let inflight: Promise<string> | null = null;
  let failedAt = 0;

  const fresh = (c: z.output<typeof cached>, notToken?: string): c is NonNullable<typeof c> =>
    c !== null && c.token !== notToken && c.expiresAt - REFRESH_EARLY_MS > clock();

  const getJson = async (url: string, init?: RequestInit): Promise<unknown> => {
    const res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`WeCom answered HTTP ${res.status} for ${new URL(url).pathname}`);
    return res.json();
  };

  /** Fetches a new token unless another process already did (under the file lock). */
  const refresh = (stale?: string): Promise<string> =>
    withFileLock(file.path, async () => {
      const onDisk = file.read();
      if (fresh(onDisk, stale)) {
        memory = onDisk;
        return onDisk.token;
      }
      if (clock() - failedAt < GETTOKEN_BACKOFF_MS) throw new Error('gettoken failed recently; waiting before asking WeCom again');
      stats.gettoken++;
      const url = `${opts.apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(opts.corpId)}&corpsecret=${encodeURIComponent(opts.secret)}`;
      let reply: z.output<typeof tokenReply>;
      try {
        reply = tokenReply.parse(await getJson(url));
      } catch (err) {
        failedAt = clock();
        throw err;
      }
      if (reply.errcode || !reply.access_token) {
        failedAt = clock();
        throw new WecomApiError('gettoken', reply.errcode ?? -1, reply.errmsg ?? 'no access_token');
      }
      const now = clock();
      memory = { token: reply.access_token, expiresAt: now + (reply.expires_in ?? 7200) * 1000, fetchedAt: now };
      file.write(memory);
      return memory.token;
    });

  const token = (stale?: string): Promise<string> => {
    if (fresh(memory, stale)) return Promise.resolve(memory.token);
    const onDisk = file.read();
    if (fresh(onDisk, stale)) {
      memory = onDisk;
      return Promise.resolve(onDisk.token);
    }
    // One flight per process; the file lock makes it one per host.
    inflight ??= refresh(stale).finally(() => (inflight = null));
    return inflight;
  };

  async function post<S extends z.ZodType>(api: string, body: unknown, schema: S): Promise<z.output<S>> {
    let tok = await token();
    for (let attempt = 0; ; attempt++) {
      const raw = await getJson(`${opts.apiBase}/cgi-bin/${api}?access_token=${encodeURIComponent(tok)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const base = baseReply.parse(raw);
      if (base.errcode === 0) return schema.parse(raw);
      if (TOKEN_ERRCODES.has(base.errcode) && attempt === 0) {
        stats.tokenRetries++;
        if (memory?.token === tok) memory = null;
        tok = await token(tok);
        continue;
      }
      throw new WecomApiError(api, base.errcode, base.errmsg);
    }
  }

  return { post, token: () => token(), stats };
}
