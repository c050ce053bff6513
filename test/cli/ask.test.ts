// `daiban ask` as maintainers and measuring scripts use it.
import { runCli } from '../helpers/cli.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { knowledgeCopy, tempDir } from '../helpers/fixtures.ts';

const env: Record<string, string> = {};
beforeAll(() => {
  env.KNOWLEDGE_DIR = knowledgeCopy();
  env.DATA_DIR = tempDir('daiban-ask-');
});

const run = (args: string[], stdin = '') => runCli(args, env, stdin);

describe('daiban ask', () => {
  it('answers one question as text or JSON', async () => {
    const text = await run(['ask', '甲镇能办食品经营许可吗']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('甲镇可以办理「食品经营许可」');
    const json = JSON.parse((await run(['ask', '--json', '--town', '甲', '食品经营许可能办吗'])).out);
    expect(json).toMatchObject({ status: 'answered', town: '甲镇' });
    expect(json.matches[0]).toMatchObject({ item: '食品经营许可', town: '甲镇', atTown: true });
    expect(typeof json.ms).toBe('number');
  });

  it('writes exactly one JSON object per input line, in order, with JSON town overriding --town', async () => {
    const input = ['甲镇能办食品经营许可吗', '{"text": "食品经营许可能办吗", "town": "乙街道"}', '食品经营许可能办吗', '{"broken', '', '開飯店要辦哪些證'].join('\n') + '\n';
    const r = await run(['ask', '--jsonl', '--town', '甲镇'], input);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => l.status)).toEqual(['answered', 'not_at_town', 'answered', 'error', 'help', 'scenario']);
    expect(lines[1].town).toBe('乙街道');
    expect(lines[2].town).toBe('甲镇');
    for (const l of lines) for (const key of ['status', 'town', 'matches', 'answer', 'ms']) expect(l).toHaveProperty(key);
    expect(lines[5].matches.map((m: { item: string }) => m.item)).toEqual(['个体工商户设立登记', '食品经营许可']);
  });

  it('shows partial answers with the part the knowledge does not hold, and the topic for follow-ups', async () => {
    const json = JSON.parse((await run(['ask', '--json', '甲镇食品经营许可罚款多少'])).out);
    expect(json).toMatchObject({ status: 'partial', town: '甲镇', unheld: '处罚和罚款' });
    expect(json.matches[0].item).toBe('食品经营许可');
    expect(json.answer).not.toContain('✅');
    const answered = JSON.parse((await run(['ask', '--json', '甲镇能办食品经营许可吗'])).out);
    expect(answered.topic).toMatchObject({ items: ['食品经营许可'], town: '甲镇' });
  });

  it('says the knowledge lacks the part asked when the item has no such field (no steps, no conditions)', async () => {
    for (const [q, part] of [['甲镇食品经营许可的办理流程是什么', '办理流程'], ['甲镇食品经营许可要什么条件', '办理条件']]) {
      const json = JSON.parse((await run(['ask', '--json', q!])).out);
      expect(json, q).toMatchObject({ status: 'partial', unheld: part });
      expect(json.answer, q).toContain(`没有您问的${part}`);
    }
    // A field the item has is answered as usual.
    expect(JSON.parse((await run(['ask', '--json', '甲镇个体工商户设立登记的办理流程'])).out).status).toBe('answered');
  });

  it('rejects an unknown town with the list of towns', async () => {
    const r = await run(['ask', '--town', '火星镇', '食品经营许可']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('甲镇、乙街道');
  });
});
