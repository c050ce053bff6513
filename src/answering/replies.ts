// Replies of the answering decision that are not item cards: declines that
// never repeat the question, partial answers, several items in one question,
// one aspect of an item, small talk. Only knowledge fields state facts here.
import type { Knowledge, ListEntry } from '../knowledge/load.ts';
import type { Item, Town } from '../knowledge/schemas.ts';
import { isEnforcement, modeLabel, modeSentence, notRecorded } from '../knowledge/facts.ts';
import { MAX_MAIN_REPLY, type Composer } from './compose.ts';
import { askDepartment, type Aspect, type SmallTalk } from './intent.ts';

const clip = (s: string): string => (s.length <= MAX_MAIN_REPLY ? s : `${s.slice(0, MAX_MAIN_REPLY - 1)}…`);

export class Replies {
  constructor(
    private readonly k: Knowledge,
    private readonly composer: Composer,
    private readonly availability: Map<string, Map<string, ListEntry>>,
  ) {}

  private get hotline(): string | undefined {
    return this.k.regions.county.hotline;
  }

  /** An example question built from this knowledge (first town, first item on its list). */
  example(): string {
    const town = this.k.regions.towns[0];
    const entry = town ? this.k.lists.get(town.name)?.[0] : undefined;
    const item = entry?.事项名称 ?? this.k.items[0]?.name ?? '营业执照';
    return `${town?.name ?? ''}能办${item}吗`;
  }

  /** Where to ask about an item: its department with level and place, and the hotline. */
  whereToAsk(item: Item): string {
    const e = this.composer.elsewhere(item);
    // The level and place only as recorded (县级, 某窗口); nothing is filled in.
    const about = [e.levelName, e.where ? e.where : '办理地点知识库未记录'].filter(Boolean).join('，');
    return `可以咨询${e.who}（${about}）${this.hotline ? `，或拨打 ${this.hotline} 政务服务便民热线` : ''}。`;
  }

  /** Nothing in the knowledge fits: say so without repeating the question (it may hold a name or address). */
  noMatch(near: Item[] = []): string {
    return [
      '抱歉，知识库里没有找到与您的问题相符的事项，我不想乱答。',
      near.length ? `相近的事项有：${near.slice(0, 3).map((i) => `「${i.name}」`).join('、')}，如果是其中之一，请写出名称再问我。` : '您可以换个说法，写出证照或事项的名称再问我；',
      this.wayOn('也可以'),
    ].join('\n');
  }

  /** The way on when the knowledge cannot answer: the hotline if the county has one, and a human. */
  wayOn(lead: '也可以' | '请' | '具体请'): string {
    if (lead === '也可以') return this.hotline ? `也可以拨打 ${this.hotline} 政务服务便民热线，或回复「人工」请工作人员联系您。` : '也可以回复「人工」，请工作人员联系您。';
    return this.hotline ? `${lead}拨打 ${this.hotline} 政务服务便民热线咨询，或回复「人工」请工作人员联系您。` : `${lead}回复「人工」，请工作人员联系您。`;
  }

  /** Something the knowledge lists as not held here (not_held.csv), with where such things are done when it says. */
  notHeld(row: { 说法: string; 说明: string; 去向: string }): string {
    return [
      `抱歉，知识库里没有「${row.说明 || row.说法}」的办理信息，我不能乱说。`,
      row.去向 ? `这类事项一般由${row.去向}办理，具体请向他们咨询。` : '',
      this.wayOn('也可以'),
    ]
      .filter(Boolean)
      .join('\n');
  }

  /** The question names something like an item the knowledge does not have (食品生产许可 vs 食品经营许可). */
  nearName(asked: string, have: Item): string {
    return [
      `您问的是「${asked}」吗？知识库里没有这一项，只有「${have.name}」，两者不是同一个事项。`,
      `「${asked}」的办理${this.whereToAsk(have).replace(/^可以/, '请')}`,
      `如果您要办的其实是「${have.name}」，请回复「${have.name}」。`,
    ].join('\n');
  }

  /** The item is known but the asked part (tax rate, penalty …) is not in the knowledge. */
  partial(item: Item, unheld: string, town: Town | null): string {
    const at = this.availability.get(item.name);
    const where = town
      ? at?.has(town.name)
        ? `${town.name}可以办理`
        : `${town.name}不能办理`
      : at?.size
        ? `可以在 ${this.k.regions.towns.filter((t) => at.has(t.name)).map((t) => t.name).join('、')} 办理`
        : '没有下放到镇（街道）';
    return clip(
      [
        `ℹ️ 知识库里有「${item.name}」的办理信息（${where}），但没有您问的${unheld}，我不能乱说。`,
        askDepartment(unheld)
          ? `${unheld}请${this.whereToAsk(item).replace(/^可以/, '')}`
          : this.hotline ? `${unheld}请拨打 ${this.hotline} 政务服务便民热线咨询。` : `${unheld}请向主管税务的部门咨询。`,
        `想了解「${item.name}」怎么办，回复「材料」「流程」「地址」。`,
      ].join('\n'),
    );
  }

  /** The asked part is not in the knowledge and no item fits either. */
  unheldOnly(unheld: string): string {
    return [
      `抱歉，知识库里没有${unheld}方面的内容，我不能乱说。`,
      this.wayOn('请'),
    ].join('\n');
  }

  /** An action the knowledge has no item for (补办、年报、延续 of a licence). */
  actionMissing(item: Item, action: string, town: Town | null): string {
    return this.partial(item, `「${action}」的办理信息`, town).replace(/没有您问的「/, '没有「');
  }

  /** One line per item, each with its own status at the town. */
  several(items: Item[], town: Town | null, heading?: string): string {
    const lines = items.map((item, i) => {
      const at = this.availability.get(item.name) ?? new Map<string, ListEntry>();
      const e = this.composer.elsewhere(item);
      if (item.abolished) return `${i + 1}. ℹ️「${item.name}」已于 ${item.abolished.date} 取消，不用再办理。`;
      if (town) {
        const entry = at.get(town.name);
        return entry
          ? `${i + 1}. ✅ ${town.name}可以办理「${item.name}」${modeLabel(entry) ? `（${modeLabel(entry)}）` : ''}。`
          : `${i + 1}. ❌ ${town.name}不能办理「${item.name}」，请到${e.who}（${e.where ?? '地点知识库未记录'}）。`;
      }
      const towns = this.k.regions.towns.filter((t) => at.has(t.name)).map((t) => t.name);
      return towns.length
        ? `${i + 1}. ✅「${item.name}」可以在 ${towns.join('、')} 办理。`
        : `${i + 1}. ❌「${item.name}」没有下放到镇（街道），请到${e.who}（${e.where ?? '地点知识库未记录'}）。`;
    });
    const head = heading ?? `您问了 ${items.length} 个事项${town ? `（按${town.name}）` : ''}：`;
    const tail = town ? '想看某一项的材料和流程，请单独问那一项；需要帮办代办请回复「代办」。' : '告诉我您在哪个镇（街道），我再告诉您具体地点。';
    const out = [head, ...lines];
    while (out.length > 2 && [...out, tail].join('\n').length > MAX_MAIN_REPLY) out.splice(out.length - 1, 1);
    return [...out, tail].join('\n');
  }

  /** Online / in person / who decides: read from the item and the town's list entry. */
  aspectLine(aspect: Aspect, item: Item, town: Town | null, entry: ListEntry | undefined): string | null {
    const head = `「${item.name}」`;
    if (aspect === 'online') {
      // What the knowledge does not record is said to be unrecorded, never defaulted.
      if (item.online === undefined && item.mobile === undefined) return `${head}${notRecorded('能否网上办', this.composer.askFor(item, town))}。`;
      const parts = [
        item.online === undefined ? '' : item.online === '仅窗口办理' ? '需要到窗口办理，不能网上办' : `办理方式：${item.online}`,
        item.mobile ? '手机上也可以办' : '',
      ];
      return `${head}${parts.filter(Boolean).join('，')}。`;
    }
    if (aspect === 'visits') {
      if (item.visits === undefined) return `${head}要跑几次、是否必须本人到场，知识库里没有写明，请向${this.composer.askFor(item, town)}咨询；不方便跑可以回复「代办」申请帮办代办（免费）。`;
      return `${head}${item.visits === 0 ? '一次不用跑' : `最多跑${item.visits}次`}（知识库没有写明是否必须本人到场）；不方便跑可以回复「代办」申请帮办代办（免费）。`;
    }
    if (aspect === 'who') {
      // An enforcement power's card already says who exercises it; nobody applies for it at a place.
      if (isEnforcement(item)) return null;
      const e = this.composer.elsewhere(item);
      if (town && entry) {
        const mode = modeSentence(this.k.regions, entry, e.who);
        return `${head}在${town.name}：${mode ?? `下放方式知识库未记录，请向${this.composer.askFor(item, town)}咨询`}；主管部门：${e.who}。`;
      }
      return `${head}由${e.who}${e.levelName ? `（${e.levelName}）` : ''}负责，${this.composer.placeOf(e)}。`;
    }
    return null;
  }

  smallTalk(kind: SmallTalk): string {
    if (kind === 'thanks') return '不客气！还有其他事项要问，随时找我。';
    if (kind === 'bye') return '好的，再见！有事随时找我。';
    return '好的，有需要随时问我。';
  }

  foreign(): string {
    return `请用中文提问，例如：「${this.example()}」。`;
  }
}
