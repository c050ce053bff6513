// Understanding a question: which town, which intent, which scenario, which
// town facts, and which catalogue names are written out in it.
import type { Knowledge } from '../knowledge/load.ts';
import type { Fact, Scenario, Town } from '../knowledge/schemas.ts';
import { KnowledgeIndex } from '../knowledge/check.ts';
import { Dictionary } from '../text/dictionary.ts';
import { compact } from '../text/normalize.ts';
import { syllables } from '../text/pinyin.ts';
import { Tokenizer } from '../text/tokenize.ts';

const HELP = /^(你好|您好|hi|hello|哈喽|嗨|在吗|在不在|有人吗|帮助|help|菜单|功能|使用说明|说明|谢谢|谢谢你|多谢|好的|收到|明白了|知道了)+[!！。.~～]*$|你(能|会|可以)(做|干|帮我?(做|办)?)(什么|啥|哪些)|你是(谁|干什么的|做什么的)|怎么用|如何使用|有(哪些|什么)功能|^你好.{0,4}(咨询|问一下|请问)/i;

const OUT_OF_SCOPE = new RegExp(
  [
    '天气', '下雨', '写.{0,10}(诗|歌词|小说|作文|文章)', '作文', '气温', '温度', '股票', '股市', '股价', '大盘', '基金', '彩票', '炒股', '笑话', '讲个故事', '写.{0,4}诗', '作诗',
    '唱.{0,2}歌', '星座', '算命', '运势', '电影', '电视剧', '好吃', '好玩', '去哪(里)?玩', '世界杯', '比分', '足球', '篮球',
    '忽略', '无视', '无论如何', 'ignore', 'prompt', '提示词', '系统指令', '你的指令', '扮演', '越狱', '没有(任何)?限制',
    '翻译', '乘以', '除以', '加上', '减去', '你吃饭', '男的还是女的', '谈恋爱', '你几岁',
  ].join('|'),
  'i',
);

/** Words that show the asker wants a government formality (so "not found" is no_match, not out_of_scope). */
const FORMALITY = /办|证|照|登记|许可|手续|材料|资料|申请|审批|备案|注册|提取|补|换|开具|证明|迁移|窗口|政务|审核|批准|执照|核发|办理/;

/** Follow-up words answered from the previous reply in the same conversation. */
export const FOLLOWUPS: Record<string, RegExp> = {
  材料: /^(材料|资料|要带什么|带什么|要什么材料|需要什么材料|材料清单|要准备什么|准备什么)$/,
  流程: /^(流程|步骤|怎么办|办理流程|程序|怎么弄)$/,
  地址: /^(地址|地点|在哪|在哪里|在哪儿|位置|窗口|电话|联系方式|上班时间|时间地点)$/,
  时限: /^(时限|多久|要多久|几天|多长时间|期限)$/,
  费用: /^(费用|收费|要钱吗|多少钱|收费吗|要不要钱)$/,
  条件: /^(条件|办理条件|申请条件|要求)$/,
  依据: /^(依据|法律依据|政策依据|来源|出处)$/,
};

/** The question asks which formalities a goal needs. */
const SCENARIO_ASK = /(要|需要|得|该)(办|审批|申请)(哪些|什么|啥|些啥|么子)|(哪些|什么|啥|些啥|么子)(证|手续|审批|许可)|办(啥|什么|么子)(证|手续)|审批哪些/;

/** The question is about a service centre itself: a centre noun, or its address, hours or phone. */
const CENTRE_WORDS = /服务中心|政务中心|办事大厅|便民服务|大厅|窗口|地址|上班|几点|办公时间|开门|周末|周六|周日|电话/;
/** The county's own centre is meant (某某县政务服务中心, 市政务中心, 市民中心). */
const COUNTY_CENTRE = /(市|县)(政务服务中心|政务中心|政务大厅|民中心|行政服务中心)/;
/** Where a place-name suffix ends a run of Chinese characters (古港镇, 喇嘛湾镇, 集里街道). */
const PLACE_END = /(镇|乡|街道)/g;
/** Characters that never sit inside a place name here (在镇上, 哪些镇, 可以在乡镇). */
const NOT_PLACE = /[在的能可以办到去上个镇乡街了吗我你他她这那哪些和与从各本每全该要是想问请]/;
/** Words that make a fact keyword of a question (公章 is the 印章 of a fact). */
const FACT_WORDS: [RegExp, string][] = [[/公章|章子/g, '印章']];

/** Stands for "the town's service centre" in town_info replies. */
export const CENTRE_FACT: Fact = { topic: '服务中心', text: '', keywords: [] };

export class Understander {
  private readonly towns: Dictionary<Town>;
  private readonly items: Dictionary<number>;
  private readonly scenarios: Dictionary<Scenario>;
  private readonly scenarioStems: Dictionary<Scenario>;
  /** Character pairs of every item name, alias and synonym (a place name made of them is an item name). */
  private readonly itemGrams = new Set<string>();
  readonly index: KnowledgeIndex;
  private readonly townKeys: string[];
  /** Each fact's compact topic and keywords that can match (computed once, not per question). */
  private readonly factKeys = new Map<Fact, string[]>();
  /** Each fact topic's character pairs (computed once). */
  private readonly topicGrams = new Map<Fact, string[]>();
  /** Each scenario name's and alias's bigrams, in scenario order, for the fuzzy match. */
  private readonly scenarioGrams: { s: Scenario; grams: string[] }[] = [];

  constructor(readonly k: Knowledge) {
    this.index = new KnowledgeIndex(k);
    this.towns = new Dictionary<Town>();
    for (const t of k.regions.towns) for (const key of [t.name, ...t.aliases]) this.towns.add(key, t);
    this.towns.finish();
    this.townKeys = k.regions.towns.flatMap((t) => [t.name, ...t.aliases]).map(compact);
    const itemId = new Map(k.items.map((item, i) => [item.name, i]));
    this.items = new Dictionary<number>();
    k.items.forEach((item, i) => {
      for (const key of [item.name, ...item.aliases]) this.items.add(key, i);
    });
    for (const s of k.synonyms) {
      const id = itemId.get(this.index.item(s.事项)?.name ?? '');
      if (id !== undefined) this.items.add(s.说法, id);
    }
    this.items.finish();
    for (const item of k.items) for (const key of [item.name, ...item.aliases]) for (const g of Understander.bigrams(key)) this.itemGrams.add(g);
    for (const syn of k.synonyms) for (const g of Understander.bigrams(syn.说法)) this.itemGrams.add(g);
    this.scenarios = new Dictionary<Scenario>();
    for (const s of k.scenarios) for (const key of [s.name, ...s.aliases]) this.scenarios.add(key, s);
    // 「办食堂」「搞民宿」「做烧烤店」 say what 开食堂 says.
    for (const s of k.scenarios) {
      for (const key of [s.name, ...s.aliases]) {
        if (!/^开/.test(key)) continue;
        // 「能办药店的证吗」 uses 办 for the formality, so 办 + a shop (店, 部, 房) is not the goal; 办食堂 / 办养殖场 is.
        for (const verb of /(店|部|房|铺)$/.test(key) ? ['搞', '做'] : ['办', '搞', '做']) this.scenarios.add(verb + key.slice(1), s);
      }
    }
    this.scenarios.finish();
    this.scenarioStems = new Dictionary<Scenario>();
    for (const s of k.scenarios) {
      for (const key of [s.name, ...s.aliases]) {
        const stem = compact(key).replace(/^(开|办|建|搞)/, '');
        if (stem.length >= 3) this.scenarioStems.add(stem, s);
      }
    }
    this.scenarioStems.finish();
    for (const s of k.scenarios) for (const key of [s.name, ...s.aliases]) this.scenarioGrams.push({ s, grams: [...Understander.bigrams(key)] });
    for (const t of k.regions.towns) for (const fact of t.facts) this.factKeys.set(fact, this.keysOfFact(fact));
    for (const t of [...k.regions.towns, { facts: k.regions.county.facts }]) for (const fact of t.facts) this.topicGrams.set(fact, [...Understander.bigrams(fact.topic)]);
  }

  private keysOfFact(fact: Fact): string[] {
    return [fact.topic, ...fact.keywords].map(compact).filter((k) => k.length >= 2 && !this.townKeys.some((t) => t.includes(k)));
  }

  /** Towns named in the text, in order of appearance. */
  townsIn(text: string): { town: Town; key: string }[] {
    return this.towns
      .find(compact(text))
      .sort((a, b) => a.start - b.start)
      .map((h) => ({ town: h.value, key: h.key }));
  }

  resolveTown(name: string): Town | null {
    return this.index.town(name) ?? this.townsIn(name)[0]?.town ?? null;
  }

  /** The text with town names removed (they would only add noise to item retrieval). */
  withoutTowns(text: string): string {
    let c = compact(text);
    for (const { key } of this.townsIn(text)) c = c.replace(key, ' ');
    for (const name of this.countyNames) c = c.split(name).join(' ');
    return c;
  }

  /** The county's name and aliases, longest first (stripped from item queries). */
  private get countyNames(): string[] {
    const c = this.k.regions.county;
    return [...new Set([c.name, ...c.aliases].map(compact))].sort((a, b) => b.length - a.length);
  }

  /** A known town whose name sounds like the given place (a homophone typed for a town name), or null. */
  townBySound(place: string): Town | null {
    const stem = (s: string) => compact(s).replace(/(镇|乡|街道)$/, '');
    const sound = syllables(stem(place)).sounds.join(' ');
    if (!sound) return null;
    for (const t of this.k.regions.towns) {
      for (const key of [t.name, ...t.aliases]) {
        const k = stem(key);
        if (k.length >= 2 && syllables(k).sounds.join(' ') === sound) return t;
      }
    }
    return null;
  }

  /** Item ids whose name, alias or synonym is written in the text, longest first, with the matched key. */
  /** Spans [start, end) of the compact text that are item names, aliases or synonyms. */
  itemSpans(text: string): [number, number][] {
    return this.items.find(compact(text)).map((h) => [h.start, h.start + h.key.length]);
  }

  namedItems(text: string): { id: number; key: string }[] {
    const seen = new Set<number>();
    const out: { id: number; key: string }[] = [];
    for (const h of this.items.find(compact(text))) {
      if (seen.has(h.value)) continue;
      seen.add(h.value);
      out.push({ id: h.value, key: h.key });
    }
    return out;
  }

  /**
   * A scenario named in the text — exactly, or (when the question asks what
   * to apply for) with most of a name's character pairs — unless the rest of
   * the text names an item outright (then the item question wins).
   */
  scenario(text: string): Scenario | null {
    // 「开个农药店」「开一家饭店」 say 开农药店, 开饭店.
    const c = compact(text).replace(/(开|办|建|搞)(一)?(个|家|间|座|所)/g, '$1');
    const exact = this.scenarios.find(c)[0];
    let best: { s: Scenario; rest: string } | null = exact
      ? { s: exact.value, rest: c.slice(0, exact.start) + ' ' + c.slice(exact.start + exact.key.length) }
      : null;
    // A loose (bigram) match never overrides an item the question names outright,
    // unless that item is part of the bundle (「盖房子要审批哪些」 is 农村建房).
    if (!best && SCENARIO_ASK.test(c)) {
      const named = this.namedItems(c)
        .filter((n) => n.key.length >= 3)
        .map((n) => this.k.items[n.id]!.name);
      const q = Understander.bigrams(c);
      let top = 0;
      for (const { s, grams } of this.scenarioGrams) {
        if (named.some((name) => !s.items.some((i) => this.index.item(i)?.name === name))) continue;
        const hit = grams.filter((g) => q.has(g));
        const r = grams.length ? hit.length / grams.length : 0;
        if (r >= 0.5 && r > top) {
          top = r;
          let rest = c;
          for (const g of hit) rest = rest.replace(g, ' ');
          best = { s, rest };
        }
      }
    }
    if (!best) return null;
    // After an exact scenario name, any item named outright wins (「拉货的营运证要什么材料」);
    // a loose match already excluded items outside its bundle.
    if (exact && this.namedItems(best.rest).some((n) => n.key.length >= 3)) return null;
    return best.s;
  }

  /**
   * A scenario named exactly together with items outside its bundle
   * (「小卖部要办烟草证」: 开便利店 and 烟草专卖零售许可证核发), or null.
   */
  scenarioWithExtras(text: string): { scenario: Scenario; extras: number[] } | null {
    const c = compact(text).replace(/(开|办|建|搞)(一)?(个|家|间|座|所)/g, '$1');
    // The place without its verb (小卖部 for 开小卖部) counts here, where another item is named too.
    const exact = this.scenarios.find(c)[0] ?? this.scenarioStems.find(c)[0];
    if (!exact) return null;
    const rest = c.slice(0, exact.start) + ' ' + c.slice(exact.start + exact.key.length);
    const bundle = new Set(exact.value.items.map((i) => this.index.item(i)?.name));
    const extras = this.namedItems(rest)
      .filter((n) => n.key.length >= 3 && !bundle.has(this.k.items[n.id]!.name))
      .map((n) => n.id);
    return extras.length ? { scenario: exact.value, extras } : null;
  }

  /** The question asks which formalities a goal needs (要办哪些证, 办什么手续), not about one named licence. */
  asksWhichFormalities(text: string): boolean {
    // 「…卫生许可证去哪办要什么手续」 asks the steps of that licence; 「要办哪些证」 asks for the bundle.
    return /(哪些|什么|啥|些啥|么子|几个|哪几个)(证|许可|审批)|(要|需要|得|该)(办|申请)(哪些|什么|啥|些啥|么子)(?!手续)/.test(compact(text));
  }

  isHelp(text: string): boolean {
    return HELP.test(compact(text) || text.trim());
  }

  isOutOfScope(text: string): boolean {
    return OUT_OF_SCOPE.test(text);
  }

  looksLikeFormality(text: string): boolean {
    return FORMALITY.test(compact(text));
  }

  followup(text: string): string | null {
    const c = compact(text);
    const bare = c.replace(/[吗呢呀啊]$/, '');
    for (const [key, re] of Object.entries(FOLLOWUPS)) if (re.test(c) || re.test(bare)) return key;
    return null;
  }

  /** The county (its centre and facts) in the shape of a town, for town_info replies. */
  countyAsTown(): Town {
    const c = this.k.regions.county;
    return { name: c.name, kind: '镇', aliases: c.aliases, centre: c.centre, facts: c.facts };
  }

  /** The question names the county's own service centre. */
  asksCountyCentre(text: string): boolean {
    return COUNTY_CENTRE.test(compact(text)) || compact(text).includes(compact(this.k.regions.county.centre.name));
  }

  /** Town-like place names in the text that the knowledge does not know (古港镇), or []. */
  unknownPlaces(text: string): string[] {
    const c = compact(text);
    const known = new Set(this.k.regions.towns.flatMap((t) => [t.name, ...t.aliases].map(compact)));
    const out: string[] = [];
    for (const m of c.matchAll(PLACE_END)) {
      // 「镇里」「镇上」 after an item's words (林木采伐镇里能办不) mean the town asked about, not a town called 木采伐镇.
      const generic = /^(里|上|内|这边|那边)/.test(c.slice(m.index + m[0].length));
      if (generic && this.itemGrams.has(c.slice(Math.max(0, m.index - 2), m.index))) continue;
      // 「养猪场镇上」「砖厂镇里」「开民宿乡里」: a business or a document before 镇上 is what is asked about, not a town.
      if (generic && /[场厂店房宿证照馆部铺站社园所业坊]$/.test(c.slice(0, m.index))) continue;
      // Up to three characters before the suffix, dropping any that cannot be in a name (在, 的 …).
      let stem = '';
      for (let i = m.index - 1; i >= 0 && stem.length < 3; i--) {
        const ch = c[i]!;
        if (!/[\u4e00-\u9fff]/.test(ch) || NOT_PLACE.test(ch)) break;
        stem = ch + stem;
      }
      if (stem.length < 2) continue;
      const name = stem + m[0];
      // Known names (or names containing one) are not unknown places.
      if ([...known].some((k) => name.includes(k) || k.includes(name))) continue;
      out.push(name);
    }
    // The county's other townships by a bare name (官渡 for 官渡镇), as the knowledge lists them.
    // The county's own names are taken out first: 乙市 inside 甲乙市 is not 乙市镇.
    const county = this.k.regions.county as { name: string; aliases: string[]; prefecture?: string; province?: string };
    let rest = c;
    for (const own of [county.name, ...county.aliases, county.prefecture, county.province].filter((x): x is string => !!x).map(compact).sort((a, b) => b.length - a.length)) {
      rest = rest.split(own).join(' ');
    }
    for (const place of this.k.regions.county.other_places) {
      if (out.some((o) => o.includes(compact(place.name)) || compact(place.name).includes(o))) continue;
      if ([place.name, ...place.aliases].some((a) => compact(a).length >= 2 && rest.includes(compact(a)))) out.push(place.name);
    }
    return [...new Set(out)];
  }

  /**
   * Town facts that the question asks about, by keyword or topic, strongest
   * first (score: matched characters).
   */
  facts(text: string, towns: Town[]): { town: Town; fact: Fact; score: number; keys: string[] }[] {
    let c = compact(text);
    for (const [re, to] of FACT_WORDS) c = c.replace(re, to);
    const q = Understander.bigrams(c);
    const out: { town: Town; fact: Fact; score: number; keys: string[] }[] = [];
    for (const town of towns) {
      for (const fact of town.facts) {
        const keys = this.factKeys.get(fact) ?? this.keysOfFact(fact);
        // A number keyword (12345, 35) only counts as a whole number, not inside a phone number.
        const matched = keys.filter((k) => (/^\d+$/.test(k) ? new RegExp(`(?<!\\d)${k}(?!\\d)`).test(c) : c.includes(k)));
        if (!matched.length) continue;
        // Most of a longer topic's character pairs (一枚印章管审批 in 一枚印章管多少项审批) add to the score.
        const grams = this.topicGrams.get(fact) ?? [];
        const shared = grams.filter((g) => q.has(g)).length;
        const bonus = grams.length >= 4 && shared / grams.length >= 0.5 ? shared : 0;
        out.push({ town, fact, score: matched.reduce((n, k) => n + k.length, 0) + bonus, keys: matched });
      }
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /** The question asks about a service centre itself (address, hours, windows, phone). */
  asksCentre(text: string): boolean {
    return CENTRE_WORDS.test(compact(text));
  }

  /** Character bigrams of the compact text (query side of the confidence measure). */
  static bigrams(text: string): Set<string> {
    return new Set(Tokenizer.grams(text).filter((g) => g.length === 2));
  }
}
