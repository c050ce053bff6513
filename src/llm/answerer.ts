// The answering core with an optional model in front of and behind it:
// understanding (a rewrite of the question in catalogue terms, fused with the
// original query) and wording (a natural rephrasing of the template reply
// from the retrieved facts only, checked by grounding). Whatever fails, the
// template reply is given, within the configured timeout.
import type { Logger } from 'pino';
import { z } from 'zod';
import { MAX_MAIN_REPLY, timeText } from '../answering/compose.ts';
import { MIN_CONFIDENCE, type Engine, type RetrievalHints } from '../answering/engine.ts';
import type { AnswerPath, AnswerResult, Answerer, AskOptions } from '../answering/types.ts';
import type { Knowledge } from '../knowledge/load.ts';
import type { Centre, Item, Status } from '../knowledge/schemas.ts';
import { maskPersonalData } from '../privacy/pii.ts';
import { compact } from '../text/normalize.ts';
import { LlmClient, LlmError, PersonBudgets, TokenBudget, estimateTokens, type ChatJsonRequest, type LlmSettings } from './client.ts';
import { Grounder, type Conclusion } from './grounding.ts';
import { REWRITE_PROMPT, WORDING_PROMPT } from './prompts.ts';

/** Catalogues up to this size are sent whole with a rewrite request. */
const FULL_CATALOGUE_MAX = 200;
/** Otherwise this many nearest candidates are sent. */
const CANDIDATE_NAMES = 20;

/** Statuses whose template reply the model may reword. Everything else keeps its fixed reply. */
export const WORDABLE: ReadonlySet<Status> = new Set<Status>(['answered', 'not_at_town', 'scenario', 'abolished', 'town_info']);

/** Share of the timeout the rewrite may use; wording gets whatever is left. */
const REWRITE_SHARE = 0.4;

/**
 * Results about catalogue items: only these questions are sent to the model
 * (for a rewrite). A question the engine cannot answer (no_match, out of
 * scope) is not: since the gate reads the original question, no rewrite could
 * change that answer, and the unanswered log records it once.
 */
export const IN_DOMAIN: ReadonlySet<Status> = new Set<Status>(['answered', 'not_at_town', 'scenario', 'abolished', 'partial']);
/** Results naming one item, whose gate the rewrite may not lift. */
const ITEM_STATUSES: ReadonlySet<Status> = new Set<Status>(['answered', 'not_at_town', 'abolished', 'partial']);

/** Longest question text sent to the model (characters); the rest is cut. */
export const MAX_QUESTION_CHARS = 300;
/** Largest request body sent to the model (characters of system + user). */
export const MAX_REQUEST_CHARS = 12_000;
/** Share of the daily token budget one person may use, so that a few cannot use up everyone's day. */
export const PERSON_SHARE = 0.05;
/** …but at least this many tokens (a few questions), whatever the budget. */
export const PERSON_MIN_TOKENS = 3_000;

export const rewriteSchema = z.object({
  query: z.string().max(300),
  town: z.string().nullable().optional(),
});

export const wordingSchema = z.object({
  reply: z.string().min(1),
  items: z.array(z.string()).default([]),
});

export interface LlmAnswererDeps {
  logger?: Logger;
  /** For the budget's day (Asia/Shanghai midnight reset); default Date.now. */
  clock?: () => number;
  /** Persist today's token count here (e.g. DATA_DIR/llm-usage.json); default: in memory only. */
  budgetFile?: string;
  /** A budget shared with other answerers (overrides budgetFile). */
  budget?: TokenBudget;
}

/** The template's last line when it only tells the user what to reply next (kept verbatim). */
function splitHint(answer: string): { body: string; hint: string } {
  const lines = answer.split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (lines.length > 1 && /回复「|直接问我/.test(last)) return { body: lines.slice(0, -1).join('\n'), hint: last };
  return { body: answer, hint: '' };
}

const centreFacts = (c: Centre) => ({
  name: c.name,
  address: c.address,
  hours: c.hours,
  ...(c.phone ? { phone: c.phone } : {}),
  ...(c.windows?.length ? { windows: c.windows.map((w) => w.name), windowCount: `共${c.windows.length}个窗口（${c.windows.length}项）` } : {}),
});

export class LlmAnswerer implements Answerer {
  readonly client: LlmClient;
  /** Tokens per person today. */
  readonly people: PersonBudgets;
  private grounder: { k: Knowledge; g: Grounder } | null = null;

  constructor(
    readonly engine: Engine,
    readonly settings: LlmSettings,
    private readonly deps: LlmAnswererDeps = {},
  ) {
    const budget = deps.budget ?? new TokenBudget(settings.dailyTokenBudget, deps.clock ?? Date.now, deps.budgetFile);
    this.client = new LlmClient(settings, { budget });
    this.people = new PersonBudgets(Math.max(PERSON_MIN_TOKENS, Math.floor(settings.dailyTokenBudget * PERSON_SHARE)), deps.clock ?? Date.now);
  }

  // What the CLI, the assistant and the ticket desk use, forwarded to the engine.
  resolveTown(name: string): string | null {
    return this.engine.resolveTown(name);
  }
  towns(): string[] {
    return this.engine.towns();
  }
  get knowledge(): Knowledge {
    return this.engine.knowledge;
  }
  catalogue() {
    return this.engine.catalogue();
  }
  lastAnswer(conversation: string): AnswerResult | null {
    return this.engine.lastAnswer(conversation);
  }
  setRetrievalMode(mode: Parameters<Engine['setRetrievalMode']>[0]): void {
    this.engine.setRetrievalMode(mode);
  }

  private get ground(): Grounder {
    const k = this.engine.knowledge;
    if (this.grounder?.k !== k) this.grounder = { k, g: new Grounder(k.items) };
    return this.grounder.g;
  }

  async ask(text: string, opts: AskOptions = {}, hints: RetrievalHints = {}): Promise<AnswerResult> {
    const started = Date.now();
    const deadline = started + this.settings.timeoutMs;
    // Nothing personal goes further: not to the chat model, not to a remote embeddings model.
    // Nothing long either: the question is cut to MAX_QUESTION_CHARS before any model sees it.
    const question = maskPersonalData(text);
    const log: Record<string, unknown> = {};

    // What the question is decides what reaches the model: the engine answers
    // the original question first, without a model.
    let result = await this.engine.ask(question, opts, hints);
    const inDomain = IN_DOMAIN.has(result.status);
    const followup = Object.values(result.followups).includes(result.answer);

    // (a) Understanding: only for questions in the domain, never for a fixed
    // reply (help, out of scope, tickets). The rewrite only adds candidates:
    // an item it brings forward must clear the gate on the original question.
    if (inDomain && !followup && !hints.rewrite && compact(question).length >= 4) {
      const t0 = Date.now();
      try {
        const rw = await this.rewrite(question, Math.min(deadline, started + Math.round(this.settings.timeoutMs * REWRITE_SHARE)), personOf(opts.conversation));
        const query = rw.query.trim();
        let askOpts = opts;
        if (rw.town && !opts.boundTown && !this.engine.resolveTown(question)) {
          const town = this.engine.resolveTown(rw.town);
          if (town) askOpts = { ...opts, boundTown: town };
        }
        const useHints: RetrievalHints = query && compact(query) !== compact(question) ? { rewrite: query } : {};
        if (useHints.rewrite || askOpts !== opts) {
          // Asked without the conversation first, so a rejected rewrite leaves no trace in the follow-ups.
          const { conversation, ...noConversation } = askOpts;
          const rewritten = await this.engine.ask(question, noConversation, useHints);
          const accepted = await this.gatePassed(question, result, rewritten);
          if (accepted) result = conversation ? await this.engine.ask(question, askOpts, useHints) : rewritten;
          log.rewrite = { ok: true, ms: Date.now() - t0, query: query.slice(0, 80), town: askOpts.boundTown ?? null, accepted };
        } else {
          log.rewrite = { ok: true, ms: Date.now() - t0, query: '', accepted: false };
        }
      } catch (err) {
        log.rewrite = { ok: false, ms: Date.now() - t0, reason: reasonOf(err) };
      }
    }

    // (b) Wording.
    let path: AnswerPath = result.path;
    let answer = result.answer;
    if (!WORDABLE.has(result.status)) {
      path = { kind: 'template' };
    } else if (Object.values(result.followups).includes(result.answer)) {
      // A follow-up detail (材料, 地址 …) given from the previous answer: fixed text.
      path = { kind: 'template' };
    } else {
      const worded = await this.word(question, result, deadline, personOf(opts.conversation));
      path = worded.path;
      if (worded.answer) answer = worded.answer;
    }
    const out: AnswerResult = { ...result, answer, path };
    this.deps.logger?.info(
      { path, status: result.status, town: result.town, ms: Date.now() - started, question: question.slice(0, 80), ...log },
      `answer via ${path.kind}${path.kind === 'fallback' ? ` (${path.reason})` : ''}`,
    );
    return out;
  }

  /**
   * Whether the answer reached with the rewrite may replace the one reached
   * without it: the same item, or an item the ORIGINAL question clears the
   * confidence gate for. A rewrite alone never lifts an item over the gate.
   */
  private async gatePassed(question: string, original: AnswerResult, rewritten: AnswerResult): Promise<boolean> {
    if (!ITEM_STATUSES.has(rewritten.status)) return rewritten.status === original.status;
    const top = rewritten.matches[0]?.item;
    if (!top) return false;
    if (ITEM_STATUSES.has(original.status) && original.matches[0]?.item === top) return true;
    const cands = await this.engine.retrieve(question, null);
    const c = cands.find((x) => x.item.name === top);
    return !!c && c.confidence >= MIN_CONFIDENCE;
  }

  /** One model call within the size cap and the person's share of the day. */
  private async call(person: string | undefined, req: ChatJsonRequest) {
    const size = req.system.length + req.user.length;
    if (size > MAX_REQUEST_CHARS) throw new LlmError('too_large', `request of ${size} characters (limit ${MAX_REQUEST_CHARS})`);
    const estimate = estimateTokens(req.system) + estimateTokens(req.user) + (req.maxTokens ?? 0);
    if (person && !this.people.allows(person, estimate)) throw new LlmError('person_budget', 'this person has used their share of today\'s budget');
    try {
      const res = await this.client.chatJson(req);
      if (person) this.people.record(person, res.tokens);
      return res;
    } catch (err) {
      if (person && err instanceof LlmError && err.kind === 'timeout') this.people.record(person, estimate);
      throw err;
    }
  }

  /** Asks the model for catalogue terms and a town. */
  async rewrite(question: string, deadline: number, person?: string): Promise<z.infer<typeof rewriteSchema>> {
    const k = this.engine.knowledge;
    // A small catalogue goes whole; a large one as the retrieval's nearest
    // candidates, so the prompt stays within a few thousand tokens.
    const names =
      k.items.length <= FULL_CATALOGUE_MAX
        ? k.items.filter((i) => !i.abolished).map((i) => i.name)
        : (await this.engine.retrieve(question, null)).slice(0, CANDIDATE_NAMES).map((c) => c.item.name);
    const user = JSON.stringify({ question: question.slice(0, MAX_QUESTION_CHARS), towns: this.engine.towns(), catalogue: names });
    const res = await this.call(person, { system: REWRITE_PROMPT, user, deadline, maxTokens: 200 });
    const parsed = rewriteSchema.safeParse(res.value);
    if (!parsed.success) throw new LlmError('malformed', 'the rewrite did not have the expected shape');
    return { query: parsed.data.query, town: parsed.data.town?.trim() || null };
  }

  /** The facts the model may use, and the items the reply may name. */
  facts(result: AnswerResult): { facts: Record<string, unknown>; items: string[] } {
    const k = this.engine.knowledge;
    const cat = this.engine.catalogue();
    const county = {
      name: k.regions.county.name,
      centre: centreFacts(k.regions.county.centre),
      ...(k.regions.county.hotline ? { hotline: k.regions.county.hotline } : {}),
      // County-wide facts (帮办代办 is free …) can be part of a town_info reply.
      facts: k.regions.county.facts.map((f) => `${f.topic}：${f.text}`),
    };
    const town = result.town ? cat.town(result.town) : undefined;
    if (result.status === 'town_info') {
      const towns = k.regions.towns.filter((t) => result.answer.includes(t.name) || t.name === result.town);
      return {
        facts: { county, towns: towns.map((t) => ({ name: t.name, centre: centreFacts(t.centre), facts: t.facts.map((f) => `${f.topic}：${f.text}`) })) },
        items: [],
      };
    }
    const names = result.status === 'scenario' ? result.matches.map((m) => m.item) : result.matches.slice(0, 1).map((m) => m.item);
    const items = names.map((n) => cat.item(n)).filter((i): i is Item => !!i);
    return {
      facts: {
        county,
        ...(town ? { town: { name: town.name, centre: centreFacts(town.centre) } } : {}),
        ...(result.scenario ? { scenario: { ...this.scenarioFacts(result.scenario), itemCount: `${items.length}件` } } : {}),
        items: items.map((item) => this.itemFacts(item, result.town)),
      },
      items: items.map((i) => i.name),
    };
  }

  private scenarioFacts(name: string) {
    const s = this.engine.knowledge.scenarios.find((x) => x.name === name);
    return { name, ...(s?.note ? { note: s.note } : {}) };
  }

  private guideUpdated(item: Item, town: string | null): string | undefined {
    const cat = this.engine.catalogue();
    const guides = this.engine.knowledge.guides.filter((g) => cat.item(g.item)?.name === item.name);
    return (guides.find((g) => g.town === town) ?? guides.find((g) => !g.town) ?? guides[0])?.updated;
  }

  private department(name: string) {
    return this.engine.knowledge.departments.find((d) => d.name === name || d.aliases.includes(name));
  }

  private itemFacts(item: Item, town: string | null): Record<string, unknown> {
    const dept = this.department(item.department);
    const at = this.engine
      .towns()
      .map((t) => ({ town: t, entry: this.engine.availableAt(item.name, t) }))
      .filter((x) => x.entry);
    const entry = town ? this.engine.availableAt(item.name, town) : undefined;
    const other = this.department(item.elsewhere?.department ?? item.department);
    const facts: Record<string, unknown> = {
      name: item.name,
      type: item.type,
      department: dept?.name ?? item.department,
      times: timeText(item) ?? '知识库未载明时限',
      // Facts the knowledge does not record are named as such, never defaulted.
      fee: item.fee ?? '知识库未记录收费',
      ...(item.visits !== undefined ? { visits: item.visits === 0 ? '一次不用跑' : `最多跑${item.visits}次` } : {}),
      ...(item.online !== undefined ? { online: item.online } : {}),
      ...(item.mobile !== undefined ? { mobile: item.mobile ? '手机可办' : '手机不可办' } : {}),
      materials: item.materials,
      materialCount: `${item.materials.length}项`,
      ...(item.steps?.length ? { steps: item.steps } : {}),
      ...(item.conditions.length ? { conditions: item.conditions.slice(0, 5) } : {}),
      ...(item.notes.length ? { notes: item.notes.slice(0, 3) } : {}),
      townsThatCanHandle: at.map((x) => ({ town: x.town, mode: x.entry!.下放方式, ...(x.entry!.窗口 ? { window: x.entry!.窗口 } : {}) })),
      ...(at.length ? { townsThatCannot: this.engine.towns().filter((t) => !at.some((x) => x.town === t)) } : {}),
    };
    if (town) {
      facts.atTown = {
        town,
        canHandle: !!entry,
        ...(entry ? { mode: entry.下放方式, ...(entry.窗口 ? { window: entry.窗口 } : {}), source: `${town}下放清单（${entry.批次 ? `${entry.批次}，` : ''}第${entry.序号}项）` } : {}),
      };
    }
    const updated = this.guideUpdated(item, town);
    if (updated) facts.guideUpdated = updated;
    if (!at.length || (town && !entry)) {
      facts.elsewhere = {
        department: other?.name ?? item.elsewhere?.department ?? item.department,
        place: item.elsewhere?.place ?? other?.place ?? this.engine.knowledge.regions.county.centre.name,
        ...(other?.level ? { level: other.level } : {}),
        ...(item.elsewhere?.note ? { note: item.elsewhere.note } : {}),
      };
    }
    if (item.abolished) facts.abolished = item.abolished;
    return facts;
  }

  /** Rewords the template reply; returns the path and, when accepted, the new reply. */
  async word(_question: string, result: AnswerResult, deadline: number, person?: string): Promise<{ path: AnswerPath; answer?: string }> {
    const { body, hint } = splitHint(result.answer);
    const { facts, items } = this.facts(result);
    const factsJson = JSON.stringify(facts);
    // No user text: the template and the facts are all the wording needs.
    const user = JSON.stringify({ template: body, facts });
    let value: unknown;
    try {
      value = (await this.call(person, { system: WORDING_PROMPT, user, deadline, maxTokens: 700 })).value;
    } catch (err) {
      return { path: { kind: 'fallback', reason: reasonOf(err) } };
    }
    const parsed = wordingSchema.safeParse(value);
    if (!parsed.success) return { path: { kind: 'fallback', reason: 'malformed' } };
    const reply = parsed.data.reply.trim();
    const unknown = parsed.data.items.find((i) => !items.includes(i));
    if (unknown) return { path: { kind: 'fallback', reason: 'grounding_item' } };
    const verdict = this.ground.check({
      reply,
      items,
      sources: [factsJson, body],
      ...conclusionOf(result),
      unableTowns: Object.fromEntries(((facts.items ?? []) as { name: string; townsThatCannot?: string[] }[]).map((i) => [i.name, i.townsThatCannot ?? []])),
      maxLength: MAX_MAIN_REPLY - (hint ? hint.length + 1 : 0),
    });
    if (!verdict.ok) {
      this.deps.logger?.debug({ reason: verdict.reason, detail: verdict.detail }, 'model reply rejected by grounding');
      return { path: { kind: 'fallback', reason: `grounding_${verdict.reason}` } };
    }
    return { path: { kind: 'llm', model: this.client.model }, answer: hint ? `${reply}\n${hint}` : reply };
  }
}

/** The person in a conversation key (chat id + ':' + sender id). */
const personOf = (conversation: string | undefined): string | undefined => conversation?.split(':').at(-1) || undefined;

/** The template's conclusion, which the wording must keep. */
function conclusionOf(result: AnswerResult): { conclusion?: Conclusion; town?: string | null } {
  if (result.status === 'answered') return { conclusion: 'can', town: result.town };
  if (result.status === 'not_at_town') return { conclusion: 'cannot', town: result.town };
  if (result.status === 'abolished') return { conclusion: 'abolished', town: result.town };
  return {};
}

const reasonOf = (err: unknown): string => (err instanceof LlmError ? err.kind : 'network');

/** The LLM answerer over an engine (config.openai must be set). */
export function createLlmAnswerer(engine: Engine, settings: LlmSettings, deps: LlmAnswererDeps = {}): LlmAnswerer {
  return new LlmAnswerer(engine, settings, deps);
}

/**
 * The engine with `ask` going through the model; every other member is the
 * engine's own, so the result can stand wherever the engine stood.
 */
export function withLlm<E extends Engine>(engine: E, settings: LlmSettings, deps: LlmAnswererDeps = {}): E {
  const llm = createLlmAnswerer(engine, settings, deps);
  const ask = llm.ask.bind(llm);
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'ask') return ask;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
