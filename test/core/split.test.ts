import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/core/split.ts';

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('你好。')).toEqual(['你好。']);
    expect(splitText('  ')).toEqual([]);
  });

  it('splits at line boundaries under the limit', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `第${i}行` + '字'.repeat(20));
    const parts = splitText(lines.join('\n'), 60);
    expect(parts.every((p) => [...p].length <= 60)).toBe(true);
    expect(parts.join('\n')).toBe(lines.join('\n'));
    for (const p of parts) expect(p.startsWith('第')).toBe(true);
  });

  it('splits a long line at sentence ends', () => {
    const sentence = '这是一句话，说明了要带的材料。';
    const text = sentence.repeat(10);
    const parts = splitText(text, 50);
    expect(parts.every((p) => [...p].length <= 50)).toBe(true);
    expect(parts.every((p) => p.endsWith('。'))).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  it('cuts a sentence that alone is too long', () => {
    const parts = splitText('字'.repeat(25), 10);
    expect(parts).toEqual(['字'.repeat(10), '字'.repeat(10), '字'.repeat(5)]);
  });

  it('uses about 1500 characters by default', () => {
    const parts = splitText('很长的句子。'.repeat(600));
    expect(parts.length).toBe(3);
    expect(parts.every((p) => [...p].length <= 1500)).toBe(true);
  });
});
