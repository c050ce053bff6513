import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlmClient, LlmError, TokenBudget, parseJsonObject, shanghaiDay, type LlmSettings } from '../../src/llm/client.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { FakeOpenAI, useFakeOpenAI } from './fake-openai.ts';

const fake = useFakeOpenAI();

const settings = (over: Partial<LlmSettings> = {}): LlmSettings => ({
  apiKey: 'sk-test',
  baseURL: fake.url,
  chatModel: 'test-chat',
  embeddingModel: null,
  timeoutMs: 2000,
  dailyTokenBudget: 100_000,
  ...over,
});

const client = (over: Partial<LlmSettings> = {}, budget = new TokenBudget(over.dailyTokenBudget ?? 100_000)) =>
  new LlmClient(settings(over), { budget });

const call = (c: LlmClient, user = '{"question":"hi"}', deadlineMs = 2000) =>
  c.chatJson({ system: 'system', user, deadline: Date.now() + deadlineMs });

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof LlmError ? err.kind : `other: ${String(err)}`;
  }
}

describe('TokenBudget', () => {
  it('resets at midnight in Asia/Shanghai', () => {
    let now = Date.parse('2025-03-01T15:59:00Z'); // 23:59 in Shanghai
    const b = new TokenBudget(1000, () => now);
    expect(shanghaiDay(now)).toBe('2025-03-01');
    b.record(900);
    expect(b.allows(200)).toBe(false);
    expect(b.remaining()).toBe(100);
    now += 2 * 60_000; // 00:01 the next day
    expect(shanghaiDay(now)).toBe('2025-03-02');
    expect(b.used()).toBe(0);
    expect(b.allows(200)).toBe(true);
  });

  it('persists today\'s count in a file when given one', () => {
    const file = path.join(tempDir(), 'llm-usage.json');
    const now = Date.parse('2025-03-01T04:00:00Z');
    new TokenBudget(1000, () => now, file).record(700);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ day: '2025-03-01', used: 700 });
    expect(new TokenBudget(1000, () => now, file).used()).toBe(700);
    expect(new TokenBudget(1000, () => now + 86_400_000, file).used()).toBe(0);
  });

  it('counts calls in flight, so simultaneous questions cannot all pass at the limit', () => {
    const b = new TokenBudget(1000);
    expect(b.reserve(600)).toBe(true);
    expect(b.reserve(600)).toBe(false);
    b.release(600);
    b.record(450);
    expect(b.reserve(600)).toBe(false);
    expect(b.reserve(500)).toBe(true);
  });

  it('allows nothing with a limit of 0', () => {
    expect(new TokenBudget(0).allows(1)).toBe(false);
  });
});

describe('LlmClient.chatJson', () => {
  it('returns the parsed JSON and counts tokens from usage', async () => {
    fake.chat = () => ({ content: { ok: 1 }, usage: { prompt_tokens: 120, completion_tokens: 30 } });
    const budget = new TokenBudget(10_000);
    const r = await client({}, budget).chatJson({ system: 's', user: 'u', deadline: Date.now() + 2000 });
    expect(r.value).toEqual({ ok: 1 });
    expect(r.tokens).toBe(150);
    expect(budget.used()).toBe(150);
    const req = fake.chatRequests()[0]!;
    expect(req.body).toMatchObject({ model: 'test-chat', temperature: 0, response_format: { type: 'json_object' } });
    expect(req.headers.authorization).toBe('Bearer sk-test');
  });

  it('tolerates code fences around the JSON', () => {
    expect(parseJsonObject('```json\n{"a": 1}\n```')).toEqual({ a: 1 });
    expect(() => parseJsonObject('sorry, I cannot')).toThrow(LlmError);
  });

  it('masks personal data in everything it sends', async () => {
    fake.chat = () => ({ content: {} });
    await client().chatJson({
      system: '电话 13812345678',
      user: '{"question":"我手机13812345678，身份证430181199001011237，卡号6222021234567890128"}',
      deadline: Date.now() + 2000,
    });
    const raw = fake.chatRequests()[0]!.raw;
    expect(raw).not.toContain('13812345678');
    expect(raw).not.toContain('430181199001011237');
    expect(raw).not.toContain('6222021234567890128');
    expect(raw).toContain('138****5678');
  });

  it('classifies HTTP errors by status', async () => {
    fake.chat = () => ({ status: 500 });
    expect(await kindOf(call(client()))).toBe('http_500');
    fake.chat = () => ({ status: 429 });
    expect(await kindOf(call(client()))).toBe('http_429');
    expect(fake.chatRequests()).toHaveLength(2); // no retries
  });

  it('classifies malformed output', async () => {
    fake.chat = () => ({ content: 'this is not json' });
    expect(await kindOf(call(client()))).toBe('malformed');
    fake.chat = () => ({ raw: '{"choices": [' });
    expect(await kindOf(call(client()))).toBe('malformed');
    fake.chat = () => ({ content: '{"a":1', finishReason: 'length' });
    expect(await kindOf(call(client()))).toBe('malformed');
  });

  it('gives up at the deadline', async () => {
    fake.chat = () => ({ delayMs: 3000, content: {} });
    const t0 = Date.now();
    expect(await kindOf(call(client(), undefined, 250))).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(250 + 200);
  });

  it('classifies an unreachable endpoint as network', async () => {
    const closed = await FakeOpenAI.start();
    const url = closed.url;
    await closed.close();
    expect(await kindOf(call(client({ baseURL: url })))).toBe('network');
  });

  it('makes no call once the budget is used up', async () => {
    fake.chat = () => ({ content: {}, usage: { prompt_tokens: 900, completion_tokens: 100 } });
    const budget = new TokenBudget(1500);
    const c = client({}, budget);
    expect(await kindOf(call(c))).toBe('ok');
    expect(await kindOf(call(c))).toBe('budget');
    expect(fake.chatRequests()).toHaveLength(1);
  });
});
