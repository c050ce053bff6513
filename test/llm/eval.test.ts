// With the fake model returning good rewrites (the expected catalogue names of
// each labelled question) and echoing the template as its wording, the eval
// must be at least as good as offline, and grounding must accept the
// template's own facts.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAnswerer } from '../../src/answering/engine.ts';
import { metrics } from '../../src/answering/evaluate.ts';
import { readEvalCases, runEval } from '../../src/cli/commands/eval.ts';
import { loadConfig } from '../../src/config/env.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import { WORDABLE, createLlmAnswerer, withLlm } from '../../src/llm/answerer.ts';
import { Grounder } from '../../src/llm/grounding.ts';
import { REWRITE_PROMPT, WORDING_PROMPT } from '../../src/llm/prompts.ts';
import { VALID_KB, tempDir } from '../helpers/fixtures.ts';
import { FakeOpenAI, systemPrompt, userJson } from './fake-openai.ts';

/** The real knowledge base when it checks clean (it is still being written), else the fixture. */
function knowledgeDir(): string {
  const real = path.resolve('knowledge');
  if (!fs.existsSync(path.join(real, 'eval'))) return VALID_KB;
  const { knowledge, problems } = loadKnowledge(real);
  return knowledge && !problems.some((p) => p.severity === 'error') ? real : VALID_KB;
}

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(async () => {
  await fake.close();
});

describe('eval with an LLM in front', () => {
  it('is at least as good as offline with good rewrites, and grounding accepts the templates', async () => {
    const dir = knowledgeDir();
    const cases = readEvalCases(dir);
    const base = { KNOWLEDGE_DIR: dir, DATA_DIR: tempDir('daiban-eval-') };
    const offlineEngine = await openAnswerer(loadConfig(base));
    const offline = metrics(await runEval(offlineEngine, cases));

    const expected = new Map(cases.map((c) => [c.q, { query: c.items.join(' '), town: c.town }]));
    fake.chat = (body) => {
      const system = systemPrompt(body);
      const u = userJson(body);
      if (system === REWRITE_PROMPT) return { content: expected.get(String(u.question)) ?? { query: '', town: null } };
      if (system === WORDING_PROMPT) {
        const facts = u.facts as { items?: { name: string }[] };
        return { content: { reply: String(u.template), items: (facts.items ?? []).map((i) => i.name) } };
      }
      return { status: 400 };
    };
    const config = loadConfig({ ...base, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, OPENAI_DAILY_TOKEN_BUDGET: '100000000' });
    const engine = withLlm(offlineEngine, config.openai!);
    const outcomes = await runEval(engine, cases);
    const withModel = metrics(outcomes);

    expect(withModel.hit1).toBeGreaterThanOrEqual(offline.hit1);
    expect(withModel.status).toBeGreaterThanOrEqual(offline.status);
    expect(withModel.availability).toBeGreaterThanOrEqual(offline.availability);
    expect(fake.chatRequests().length).toBeGreaterThan(cases.length);

    // Every wordable answer went through the model and was accepted: the template's facts pass grounding.
    const rejected = outcomes
      .filter((o) => WORDABLE.has(o.result.status) && o.result.path.kind !== 'llm')
      .map((o) => `${o.c.q} → ${o.result.status} ${JSON.stringify(o.result.path)}`);
    expect(rejected).toEqual([]);

    // Stronger: each template says nothing that is not in the facts sent to the model.
    const llm = createLlmAnswerer(offlineEngine, config.openai!);
    const grounder = new Grounder(offlineEngine.knowledge.items);
    const unsupported: string[] = [];
    for (const c of cases) {
      const r = await offlineEngine.ask(c.q, { boundTown: c.bound ?? null });
      if (!WORDABLE.has(r.status)) continue;
      const { facts, items } = llm.facts(r);
      const body = r.answer.split('\n').filter((l) => !/回复「|直接问我/.test(l)).join('\n');
      const v = grounder.check({ reply: body, items, sources: [JSON.stringify(facts)], maxLength: 1000 });
      if (!v.ok) unsupported.push(`${c.q}: ${v.reason} ${v.detail}`);
    }
    expect(unsupported).toEqual([]);
    await offlineEngine.close();
  }, 120_000);
});
