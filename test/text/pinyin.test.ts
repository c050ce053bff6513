import { describe, expect, it } from 'vitest';
import { HomophoneIndex, homophoneEntry, syllables } from '../../src/text/pinyin.ts';

const index = new HomophoneIndex(
  [
    ['环评', 1],
    ['营运证', 2],
    ['个体户注销', 3],
    ['砍树', 4],
    ['食品经营许可', 5],
  ].map(([k, id]) => homophoneEntry(k as string, id as number)!),
);

describe('homophone correction', () => {
  it('reads names typed with a homophone as the name', () => {
    expect(index.correct('大瑶镇环平备案能办吗')).toBe('大瑶镇环评备案能办吗');
    expect(index.correct('货车营运正在哪办')).toBe('货车营运证在哪办');
    expect(index.correct('永安镇个体户注消要带什么')).toBe('永安镇个体户注销要带什么');
    expect(index.correct('事品经营许可')).toBe('食品经营许可');
  });

  it('leaves correct text and unrelated words that merely sound alike alone', () => {
    expect(index.correct('环评备案')).toBeNull();
    expect(index.correct('我想看书')).toBeNull(); // 看书 sounds like 砍树 but shares no character
  });

  it('aligns one syllable per character and understands Traditional input', () => {
    expect(syllables('環評').sounds).toEqual(['huan', 'ping']);
    expect(homophoneEntry('KTV许可证', 9)).toBeNull();
  });
});
