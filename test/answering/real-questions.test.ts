// The failure classes of issue 11, asked the way a new user asks them, through
// the app's turn pipeline (app.handle, the one entry every channel calls) with
// the real answering core on the bundled sample knowledge (conversation classes
// in a private chat and in a group).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import type { Inbound } from '../../src/core/messages.ts';
import { loadConfig } from '../../src/config/env.ts';
import { openAnswerer, type Engine } from '../../src/answering/engine.ts';
import { silentLogger } from '../../src/log.ts';
import type { UnansweredEntry, UnansweredRepo } from '../../src/store/types.ts';
import { memoryStore } from '../app/fakes.ts';
import { tempDir } from '../helpers/fixtures.ts';

const KNOWLEDGE = path.resolve(import.meta.dirname, '../../knowledge');
const T0 = 1_800_000_000_000;
/** Each message a minute after the last, so the per-person rate limit never applies. */
let now = T0;

class MemoryUnanswered implements UnansweredRepo {
  entries: UnansweredEntry[] = [];
  async add(e: UnansweredEntry) {
    this.entries.push(e);
  }
  async list() {
    return this.entries;
  }
}

let engine: Engine & { close(): Promise<void> };
let app: App;
const unanswered = new MemoryUnanswered();
let n = 0;

beforeAll(async () => {
  const config = loadConfig({ KNOWLEDGE_DIR: KNOWLEDGE, DATA_DIR: tempDir('daiban-real-q-') });
  engine = await openAnswerer(config, { unanswered });
  app = createApp(config, { answerer: engine, store: memoryStore(), logger: silentLogger(), clock: () => now });
});
afterAll(async () => {
  await engine.close();
});

/** A private-chat message from one person (each test uses its own person, so topics do not leak). */
const say = async (who: string, text: string): Promise<string> => {
  const msg: Inbound = {
    id: `m${++n}`,
    chat: { channel: 'test', kind: 'direct', id: who },
    sender: { channel: 'test', id: who, name: who },
    text,
    mentioned: false,
    timestamp: (now += 60_000),
  };
  return (await app.handle(msg)).map((r) => r.text).join('\n');
};
/** A group message addressed to the bot. */
const inGroup = async (who: string, text: string): Promise<string> => {
  const msg: Inbound = {
    id: `g${++n}`,
    chat: { channel: 'test', kind: 'group', id: 'shop-owners@chatroom' },
    sender: { channel: 'test', id: who, name: who },
    text,
    mentioned: true,
    timestamp: (now += 60_000),
  };
  return (await app.handle(msg)).map((r) => r.text).join('\n');
};
const firstLine = (s: string) => s.split('\n')[0]!;

describe('a near name is not the item', () => {
  it('asks back about 食品生产许可 instead of answering 食品经营许可', async () => {
    const r = await say('near-1', '永安镇能办食品生产许可证吗');
    expect(r).not.toContain('✅');
    expect(r).toContain('您问的是「食品生产许可」吗');
    expect(r).toContain('食品经营许可');
    // The item the knowledge does have is still answered when it is the one asked.
    expect(firstLine(await say('near-2', '永安镇能办食品经营许可证吗'))).toMatch(/^✅ 永安镇可以办理「食品经营许可」/);
  });
});

describe('the action word decides the item', () => {
  it('reads 注销 and 改名字 on a 营业执照 as the 注销 and 变更 items, not 设立', async () => {
    expect(await say('act-1', '营业执照注销要什么材料')).toMatch(/「(个体工商户|企业)注销登记」/);
    const change = await say('act-2', '个体户营业执照改名字');
    expect(change).toContain('「个体工商户变更登记」');
    expect(change).not.toContain('设立登记」可以');
  });

  it('says the knowledge holds no 补办 or 年报 instead of giving the 设立 card', async () => {
    for (const q of ['营业执照丢了怎么补办', '营业执照年报在哪里弄']) {
      const r = await say(`act-${q}`, q);
      expect(r, q).not.toMatch(/✅/);
      expect(r, q).toMatch(/没有「(补办|年报)」的办理信息/);
      expect(r, q).toContain('12345');
    }
  });
});

describe('an aspect the knowledge does not hold gets an honest partial answer', () => {
  it('tax rate, penalty, subsidy amount and contribution base: what is known, what is not, where to ask; logged', async () => {
    const cases: [string, RegExp][] = [
      ['永安镇个体户的税率是多少', /税率/],
      ['无证经营食品罚款多少', /罚款/],
      ['永安镇创业补贴能补多少钱', /补贴标准和金额/],
      ['社保缴费基数是多少', /缴费基数/],
    ];
    for (const [q, part] of cases) {
      const before = unanswered.entries.length;
      const r = await say(`unheld-${q}`, q);
      expect(r, q).not.toMatch(/^✅/m);
      expect(r, q).toMatch(part);
      expect(r, q).toMatch(/没有您问的/);
      // Where to ask: the item's department with its level — except taxes, which are not that department's business.
      expect(r, q).toMatch(/税/.test(q) ? /12345/ : /局（(县级|地市级|省级)/);
      if (/税/.test(q)) expect(r, q).not.toContain('市场监督管理局');
      expect(unanswered.entries.length, q).toBe(before + 1);
    }
    const r = await engine.ask('永安镇个体户的税率是多少');
    expect(r.status).toBe('partial');
    expect(r.matches[0]!.item).toBe('个体工商户设立登记');
  });

  it('declines an invoice question with no item and no card', async () => {
    const r = await engine.ask('开发票去哪里开');
    expect(r.status).toBe('no_match');
    expect(r.answer).toContain('发票');
    expect(r.answer).not.toContain('✅');
  });
});

describe('what the knowledge does hold is not declined', () => {
  it('leads with the item\'s own note when it answers the part asked (到期延续), and declines a number it does not hold', async () => {
    const held = await say('held-1', '我在永安镇开了个小餐馆，食品经营许可证到期了怎么延续');
    expect(firstLine(held)).toBe('ℹ️ 关于您问的：许可证有效期5年，到期前要申请延续。');
    expect(held).toContain('✅ 永安镇可以办理「食品经营许可」');
    const days = await engine.ask('食品经营许可证有效期满前几个工作日要申请延续');
    expect(days.status).toBe('partial');
    expect((await engine.ask('劳务派遣许可证到期前几天要申请延续')).answer.split('\n')[0]).toContain('到期前60日');
  });

  it('reads 经营范围怎么增加 as a change, and 年审 as a part the knowledge does not hold', async () => {
    expect(firstLine(await say('held-2', '个体户营业执照经营范围怎么增加'))).toContain('「个体工商户变更登记」');
    const r = await say('held-3', '货车年审在哪里');
    expect(r).toContain('没有您问的年检年审和有效期');
    expect(r).not.toContain('✅');
  });
});

describe('several items in one question', () => {
  it('answers each item with its own status at the town; the one the town cannot do does not disappear', async () => {
    const r = await say('multi-1', '食品经营许可和烟草证永安都能办吗');
    expect(r).toMatch(/✅ 永安镇可以办理「食品经营许可」/);
    expect(r).toMatch(/❌ 永安镇不能办理「烟草专卖零售许可证核发」/);
  });

  it('answers a scenario named with another item as the bundle plus that item (小卖部 + 烟草证)', async () => {
    const r = await say('multi-2', '大瑶镇小卖部要办烟草证');
    expect(firstLine(r)).toContain('「开便利店」');
    expect(r).toMatch(/✅ 大瑶镇可以办理「仅销售预包装食品备案」/);
    expect(r).toMatch(/❌ 大瑶镇不能办理「烟草专卖零售许可证核发」/);
  });
});

describe('conditions the asker states decide the headline', () => {
  it('with a warehouse, the no-storage licence is not given as ✅', async () => {
    const r = await say('cond-1', '危化品经营许可，有仓库的');
    expect(firstLine(r)).toMatch(/^ℹ️ 按您说的情况（有仓储设施）/);
    expect(r).not.toContain('✅');
    expect(r).toContain('带储存设施的向长沙市应急管理局申请');
  });

  it('a 蓝牌 / 4.2 m truck leads with the 4.5 t rule, also where the town cannot issue the certificate', async () => {
    expect(firstLine(await say('cond-2', '我的车是4.2米蓝牌货车要办道路运输证吗'))).toMatch(/^ℹ️ .*4\.5吨及以下/);
    const notHere = await say('cond-3', '淮川街道我的车总重4吨，要办道路运输证吗');
    expect(firstLine(notHere)).toMatch(/^ℹ️ .*4\.5吨及以下.*不需要办理/);
    // In the scenario template as well.
    expect(firstLine(await say('cond-4', '我有台4吨的货车想跑货运要办哪些证'))).toMatch(/^ℹ️ .*4\.5吨及以下.*不需要办理/);
  });
});

describe('follow-ups in everyday wording (private chat)', () => {
  it('understands 要几天, 大概多久, 要钱不, 收不收费, 要本人去吗, 可以网上办吗, 今天下午能办吗 after an item answer', async () => {
    const who = 'fu-1';
    await say(who, '永安镇能办食品经营许可吗');
    for (const q of ['要几天', '大概多久']) expect(await say(who, q), q).toMatch(/「食品经营许可」办理时限：承诺5个工作日/);
    for (const q of ['要钱不', '收不收费']) expect(await say(who, q), q).toMatch(/「食品经营许可」收费：不收费/);
    expect(await say(who, '要本人去吗')).toMatch(/「食品经营许可」.*(跑|到场)/);
    expect(await say(who, '可以网上办吗')).toMatch(/「食品经营许可」.*(网|窗口)/);
    expect(await say(who, '今天下午能办吗')).toContain('永安镇政务服务中心');
  });

  it('answers the same topic for another town: 那大瑶镇呢, 镇头呢', async () => {
    const who = 'fu-2';
    await say(who, '永安镇能办烟花爆竹零售许可吗');
    expect(firstLine(await say(who, '那大瑶镇呢'))).toMatch(/大瑶镇.*「烟花爆竹经营（零售）许可证核发」/);
    expect(firstLine(await say(who, '镇头呢'))).toMatch(/^❌ 镇头镇暂不能办理「烟花爆竹经营（零售）许可证核发」/);
  });

  it('after a scenario, 多久能办好 gives each item\'s time', async () => {
    const who = 'fu-3';
    await say(who, '永安镇开饭店要办哪些证');
    expect(await say(who, '多久能办好')).toContain('「食品经营许可」：承诺5个工作日');
  });

  it('understands a bare town reply to 哪个镇, and 地址 then points to that town', async () => {
    const who = 'fu-4';
    expect(await say(who, '能办食品经营许可吗')).toContain('告诉我您在哪个镇');
    expect(firstLine(await say(who, '大瑶镇'))).toMatch(/^✅ 大瑶镇可以办理「食品经营许可」/);
    const address = await say(who, '地址');
    expect(address).toContain('大瑶镇');
    expect(address).not.toContain('浏阳市政务服务中心');
    const who2 = 'fu-5';
    await say(who2, '能办食品经营许可吗');
    expect(firstLine(await say(who2, '我是大瑶的'))).toMatch(/^✅ 大瑶镇可以办理「食品经营许可」/);
  });

  it('keeps follow-ups apart between people in the same group', async () => {
    await inGroup('li', '永安镇能办食品经营许可吗');
    const other = await inGroup('wang', '要几天');
    expect(other).not.toContain('食品经营许可');
  });
});

describe('small talk and other languages', () => {
  it('answers 谢谢 and 好的 briefly, not with the help menu', async () => {
    for (const q of ['谢谢', '好的']) {
      const r = await say('talk-1', q);
      expect(r.length, q).toBeLessThan(30);
      expect(r, q).not.toContain('可以帮您');
    }
  });

  it('asks for Chinese with one example when the question is in English', async () => {
    const r = await say('talk-2', 'how can I get a business license');
    expect(r).toMatch(/^请用中文提问，例如：「.+能办.+吗」/);
  });
});

describe('scope and echo', () => {
  it('does not call a tree-felling question out of scope because no formality word is in it', async () => {
    for (const q of ['我要砍几棵杉树卖', '自家种的树可以砍掉吗']) {
      const r = await say(`scope-${q}`, q);
      expect(r, q).not.toContain('帮不上忙');
      expect(r, q).toContain('「林木采伐许可证核发」');
    }
  });

  it('never repeats the question in a decline in a group (names and addresses stay out)', async () => {
    const r = await inGroup('zhao', '我叫赵铁柱住在幸福路8号，想办个火星签证');
    expect(r).not.toContain('赵铁柱');
    expect(r).not.toContain('幸福路');
    expect(r).toContain('人工');
  });
});

describe('town facts do not answer item questions', () => {
  it('answers the item for a weight question and for which towns can, with every town that lists it', async () => {
    const weight = await say('fact-1', '我的车总重4吨，要办道路运输证不');
    expect(firstLine(weight)).toMatch(/^ℹ️ .*4\.5吨及以下/);
    expect(weight).not.toContain('【大瑶镇·道路运输证】');
    const which = await say('fact-2', '哪些镇能办道路运输证');
    expect(firstLine(which)).toMatch(/^✅「道路运输证配发（普通货运车辆）」可以在 永安镇、大瑶镇 办理/);
  });

  it('reads 公章 as the 印章 of the 一枚印章 fact', async () => {
    expect(firstLine(await say('fact-3', '永安镇一枚公章管多少项审批'))).toContain('35项');
  });
});

describe('town names', () => {
  it('reads a homophone town name and reports unknown places in full', async () => {
    expect(firstLine(await say('town-1', '永按镇能办食品经营许可吗'))).toMatch(/^✅ 永安镇可以办理「食品经营许可」/);
    for (const [q, place] of [['喇嘛湾镇能办营业执照吗', '喇嘛湾镇'], ['集里街道能办营业执照吗', '集里街道']]) {
      const r = await say(`town-${q}`, q!);
      expect(r, q).toContain(`没有「${place}」的下放事项清单`);
      expect(r, q).not.toContain('✅');
    }
  });

  it('does not take a phone number holding 12345 for the hotline', async () => {
    const r = await say('town-2', '联系我13812345678');
    expect(r).not.toContain('【浏阳市·咨询热线】');
    expect(r).not.toContain('13812345678');
    expect(firstLine(await say('town-3', '我电话13812345678，永安镇办营业执照'))).toMatch(/^✅ 永安镇可以办理「个体工商户设立登记」/);
  });
});

describe('the stateless answerer', () => {
  it('answers a follow-up from the topic passed in, and keeps nothing itself', async () => {
    const first = await engine.answer('永安镇能办食品经营许可吗');
    expect(first.topic).toMatchObject({ items: ['食品经营许可'], town: '永安镇' });
    const fee = await engine.answer('要钱不', { topic: first.topic });
    expect(fee.answer).toContain('「食品经营许可」收费');
    // Without the topic the same words are not about 食品经营许可.
    expect((await engine.answer('要钱不')).answer).not.toContain('食品经营许可');
    const other = await engine.answer('那大瑶镇呢', { topic: first.topic });
    expect(other).toMatchObject({ town: '大瑶镇', status: 'answered' });
  });

  it('reads local and everyday follow-ups: 淮川街道能办吗, 办得不咯, 咋个办, 么子材料, and a new item at the same town', async () => {
    const { topic } = await engine.answer('永安镇能办食品经营许可吗');
    expect(await engine.answer('淮川街道能办吗', { topic })).toMatchObject({ status: 'not_at_town', town: '淮川街道' });
    expect((await engine.answer('办得不咯', { topic })).answer).toMatch(/^✅ 永安镇可以办理「食品经营许可」/);
    expect((await engine.answer('咋个办', { topic })).answer).toMatch(/^「食品经营许可」办理流程/);
    expect((await engine.answer('要么子材料', { topic })).answer).toMatch(/^「食品经营许可」需要准备的材料/);
    const next = await engine.answer('那营业执照呢', { topic });
    expect(next).toMatchObject({ town: '永安镇', status: 'answered' });
    expect(next.matches[0]!.item).toBe('个体工商户设立登记');
  });
});
