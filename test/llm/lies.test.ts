// No scripted lie reaches a user: every one is rejected by grounding and the
// template reply is given instead. Truthful rewordings still get through.
// End to end through the answerer and a real local server speaking the OpenAI API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAnswerer, type Engine } from '../../src/answering/engine.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createLlmAnswerer } from '../../src/llm/answerer.ts';
import { WORDING_PROMPT } from '../../src/llm/prompts.ts';
import { VALID_KB, tempDir } from '../helpers/fixtures.ts';
import { FakeOpenAI, systemPrompt, userJson } from './fake-openai.ts';
import { LIE_CONTEXTS, allLies, type LieKind } from './lies.ts';

let fake: FakeOpenAI;
let engine: Engine & { close(): Promise<void> };

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  engine = await openAnswerer(loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: tempDir('daiban-lies-') }));
});
afterAll(async () => {
  await engine.close();
  await fake.close();
});
beforeEach(() => fake.reset());

const answerer = () =>
  createLlmAnswerer(
    engine,
    loadConfig({
      KNOWLEDGE_DIR: VALID_KB,
      DATA_DIR: tempDir('daiban-lies-'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.url,
      OPENAI_DAILY_TOKEN_BUDGET: '100000000',
    }).openai!,
  );

/** The fake model words every answer as `reply`; the rewrite adds nothing. */
function modelSays(reply: string) {
  fake.chat = (body) => {
    if (systemPrompt(body) !== WORDING_PROMPT) return { content: { query: '', town: null } };
    const facts = userJson(body).facts as { items?: { name: string }[] };
    return { content: { reply, items: (facts.items ?? []).map((i) => i.name) } };
  };
}

describe('scripted lies', () => {
  const lies = allLies();

  it('the corpus has at least 300 lies across every kind', () => {
    expect(lies.length).toBeGreaterThanOrEqual(300);
    const kinds = new Set(lies.map((l) => l.kind));
    for (const k of ['conclusion', 'licence', 'phone_words', 'phone_spaced', 'fee_words', 'time_words', 'online', 'visits', 'place', 'numerals'] satisfies LieKind[]) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  it('truthful rewordings are accepted (path llm)', async () => {
    const llm = answerer();
    const rejected: string[] = [];
    for (const ctx of LIE_CONTEXTS) {
      for (const reply of ctx.truthful) {
        modelSays(reply);
        const r = await llm.ask(ctx.question);
        if (r.path.kind !== 'llm') rejected.push(`${ctx.question} | ${reply} → ${JSON.stringify(r.path)}`);
      }
    }
    expect(rejected).toEqual([]);
  });

  it('0 lies reach the user: each falls back to the template', async () => {
    const llm = answerer();
    const templates = new Map<string, string>();
    for (const ctx of LIE_CONTEXTS) templates.set(ctx.question, (await engine.ask(ctx.question)).answer);
    const reached: string[] = [];
    for (const lie of lies) {
      modelSays(lie.reply);
      const r = await llm.ask(lie.question);
      if (r.answer !== templates.get(lie.question) || r.path.kind !== 'fallback') reached.push(`[${lie.kind}] ${lie.question} | ${lie.reply} → ${JSON.stringify(r.path)}`);
    }
    expect(reached).toEqual([]);
  }, 120_000);
});
