// Fixed-template replies composed only from knowledge fields: no wording in
// here may state a fact (name, time, fee, address, phone) that the knowledge
// base does not hold.
import type { Knowledge, ListEntry } from '../knowledge/load.ts';
import type { KnowledgeIndex } from '../knowledge/check.ts';
import type { Fact, Item, Scenario, TimeLimit, Town } from '../knowledge/schemas.ts';
import {
  askWhere,
  centreText,
  channelText,
  enforcementLines,
  feeText,
  inactiveLine,
  isEnforcement,
  levelWord,
  modeLabel,
  modeSentence,
  notRecorded,
  placeLine,
} from '../knowledge/facts.ts';

export const MAX_MAIN_REPLY = 350;

export interface Composed {
  answer: string;
  followups: Record<string, string>;
}

export const limitText = (t: TimeLimit | undefined): string | null =>
  t === undefined ? null : t === '即办' ? '即办（当场办结）' : `${t}个工作日`;

export function timeText(item: Item): string | null {
  const promised = limitText(item.promised_limit);
  const legal = limitText(item.legal_limit);
  if (promised && legal) return `承诺${promised}，法定${legal}`;
  if (promised) return `承诺${promised}`;
  if (legal) return `法定${legal}`;
  return null;
}

const visitsText = (item: Item): string | null =>
  item.visits === undefined ? null : item.visits === 0 ? '一次不用跑' : `最多跑${item.visits}次`;

const list = (xs: string[], max: number): string =>
  xs.length <= max ? xs.join('、') : `${xs.slice(0, max).join('、')}等${xs.length}项`;

/** Shortens a reply to the limit at a line boundary, keeping the last (follow-up hint) line. */
function fit(lines: string[], hint: string): string {
  const out = [...lines];
  while (out.length > 1 && [...out, hint].join('\n').length > MAX_MAIN_REPLY) out.splice(out.length - 1, 1);
  return [...out, hint].filter(Boolean).join('\n');
}

export class Composer {
  constructor(
    private readonly k: Knowledge,
    private readonly idx: KnowledgeIndex,
    private readonly availability: Map<string, Map<string, ListEntry>>,
    private readonly botName: string,
  ) {}

  /** An example question built from this knowledge (first town, first item on its list). */
  private get example(): string {
    const town = this.k.regions.towns[0]!;
    const entry = this.k.lists.get(town.name)?.[0];
    const item = entry ? this.idx.item(entry.事项名称)?.name : this.k.items[0]?.name;
    return `${town.name}能办${item ?? '营业执照'}吗`;
  }

  /** An example scenario question, when the knowledge has scenarios. */
  private get scenarioExample(): string | null {
    const s = this.k.scenarios[0];
    return s ? `${s.aliases[0] ?? s.name}要办哪些证` : null;
  }

  private get hotline(): string | undefined {
    return this.k.regions.county.hotline;
  }

  guideFor(item: Item, town: string | null) {
    const guides = this.k.guides.filter((g) => this.idx.item(g.item)?.name === item.name);
    return guides.find((g) => g.town === town) ?? guides.find((g) => !g.town) ?? guides[0];
  }

  /** Where to go when a town cannot handle the item. */
  elsewhere(item: Item): { who: string; where?: string; note?: string; level: string; levelName?: string } {
    // `level` is the bracketed note for the reply: （省级审批）, （某市级审批） or ''.
    // `where` only as recorded (the item's elsewhere.place or the department's place): never the county centre by default.
    const dept = this.idx.department(item.elsewhere?.department ?? item.department);
    const who = dept?.name ?? item.elsewhere?.department ?? item.department;
    const where = item.elsewhere?.place ?? dept?.place;
    return { who, ...(where ? { where } : {}), note: item.elsewhere?.note, level: levelWord(dept, this.k.regions), ...(dept?.level ? { levelName: dept.level } : {}) };
  }

  /** Where to ask about an item's unrecorded facts: town centre phone, hotline, the town, else the item's department. */
  askFor(item: Item, town: Town | null): string {
    return askWhere(this.k.regions, town, this.elsewhere(item).who);
  }

  /** Where to ask when the department's place is not recorded: the hotline if any, else the department itself. */
  askPlace(who: string): string {
    return this.hotline ? `${who}或拨打 ${this.hotline} 政务服务便民热线` : who;
  }

  /** 「地点：…」 as recorded, or that the place is not recorded and whom to ask. */
  placeOf(e: { who: string; where?: string }): string {
    return e.where ? `地点：${e.where}` : notRecorded('办理地点', this.askPlace(e.who));
  }

  private details(item: Item, town: Town | null, entry: ListEntry | undefined): Record<string, string> {
    const f: Record<string, string> = {};
    const head = `「${item.name}」`;
    f['材料'] = item.materials.length
      ? `${head}需要准备的材料：\n${item.materials.map((m, i) => `${i + 1}. ${m}`).join('\n')}`
      : `${head}的材料清单知识库未记录，请向${this.askFor(item, town)}咨询。`;
    f['流程'] = item.steps.length
      ? `${head}办理流程：\n${item.steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}`
      : `${head}的办理流程知识库未记录，请向${this.askFor(item, town)}咨询。`;
    if (town && entry) {
      const window = entry.窗口 ? `\n窗口：${entry.窗口}` : '';
      f['地址'] = `${centreText(town.centre, this.hotline)}${window}`;
    } else {
      const e = this.elsewhere(item);
      f['地址'] = `${head}办理部门：${e.who}\n${this.placeOf(e)}${e.note ? `\n${e.note}` : ''}` +
        (this.hotline ? `\n咨询电话：${this.hotline} 政务服务便民热线` : '');
    }
    const t = timeText(item);
    f['时限'] = `${head}${t ? `办理时限：${t}。` : '的时限知识库里暂时没有。'}帮办代办不额外增加时间。`;
    f['费用'] = `${head}${feeText(item, this.askFor(item, town))}。帮办代办免费。`;
    if (item.conditions.length) f['条件'] = `${head}办理条件：\n${item.conditions.map((c, i) => `${i + 1}. ${c}`).join('\n')}`;
    const guide = this.guideFor(item, town?.name ?? null);
    const basis = item.basis ? `依据：${item.basis}` : '';
    const src = [
      item.code ? `事项编码：${item.code}` : '',
      entry?.承办机构 ? `承办机构：${entry.承办机构}` : '',
      entry ? `来源：${entry.town}下放清单（${entry.批次 ? `${entry.批次}，` : ''}第${entry.序号}项）` : '',
      guide ? `办事指南：${guide.source}，${guide.updated} 更新` : '',
    ].filter(Boolean);
    f['依据'] = [head, basis, ...src].filter(Boolean).join('\n');
    if (item.notes.length) f['注意'] = `${head}温馨提示：\n${item.notes.join('\n')}`;
    return f;
  }

  private hint(followups: Record<string, string>, proxy = true): string {
    const keys = ['材料', '流程', '地址'].filter((k) => followups[k]);
    return `回复「${keys.join('」「')}」查看详情${proxy ? '；需要帮办代办请回复「代办」' : ''}。`;
  }

  /** The item is available at the town. */
  answered(item: Item, town: Town, entry: ListEntry): Composed {
    const dept = this.idx.department(item.department)?.name ?? item.department;
    const f = this.details(item, town, entry);
    const guide = this.guideFor(item, town.name);
    const source = `来源：${town.name}${isEnforcement(item) ? '清单' : '下放清单'}${entry.批次 ? `（${entry.批次}）` : ''}${guide ? `；指南 ${guide.updated} 更新` : ''}。`;
    if (isEnforcement(item)) {
      const lines = [`✅ ${town.name}负责「${item.name}」。`, ...enforcementLines(item, town, entry, this.k.regions, dept), item.basis ? `依据：${item.basis}` : '', source];
      return { answer: fit(lines.filter(Boolean), '回复「依据」查看出处。'), followups: f };
    }
    const mode = modeSentence(this.k.regions, entry, dept);
    const label = modeLabel(entry);
    const lines = [
      `✅ ${town.name}可以办理「${item.name}」${label ? `（${label}）` : ''}${mode ? `：${mode}` : ''}。`,
      entry.承办机构 ? `承办机构：${entry.承办机构}` : '',
      placeLine(town.centre, entry.窗口 || undefined),
      [timeText(item), feeText(item, this.askFor(item, town)), visitsText(item), channelText(item)].filter(Boolean).join('；') + '。',
      item.materials.length ? `主要材料：${list(item.materials, 3)}。` : '',
      item.notes[0] ? `提示：${item.notes[0]}` : '',
      source,
    ].filter(Boolean);
    return { answer: fit(lines, this.hint(f)), followups: f };
  }

  /** No town given: which towns can, which cannot. */
  answeredAnyTown(item: Item): Composed {
    const at = this.availability.get(item.name) ?? new Map();
    const towns = this.k.regions.towns.filter((t) => at.has(t.name));
    // Only towns with a list can be said not to do it; a town without one is unknown, not "no".
    const others = this.k.regions.towns.filter((t) => !at.has(t.name) && !!this.k.lists.get(t.name)?.length);
    const e = this.elsewhere(item);
    const f = this.details(item, null, undefined);
    const modes = [...new Set(towns.map((t) => modeLabel(at.get(t.name)!)).filter((m): m is string => !!m))];
    const enforcement = isEnforcement(item);
    const lines = [
      enforcement
        ? `✅「${item.name}」（${item.type}）由 ${towns.map((t) => t.name).join('、')} 负责实施，不需要群众申请办理。`
        : `✅「${item.name}」可以在 ${towns.map((t) => t.name).join('、')} 办理${modes.length ? `（${modes.join('、')}）` : ''}。`,
      others.length && !enforcement ? `${others.map((t) => t.name).join('、')}不能办，可就近到上述镇办理，或到${e.who}（${e.where ?? '办理地点知识库未记录'}）办理。` : '',
      enforcement ? '' : [timeText(item), feeText(item, this.askFor(item, null)), channelText(item)].filter(Boolean).join('；') + '。',
      item.materials.length ? `主要材料：${list(item.materials, 3)}。` : '',
      item.notes[0] ? `提示：${item.notes[0]}` : '',
      '告诉我您在哪个镇（街道），我再告诉您具体地点和窗口。',
    ].filter(Boolean);
    return { answer: fit(lines, this.hint(f)), followups: f };
  }

  /** The town (or, with no town, every town) cannot handle the item. */
  notAtTown(item: Item, town: Town | null): Composed {
    const at = this.availability.get(item.name) ?? new Map();
    const towns = this.k.regions.towns.filter((t) => at.has(t.name));
    const e = this.elsewhere(item);
    const f = this.details(item, null, undefined);
    const gone = town ? this.k.inactive.get(town.name)?.find((x) => this.idx.item(x.事项名称)?.name === item.name) : undefined;
    if (isEnforcement(item) && !gone) {
      // Nobody applies for an enforcement power: say who exercises it, not where to apply.
      const lines = [
        `ℹ️「${item.name}」是${item.type}事项，${town ? `不在${town.name}的清单里，` : ''}由${e.who}负责。`,
        towns.length ? `已交由镇（街道）实施的：${towns.map((t) => t.name).join('、')}。` : '',
        item.basis ? `依据：${item.basis}` : '',
      ].filter(Boolean);
      return { answer: fit(lines, '回复「依据」查看出处。'), followups: f };
    }
    const lines = [
      gone
        ? inactiveLine(gone, item.name, e.who)
        : town
          ? `❌ ${town.name}暂不能办理「${item.name}」。`
          : `❌「${item.name}」没有下放到镇（街道）办理。`,
      towns.length ? `可以办的镇（街道）：${towns.map((t) => t.name).join('、')}，可就近前往。` : '',
      `也可以到：${e.who}${e.level}，${this.placeOf(e)}。`,
      e.note ?? '',
      [timeText(item), feeText(item, this.askFor(item, town))].filter(Boolean).join('；') + '。',
      '不方便跑的话，可以申请帮办代办（免费）：回复「代办」。',
    ].filter(Boolean);
    return { answer: fit(lines, this.hint(f, false)), followups: f };
  }

  abolished(item: Item): Composed {
    const a = item.abolished!;
    const answer = [`ℹ️「${item.name}」已于 ${a.date} 取消，不用再办理。`, `依据：${a.basis}`, `现在：${a.now}`].join('\n');
    return { answer, followups: { 依据: `「${item.name}」取消依据：${a.basis}` } };
  }

  scenario(s: Scenario, items: Item[], town: Town | null): Composed {
    const lines = [`「${s.name}」一般要办 ${items.length} 件事${town ? `（按${town.name}）` : ''}：`];
    items.forEach((item, i) => {
      const at = this.availability.get(item.name) ?? new Map<string, ListEntry>();
      let where: string;
      if (town) where = at.has(town.name) ? `${town.name}可办` : `${town.name}不能办，到${this.elsewhere(item).who}`;
      else {
        const towns = this.k.regions.towns.filter((t) => at.has(t.name)).map((t) => t.name);
        where = towns.length ? `${towns.join('、')}可办` : `到${this.elsewhere(item).who}`;
      }
      const t = limitText(item.promised_limit);
      lines.push(`${i + 1}. ${item.name}——${where}${t ? `，承诺${t}` : ''}`);
    });
    if (s.note) lines.push(s.note);
    const followups: Record<string, string> = {
      材料: items
        .map((item) => `「${item.name}」：${item.materials.length ? item.materials.join('、') : '知识库暂无材料清单'}`)
        .join('\n'),
      时限: items.map((item) => `「${item.name}」：${timeText(item) ?? '知识库暂无时限'}`).join('\n') + '\n帮办代办不额外增加时间。',
      费用: items.map((item) => `「${item.name}」：${item.fee ?? `知识库未记录，请向${this.askFor(item, town)}咨询`}`).join('\n') + '\n帮办代办免费。',
    };
    if (town) followups['地址'] = centreText(town.centre, this.hotline);
    return { answer: fit(lines, '回复「材料」查看各项材料；回复「代办」可一次申请帮办全部事项（免费）。'), followups };
  }

  townInfo(hits: { town: Town; fact: Fact }[]): Composed {
    const lines: string[] = [];
    const followups: Record<string, string> = {};
    for (const { town, fact } of hits.slice(0, 3)) {
      if (fact.topic === '服务中心' && !fact.text) {
        const c = town.centre;
        lines.push(centreText(c, this.hotline));
        if (c.windows?.length) lines.push(`共 ${c.windows.length} 个窗口：${list(c.windows.map((w) => w.name), 4)}`);
        followups['地址'] = centreText(c, this.hotline);
      } else {
        lines.push(`【${town.name}·${fact.topic}】${fact.text}`);
        followups['地址'] = centreText(town.centre, this.hotline);
      }
    }
    return { answer: fit([...new Set(lines)], `想知道某个事项能不能在镇上办，直接问我，例如「${this.example}」。`), followups };
  }

  /** A place the knowledge has no list for: say which places it covers. */
  unknownPlace(place: string): string {
    const towns = this.k.regions.towns.map((t) => t.name).join('、');
    return [
      `抱歉，我这里没有「${place}」的下放事项清单，不能告诉您那里能不能办。`,
      `目前能查的是：${towns}，以及${this.k.regions.county.centre.name}。`,
      this.hotline ? `其他地方的事项请拨打 ${this.hotline} 政务服务便民热线咨询。` : '',
    ]
      .filter(Boolean)
      .join('\n');
  }

  noMatch(question: string): string {
    const q = question.length > 20 ? `${question.slice(0, 20)}…` : question;
    return [
      `抱歉，知识库里没有找到与「${q}」相符的事项，我不想乱答。`,
      '您可以：换个说法，写出证照或事项的名称再问我；',
      this.hotline ? `或拨打 ${this.hotline} 政务服务便民热线；` : '',
      '也可以回复「人工」，请工作人员联系您。',
    ]
      .filter(Boolean)
      .join('\n');
  }

  outOfScope(): string {
    return `这个问题我帮不上忙。我是${this.botName}，只解答${this.k.regions.county.name}各镇（街道）的政务服务事项：能不能在镇上办、去哪办、带什么材料、多久办好、收不收费，还可以帮您申请帮办代办。`;
  }

  help(): string {
    const towns = this.k.regions.towns.map((t) => t.name).join('、');
    return [
      `您好，我是${this.botName}，可以帮您：`,
      `1. 查事项能不能在镇上办（${towns}），去哪办、带什么、多久、收不收费；`,
      this.scenarioExample ? `2. 查“一件事”要办哪些证，例如「${this.scenarioExample}」；` : '2. 查“一件事”要办哪些证；',
      '3. 申请帮办代办：回复「代办」，工作人员免费帮您跑；',
      '4. 查进度：回复「我的代办」。',
      `试试问我：「${this.example}」。`,
    ].join('\n');
  }
}
