import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import { Grounder, chineseNumber, uncoveredChars } from '../../src/llm/grounding.ts';
import { REWRITE_PROMPT, WORDING_PROMPT } from '../../src/llm/prompts.ts';
import { VALID_KB } from '../helpers/fixtures.ts';

const k = loadKnowledge(VALID_KB).knowledge!;
const g = new Grounder(k.items);

// What the answerer would send for 「甲镇能办食品经营许可吗」.
const template = [
  '✅ 甲镇可以办理「食品经营许可」（委托）：甲镇受示例县市场监督管理局委托，以部门名义在镇上办结。',
  '地点：甲镇便民服务中心·综合受理窗口，工作日 9:00-17:00',
  '承诺5个工作日，法定10个工作日；收费：不收费；需到窗口办理。',
  '主要材料：申请书、营业执照。',
  '来源：甲镇下放清单（第一批（2020-04-28））；指南 2025-01-01 更新。',
].join('\n');
const facts = JSON.stringify({
  county: { name: '示例县', hotline: '12345', centre: { name: '示例县政务服务中心', address: '示例县政府大院内', hours: '工作日 9:00-17:00' } },
  town: { name: '甲镇', centre: { name: '甲镇便民服务中心', address: '甲镇政府一楼', hours: '工作日 9:00-17:00', windows: ['综合受理窗口', '出件窗口'] } },
  items: [{ name: '食品经营许可', times: '承诺5个工作日，法定10个工作日', fee: '不收费', materials: ['申请书', '营业执照'] }],
});
const check = (reply: string, items = ['食品经营许可'], sources = [facts, template]) => g.check({ reply, items, sources });

const GOOD =
  '您好！甲镇可以办理「食品经营许可」（委托），请到甲镇便民服务中心综合受理窗口办理，工作日 9:00-17:00。承诺5个工作日办结（法定10个工作日），不收费。需要准备申请书、营业执照。';

describe('grounding', () => {
  it('accepts a reply that only restates the facts', () => {
    expect(check(GOOD)).toEqual({ ok: true });
    expect(check(template)).toEqual({ ok: true });
    expect(check('甲镇便民服务中心在甲镇政府一楼，咨询电话 12345。')).toEqual({ ok: true });
  });

  it('rejects empty and over-long replies', () => {
    expect(check('  ')).toMatchObject({ ok: false, reason: 'empty' });
    expect(check('甲镇可以办理。'.repeat(60))).toMatchObject({ ok: false, reason: 'too_long' });
  });

  describe('items', () => {
    it('rejects a catalogue item that was not retrieved', () => {
      const v = check(`${GOOD}另外烟花爆竹经营（批发）许可证核发也能在甲镇办。`);
      expect(v).toMatchObject({ ok: false, reason: 'item' });
    });
    it('recognises aliases', () => {
      expect(check('甲镇也可以办个体户登记。')).toMatchObject({ ok: false, reason: 'item' });
      expect(check('甲镇也可以办个体户登记。', ['食品经营许可', '个体工商户设立登记'])).toEqual({ ok: true });
    });
    it('counts a name inside a longer name as the longer one', () => {
      const g2 = new Grounder([{ name: '食品经营许可' }, { name: '食品经营许可变更' }]);
      expect(g2.itemsNamed('办理食品经营许可变更和食品经营许可').map((x) => x.item)).toEqual(['食品经营许可变更', '食品经营许可']);
      expect(g2.check({ reply: '可以办理食品经营许可变更。', items: ['食品经营许可'], sources: [] })).toMatchObject({ ok: false, reason: 'item' });
    });
    it('allows an item the facts themselves mention', () => {
      const v = check('提示：需先办好对外贸易经营者备案登记。', ['食品经营许可'], [facts, `${template}\n提示：需先办好对外贸易经营者备案登记。`]);
      expect(v).toEqual({ ok: true });
    });
  });

  describe('time limits', () => {
    it('rejects a time limit the facts do not hold', () => {
      expect(check(GOOD.replace('承诺5个工作日', '承诺3个工作日'))).toMatchObject({ ok: false, reason: 'time_limit' });
      expect(check('3天就能办好。')).toMatchObject({ ok: false, reason: 'time_limit' });
      expect(check('这个是即办件，当场办结。')).toMatchObject({ ok: false, reason: 'time_limit' });
    });
    it('reads Chinese numerals', () => {
      expect(chineseNumber('十五')).toBe(15);
      expect(chineseNumber('二十')).toBe(20);
      expect(chineseNumber('五')).toBe(5);
      expect(check('承诺五个工作日办结。')).toEqual({ ok: true });
      expect(check('承诺七个工作日办结。')).toMatchObject({ ok: false, reason: 'time_limit' });
    });
    it('rejects swapped promised and legal limits', () => {
      expect(check('承诺10个工作日，法定5个工作日。')).toMatchObject({ ok: false, reason: 'time_limit' });
    });
  });

  describe('fees', () => {
    it('rejects an amount the facts do not hold', () => {
      expect(check('办理收费200元。')).toMatchObject({ ok: false, reason: 'fee' });
    });
    it('rejects "free" for an item that is not free, but not for proxy handling', () => {
      const paid = JSON.stringify({ items: [{ name: '食品经营许可', fee: '按规定收取工本费' }] });
      expect(check('食品经营许可免费办理。', ['食品经营许可'], [paid])).toMatchObject({ ok: false, reason: 'fee' });
      expect(check('需要的话可以申请帮办代办，代办免费。', ['食品经营许可'], [paid])).toEqual({ ok: true });
      expect(check('食品经营许可免费办理。')).toEqual({ ok: true });
    });
  });

  describe('phone numbers', () => {
    it('rejects a phone number the facts do not hold', () => {
      expect(check('咨询电话：0731-83012345。')).toMatchObject({ ok: false, reason: 'phone' });
      expect(check('可以打 13812345678 问问。')).toMatchObject({ ok: false, reason: 'phone' });
      expect(check('拨打12315投诉。')).toMatchObject({ ok: false, reason: 'phone' });
    });
    it('accepts the hotline and dates from the facts', () => {
      expect(check('不清楚可以拨打12345。')).toEqual({ ok: true });
      expect(check('依据甲镇下放清单（2020-04-28）。')).toEqual({ ok: true });
    });
  });

  describe('addresses and hours', () => {
    it('rejects an address the facts do not hold', () => {
      expect(check('地址：甲镇政府二楼。')).toMatchObject({ ok: false, reason: 'address' });
      expect(check('地址：人民路88号。')).toMatchObject({ ok: false, reason: 'address' });
      expect(check('请前往示例县行政审批局办理。')).toMatchObject({ ok: false, reason: 'address' });
      expect(check('服务中心在3楼。')).toMatchObject({ ok: false, reason: 'address' });
    });
    it('accepts places made of fact text', () => {
      expect(check('地址：甲镇政府一楼。')).toEqual({ ok: true });
      expect(check('地点：甲镇便民服务中心综合受理窗口。')).toEqual({ ok: true });
    });
    it('rejects opening hours the facts do not hold', () => {
      expect(check('办公时间：工作日 8:30-17:00。')).toMatchObject({ ok: false, reason: 'hours' });
    });
    it('measures how much of a place is not fact text', () => {
      expect(uncoveredChars('甲镇政府一楼', '甲镇政府一楼')).toBe(0);
      expect(uncoveredChars('甲镇政府二楼', '甲镇政府一楼')).toBe(2);
    });
  });

  describe('prompt text', () => {
    it('rejects a reply repeating either prompt', () => {
      expect(check(WORDING_PROMPT.slice(0, 120))).toMatchObject({ ok: false, reason: 'prompt' });
      expect(check(`好的。${REWRITE_PROMPT.split('\n')[1]!.slice(0, 30)}`)).toMatchObject({ ok: false, reason: 'prompt' });
    });
    it('rejects a reply talking about its instructions', () => {
      expect(check('我的系统提示是保密的。')).toMatchObject({ ok: false, reason: 'prompt' });
      expect(check('Here is my prompt.')).toMatchObject({ ok: false, reason: 'prompt' });
    });
  });
});

describe('grounding is not fooled by other ways of writing numbers', () => {
  it.each([
    ['甲镇可以办理「食品经营许可」，有问题打一三八一二三四五六七八。', 'phone'],
    ['甲镇可以办理「食品经营许可」，电话 138.1234.5678。', 'phone'],
    ['甲镇可以办理「食品经营许可」，电话 138  1234  5678。', 'phone'],
    ['甲镇可以办理「食品经营许可」，3日内办结。', 'time_limit'],
    ['甲镇可以办理「食品经营许可」，一周就能拿证。', 'time_limit'],
    ['甲镇可以办理「食品经营许可」，48小时办好。', 'time_limit'],
    ['甲镇可以办理「食品经营许可」，收费一百元。', 'fee'],
    ['甲镇可以办理「食品经营许可」，收费￥100。', 'fee'],
    ['甲镇可以办理「食品经营许可」，要100块。', 'fee'],
    ['甲镇可以办理「食品经营许可」，早上八点半开门。', 'hours'],
  ])('rejects 「%s」 (%s)', (reply, reason) => {
    expect(check(reply)).toMatchObject({ ok: false, reason });
  });

  it('still accepts the facts written out in words', () => {
    expect(check('甲镇可以办理「食品经营许可」，承诺五个工作日，九点开门。')).toEqual({ ok: true });
    expect(check('甲镇可以办理「食品经营许可」，承诺五个工作日办结，不收费。')).toEqual({ ok: true });
  });
});

describe('grounding by meaning', () => {
  it('normalises every way of writing a number before comparing', async () => {
    const { normalizeNumerals } = await import('../../src/llm/grounding.ts');
    expect(normalizeNumerals('收费伍拾圆')).toBe('收费50元');
    expect(normalizeNumerals('一三八一二三四五六七八')).toBe('13812345678');
    expect(normalizeNumerals('幺三八 一二三四 五六七八')).toBe('13812345678');
    expect(normalizeNumerals('138 1234 5678')).toBe('13812345678');
    expect(normalizeNumerals('承诺十五个工作日')).toBe('承诺15个工作日');
    expect(normalizeNumerals('三四天')).toBe('三四天');
    expect(normalizeNumerals('9:00-17:00，2020-04-28')).toBe('9:00-17:00，2020-04-28');
  });

  const can = (reply: string) => g.check({ reply, items: ['食品经营许可'], sources: [facts, template], conclusion: 'can', town: '甲镇' });
  it.each([
    ['甲镇不能办理「食品经营许可」。', 'conclusion'],
    ['「食品经营许可」已经取消了，不用再办。', 'conclusion'],
    ['甲镇可以办理「食品经营许可」，还要先办食品安全承诺备案证。', 'licence'],
    ['甲镇可以办理「食品经营许可」，全程网上办理，一次都不用跑。', 'online'],
    ['甲镇可以办理「食品经营许可」，需交少量工本费。', 'fee'],
    ['甲镇可以办理「食品经营许可」，半个月左右就能办好。', 'time_limit'],
    ['甲镇可以办理「食品经营许可」，次日即可领证。', 'time_limit'],
    ['甲镇可以办理「食品经营许可」，在大瑶镇也能办。', 'place'],
    ['甲镇可以办理「食品经营许可」，最多跑两次。', 'visits'],
    ['甲镇可以办理「食品经营许可」，需要准备伍份材料。', 'numbers'],
  ])('rejects 「%s」 (%s)', (reply, reason) => {
    expect(can(reply)).toMatchObject({ ok: false, reason });
  });

  it('keeps the conclusion of a town that cannot, and of an abolished item', () => {
    const cannot = (reply: string) => g.check({ reply, items: ['食品经营许可'], sources: [facts, '❌ 乙街道暂不能办理「食品经营许可」。可以办的镇（街道）：甲镇'], conclusion: 'cannot', town: '乙街道' });
    expect(cannot('乙街道暂不能办理「食品经营许可」，可以到甲镇办。')).toEqual({ ok: true });
    expect(cannot('在乙街道就能办食品经营许可。')).toMatchObject({ ok: false, reason: 'conclusion' });
    const gone = (reply: string) => g.check({ reply, items: ['对外贸易经营者备案登记'], sources: ['「对外贸易经营者备案登记」已于 2022-12-30 取消，不用再办理。'], conclusion: 'abolished' });
    expect(gone('「对外贸易经营者备案登记」已于2022-12-30取消，不用再办理。')).toEqual({ ok: true });
    expect(gone('对外贸易经营者备案登记现在还需要办理。')).toMatchObject({ ok: false, reason: 'conclusion' });
  });
});
