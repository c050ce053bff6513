import { describe, expect, it } from 'vitest';
import { normalize, toSimplified } from '../../src/text/normalize.ts';

describe('toSimplified', () => {
  it('turns Traditional questions into Simplified', () => {
    expect(toSimplified('永安鎮能辦個體工商戶營業執照嗎')).toBe('永安镇能办个体工商户营业执照吗');
  });

  it('keeps the dialect 么 of 么子 / 么得 (OpenCC would write 幺子)', () => {
    expect(toSimplified('食品经营许可要带么子材料')).toBe('食品经营许可要带么子材料');
    expect(normalize('要準備么子材料')).toBe('要准备么子材料');
    expect(toSimplified('這個么得辦法')).toBe('这个么得办法');
  });
});
