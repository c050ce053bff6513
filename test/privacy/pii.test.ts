import { describe, expect, it } from 'vitest';
import {
  CREDIT_CODE_CHARSET,
  creditCodeCheckChar,
  creditCodeProblem,
  findPersonalData,
  isValidBankCard,
  isValidCreditCode,
  isValidIdCard,
  isValidMobile,
  maskCreditCode,
  maskMobile,
  maskPersonalData,
  normalizeMobile,
  scanPersonalData,
} from '../../src/privacy/pii.ts';

// A published example of a valid code (GB 32100-2015 illustrations).
const PUBLISHED = '91350100M000100Y43';
// The GB 11643-1999 example resident ID number.
const ID_EXAMPLE = '11010519491231002X';

describe('credit code (GB 32100-2015)', () => {
  it('accepts the published example and computes its check character', () => {
    expect(isValidCreditCode(PUBLISHED)).toBe(true);
    expect(creditCodeCheckChar(PUBLISHED.slice(0, 17))).toBe('3');
  });

  it('has the 31-character set without I, O, S, V, Z', () => {
    expect(CREDIT_CODE_CHARSET).toHaveLength(31);
    for (const c of 'IOSVZ') expect(CREDIT_CODE_CHARSET).not.toContain(c);
  });

  it('accepts codes built with the algorithm, lower case and spaces', () => {
    const body = '92430181MA4L00001';
    const code = body + creditCodeCheckChar(body)!;
    expect(isValidCreditCode(code)).toBe(true);
    expect(isValidCreditCode(code.toLowerCase())).toBe(true);
    expect(isValidCreditCode(`${code.slice(0, 9)} ${code.slice(9)}`)).toBe(true);
  });

  it('maps a check value of 31 to 0', () => {
    // Find a body whose weighted sum is divisible by 31: the check character is 0.
    let found = '';
    for (let i = 0; i < 31 && !found; i++) {
      const body = `9135010000000000${CREDIT_CODE_CHARSET[i]}`;
      if (creditCodeCheckChar(body) === '0') found = body;
    }
    expect(found).not.toBe('');
    expect(isValidCreditCode(`${found}0`)).toBe(true);
  });

  it('says why a code is wrong', () => {
    expect(creditCodeProblem('91350100M000100Y44')).toBe('check');
    expect(creditCodeProblem('91350100M000100Y4')).toBe('length');
    expect(creditCodeProblem('91350100M000100YI3')).toBe('charset');
    expect(isValidCreditCode('')).toBe(false);
  });
});

describe('mobile', () => {
  it.each(['13812345678', '19912345678', '+86 138 1234 5678', '138-1234-5678', '８６13812345678'.slice(2)])('accepts %s', (s) => {
    expect(isValidMobile(s)).toBe(true);
  });
  it.each(['12812345678', '1381234567', '138123456789', '02887654321', 'abc'])('rejects %s', (s) => {
    expect(isValidMobile(s)).toBe(false);
  });
  it('normalises', () => expect(normalizeMobile('+86 138-1234-5678')).toBe('13812345678'));
});

describe('ID card and bank card', () => {
  it('validates the ISO 7064 MOD 11-2 check', () => {
    expect(isValidIdCard(ID_EXAMPLE)).toBe(true);
    expect(isValidIdCard(ID_EXAMPLE.toLowerCase())).toBe(true);
    expect(isValidIdCard('110105194912310021')).toBe(false);
    expect(isValidIdCard('11010519491331002X')).toBe(false); // month 13
  });
  it('validates Luhn over 16–19 digits', () => {
    expect(isValidBankCard('4111111111111111')).toBe(true);
    expect(isValidBankCard('4111 1111 1111 1111')).toBe(true);
    expect(isValidBankCard('4111111111111112')).toBe(false);
    expect(isValidBankCard('411111111111')).toBe(false);
  });
});

describe('finding and masking personal data', () => {
  const text = `我叫张三，电话13812345678，代码${PUBLISHED}，身份证${ID_EXAMPLE}，卡号4111 1111 1111 1111。`;

  it('finds each kind, validated', () => {
    expect(findPersonalData(text).sort()).toEqual(['bank_card', 'credit_code', 'id_card', 'mobile']);
    expect(findPersonalData('营业时间 8:30-17:30，共102项')).toEqual([]);
    expect(findPersonalData('代码91350100M000100Y44')).toEqual([]); // bad check: not counted
    expect(scanPersonalData('电话13812345678')[0]).toMatchObject({ kind: 'mobile', value: '13812345678', index: 2 });
  });

  it('masks phones, codes, ID and bank cards', () => {
    const masked = maskPersonalData(text);
    expect(masked).toContain('138****5678');
    expect(masked).toContain('91**************43');
    expect(masked).toContain('110***********002X');
    expect(masked).toContain('4111********1111');
    expect(masked).not.toMatch(/13812345678|91350100M000100Y43|11010519491231002X/);
    expect(masked.startsWith('我叫张三，电话')).toBe(true);
  });

  it('masks mistyped numbers too (shape-based) but leaves ordinary text alone', () => {
    expect(maskPersonalData('代码91350100M000100Y44')).toBe('代码91**************44');
    expect(maskPersonalData('电话 138 1234 5678')).toBe('电话 138****5678');
    const plain = '永安镇政务服务中心，8:30-12:00，2020-04-28 交接 102 项，12345 热线';
    expect(maskPersonalData(plain)).toBe(plain);
  });

  it('mask helpers', () => {
    expect(maskMobile('13812345678')).toBe('138****5678');
    expect(maskCreditCode(PUBLISHED)).toBe('91**************43');
  });
});

describe('ID numbers with a wrong check character', () => {
  it('are still found as ID-card numbers (a typo does not make them less personal)', async () => {
    const { findPersonalData } = await import('../../src/privacy/pii.ts');
    expect(findPersonalData('我的身份证是430181199001011234，能办个体户吗')).toContain('id_card');
    expect(findPersonalData('订单号 202611270000123456')).not.toContain('id_card');
  });
});

describe('numbers written the way people type them', () => {
  it('finds and masks grouped, dotted and full-width numbers', async () => {
    const { findPersonalData, maskPersonalData } = await import('../../src/privacy/pii.ts');
    for (const [text, kind] of [
      ['电话138.1234.5678', 'mobile'],
      ['电话 138 1234 5678', 'mobile'],
      ['手机１３８１２３４５６７８', 'mobile'],
      ['身份证430181 19900101 1234', 'id_card'],
      ['卡号 6222 0212 3456 7890 128', 'bank_card'],
    ] as const) {
      expect(findPersonalData(text), text).toContain(kind);
      const masked = maskPersonalData(text);
      expect(masked, text).toContain('*');
      expect(masked.replace(/\D/g, '').length, text).toBeLessThan(text.replace(/[^\d０-９]/g, '').length);
    }
    expect(maskPersonalData('abc13812345678')).toBe('abc138****5678');
    expect(maskPersonalData('永安镇政务服务中心，8:30-12:00，2020-04-28')).toBe('永安镇政务服务中心，8:30-12:00，2020-04-28');
  });
});

describe('numbers written in Chinese numerals, spaced, dashed or full-width (every form is found and masked)', () => {
  // 13812345678, 430181199001011234 (ID shape), 6222021234567890128 (Luhn-valid card).
  const forms: [string, 'mobile' | 'id_card' | 'bank_card', string][] = [
    ['我的电话一三八一二三四五六七八', 'mobile', '13812345678'],
    ['电话幺三八 一二三四 五六七八，谢谢', 'mobile', '13812345678'],
    ['手机：壹叁捌壹贰叁肆伍陆柒捌', 'mobile', '13812345678'],
    ['打1 3 8 1 2 3 4 5 6 7 8找我', 'mobile', '13812345678'],
    ['电话 138 - 1234 - 5678', 'mobile', '13812345678'],
    ['电话１３８ １２３４ ５６７８', 'mobile', '13812345678'],
    ['电话138一二三四五六七八', 'mobile', '13812345678'],
    ['身份证四三零一八一一九九零零一零一一二三四', 'id_card', '430181199001011234'],
    ['身份证 4301 8119 9001 0112 34', 'id_card', '430181199001011234'],
    ['身份证４３０１８１１９９００１０１１２３４', 'id_card', '430181199001011234'],
    ['身份证430181-19900101-1234', 'id_card', '430181199001011234'],
    ['卡号六二二二零二一二三四五六七八九零一二八', 'bank_card', '6222021234567890128'],
    ['卡号6222-0212-3456-7890-128', 'bank_card', '6222021234567890128'],
    ['卡号 6 2 2 2 0 2 1 2 3 4 5 6 7 8 9 0 1 2 8', 'bank_card', '6222021234567890128'],
  ];

  it.each(forms)('finds and masks 「%s」 (%s)', (text, kind, digits) => {
    expect(findPersonalData(text)).toContain(kind);
    const masked = maskPersonalData(text);
    expect(masked).toContain('*');
    // The middle of the number is gone in every form.
    const middle = digits.slice(4, 10);
    expect(masked.replace(/[^\d]/g, ''), masked).not.toContain(middle);
    expect(masked).not.toMatch(/[一二三四五六七八九零幺壹贰叁肆伍陆柒捌玖]{6,}/);
  });

  it('leaves ordinary numbers and words alone', () => {
    for (const plain of [
      '永安镇政务服务中心，8:30-12:00，2020-04-28 交接 102 项，12345 热线',
      '第一批（2020-04-28）下放了一百零二项',
      '一二三四五，上山打老虎',
      '电话 0731-83012345',
      '承诺五个工作日，法定十个工作日',
    ]) {
      expect(maskPersonalData(plain)).toBe(plain);
      expect(findPersonalData(plain)).toEqual([]);
    }
  });
});
