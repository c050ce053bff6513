import { describe, expect, it } from 'vitest';
import type { ItemDoc } from '../../src/retrieval/documents.ts';
import { LexicalIndex } from '../../src/retrieval/lexical.ts';
import { Tokenizer } from '../../src/text/tokenize.ts';

const docs: ItemDoc[] = [
  { id: 0, name: '食品经营许可', alias: '餐饮许可证', department: '市场监督管理局', body: '开饭店 申请书 营业执照' },
  { id: 1, name: '药品零售企业经营许可', alias: '药店许可证', department: '市场监督管理局', body: '药店 执业药师' },
  { id: 2, name: '林木采伐许可证核发', alias: '砍树', department: '林业局', body: '林权证 采伐' },
  { id: 3, name: '道路货物运输经营许可', alias: '运输许可证', department: '交通运输局', body: '货车 驾驶员' },
];
const tokenizer = new Tokenizer(docs.flatMap((d) => [d.name, ...d.alias.split(' ')]));

describe('BM25 lexical index', () => {
  it('ranks the item whose name carries the rare words first, and common words alone decide little', () => {
    const index = LexicalIndex.build(docs, tokenizer);
    expect(index.search('药店许可证怎么办')[0]!.id).toBe(1);
    expect(index.search('砍树要办证吗')[0]!.id).toBe(2);
    expect(index.search('食品经菅许可')[0]!.id).toBe(0); // a typo still overlaps by bigrams
    const common = index.search('许可');
    expect(common.length).toBeGreaterThan(1);
    expect(common[0]!.score).toBeLessThan(index.search('林木采伐')[0]!.score);
    expect(index.search('的 了 吗')).toEqual([]);
  });

  it('gives the same results after saving and loading', () => {
    const index = LexicalIndex.build(docs, tokenizer);
    const loaded = LexicalIndex.load(index.toJSON(), tokenizer);
    for (const q of ['药店许可证', '货车运输', '开饭店要什么', '林权证']) expect(loaded.search(q)).toEqual(index.search(q));
    expect(() => LexicalIndex.load('{"documentCount": 1}', tokenizer)).toThrow(/rebuild/);
  });
});
