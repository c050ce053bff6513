// Defects a newcomer tester found by asking in their own words (issue 11 follow-up), each
// asserted on what the owner reads.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { openAnswerer, type Engine } from '../../src/answering/engine.ts';
import type { AnswerResult, Topic } from '../../src/answering/types.ts';
import { tempDir } from '../helpers/fixtures.ts';

const KNOWLEDGE = path.resolve(import.meta.dirname, '../../knowledge');
let engine: Engine & { close(): Promise<void> };

beforeAll(async () => {
  engine = await openAnswerer(loadConfig({ KNOWLEDGE_DIR: KNOWLEDGE, DATA_DIR: tempDir('daiban-newcomer-') }));
});
afterAll(async () => {
  await engine.close();
});

/** A conversation: each question carries the previous answer's topic, as the turn pipeline does. */
async function conversation(town: string | null, ...questions: string[]): Promise<AnswerResult[]> {
  let topic: Topic | null = null;
  const out: AnswerResult[] = [];
  for (const q of questions) {
    const r = await engine.answer(q, { town, topic });
    topic = r.topic ?? topic;
    out.push(r);
  }
  return out;
}

describe('a follow-up that moves to another town', () => {
  it('says first whether that town can do it, and where to go instead when it cannot', async () => {
    const [, dayao, huaichuan] = await conversation(null, '劳务派遣经营许可要什么材料', '那大瑶镇呢', '淮川街道能办吗');
    expect(dayao!.answer.split('\n')[0]).toBe('❌ 大瑶镇暂不能办理「劳务派遣经营许可」。');
    expect(dayao!.answer).toContain('永安镇');
    expect(huaichuan!.answer.split('\n')[0]).toBe('❌ 淮川街道暂不能办理「劳务派遣经营许可」。');
  });

  it('keeps the part asked, after the new town\'s headline, and the next item is asked about that town', async () => {
    const [, dayao, licence] = await conversation('永安镇', '食品经营许可要几天', '那大瑶镇呢', '那营业执照呢');
    expect(dayao!.answer.split('\n')[0]).toMatch(/^✅ 大瑶镇可以办理「食品经营许可」/);
    expect(dayao!.answer).toContain('承诺5个工作日');
    expect(licence!.town).toBe('大瑶镇');
  });
});

describe('words around an item are not place names', () => {
  it('「镇里」 after an item name is the town asked about', async () => {
    for (const q of ['林木采伐镇里能办不', '劳务派遣许可镇里能办不']) {
      const r = await engine.answer(q, { town: '永安镇', topic: null });
      expect(r.status, q).toBe('answered');
      expect(r.answer, q).not.toContain('下放事项清单');
    }
  });

  it('the county\'s own city is not one of its townships (沙市 in 长沙市), and its districts are elsewhere', async () => {
    const r = await engine.answer('长沙市岳麓区能办营业执照吗', { town: '永安镇', topic: null });
    expect(r.answer).toContain('没有「岳麓区」的下放事项清单');
    const city = await engine.answer('我在长沙市开店，营业执照在哪办', { town: '永安镇', topic: null });
    expect(city.answer).not.toContain('沙市镇');
    expect(city.answer).toContain('没有「长沙市」的下放事项清单');
  });
});

describe('honest answers to what the owner actually asked', () => {
  it('a phone number in the question does not turn it into a hotline question', async () => {
    const r = await engine.answer('我电话13812345678开棋牌室要什么证', { town: '永安镇', topic: null });
    expect(r.status).not.toBe('town_info');
    expect(r.answer).not.toContain('13812345678');
  });

  it('with a warehouse, only the storage rule and a way on — not the no-storage licence\'s office and time limits', async () => {
    const r = await engine.answer('我卖油漆，有个仓库，危化品经营许可永安镇能办吗', { town: '永安镇', topic: null });
    expect(r.answer).toContain('带储存设施的向长沙市应急管理局申请');
    expect(r.answer).not.toContain('也可以到');
    expect(r.answer).not.toContain('工作日');
  });

  it('tax questions are not sent to the item\'s department; registered capital is a part not held', async () => {
    const tax = await engine.answer('开饭店税率是多少', { town: null, topic: null });
    expect(tax.status).toBe('partial');
    expect(tax.answer).not.toContain('市场监督管理局');
    const capital = await engine.answer('开公司要多少注册资金', { town: null, topic: null });
    expect(capital.status).toBe('partial');
    expect(capital.answer).toContain('注册资本');
  });
});

describe('more real phrasings (tuning half, batches 8-9)', () => {
  const ask = (q: string, town: string | null = null) => engine.answer(q, { town, topic: null });

  it('the kind of business named picks the family: 个体 is not 企业', async () => {
    expect((await ask('个体营业执照法人变更需要多少钱')).matches[0]?.item).toBe('个体工商户变更登记');
  });

  it('comparing two documents is a part not held; comparing what two shops need is answered', async () => {
    expect((await ask('60歲和65歲辦理的老年證有何區別?', '大瑶镇')).status).toBe('partial');
    expect((await ask('副食店和便利店的证件有什么区别?')).status).not.toBe('partial');
  });

  it('a lost card is a reissue the knowledge lacks; a subsidy to an insurance is not the enrolment', async () => {
    expect((await ask('社会保障卡没了怎么办理')).status).toBe('partial');
    expect((await ask('农村养老保险怎样补贴')).status).toBe('partial');
  });

  it('「办食堂」 is the catering goal, but 「能办药店的证吗」 still asks about the licence', async () => {
    expect((await ask('办食堂需要什么手续')).scenario).toBe('开餐馆');
    expect((await ask('永安镇能办药店的证吗', '永安镇')).matches[0]?.item).toBe('药品零售企业经营许可');
  });
});

describe('putting it off', () => {
  it('「明天再说」「算了」 get a short natural reply, not a decline', async () => {
    for (const q of ['明天再说', '算了', '不用了，谢谢']) {
      const r = await engine.answer(q, { town: '永安镇', topic: null });
      expect(r.status, q).toBe('smalltalk');
    }
  });
});

describe('guesses the tester caught', () => {
  it('"which licences" for a business the knowledge has no scenario for offers near items, never a loose card', async () => {
    for (const q of ['做槟榔生意要办么子证', '开个洗车店要办什么']) {
      const r = await engine.answer(q, { town: null, topic: null });
      expect(r.status, q).toBe('no_match');
      expect(r.answer, q).not.toContain('✅');
    }
  });

  it('a document named beside several items that no item is called is said, not dropped', async () => {
    const r = await engine.answer('我要办营业执照、食品经营许可和卫生许可，都能在镇里办吗', { town: null, topic: null });
    expect(r.answer).toContain('「食品经营许可」');
    expect(r.answer).toContain('「卫生许可」没有找到名称完全对应的事项');
  });
});

describe('a number asked in a unit the card never states', () => {
  const ask = (q: string) => engine.answer(q, { town: null, topic: null });
  it('is answered by a note or condition with a number in that unit, else it is a part not held', async () => {
    const age = await ask('独生子女补贴父母多大年龄可以领');
    expect(age.answer.split('\n')[0]).toContain('年满60周岁');
    const members = await ask('农民专业合作社要多少人');
    expect(members.answer.split('\n')[0]).toContain('五名以上');
    const pigs = await ask('养几头猪要办动物防疫证');
    expect(pigs.status).toBe('partial');
    expect(pigs.answer).not.toContain('✅');
  });
});

describe('second newcomer pass', () => {
  const ask = (q: string, town: string | null = '永安镇') => engine.answer(q, { town, topic: null });
  it('a business before 镇上/镇里/乡里 is what is asked about, not a town called that', async () => {
    for (const q of ['俺想办个养猪场，镇上能搞不', '开民宿乡里能办吗']) {
      const r = await ask(q);
      expect(r.status, q).toBe('scenario');
      expect(r.answer, q).not.toContain('下放事项清单');
    }
    expect((await ask('古港镇上能办吗')).answer).toContain('没有「古港镇」的下放事项清单');
  });

  it('Hunan wording for "how much" tax or subsidy is a part not held, not a card', async () => {
    for (const q of ['开饭店要交好多税', '开饭店要交么子税', '创业补贴有好多钱', '创业补贴发好多']) {
      const r = await ask(q);
      expect(r.status, q).toBe('partial');
      expect(r.answer, q).not.toMatch(/^✅/m);
    }
  });
});

describe('the county seat', () => {
  it('「我在市区开店」 is not answered as the group\'s town', async () => {
    const r = await engine.answer('我在浏阳市区开店营业执照在哪办', { town: '永安镇', topic: null });
    expect(r.town).toBeNull();
    expect(r.answer).not.toMatch(/^✅ 永安镇可以办理/);
  });
});
