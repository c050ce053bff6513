// A small wrapper over the OpenAI client for JSON chat calls to any
// OpenAI-compatible endpoint: a hard deadline, a daily token budget, masking of
// personal data in everything sent, and errors reduced to a few kinds the
// caller can log and fall back on.
import fs from 'node:fs';
import path from 'node:path';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Config } from '../config/env.ts';
import { maskPersonalData } from '../privacy/pii.ts';

export type LlmSettings = NonNullable<Config['openai']>;

/** Why a model call produced no usable output. */
export type LlmErrorKind = 'timeout' | `http_${number}` | 'malformed' | 'budget' | 'person_budget' | 'too_large' | 'network';

export class LlmError extends Error {
  override readonly name = 'LlmError';
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // China has no daylight saving time.

/** The calendar day (YYYY-MM-DD) in Asia/Shanghai for an epoch time. */
export const shanghaiDay = (epochMs: number): string => new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);

/** Rough token count for text we send (about one token per CJK character; conservative). */
export const estimateTokens = (text: string): number => Math.ceil(text.length);

/**
 * Tokens spent today (Asia/Shanghai), reset at local midnight. Kept in memory
 * and, when `file` is given, persisted there (a restart keeps today's count;
 * several processes sharing the file are counted best-effort).
 * A limit of 0 allows no calls at all.
 */
export class TokenBudget {
  private day = '';
  private spent = 0;

  constructor(
    readonly limit: number,
    private readonly clock: () => number = Date.now,
    private readonly file?: string,
  ) {}

  private sync(): void {
    const today = shanghaiDay(this.clock());
    if (this.day !== today) {
      this.day = today;
      this.spent = 0;
    }
    if (!this.file) return;
    try {
      const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { day?: unknown; used?: unknown };
      if (saved.day === today && typeof saved.used === 'number' && saved.used > this.spent) this.spent = saved.used;
    } catch {
      // No file yet, or unreadable: start from memory.
    }
  }

  /** Tokens spent today. */
  used(): number {
    this.sync();
    return this.spent;
  }

  remaining(): number {
    return Math.max(0, this.limit - this.used());
  }

  /** Tokens held for calls in flight, so that simultaneous questions cannot all pass at the limit. */
  private reserved = 0;

  /** Whether a call expected to cost about `tokens` still fits today (counting calls in flight). */
  allows(tokens: number): boolean {
    return this.limit > 0 && this.used() + this.reserved + tokens <= this.limit;
  }

  /** Holds `tokens` for a call; returns false (and holds nothing) when they do not fit. */
  reserve(tokens: number): boolean {
    if (!this.allows(tokens)) return false;
    this.reserved += tokens;
    return true;
  }

  /** Releases a reservation once the call has ended (its real cost is recorded separately). */
  release(tokens: number): void {
    this.reserved = Math.max(0, this.reserved - tokens);
  }

  record(tokens: number): void {
    if (!(tokens > 0)) return;
    this.sync();
    this.spent += tokens;
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ day: this.day, used: this.spent }));
      fs.renameSync(tmp, this.file);
    } catch {
      // Persisting is best-effort; the in-memory count still limits this process.
    }
  }
}

/**
 * Tokens per person per day (Asia/Shanghai), in memory: each person may use
 * at most `limit` a day, so two people with huge questions cannot use up the
 * day's budget for everyone else.
 */
export class PersonBudgets {
  private day = '';
  private readonly spent = new Map<string, number>();

  constructor(
    readonly limit: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private sync(): void {
    const today = shanghaiDay(this.clock());
    if (today !== this.day) {
      this.day = today;
      this.spent.clear();
    }
  }

  used(person: string): number {
    this.sync();
    return this.spent.get(person) ?? 0;
  }

  allows(person: string, tokens: number): boolean {
    return this.used(person) + tokens <= this.limit;
  }

  record(person: string, tokens: number): void {
    if (!(tokens > 0)) return;
    this.sync();
    this.spent.set(person, (this.spent.get(person) ?? 0) + tokens);
  }
}

export interface ChatJsonRequest {
  system: string;
  user: string;
  /** Epoch ms (Date.now) by which the call must have returned, whatever happens. */
  deadline: number;
  maxTokens?: number;
}

export interface ChatJsonResult {
  /** The parsed JSON object the model returned (validate it before use). */
  value: unknown;
  /** Tokens counted for this call (from `usage`, else estimated). */
  tokens: number;
  ms: number;
  model: string;
}

export interface LlmClientDeps {
  budget: TokenBudget;
  /** Passed to the OpenAI client (tests may pass a fake fetch; default: global fetch). */
  fetch?: typeof fetch;
}

/** Extracts the JSON object from a model's reply (tolerates ```json fences and surrounding text). */
export function parseJsonObject(content: string): unknown {
  const text = content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) throw new LlmError('malformed', 'the model did not return a JSON object');
  try {
    return JSON.parse(text.slice(start, end + 1)) as unknown;
  } catch (err) {
    throw new LlmError('malformed', 'the model returned invalid JSON', { cause: err });
  }
}

function classify(err: unknown, deadlinePassed: boolean): LlmError {
  if (err instanceof LlmError) return err;
  if (deadlinePassed || err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) {
    return new LlmError('timeout', 'the model did not answer in time', { cause: err });
  }
  if (err instanceof APIConnectionError) return new LlmError('network', `could not reach the model endpoint: ${err.message}`, { cause: err });
  if (err instanceof APIError && typeof err.status === 'number') {
    return new LlmError(`http_${err.status}`, `the model endpoint answered HTTP ${err.status}`, { cause: err });
  }
  if (err instanceof SyntaxError) return new LlmError('malformed', 'the model endpoint returned an invalid body', { cause: err });
  return new LlmError('network', err instanceof Error ? err.message : String(err), { cause: err });
}

export class LlmClient {
  private readonly openai: OpenAI;

  constructor(
    readonly settings: LlmSettings,
    private readonly deps: LlmClientDeps,
  ) {
    this.openai = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: settings.baseURL ?? undefined,
      timeout: settings.timeoutMs,
      maxRetries: 0,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  }

  get model(): string {
    return this.settings.chatModel;
  }

  get budget(): TokenBudget {
    return this.deps.budget;
  }

  /**
   * One chat call asking for a JSON object. Personal data in both messages is
   * masked first. Resolves or rejects (with an LlmError) by `deadline`.
   */
  async chatJson(req: ChatJsonRequest): Promise<ChatJsonResult> {
    const started = Date.now();
    const system = maskPersonalData(req.system);
    const user = maskPersonalData(req.user);
    const maxTokens = req.maxTokens ?? 600;
    const inputEstimate = estimateTokens(system) + estimateTokens(user);
    const remaining = Math.min(req.deadline - started, this.settings.timeoutMs);
    const hold = inputEstimate + maxTokens;
    if (!this.deps.budget.reserve(hold)) {
      throw new LlmError('budget', `daily token budget of ${this.deps.budget.limit} is used up`);
    }
    if (remaining <= 0) {
      this.deps.budget.release(hold);
      throw new LlmError('timeout', 'no time left for a model call');
    }

    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let deadlinePassed = false;
    // The hard deadline: even if the HTTP client ignored the abort, the caller gets control back.
    const hard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadlinePassed = true;
        abort.abort();
        reject(new LlmError('timeout', `no answer within ${remaining} ms`));
      }, remaining);
    });
    try {
      const call = this.openai.chat.completions.create(
        {
          model: this.settings.chatModel,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: user },
          ],
          temperature: 0,
          max_tokens: maxTokens,
          response_format: { type: 'json_object' },
        },
        { signal: abort.signal, timeout: remaining, maxRetries: 0 },
      );
      const completion = await Promise.race([call, hard]);
      const choice = completion.choices?.[0];
      const content = choice?.message?.content;
      const usage = completion.usage;
      const tokens = usage?.total_tokens ?? (usage ? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0) : 0);
      this.deps.budget.record(tokens || inputEstimate + estimateTokens(content ?? ''));
      if (typeof content !== 'string' || !content.trim()) throw new LlmError('malformed', 'the model returned no content');
      if (choice?.finish_reason === 'length') throw new LlmError('malformed', 'the model output was cut off (max_tokens)');
      return { value: parseJsonObject(content), tokens: tokens || inputEstimate, ms: Date.now() - started, model: this.model };
    } catch (err) {
      const e = classify(err, deadlinePassed);
      // A request that timed out was probably still processed: count its input.
      if (e.kind === 'timeout') this.deps.budget.record(inputEstimate);
      throw e;
    } finally {
      clearTimeout(timer);
      hard.catch(() => {});
      this.deps.budget.release(hold);
    }
  }
}
