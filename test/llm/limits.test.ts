// Sizes in the LLM path: a huge question is cut before it reaches the model,
// and one person cannot use up the day's budget for everyone else.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAnswerer, type Engine } from '../../src/answering/engine.ts';
import { loadConfig } from '../../src/config/env.ts';
import { MAX_QUESTION_CHARS, PERSON_MIN_TOKENS, createLlmAnswerer } from '../../src/llm/answerer.ts';
import { REWRITE_PROMPT, WORDING_PROMPT } from '../../src/llm/prompts.ts';
import { VALID_KB, tempDir } from '../helpers/fixtures.ts';
import { FakeOpenAI, systemPrompt, userJson } from './fake-openai.ts';

let fake: FakeOpenAI;
let engine: Engine & { close(): Promise<void> };
beforeAll(async () => {
  fake = await FakeOpenAI.start();
  engine = await openAnswerer(loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: tempDir('daiban-limits-') }));
});
afterAll(async () => {
  await engine.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.chat = (body) => {
    if (systemPrompt(body) === REWRITE_PROMPT) return { content: { query: '食品经营许可', town: null }, usage: { prompt_tokens: 900, completion_tokens: 100 } };
    const facts = userJson(body).facts as { items?: { name: string }[] };
    return { content: { reply: String(userJson(body).template), items: (facts.items ?? []).map((i) => i.name) }, usage: { prompt_tokens: 900, completion_tokens: 100 } };
  };
});

const answerer = (budget: number) =>
  createLlmAnswerer(
    engine,
    loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: tempDir('daiban-limits-'), OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, OPENAI_DAILY_TOKEN_BUDGET: String(budget) }).openai!,
  );

describe('sizes in the LLM path', () => {
  it('a 100 K-character question reaches the model cut to the limit', async () => {
    const huge = `甲镇能办食品经营许可吗${'啊'.repeat(100_000)}`;
    const r = await answerer(1_000_000).ask(huge, { conversation: 'room:wxid_a' });
    expect(r.status).toBe('answered');
    for (const req of fake.chatRequests()) {
      expect(req.raw.length).toBeLessThan(20_000);
      if (systemPrompt(req.body) === REWRITE_PROMPT) expect(String(userJson(req.body).question).length).toBeLessThanOrEqual(MAX_QUESTION_CHARS);
    }
  });

  it('one person uses at most their share of the day; others still get worded answers', async () => {
    const llm = answerer(200_000);
    let refused = 0;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await llm.ask(`甲镇能办食品经营许可吗${'啊'.repeat(200)}`, { conversation: 'room:wxid_flooder' });
      if (r.path.kind === 'fallback' && r.path.reason === 'person_budget') refused++;
    }
    expect(refused).toBe(1);
    // The flooder's spending stayed within the share (share of 200 000 = 10 000, at least PERSON_MIN_TOKENS).
    expect(llm.people.used('wxid_flooder')).toBeLessThanOrEqual(Math.max(PERSON_MIN_TOKENS, 10_000));
    // Someone else is answered by the model as usual.
    const other = await llm.ask('甲镇能办食品经营许可吗', { conversation: 'room:wxid_member' });
    expect(other.path).toEqual({ kind: 'llm', model: 'gpt-4o-mini' });
    expect(llm.client.budget.remaining()).toBeGreaterThan(150_000);
  });
});
