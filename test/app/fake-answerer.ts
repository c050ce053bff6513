// A small, honest Answerer for tests: a few towns (short and Traditional names
// resolve), two items, one scenario; follow-ups from the topic passed in
// (stateless, as the pipeline asks) or by conversation (compatibility path).
import type { AnswerResult, Answerer, AskOptions } from '../../src/answering/types.ts';
import { toSimplified } from '../../src/text/normalize.ts';

const TOWNS = ['永安镇', '大瑶镇', '镇头镇', '淮川街道'];
const ITEMS = [
  { name: '食品经营许可', keys: ['食品经营', '食品'], towns: ['永安镇', '大瑶镇'] },
  { name: '道路货物运输经营许可', keys: ['营运证', '道路运输', '货车'], towns: ['大瑶镇'] },
];
const SCENARIO = { name: '我要开餐馆', keys: ['开餐馆', '开饭店'], items: ['食品经营许可', '道路货物运输经营许可'] };

export class FakeAnswerer implements Answerer {
  readonly asked: { text: string; opts?: AskOptions }[] = [];
  private readonly last = new Map<string, AnswerResult>();
  /** Results by their topic's items: what a topic passed back refers to (the fake's knowledge, not a memory of people). */
  private readonly byTopic = new Map<string, AnswerResult>();

  towns() {
    return [...TOWNS];
  }

  resolveTown(name: string): string | null {
    const n = toSimplified(name.trim());
    if (!n) return null;
    return TOWNS.find((t) => t === n || t.replace(/(镇|街道)$/, '') === n) ?? null;
  }

  private townIn(text: string): string | null {
    const t = toSimplified(text);
    for (const town of TOWNS) {
      if (t.includes(town) || t.includes(town.replace(/(镇|街道)$/, ''))) return town;
    }
    return null;
  }

  async ask(text: string, opts?: AskOptions): Promise<AnswerResult> {
    this.asked.push({ text, opts });
    const t = toSimplified(text);
    const prev =
      opts?.topic !== undefined
        ? opts.topic
          ? this.byTopic.get(opts.topic.items.join('、'))
          : undefined
        : opts?.conversation
          ? this.last.get(opts.conversation)
          : undefined;
    if (prev && prev.followups[t.trim()]) return { ...prev, answer: prev.followups[t.trim()]! };
    const town = this.townIn(t) ?? (opts?.boundTown ? this.resolveTown(opts.boundTown) : null);
    if (t.includes('长回复')) {
      const line = '这是一段很长的说明文字，用来检查回复会不会按句子拆开发送。';
      return this.result('answered', town, [], Array.from({ length: 120 }, () => line).join(''));
    }
    if (SCENARIO.keys.some((k) => t.includes(k))) {
      const r = this.result(
        'scenario',
        town,
        SCENARIO.items.map((item) => ({ item, town, atTown: true, score: 1 })),
        `${SCENARIO.name}要办：${SCENARIO.items.join('、')}。`,
      );
      r.scenario = SCENARIO.name;
      return this.keep(opts, r);
    }
    const item = ITEMS.find((i) => t.includes(i.name) || i.keys.some((k) => t.includes(k)));
    if (!item) return this.result('no_match', town, [], '没有找到相关事项，请换个说法，或回复「人工」。');
    const atTown = town ? item.towns.includes(town) : true;
    const answer = town
      ? atTown
        ? `${town}可以办理${item.name}。`
        : `${town}不能办理${item.name}，可以到：${item.towns.join('、')}。`
      : `${item.name}可以在这些乡镇办理：${item.towns.join('、')}。`;
    const r = this.result(town && !atTown ? 'not_at_town' : 'answered', town, [{ item: item.name, town, atTown, score: 0.9 }], answer);
    r.followups = { 材料: `${item.name}的材料：申请书、营业执照。` };
    return this.keep(opts, r);
  }

  private keep(opts: AskOptions | undefined, r: AnswerResult): AnswerResult {
    r.topic = { items: [...new Set(r.matches.map((m) => m.item))], town: r.town, ...(r.scenario ? { scenario: r.scenario } : {}) };
    this.byTopic.set(r.topic.items.join('、'), r);
    if (opts?.topic === undefined && opts?.conversation) this.last.set(opts.conversation, r);
    return r;
  }

  private result(status: AnswerResult['status'], town: string | null, matches: AnswerResult['matches'], answer: string): AnswerResult {
    return { status, town, matches, answer, followups: {}, path: { kind: 'template' } };
  }
}

/** An answerer whose ask always fails (a broken core). */
export class ThrowingAnswerer extends FakeAnswerer {
  override async ask(): Promise<AnswerResult> {
    throw new Error('index exploded');
  }
}
