// The answering decision for one question on one index snapshot: which
// status, which items, which reply. Stateless: what the previous turn was
// about comes in as ctx.topic and what this one is about goes out as
// result.topic.
import type { ListEntry } from '../knowledge/load.ts';
import type { Item, Town } from '../knowledge/schemas.ts';
import { maskPersonalData, withoutOwnNumbers } from '../privacy/pii.ts';
import { compact, normalize } from '../text/normalize.ts';
import type { Composed } from './compose.ts';
import type { Snapshot } from './index-holder.ts';
import {
  actionOf,
  actionOfItem,
  ASPECT_DETAIL,
  ASPECT_FIELD,
  aspectOf,
  followupRest,
  heldNote,
  isComplaint,
  isForeign,
  notCovered,
  isOnlyFiller,
  rewriteQuery,
  smallTalk,
  statesLightTruck,
  statesStorage,
  unheldAspect,
  type Aspect,
} from './intent.ts';
import type { Candidate, RetrievalHints, RetrieveOptions } from './retrieve.ts';
import { FACT_ANY_TOWN, FACT_STRONG, MIN_CONFIDENCE, NAMED_OUTRIGHT, WHICH_NEEDS_NAMED } from './thresholds.ts';
import type { AnswerContext, AnswerResult, Match, Topic } from './types.ts';
import { CENTRE_FACT } from './understand.ts';

/**
 * An item note that exempts the case the question describes: a note with a
 * weight threshold (「总质量4.5吨及以下…不需要办理」) when the question gives a
 * weight at or under it (「4吨的货车」「四吨」).
 */
export function exemptionFor(item: Item, question: string): string | null {
  const asked = /(\d+(?:\.\d+)?|[一二两三四五六七八九十])\s*(?:吨|t\b|T\b)/.exec(question);
  if (!asked) return null;
  const CN: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };
  const weight = /^\d/.test(asked[1]!) ? Number(asked[1]) : CN[asked[1]!]!;
  for (const note of item.notes) {
    const m = /(\d+(?:\.\d+)?)\s*吨及以下/.exec(note);
    if (m && /不需要|无需|不用|免于|不再/.test(note) && weight > 0 && weight <= Number(m[1])) return note;
  }
  return null;
}

/** A note of the item with a weight threshold (for a truck described by plate or length, not weight). */
const weightNote = (item: Item): string | null => item.notes.find((n) => /吨及以下/.test(n) && /不需要|无需|不用|免于/.test(n)) ?? null;

/** A note of the item about storage (仓储, 储存设施). */
const storageNote = (item: Item): string | null => item.notes.find((n) => /储存|仓储|仓库/.test(n)) ?? null;

/** Document-like names in a question (食品生产许可证), longest first. */
const DOC_NAME = /[\u4e00-\u9fff]{2,8}?(许可证|许可|执照|证|登记|备案|审批)/g;

/** Words around several items that show they are asked together. */
const TOGETHER = /和|与|跟|以及|还有|及|、|，|,|都|也|分别|两个|几个/;

export class Decider {
  constructor(
    private readonly s: Snapshot,
    private readonly retrieval: RetrieveOptions,
  ) {}

  private result(status: AnswerResult['status'], town: Town | null, matches: Match[], composed: Composed | string, extra: Partial<AnswerResult> = {}): AnswerResult {
    const c = typeof composed === 'string' ? { answer: composed, followups: {} } : composed;
    return { status, town: town?.name ?? null, matches, answer: c.answer, followups: c.followups, path: { kind: 'template' }, ...extra };
  }

  private match(item: Item, town: Town | null, score: number): Match {
    const at = this.s.availability.get(item.name);
    const entry = town ? at?.get(town.name) : undefined;
    return {
      item: item.name,
      town: town?.name ?? null,
      atTown: town ? !!entry : !!at?.size,
      score: Math.round(score * 1000) / 1000,
      ...(entry ? { mode: entry.下放方式 } : {}),
    };
  }

  private entry(item: Item, town: Town | null): ListEntry | undefined {
    return town ? this.s.availability.get(item.name)?.get(town.name) : undefined;
  }

  /** The item's rule for a condition the question states (a weight under an exemption, a light truck), or null. */
  private leadFor(item: Item, question: string): string | null {
    const lead = exemptionFor(item, question);
    if (lead || !statesLightTruck(question)) return lead;
    const note = weightNote(item);
    return note ? `知识库按车辆总质量区分，不按车牌颜色或车长：${note}` : null;
  }

  /** The card for one item at a town (or any town), with a stated condition's rule leading it. */
  private card(item: Item, town: Town | null, question: string): { status: AnswerResult['status']; composed: Composed } {
    const c = this.s.composer;
    if (item.abolished) return { status: 'abolished', composed: c.abolished(item) };
    const lead = this.leadFor(item, question);
    const withLead = (x: Composed): Composed =>
      lead ? { ...x, answer: `ℹ️ 按您说的情况：${lead}\n${x.answer.replace(`提示：${lead}\n`, '')}` } : x;
    const entry = this.entry(item, town);
    // A town the knowledge has no list for (a new county's folder half filled): its availability is unknown, not "no".
    if (town && !this.s.knowledge.lists.get(town.name)?.length) {
      const any = this.s.availability.get(item.name)?.size ? c.answeredAnyTown(item) : c.notAtTown(item, null);
      return { status: 'partial', composed: { ...any, answer: `ℹ️ 知识库里还没有${town.name}的下放事项清单，不能确定${town.name}能不能办「${item.name}」。\n${any.answer}` } };
    }
    if (town) {
      return entry
        ? { status: 'answered', composed: withLead(c.answered(item, town, entry)) }
        : { status: 'not_at_town', composed: withLead(c.notAtTown(item, town)) };
    }
    return this.s.availability.get(item.name)?.size
      ? { status: 'answered', composed: withLead(c.answeredAnyTown(item)) }
      : { status: 'not_at_town', composed: withLead(c.notAtTown(item, null)) };
  }

  /** The name of the field an aspect needs when this item lacks it (材料清单 …), or null. */
  private missingField(aspect: Aspect | null, item: Item): string | null {
    const name = aspect ? ASPECT_FIELD[aspect] : undefined;
    if (!name) return null;
    const has =
      aspect === 'materials' ? item.materials.length > 0
      : aspect === 'steps' ? item.steps.length > 0
      : aspect === 'conditions' ? item.conditions.length > 0
      : aspect === 'time' ? item.promised_limit !== undefined || item.legal_limit !== undefined
      : aspect === 'basis' ? !!item.basis
      : true;
    return has ? null : name;
  }

  /** The reply to one aspect of an item (材料, 时限, 网上办 …), or null for the whole card. */
  private aspectReply(aspect: Aspect | null, item: Item, town: Town | null, composed: Composed): string | null {
    if (!aspect || aspect === 'can') return null;
    const key = ASPECT_DETAIL[aspect];
    if (key && composed.followups[key]) return composed.followups[key]!;
    return this.s.replies.aspectLine(aspect, item, town, this.entry(item, town));
  }

  /** A follow-up on the previous topic: an aspect of it, or the same topic at another town. */
  private followUp(topic: Topic, town: Town | null, aspect: Aspect | null, question: string): AnswerResult | null {
    const { u, knowledge: k, composer } = this.s;
    const next = (extra: Partial<Topic>): Topic => ({ ...topic, town: town?.name ?? null, ...(aspect ? { aspect } : {}), ...extra });
    if (topic.scenario) {
      const sc = k.scenarios.find((x) => x.name === topic.scenario);
      if (!sc) return null;
      const items = sc.items.map((n) => u.index.item(n)).filter((i): i is Item => !!i);
      const composed = composer.scenario(sc, items, town);
      const key = aspect ? ASPECT_DETAIL[aspect] : undefined;
      const answer = (key && composed.followups[key]) || composed.answer;
      return this.result('scenario', town, items.map((i) => this.match(i, town, 1)), { answer, followups: composed.followups }, { scenario: sc.name, topic: next({}) });
    }
    const items = topic.items.map((n) => u.index.item(n)).filter((i): i is Item => !!i);
    if (!items.length) return null;
    if (items.length > 1) {
      const answer = aspect && aspect !== 'can' && aspect !== 'where'
        ? items.map((item) => this.aspectReply(aspect, item, town, this.card(item, town, question).composed) ?? '').filter(Boolean).join('\n')
        : this.s.replies.several(items, town);
      const first = this.card(items[0]!, town, question);
      return this.result(first.status, town, items.map((i) => this.match(i, town, 1)), answer.slice(0, 700), { topic: next({}) });
    }
    const item = items[0]!;
    const { status, composed } = this.card(item, town, question);
    const missing = this.missingField(aspect, item);
    if (missing) {
      const answer = this.s.replies.partial(item, missing, town);
      return this.result('partial', town, [this.match(item, town, 1)], { answer, followups: composed.followups }, { unheld: missing, topic: next({}) });
    }
    const detail = this.aspectReply(aspect, item, town, composed);
    // Asked again for another town (「那大瑶镇呢」): whether that town can do it comes first, then the part asked.
    const moved = (town?.name ?? null) !== (topic.town ?? null);
    // A town that cannot do it gets the card that says where to go instead; the part asked stays one reply away.
    const answer = !detail || (moved && status === 'not_at_town') ? composed.answer : moved ? `${composed.answer.split('\n')[0]}\n${detail}` : detail;
    return this.result(status, town, [this.match(item, town, 1)], { answer, followups: composed.followups }, { topic: next({}) });
  }

  private topicOf(items: Item[], town: Town | null, aspect: Aspect | null, scenario?: string): Topic {
    return { items: items.map((i) => i.name), town: town?.name ?? null, ...(scenario ? { scenario } : {}), ...(aspect ? { aspect } : {}) };
  }

  /**
   * Puts a sibling of the top candidate first, with the top's confidence (the action or the kind of business
   * decides between items of one family); the former top and the rest follow. Returns the new top.
   */
  private leadWith(cands: Candidate[], item: Item): Candidate {
    const top = { ...cands[0]!, id: this.s.knowledge.items.indexOf(item), item };
    cands.splice(0, cands.length, top, ...cands.filter((c) => c.item !== item));
    return top;
  }

  /** The registration family of an item (个体工商户设立/变更/注销登记) by action. */
  private variant(item: Item, action: string): Item | null {
    const base = item.name.replace(/设立|变更|注销/, '');
    if (base === item.name) return null;
    return this.s.families.get(base)?.find((i) => i.name !== item.name && i.name.includes(action)) ?? null;
  }

  /**
   * A document-like name in the question that no item has, close to the item
   * found (食品生产许可 when the knowledge has 食品经营许可), or null.
   */
  private nearName(query: string, item: Item, keys: string[], cands: Candidate[]): string | null {
    let own: Set<string> | null = null;
    // Names stand between function words: take each stretch that ends with a document word.
    for (const part of compact(query).split(/可以|办理|如何|怎么|什么|哪个|请问|[的了吗呢是在要想能和与及、，,？?。后时办]/)) {
      const m = /([\u4e00-\u9fff]{2,6})(许可证|许可|执照|证|备案|补贴)$/.exec(part);
      if (!m) continue;
      const name = m[0];
      // A known name inside it (食品经营许可证), or it inside a near candidate's name, is no near name.
      if (this.s.u.namedItems(name).some((n) => name.includes(compact(n.key)))) continue;
      if (cands.some((c) => this.s.matcher.keys[c.id]!.some((k) => compact(k).includes(name)))) continue;
      own ??= new Set(keys.flatMap((k) => [...bigramsOf(k)]));
      const core = m[1]!;
      // A pair of the name that this item lacks but other items' keys use: a different item of the same kind.
      const grams = [...bigramsOf(core)];
      const foreign = grams.filter((g) => !own!.has(g) && this.s.matcher.hasFeature(g));
      const shared = grams.filter((g) => own!.has(g));
      // A name that sounds like a known one is a typo (林木采发), not another item (checked last: it is the costly test).
      if (foreign.length && shared.length && !this.s.loaded.homophones.correct(name)) return name.replace(/证$/, '');
    }
    return null;
  }

  async decide(text: string, ctx: AnswerContext, hints: RetrievalHints): Promise<AnswerResult> {
    const { u, composer, replies, knowledge: k } = this.s;
    // Nothing personal is read past this point (a phone number holding 12345 is not the hotline).
    // The asker's own phone number (「我电话138…」) is not a question about the hotline or a centre's phone.
    const raw = withoutOwnNumbers(maskPersonalData(text.trim().slice(0, 500)));
    const norm = normalize(raw);
    if (!norm) return this.result('help', null, [], composer.help());
    if (isForeign(raw)) {
      // Attempts to change the bot's instructions are declined in any language.
      if (u.isOutOfScope(norm)) return this.result('out_of_scope', null, [], composer.outOfScope());
      return this.result('help', null, [], replies.foreign());
    }
    const talk = smallTalk(raw);
    const bound = ctx.town ? u.resolveTown(ctx.town) : null;
    if (talk) return this.result('smalltalk', bound, [], replies.smallTalk(talk));

    let named = u.townsIn(raw);
    let query = u.withoutTowns(raw);
    let unknown = named.length ? [] : u.unknownPlaces(raw);
    // A town typed with a homophone (永按镇) is that town.
    const bySound = unknown.length ? u.townBySound(unknown[0]!) : null;
    if (bySound) {
      named = [{ town: bySound, key: unknown[0]! }];
      query = query.replace(unknown[0]!, ' ');
      unknown = [];
    }
    // A place we have no list for is never answered as the group's town.
    if (unknown.length) return this.result('no_match', null, [], composer.unknownPlace(unknown[0]!));
    // Another province or city: its rules are not in this knowledge (the county's own province and city are).
    const region = named.length ? null : this.s.places.outside(raw, u.itemSpans(raw));
    if (region) return this.result('no_match', null, [], composer.unknownPlace(region));
    const topic = ctx.topic && (ctx.topic.items.length || ctx.topic.scenario) ? ctx.topic : null;
    const topicTown = topic?.town ? u.resolveTown(topic.town) : null;

    // A bare town (「大瑶镇」「我是大瑶的」「那镇头呢」「淮川街道能办吗」): the previous topic there, else that town's centre.
    if (named.length && (isOnlyFiller(query) || (topic && followupRest(query) === '' && aspectOf(query) === 'can'))) {
      const t = named[0]!.town;
      if (topic) {
        // 「淮川街道能办吗」 asks whether that town can: the whole card; a bare 「大瑶镇」 keeps the part asked before.
        const r = this.followUp(topic, t, aspectOf(query) === 'can' ? null : ((topic.aspect as Aspect | undefined) ?? null), raw);
        if (r) return r;
      }
      return this.result('town_info', t, [], composer.townInfo([{ town: t, fact: CENTRE_FACT }]));
    }
    // An aspect of the previous topic in any wording (要几天, 要钱不, 可以网上办吗, 多久能办好).
    if (topic) {
      const aspect = aspectOf(query);
      const rest = followupRest(query);
      if (aspect && rest.length <= 2 && !u.namedItems(query).length && !u.scenario(query)) {
        const r = this.followUp(topic, named[0]?.town ?? topicTown ?? bound, aspect, raw);
        if (r) return r;
      }
    }

    // In a conversation, a new item is asked about the town talked about (「那营业执照呢」).
    // The town the conversation moved to (「那大瑶镇呢」 then 「那营业执照呢」) outranks the group's own town.
    // 「我在市区开店」「住在县城」: being in the county seat, not the group's town — the card says where each town and the county do it.
    const seat = !named.length && /(在|住)[^，,。？?]{0,4}(市区|城区|县城|城里)/.test(compact(raw));
    const town = named[0]?.town ?? (seat ? null : (topicTown ?? bound ?? null));
    query = rewriteQuery(query);
    const aspect = aspectOf(query);
    let unheld = unheldAspect(query);
    // Reports and complaints are not formalities; things no item covers are not the item they sound like.
    if (isComplaint(query)) return this.result('no_match', town, [], replies.unheldOnly('举报投诉的受理'), { unheld: '举报投诉' });
    const uncovered = notCovered(query, k.notHeld);
    // An item whose own name holds the term and is named in the question (宠物诊所 holds 诊所) is asked, not declined.
    if (uncovered && !u.namedItems(query).some((n) => compact(n.key).includes(compact(uncovered.说法)))) {
      return this.result('no_match', town, [], replies.notHeld(uncovered), { unheld: uncovered.说明 || uncovered.说法 });
    }

    // A scenario named together with other items: the bundle plus those items.
    const withExtras = u.scenarioWithExtras(query);
    if (withExtras) {
      const bundle = withExtras.scenario.items.map((n) => u.index.item(n)).filter((i): i is Item => !!i);
      const extras = withExtras.extras.map((id) => k.items[id]!);
      const topic = this.topicOf([...extras, ...bundle], town, aspect);
      // A licence asked about for a shop (「小卖部要办食品卫生许可证吗」「开饭店的卫生许可证去哪办」) is the question:
      // it leads, with its own status, and the shop's usual bundle follows. 「要办哪些证」 asks for the bundle first.
      if (!u.asksWhichFormalities(query)) {
        const first = this.card(extras[0]!, town, raw);
        const heading = `您问的事项，以及「${withExtras.scenario.name}」一般还要办的${town ? `（按${town.name}）` : ''}：`;
        return this.result(first.status, town, [...extras, ...bundle].map((i) => this.match(i, town, 1)), { answer: replies.several([...extras, ...bundle], town, heading), followups: first.composed.followups }, { topic });
      }
      const heading = `「${withExtras.scenario.name}」一般要办的事项，加上您问的事项${town ? `（按${town.name}）` : ''}：`;
      return this.result('scenario', town, [...bundle, ...extras].map((i) => this.match(i, town, 1)), replies.several([...bundle, ...extras], town, heading), {
        scenario: withExtras.scenario.name,
        topic,
      });
    }
    // A scenario (一件事) named in the question.
    const scenario = u.scenario(query);
    if (scenario && unheld) {
      const first = u.index.item(scenario.items[0]!)!;
      return this.result('partial', town, [this.match(first, town, 1)], replies.partial(first, unheld, town), { unheld, topic: this.topicOf([first], town, aspect) });
    }
    if (scenario) {
      const items = scenario.items.map((n) => u.index.item(n)!).filter(Boolean);
      let composed = composer.scenario(scenario, items, town);
      // A stated condition with a rule in the bundle (4吨的车 in 跑货运) leads here too.
      const lead = items.map((i) => this.leadFor(i, raw)).find(Boolean);
      if (lead) composed = { ...composed, answer: `ℹ️ 按您说的情况：${lead}\n${composed.answer}` };
      return this.result('scenario', town, items.map((item) => this.match(item, town, 1)), composed, {
        scenario: scenario.name,
        topic: this.topicOf(items, town, aspect, scenario.name),
      });
    }

    // Several items named outright and asked together: one line each.
    const q = this.s.matcher.query(query);
    const together = u
      .namedItems(query)
      .filter((n) => n.key.length >= 3 && this.s.matcher.confidence(n.id, q) >= NAMED_OUTRIGHT)
      .map((n) => k.items[n.id]!);
    const families = new Set(together.map((i) => i.name.replace(/设立|变更|注销/, '')));
    if (together.length >= 2 && families.size === together.length && TOGETHER.test(compact(query))) {
      const first = this.card(together[0]!, town, raw);
      // A document named beside them that no item is called (卫生许可 is two items) is said, never dropped.
      const c = compact(query);
      const spans = u.itemSpans(query);
      const unnamed = [...c.matchAll(DOC_NAME)]
        .filter((m) => !spans.some(([a, b]) => m.index < b && a < m.index + m[0].length))
        .map((m) => m[0].replace(/^.*?(和|与|及|以及|跟|还有|、|办|要|问)/, ''))
        .filter((n) => n.length >= 3);
      const more = unnamed.length ? `\n另外，${unnamed.map((n) => `「${n}」`).join('、')}没有找到名称完全对应的事项，请写全称再单独问我。` : '';
      return this.result(first.status, town, together.map((i) => this.match(i, town, 1)), replies.several(together, town) + more, {
        topic: this.topicOf(together, town, aspect),
      });
    }

    const cands: Candidate[] = query.trim() ? await this.s.retriever.retrieve(query, town, hints, this.retrieval) : [];
    let top = cands[0];
    const conf = top?.confidence ?? 0;
    // The action decides the item within a registration family (营业执照 + 注销 → 注销登记).
    const action = actionOf(query);
    if (top && conf >= MIN_CONFIDENCE && action) {
      const own = actionOfItem(top.item.name);
      const v = own && own !== action ? this.variant(top.item, action) : null;
      if (v) top = this.leadWith(cands, v);
    }
    // The asker's own kind of business (「个体户雇员工要不要买社保」) is who asks, not what is asked: with no
    // registration word, another item named outright is the question.
    if (top && actionOfItem(top.item.name) === '设立' && !action && !/执照|注册|登记|设立|开办|成立/.test(compact(query))) {
      const other = cands.find((c) => c !== top && c.confidence >= NAMED_OUTRIGHT && actionOfItem(c.item.name) === null);
      if (other) {
        cands.splice(cands.indexOf(other), 1);
        cands.unshift(other);
        top = other;
      }
    }
    // The kind of business named decides the family (个体营业执照法人变更 → 个体工商户, 公司 → 企业).
    if (top && conf >= MIN_CONFIDENCE) {
      const own = /^(个体工商户|企业|农民专业合作社)/.exec(top.item.name)?.[1];
      const c2 = compact(query);
      const asked = /个体/.test(c2) ? '个体工商户' : /公司|企业|厂/.test(c2) && !/个体/.test(c2) ? '企业' : /合作社/.test(c2) ? '农民专业合作社' : null;
      if (own && asked && own !== asked) {
        const sibling = k.items.find((i) => i.name === top!.item.name.replace(own, asked));
        if (sibling) top = this.leadWith(cands, sibling);
      }
    }
    const matches = cands.slice(0, 5).map((c) => this.match(c.item, town, c.confidence));
    const near = matches.filter((m) => m.score > 0).slice(0, 3);
    const county = u.countyAsTown();
    const factTowns = [...(named.length ? named.map((n) => n.town) : bound ? [bound] : k.regions.towns), county];
    const townKnown = named.length > 0 || !!bound;

    // An item named outright wins; otherwise strong town facts, help and scope come first.
    if (conf < NAMED_OUTRIGHT) {
      if (u.isOutOfScope(norm) && conf < MIN_CONFIDENCE) return this.result('out_of_scope', town, near, composer.outOfScope());
      if (u.asksCountyCentre(raw) && conf < MIN_CONFIDENCE) {
        return this.result('town_info', null, [], composer.townInfo([{ town: county, fact: CENTRE_FACT }]));
      }
      // A fact that matched only by naming the item found (道路运输证) does not answer an item question.
      const itemKeys = top && conf >= MIN_CONFIDENCE ? this.s.matcher.keys[top.id]!.map(compact) : [];
      const aboutItem = (f: { keys: string[] }) => f.keys.every((key) => itemKeys.some((ik) => ik.includes(key)));
      // Nor does a fact matched only by "can it be done here" words (镇里能办) when an item clears the gate.
      const onlyAbility = (f: { keys: string[] }) => itemKeys.length > 0 && f.keys.every((key) => aspectOf(key) === 'can');
      let facts = u.facts(raw, factTowns).filter((f) => !aboutItem(f) && !onlyAbility(f));
      // A distinctive fact of another town (吹哨报到 asked in another town's group) is still worth answering.
      if (!facts.length && !named.length) facts = u.facts(raw, k.regions.towns).filter((f) => f.score >= FACT_STRONG && !aboutItem(f));
      const strongest = facts[0]?.score ?? 0;
      if (facts.length && (conf < MIN_CONFIDENCE ? townKnown || strongest >= FACT_ANY_TOWN : strongest >= FACT_STRONG)) {
        // "Where is the centre / when does it open" gets the address and hours first.
        const centre = town && townKnown && u.asksCentre(raw) ? [{ town, fact: CENTRE_FACT, score: 0 }] : [];
        const townOfFacts = facts.every((f) => f.town === county) ? null : townKnown ? town : null;
        return this.result('town_info', townOfFacts, [], composer.townInfo([...centre, ...facts]));
      }
      if (u.isHelp(raw)) return this.result('help', town, [], composer.help());
    }
    if (!top || conf < MIN_CONFIDENCE) {
      if (town && townKnown && u.asksCentre(raw)) {
        return this.result('town_info', town, [], composer.townInfo([{ town, fact: CENTRE_FACT }]));
      }
      if (unheld) return this.result('no_match', town, near, replies.unheldOnly(unheld), { unheld });
      // Out of scope only when the question says so (weather, jokes …); anything else is a decline with a way on.
      if (u.isOutOfScope(norm)) return this.result('out_of_scope', town, near, composer.outOfScope());
      const nearItems = cands.filter((c) => c.confidence >= MIN_CONFIDENCE / 2).slice(0, 3).map((c) => c.item);
      return this.result('no_match', town, near, replies.noMatch(nearItems));
    }

    // 「要办什么证」 for a business the knowledge has no scenario for: a loosely matched item is a guess, not the answer.
    if (conf < WHICH_NEEDS_NAMED && u.asksWhichFormalities(query)) {
      return this.result('no_match', town, near, replies.noMatch(cands.filter((c) => c.confidence >= MIN_CONFIDENCE / 2).slice(0, 3).map((c) => c.item)));
    }
    let item = top.item;
    // A near name is not the item: 食品生产许可 asked, only 食品经营许可 known.
    const asked = this.nearName(query, item, this.s.matcher.keys[top.id]!, cands);
    if (asked) return this.result('no_match', town, matches, replies.nearName(asked, item), { unheld: asked });
    if (item.abolished) return this.result('abolished', town, matches, composer.abolished(item), { topic: this.topicOf([item], town, aspect) });
    // Asked again with the item known, so words of its own name do not count.
    unheld = unheldAspect(query, item.name, this.s.matcher.keys[top.id]);
    // The part asked is in the item's own notes after all (许可证有效期5年，到期前要申请延续): it leads the card.
    const held = heldNote(unheld ?? (action === '延续' ? '延续' : ''), [...item.notes, ...item.conditions], query);
    if (held) {
      const { status, composed } = this.card(item, town, raw);
      const answer = `ℹ️ 关于您问的：${held}\n${composed.answer.replace(`提示：${held}\n`, '')}`;
      return this.result(status, town, matches, { answer, followups: composed.followups }, { topic: this.topicOf([item], town, aspect) });
    }
    // An action no item here is for (营业执照补办, 年报, 许可延续): say what the knowledge has, not the card.
    // Nor a deregistration or change of a licence whose catalogue item is only its grant (烟草证注销, 食品经营许可变更).
    const grantOnly = action && ['注销', '变更'].includes(action) && actionOfItem(item.name) === null && !this.variant(item, action) && !/登记|备案/.test(item.name);
    if (action && (['补办', '年报', '延续'].includes(action) || grantOnly) && actionOfItem(item.name) !== action) {
      return this.result('partial', town, matches, replies.actionMissing(item, action, town), { unheld: action, topic: this.topicOf([item], town, aspect) });
    }
    // The asked part is not in the knowledge (tax rate, penalty, subsidy amount …).
    if (unheld) return this.result('partial', town, matches, replies.partial(item, unheld, town), { unheld, topic: this.topicOf([item], town, aspect) });
    // The aspect asked is a field this item does not have in the knowledge (no materials list …).
    const missing = this.missingField(aspect, item);
    if (missing) return this.result('partial', town, matches, replies.partial(item, missing, town), { unheld: missing, topic: this.topicOf([item], town, aspect) });
    // Storage stated where the town's licence is for no storage: the rule for storage leads.
    if (statesStorage(raw) && /无仓储|不带储存/.test(item.name)) {
      const note = storageNote(item);
      if (note) {
        const head = `ℹ️ 按您说的情况（有仓储设施）：镇上能办的是「${item.name}」，不适用于您的情况。${note}`;
        // Only the storage rule and a way on: the no-storage licence's own office and time limits would contradict it.
        return this.result('not_at_town', town, matches.map((m, i) => (i === 0 ? { ...m, atTown: false } : m)), { answer: `${head}\n${replies.wayOn('具体请')}`, followups: {} }, {
          topic: this.topicOf([item], town, aspect),
        });
      }
    }
    item = top.item;
    const { status, composed } = this.card(item, town, raw);
    // An aspect asked with the item (「某镇食品经营许可可以网上办吗」) leads with that part.
    const detail = aspect && !['can', 'where', 'conditions'].includes(aspect) ? this.aspectReply(aspect, item, town, composed) : null;
    const answer = detail ? `${composed.answer.split('\n')[0]}\n${detail}` : composed.answer;
    return this.result(status, town, matches, { answer, followups: composed.followups }, { topic: this.topicOf([item], town, aspect) });
  }
}

function bigramsOf(text: string): Set<string> {
  const c = compact(text);
  const out = new Set<string>();
  for (let i = 0; i + 2 <= c.length; i++) out.add(c.slice(i, i + 2));
  return out;
}
