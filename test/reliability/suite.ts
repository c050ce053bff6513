// The reliability suite: bounded fault scenarios against the production code
// paths, each reporting tried / survived / lost. `npm run reliability` prints
// the table; test/reliability/suite.test.ts runs the same scenarios on small
// counts and asserts the guarantees.
//
// Scenarios are rows of a table (SCENARIOS). To add one, append a Scenario
// whose run() returns figures; rows marked `pending` are extension points not
// yet driven (none at present).
//
// Everything is local: SQLite files in a temp dir, PostgreSQL on 127.0.0.1
// (through a local TCP proxy for faults), a local HTTP server speaking the
// OpenAI API. Every loop is bounded in count and in time.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openAnswerer, type Engine } from '../../src/answering/engine.ts';
import { createApp, openApp } from '../../src/app.ts';
import { GROUP_RATE_NOTICE, RATE_NOTICE } from '../../src/core/gate.ts';
import type { ChannelSender, Inbound, Outbound } from '../../src/core/messages.ts';
import { loadConfig } from '../../src/config/env.ts';
import { DependencyError } from '../../src/errors.ts';
import { createLlmAnswerer } from '../../src/llm/answerer.ts';
import { WORDING_PROMPT } from '../../src/llm/prompts.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { DEFAULT_PG_TIMEOUTS, type PgTimeouts } from '../../src/store/db.ts';
import { openStore, type Store, type StoreOptions } from '../../src/store/index.ts';
import { FakeAnswerer } from '../app/fake-answerer.ts';
import { memoryStore } from '../app/fakes.ts';
import { VALID_KB } from '../helpers/fixtures.ts';
import { FakeOpenAI, systemPrompt, userJson, type FakeReply } from '../llm/fake-openai.ts';
import { allLies } from '../llm/lies.ts';
import { TcpProxy } from './tcp-proxy.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PG_URL = process.env.DAIBAN_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface Figures {
  tried: number;
  survived: number;
  lost: number;
  /** Extra figures worth printing (crashes, slowest answer …). */
  note?: string;
  /** What was lost, for the test's message. */
  details?: string[];
}

/** How big a run is. The CLI uses FULL; the tests SMALL. */
export interface Size {
  /** kill -9 runs per backend. */
  kills: number;
  /** Queries during a PostgreSQL outage. */
  outageQueries: number;
  /** Concurrent queries during a PostgreSQL hang. */
  hangQueries: number;
  /** Questions through a faulty model. */
  llmFaults: number;
  /** Lies from the corpus (0 = all). */
  lies: number;
  /** Processes sharing one SQLite file, and tickets each. */
  processes: number;
  ticketsEach: number;
  /** kill -9 inside the whole 确认 turn (app child), per backend. */
  turnKills: number;
  /** Messages each of the four flooding accounts sends within the minute. */
  floodEach: number;
  /** People running a full 代办 dialog at the same time. */
  dialogs: number;
}

export const FULL: Size = { kills: 50, outageQueries: 60, hangQueries: 10, llmFaults: 60, lies: 0, processes: 4, ticketsEach: 15, turnKills: 20, floodEach: 30, dialogs: 200 };
export const SMALL: Size = { kills: 3, outageQueries: 12, hangQueries: 3, llmFaults: 8, lies: 40, processes: 2, ticketsEach: 5, turnKills: 2, floodEach: 10, dialogs: 20 };

export type BackendName = 'sqlite' | 'postgres';

export interface Scenario {
  name: string;
  backend: BackendName | '—';
  /** What must hold (lost = 0 means it held). */
  guarantee: string;
  /** When set, the scenario is an extension point not driven yet, and why. */
  pending?: string;
  run?: (size: Size, env: SuiteEnv) => Promise<Figures>;
}

export interface SuiteEnv {
  /** Temp directory for this run (removed at the end). */
  dir: string;
  /** null when PostgreSQL answers on PG_URL, else why not. */
  pgProblem: string | null;
  /** PostgreSQL schemas created (dropped at the end). */
  schemas: string[];
  /** DATA_DIR holding the real knowledge's built index (built once per run, on demand). */
  indexData?: string;
}

// ---------------------------------------------------------------------------
// Helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function storeOptions(backend: BackendName, env: SuiteEnv, name: string): StoreOptions {
  if (backend === 'sqlite') return { databaseUrl: null, sqlitePath: path.join(env.dir, name, 'daiban.sqlite') };
  const schema = `daiban_rel_${randomBytes(5).toString('hex')}`;
  env.schemas.push(schema);
  return { databaseUrl: PG_URL, sqlitePath: '/nonexistent/unused.sqlite', pgSchema: schema };
}

function child(script: string, args: string[], onLine?: (line: string, kill: () => void) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; err: string }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let partial = '';
    let err = '';
    const kill = () => p.kill('SIGKILL');
    // Bounded: no child lives longer than 60 s.
    const guard = setTimeout(kill, 60_000);
    p.stdout.on('data', (d: Buffer) => {
      partial += String(d);
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        onLine?.(l, kill);
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, lines, err });
    });
  });
}

/** Tickets that are not whole (items, first event), orphans, duplicate dialog keys. */
async function storeProblems(store: Store): Promise<string[]> {
  const problems: string[] = [];
  const tickets = await store.tickets.list();
  const keys = new Set<string>();
  for (const t of tickets) {
    if (t.dialogKey) {
      if (keys.has(t.dialogKey)) problems.push(`duplicate ${t.dialogKey}`);
      keys.add(t.dialogKey);
    }
    if (t.items.length !== 2) problems.push(`${t.number}: ${t.items.length} items`);
  }
  const ids = new Set(tickets.map((t) => t.id));
  const items = await store.db.selectFrom('ticket_items').select('ticket_id').execute();
  const events = await store.db.selectFrom('ticket_events').select(['ticket_id', 'kind']).execute();
  if (items.some((i) => !ids.has(i.ticket_id))) problems.push('orphan items');
  if (events.some((e) => !ids.has(e.ticket_id))) problems.push('orphan events');
  const withCreated = new Set(events.filter((e) => e.kind === 'created').map((e) => e.ticket_id));
  for (const t of tickets) if (!withCreated.has(t.id)) problems.push(`${t.number}: no created event`);
  return problems;
}

// ---------------------------------------------------------------------------
// Store scenarios

/** kill -9 at a random moment while tickets are committed (the commit of 确认). */
async function killDuringConfirm(backend: BackendName, size: Size, env: SuiteEnv): Promise<Figures> {
  const opts = storeOptions(backend, env, 'kill9');
  const store = await openStore(opts);
  const details: string[] = [];
  let tried = 0;
  let survived = 0;
  let lost = 0;
  const until = Date.now() + 300_000;
  try {
    for (let run = 0; run < size.kills && Date.now() < until; run++) {
      tried++;
      const committed: string[] = [];
      const delay = Math.floor(Math.random() * 150);
      const r = await child('test/reliability/confirm-child.ts', [JSON.stringify(opts), `r${run}`], (line, kill) => {
        if (line === 'ready') setTimeout(kill, delay);
        else if (line.startsWith('committed ')) committed.push(line.slice(10));
      });
      if (r.signal !== 'SIGKILL') details.push(`run ${run}: child ended ${r.code} ${r.err.slice(0, 200)}`);
      // Every confirmation the child saw committed is there, whole; nothing is half there.
      let missing = 0;
      for (const key of committed) if (!(await store.tickets.getByDialogKey(key))) missing++;
      const problems = await storeProblems(store);
      lost += missing;
      if (missing || problems.length) details.push(`run ${run}: ${missing} missing; ${problems.join(', ')}`);
      else survived++;
    }
  } finally {
    await store.close();
  }
  const total = (await (async () => {
    const s = await openStore(opts);
    try {
      return (await s.tickets.list()).length;
    } finally {
      await s.close();
    }
  })());
  return { tried, survived, lost, note: `${total} tickets committed in total, 0 half`, details };
}

/** Several processes start on one new SQLite file at the same moment and write. */
async function sqliteProcesses(size: Size, env: SuiteEnv): Promise<Figures> {
  const file = path.join(env.dir, 'procs', 'daiban.sqlite');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const runs = Array.from({ length: size.processes }, (_, i) => child('test/reliability/sqlite-child.ts', [file, `p${i}`, String(size.ticketsEach)]));
  await sleep(1500);
  fs.writeFileSync(`${file}.go`, '');
  const results = await Promise.all(runs);
  const tried = size.processes * size.ticketsEach;
  const made = results.reduce((n, r) => n + Number(/^ok (\d+)$/m.exec(r.lines.join('\n'))?.[1] ?? 0), 0);
  const failed = results.filter((r) => r.code !== 0);
  return {
    tried,
    survived: made,
    lost: tried - made,
    note: `${size.processes} processes, ${failed.length} failed to start or write`,
    details: failed.map((r) => r.err.slice(0, 300)),
  };
}

/** Queries through a proxy that is cut for a while: every query answers or fails typed, fast; work resumes. */
async function pgOutage(size: Size, env: SuiteEnv): Promise<Figures> {
  const proxy = await TcpProxy.start(Number(new URL(PG_URL).port || 5432));
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  const timeouts: Partial<PgTimeouts> = { connectMs: 1000, queryMs: 1500 };
  const store = await openStore({ ...storeOptions('postgres', env, 'outage'), databaseUrl: proxy.url(PG_URL), pgTimeouts: timeouts });
  let tried = 0;
  let survived = 0;
  let apologised = 0;
  let slowest = 0;
  const details: string[] = [];
  const n = size.outageQueries;
  try {
    for (let i = 0; i < n; i++) {
      if (i === Math.floor(n / 3)) proxy.cut();
      if (i === Math.floor((2 * n) / 3)) proxy.restore();
      tried++;
      const t0 = Date.now();
      try {
        await store.tickets.list({ limit: 5 });
        survived++;
      } catch (err) {
        if (err instanceof DependencyError) {
          survived++;
          apologised++;
        } else details.push(`query ${i}: ${(err as Error).message}`);
      }
      slowest = Math.max(slowest, Date.now() - t0);
      await sleep(30);
    }
    // After the outage, work resumes.
    try {
      await store.tickets.list({ limit: 1 });
    } catch (err) {
      details.push(`after restore: ${(err as Error).message}`);
    }
  } finally {
    await store.close();
    await proxy.close();
    process.off('uncaughtException', onCrash);
  }
  const lost = tried - survived + (details.some((d) => d.startsWith('after restore')) ? 1 : 0) + crashes.length;
  return { tried, survived, lost, note: `${crashes.length} crashes; ${apologised} typed DependencyError (apology); slowest ${slowest} ms`, details };
}

/** Queries while the link hangs (blackhole), with the production timeouts: each ends within 10 s. */
async function pgHang(size: Size, env: SuiteEnv): Promise<Figures> {
  const proxy = await TcpProxy.start(Number(new URL(PG_URL).port || 5432));
  const store = await openStore({ ...storeOptions('postgres', env, 'hang'), databaseUrl: proxy.url(PG_URL) });
  const details: string[] = [];
  let slowest = 0;
  let within = 0;
  try {
    await store.tickets.list({ limit: 1 });
    proxy.blackhole();
    const results = await Promise.all(
      Array.from({ length: size.hangQueries }, async (_, i) => {
        const t0 = Date.now();
        // Bounded even if the code under test were not: the race gives up at 15 s.
        const outcome = await Promise.race([
          store.tickets.list({ limit: 5 }).then(
            () => 'ok',
            (err: unknown) => (err instanceof DependencyError ? 'apology' : `error: ${(err as Error).message}`),
          ),
          sleep(15_000).then(() => 'hung'),
        ]);
        const ms = Date.now() - t0;
        slowest = Math.max(slowest, ms);
        if ((outcome === 'ok' || outcome === 'apology') && ms <= 10_000) within++;
        else details.push(`query ${i}: ${outcome} after ${ms} ms`);
      }),
    );
    void results;
    proxy.restore();
    await store.tickets.list({ limit: 1 }).catch((err: unknown) => details.push(`after restore: ${(err as Error).message}`));
  } finally {
    await store.close();
    await proxy.close();
  }
  const t = DEFAULT_PG_TIMEOUTS;
  return {
    tried: size.hangQueries,
    survived: within,
    lost: size.hangQueries - within,
    note: `slowest ${slowest} ms (connect ${t.connectMs} ms, query ${t.queryMs} ms timeouts)`,
    details,
  };
}

// ---------------------------------------------------------------------------
// Model scenarios

async function withModel<T>(fn: (fake: FakeOpenAI, engine: Engine & { close(): Promise<void> }, dir: string) => Promise<T>, env: SuiteEnv): Promise<T> {
  const fake = await FakeOpenAI.start();
  const dir = fs.mkdtempSync(path.join(env.dir, 'llm-'));
  const engine = await openAnswerer(loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: dir }));
  try {
    return await fn(fake, engine, dir);
  } finally {
    await engine.close();
    await fake.close();
  }
}

const QUESTIONS = ['甲镇能办食品经营许可吗', '乙街道能办食品经营许可吗', '甲镇能办个体户登记吗', '对外贸易经营者备案登记还要办吗', '开饭店要办什么'];

/** A faulty model (slow, 5xx, 429, malformed, wrong shape, empty): every question answered by template within the timeout. */
async function llmFaults(size: Size, env: SuiteEnv): Promise<Figures> {
  return withModel(async (fake, engine, dir) => {
    const timeoutMs = 400;
    const faults: FakeReply[] = [
      { delayMs: 3000, content: {} },
      { status: 500 },
      { status: 503 },
      { status: 429 },
      { raw: '{"choices": [' },
      { content: 'not json at all' },
      { content: { text: 'wrong shape' } },
      { content: '' },
    ];
    const llm = createLlmAnswerer(
      engine,
      loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: dir, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, OPENAI_TIMEOUT_MS: String(timeoutMs) }).openai!,
    );
    let tried = 0;
    let survived = 0;
    let slowest = 0;
    const details: string[] = [];
    for (let i = 0; i < size.llmFaults; i++) {
      const fault = faults[i % faults.length]!;
      fake.chat = () => fault;
      const q = QUESTIONS[i % QUESTIONS.length]!;
      const template = (await engine.ask(q)).answer;
      tried++;
      const t0 = Date.now();
      try {
        const r = await llm.ask(q);
        const ms = Date.now() - t0;
        slowest = Math.max(slowest, ms);
        if (r.answer === template && ms <= timeoutMs + 1000) survived++;
        else details.push(`${q} (${JSON.stringify(fault).slice(0, 40)}): ${ms} ms, ${JSON.stringify(r.path)}`);
      } catch (err) {
        details.push(`${q}: threw ${(err as Error).message}`);
      }
    }
    return { tried, survived, lost: tried - survived, note: `timeout ${timeoutMs} ms, slowest answer ${slowest} ms`, details };
  }, env);
}

/** The scripted lies: none reaches a user. */
async function llmLies(size: Size, env: SuiteEnv): Promise<Figures> {
  return withModel(async (fake, engine, dir) => {
    const llm = createLlmAnswerer(
      engine,
      loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: dir, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, OPENAI_DAILY_TOKEN_BUDGET: '100000000' }).openai!,
    );
    let lies = allLies();
    if (size.lies > 0) lies = lies.filter((_, i) => i % Math.ceil(lies.length / size.lies) === 0);
    const templates = new Map<string, string>();
    const details: string[] = [];
    let survived = 0;
    const kinds = new Map<string, number>();
    for (const lie of lies) {
      if (!templates.has(lie.question)) templates.set(lie.question, (await engine.ask(lie.question)).answer);
      fake.chat = (body) => {
        if (systemPrompt(body) !== WORDING_PROMPT) return { content: { query: '', town: null } };
        const facts = userJson(body).facts as { items?: { name: string }[] };
        return { content: { reply: lie.reply, items: (facts.items ?? []).map((i) => i.name) } };
      };
      const r = await llm.ask(lie.question);
      if (r.answer === templates.get(lie.question)) survived++;
      else {
        kinds.set(lie.kind, (kinds.get(lie.kind) ?? 0) + 1);
        details.push(`[${lie.kind}] ${lie.reply}`);
      }
    }
    return { tried: lies.length, survived, lost: lies.length - survived, note: `${new Set(lies.map((l) => l.kind)).size} kinds of lie`, details };
  }, env);
}

// ---------------------------------------------------------------------------
// Personal data

/** 13812345678 / 430181199001011234 / 6222021234567890128 in the forms people type. */
export const PII_FORMS: { form: string; digits: string }[] = [
  { form: '13812345678', digits: '13812345678' },
  { form: '138 1234 5678', digits: '13812345678' },
  { form: '138-1234-5678', digits: '13812345678' },
  { form: '１３８１２３４５６７８', digits: '13812345678' },
  { form: '一三八一二三四五六七八', digits: '13812345678' },
  { form: '幺三八 一二三四 五六七八', digits: '13812345678' },
  { form: '壹叁捌壹贰叁肆伍陆柒捌', digits: '13812345678' },
  { form: '1 3 8 1 2 3 4 5 6 7 8', digits: '13812345678' },
  { form: '430181199001011234', digits: '430181199001011234' },
  { form: '4301 8119 9001 0112 34', digits: '430181199001011234' },
  { form: '四三零一八一一九九零零一零一一二三四', digits: '430181199001011234' },
  { form: '6222021234567890128', digits: '6222021234567890128' },
  { form: '6222 0212 3456 7890 128', digits: '6222021234567890128' },
  { form: '六二二二零二一二三四五六七八九零一二八', digits: '6222021234567890128' },
];

const CN_TO_DIGIT: Record<string, string> = { 零: '0', 一: '1', 幺: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9', 壹: '1', 贰: '2', 叁: '3', 肆: '4', 伍: '5', 陆: '6', 柒: '7', 捌: '8', 玖: '9' };
/** Whether a text still holds the number (its middle six digits), in any form. */
export function leaks(text: string, digits: string): boolean {
  const flat = text
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[零一幺二三四五六七八九壹贰叁肆伍陆柒捌玖]/g, (c) => CN_TO_DIGIT[c]!)
    .replace(/[^\d*]/g, '');
  return flat.includes(digits.slice(4, 10));
}

/** Personal data typed in every form: never in logs, model requests, the unanswered log or group replies. */
async function piiScan(_size: Size, env: SuiteEnv): Promise<Figures> {
  return withModel(async (fake, engine0, dir) => {
    await engine0.close();
    let logText = '';
    const logger = createLogger({ logLevel: 'debug', logFormat: 'json' }, { stream: new Writable({ write: (c, _e, cb) => ((logText += String(c)), cb()) }) });
    const store = await openStore({ databaseUrl: null, sqlitePath: path.join(dir, 'pii.sqlite') });
    const engine = await openAnswerer(loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: path.join(dir, 'e') }), { unanswered: store.unanswered, logger });
    fake.chat = (body) => {
      if (systemPrompt(body) !== WORDING_PROMPT) return { content: { query: '食品经营许可', town: null } };
      const u = userJson(body);
      const facts = u.facts as { items?: { name: string }[] };
      return { content: { reply: String(u.template), items: (facts.items ?? []).map((i) => i.name) } };
    };
    const config = loadConfig({ KNOWLEDGE_DIR: VALID_KB, DATA_DIR: dir, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, OPENAI_DAILY_TOKEN_BUDGET: '100000000' });
    const llm = createLlmAnswerer(engine, config.openai!, { logger });
    const app = createApp(config, { answerer: llm, store: memoryStore(), logger, clock: () => Date.now() });
    const sinks = ['logs', 'model requests', 'unanswered log', 'group replies'] as const;
    const details: string[] = [];
    let tried = 0;
    let lost = 0;
    let n = 0;
    try {
      for (const { form, digits } of PII_FORMS) {
        for (const text of [`我的电话${form}，甲镇能办食品经营许可吗`, `${form} 这个号码帮我查一下`, `联系我${form}`]) {
          fake.reset();
          logText = '';
          const msg: Inbound = {
            id: `pii${++n}`,
            chat: { channel: 'test', kind: 'group', id: 'g@chatroom' },
            sender: { channel: 'test', id: `u${n}`, name: '张老板' },
            text,
            mentioned: true,
            timestamp: Date.now(),
          };
          const replies = await app.handle(msg);
          const unanswered = (await store.unanswered.list()).map((u) => JSON.stringify(u)).join('\n');
          const seen: Record<(typeof sinks)[number], string> = {
            logs: logText,
            'model requests': fake.requests.map((r) => r.raw).join('\n'),
            'unanswered log': unanswered,
            'group replies': replies.filter((r) => r.to.kind === 'group').map((r) => r.text).join('\n'),
          };
          for (const sink of sinks) {
            tried++;
            if (leaks(seen[sink], digits)) {
              lost++;
              details.push(`${sink}: 「${text}」`);
            }
          }
        }
      }
    } finally {
      await app.close();
      await engine.close();
      await store.close();
    }
    return { tried, survived: tried - lost, lost, note: `${PII_FORMS.length} forms × 3 messages × ${sinks.length} sinks`, details };
  }, env);
}

/** The log file's disk is full (/dev/full): logging degrades, the bot never crashes. */
async function logDiskFull(): Promise<Figures> {
  if (!fs.existsSync('/dev/full')) return { tried: 0, survived: 0, lost: 0, note: '/dev/full not available' };
  let errText = '';
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  const notice = new Promise<void>((resolve) => {
    const errorOutput = new Writable({
      write: (c, _e, cb) => {
        errText += String(c);
        if (errText.includes('last line')) resolve();
        cb();
      },
    });
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, { file: '/dev/full', errorOutput });
    for (let i = 0; i < 1000; i++) logger.info({ i }, `line ${i}`);
    // Lines after the failure reach the error output.
    setTimeout(() => logger.info('last line'), 100);
  });
  await Promise.race([notice, sleep(15_000)]);
  process.off('uncaughtException', onCrash);
  const notices = (errText.match(/日志写入失败/g) ?? []).length;
  const ok = crashes.length === 0 && notices === 1 && errText.includes('last line');
  return { tried: 1000, survived: ok ? 1000 : 0, lost: ok ? 0 : 1000, note: `${crashes.length} crashes, ${notices} notice(s) on stderr` };
}

// ---------------------------------------------------------------------------
// Turn-pipeline scenarios (the production app: gate, dialog, tickets, outbox)

const KNOWLEDGE = path.join(ROOT, 'knowledge');
const STAFF_ROOM = 'yongan-staff@chatroom';
/** The crash tests' configuration: real knowledge, one staff room; a person may type the dialog quickly. */
const appEnv = (dataDir: string) => ({ KNOWLEDGE_DIR: KNOWLEDGE, DATA_DIR: dataDir, STAFF_ROOMS: `${STAFF_ROOM}=永安镇`, RATE_PERSON: '100/60' });
/** A requester's confirmation names the ticket (PostgreSQL may skip a number a rolled-back turn took). */
const TICKET = /#\d+（DB-\d{8}-\d{4}）/;
/** The 代办 dialog of test/fixtures/app-turn-child.ts, before 「确认」. */
const DIALOG = ['永安镇能办食品经营许可吗', '帮我代办', '浏阳市永安镇张记餐馆', '无', '张三', '13812345678', '营业执照'];

/** A fresh DATA_DIR with the knowledge index already built (built once per suite run). */
async function dataDirWithIndex(env: SuiteEnv, name: string): Promise<string> {
  if (!env.indexData) {
    const dir = path.join(env.dir, 'index-build');
    const opened = await openApp(loadConfig(appEnv(dir), ROOT), { logger: silentLogger(), tickets: false });
    await opened.close();
    env.indexData = dir;
  }
  const dir = fs.mkdtempSync(path.join(env.dir, `${name}-`));
  fs.cpSync(path.join(env.indexData, 'index'), path.join(dir, 'index'), { recursive: true });
  return dir;
}

const direct = (person: string, id: string, text: string): Inbound => ({
  id,
  chat: { channel: 'wechaty', kind: 'direct', id: person },
  sender: { channel: 'wechaty', id: person, name: '张老板' },
  text,
  mentioned: false,
  timestamp: Date.now(),
});

/** A channel that records what the outbox delivers through it. */
function recorder(): ChannelSender & { sent: Outbound[]; until(done: (sent: Outbound[]) => boolean, ms: number): Promise<boolean> } {
  const sent: Outbound[] = [];
  const waiters: (() => void)[] = [];
  return {
    name: 'wechaty',
    sent,
    async send(m) {
      sent.push(m);
      for (const w of waiters.splice(0)) w();
    },
    async until(done, ms) {
      const end = Date.now() + ms;
      while (!done(sent) && Date.now() < end) await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(Math.max(0, end - Date.now()))]);
      return done(sent);
    },
  };
}

/**
 * kill -9 inside the transaction of the 「确认」 turn (before COMMIT) or right
 * after it, alternately, in the app child of the crash test; then a restart
 * with a channel and the channel's re-delivery of the same 「确认」 (twice).
 * Exactly once: one ticket, one confirmation, one staff post, delivered.
 */
async function killTurnReplay(backend: BackendName, size: Size, env: SuiteEnv): Promise<Figures> {
  const details: string[] = [];
  let tried = 0;
  let survived = 0;
  let lost = 0;
  let duplicated = 0;
  const modes = { 'before-commit': 0, 'after-commit': 0 };
  const until = Date.now() + 300_000;
  for (let run = 0; run < size.turnKills && Date.now() < until; run++) {
    tried++;
    const mode = run % 2 === 0 ? 'before-commit' : 'after-commit';
    modes[mode]++;
    const dataDir = await dataDirWithIndex(env, `turn-${backend}-${run}`);
    const cfg = appEnv(dataDir);
    const store = backend === 'sqlite' ? { databaseUrl: null, sqlitePath: path.join(dataDir, 'daiban.sqlite') } : storeOptions(backend, env, `turn${run}`);
    const r = await child('test/fixtures/app-turn-child.ts', [JSON.stringify({ env: cfg, store }), mode]);
    const sawCommit = r.lines.includes('committed');
    if (r.signal !== 'SIGKILL' || sawCommit !== (mode === 'after-commit')) {
      details.push(`run ${run} (${mode}): child ended ${r.code}/${r.signal}, committed=${sawCommit} ${r.err.slice(0, 200)}`);
      lost++;
      continue;
    }
    const opened = await openApp(loadConfig(cfg, ROOT), { logger: silentLogger(), openStore: () => openStore(store) });
    try {
      const channel = recorder();
      opened.app.registerChannel(channel);
      const toZhang = (m: Outbound) => m.to.kind === 'direct' && m.to.id === 'zhang' && TICKET.test(m.text);
      const toStaff = (m: Outbound) => m.to.kind === 'group' && m.to.id === STAFF_ROOM;
      // The channel re-delivers 「确认」 after the restart, and once more.
      await opened.app.handle(direct('zhang', 'confirm', '确认'));
      const delivered = await channel.until((sent) => sent.some(toZhang) && sent.some(toStaff), 20_000);
      const again = await opened.app.handle(direct('zhang', 'confirm', '确认'));
      const tickets = (await opened.store.tickets.list()).length;
      const z = channel.sent.filter(toZhang).length;
      const st = channel.sent.filter(toStaff).length;
      if (delivered && tickets === 1 && z === 1 && st === 1 && again.length === 0) survived++;
      else {
        if (tickets > 1 || z > 1 || st > 1 || again.length) duplicated++;
        else lost++;
        details.push(`run ${run} (${mode}): ${tickets} tickets, ${z} confirmations, ${st} staff posts, re-delivery gave ${again.length}`);
      }
    } finally {
      await opened.close();
    }
  }
  return {
    tried,
    survived,
    lost: lost + duplicated,
    note: `${modes['before-commit']} killed before COMMIT, ${modes['after-commit']} after; ${duplicated} duplicated; re-delivered 确认 twice each`,
    details,
  };
}

/**
 * Four accounts @ the bot as fast as they can in one allowlisted group for a
 * minute (default limits: 6/60 a person, 20/60 a group); three members who
 * have not spoken ask in that minute and must each be answered. The first
 * member's follow-up questions in the same minute are counted in the note only:
 * the gate keeps its reserve for members who have not spoken.
 */
async function groupFlood(size: Size): Promise<Figures> {
  const GROUP = 'flood@chatroom';
  const config = loadConfig({ GROUP_ALLOWLIST: GROUP, KNOWLEDGE_DIR: VALID_KB, DATA_DIR: '/nonexistent' }, ROOT);
  let now = Date.parse('2026-03-02T02:00:00Z');
  const app = createApp(config, { answerer: new FakeAnswerer(), store: memoryStore(), logger: silentLogger(), clock: () => now });
  let n = 0;
  const say = (sender: string, text: string) =>
    app.handle({
      id: `f${++n}`,
      chat: { channel: 'test', kind: 'group', id: GROUP },
      sender: { channel: 'test', id: sender, name: sender },
      text,
      mentioned: true,
      timestamp: now,
    });
  const flooders = ['spam1', 'spam2', 'spam3', 'spam4'];
  const total = flooders.length * size.floodEach;
  const step = 60_000 / (total + 3);
  // Members who have not spoken ask at ~20 s, ~40 s and ~55 s into the flood; the first asks again at ~45 s and ~58 s.
  const asks = new Map([
    [Math.floor(total / 3), 'member1'],
    [Math.floor((2 * total) / 3), 'member2'],
    [Math.floor((11 * total) / 12), 'member3'],
  ]);
  const followUps = new Set([Math.floor((3 * total) / 4), Math.floor((29 * total) / 30)]);
  const real = (out: Outbound[]) => out.filter((o) => o.to.kind === 'group' && !o.text.includes(GROUP_RATE_NOTICE) && !o.text.includes(RATE_NOTICE));
  let tried = 0;
  let answered = 0;
  let floodAnswered = 0;
  let groupNotices = 0;
  let followTried = 0;
  let followAnswered = 0;
  const details: string[] = [];
  try {
    for (let i = 0; i < total; i++) {
      now += step;
      const out = await say(flooders[i % flooders.length]!, `永安镇能办食品经营许可吗 ${i}`);
      groupNotices += out.filter((o) => o.text.includes(GROUP_RATE_NOTICE)).length;
      if (real(out).length) floodAnswered++;
      const member = asks.get(i);
      if (member) {
        tried++;
        const mine = await say(member, '大瑶镇能办食品经营许可吗');
        if (real(mine).length) answered++;
        else details.push(`${member} at ${Math.round((i * step) / 1000)} s: ${mine.map((o) => o.text).join(' / ') || 'no reply'}`);
      }
      if (followUps.has(i)) {
        followTried++;
        if (real(await say('member1', '镇头镇能办食品经营许可吗')).length) followAnswered++;
      }
    }
  } finally {
    await app.close();
  }
  return {
    tried,
    survived: answered,
    lost: tried - answered,
    note: `${total} flood messages from 4 accounts in 60 s, ${floodAnswered} answered; group throttle notice sent ${groupNotices}×; member1's own follow-ups answered ${followAnswered} of ${followTried} (not counted)`,
    details,
  };
}

/**
 * Many people each run the whole 代办 dialog (question → 帮我代办 → answers →
 * 确认) at the same time through app.handle on one SQLite file: every one gets
 * a ticket, its confirmation and its staff post queued in the outbox.
 */
async function concurrentDialogs(size: Size, env: SuiteEnv): Promise<Figures> {
  const dataDir = await dataDirWithIndex(env, 'dialogs');
  const opened = await openApp(loadConfig(appEnv(dataDir), ROOT), { logger: silentLogger() });
  const details: string[] = [];
  const t0 = Date.now();
  let slowest = 0;
  try {
    const people = Array.from({ length: size.dialogs }, (_, i) => `p${String(i).padStart(3, '0')}`);
    const confirmations = new Map<string, number>();
    const failures: string[] = [];
    await Promise.all(
      people.map(async (person) => {
        const start = Date.now();
        try {
          for (const [i, text] of DIALOG.entries()) await opened.app.handle(direct(person, `${person}-${i}`, text));
          const out = await opened.app.handle(direct(person, `${person}-confirm`, '确认'));
          confirmations.set(person, out.filter((m) => m.to.kind === 'direct' && m.to.id === person && TICKET.test(m.text)).length);
        } catch (err) {
          failures.push(`${person}: ${(err as Error).message}`);
        }
        slowest = Math.max(slowest, Date.now() - start);
      }),
    );
    const tickets = await opened.store.tickets.list();
    const byPerson = new Map<string, number>();
    for (const t of tickets) byPerson.set(t.requesterId, (byPerson.get(t.requesterId) ?? 0) + 1);
    const queued = (await opened.store.outbox.list()).map((r) => r.message);
    let survived = 0;
    for (const person of people) {
      const t = byPerson.get(person) ?? 0;
      const confirmed = queued.filter((m) => m.to.kind === 'direct' && m.to.id === person && TICKET.test(m.text)).length;
      const ticket = tickets.find((x) => x.requesterId === person);
      const staff = ticket ? queued.filter((m) => m.to.kind === 'group' && m.to.id === STAFF_ROOM && m.text.includes(ticket.number)).length : 0;
      if (t === 1 && confirmed === 1 && staff === 1 && confirmations.get(person) === 1) survived++;
      else details.push(`${person}: ${t} tickets, ${confirmed} confirmations queued (${confirmations.get(person) ?? 0} returned), ${staff} staff posts`);
    }
    details.unshift(...failures);
    return {
      tried: people.length,
      survived,
      lost: people.length - survived,
      note: `${tickets.length} tickets; ${people.length * (DIALOG.length + 1)} turns in ${((Date.now() - t0) / 1000).toFixed(1)} s, slowest dialog ${(slowest / 1000).toFixed(1)} s`,
      details,
    };
  } finally {
    await opened.close();
  }
}

// ---------------------------------------------------------------------------
// The table

export const SCENARIOS: Scenario[] = [
  { name: 'kill -9 during 确认 commit', backend: 'sqlite', guarantee: 'no committed confirmation lost, no half or duplicate ticket', run: (s, e) => killDuringConfirm('sqlite', s, e) },
  { name: 'kill -9 during 确认 commit', backend: 'postgres', guarantee: 'no committed confirmation lost, no half or duplicate ticket', run: (s, e) => killDuringConfirm('postgres', s, e) },
  { name: 'processes sharing SQLite (first start + writes)', backend: 'sqlite', guarantee: 'every process migrates and writes; no "database is locked"', run: (s, e) => sqliteProcesses(s, e) },
  { name: 'PostgreSQL outage (TCP cut)', backend: 'postgres', guarantee: 'no crash; each query answers or apologises; work resumes', run: (s, e) => pgOutage(s, e) },
  { name: 'PostgreSQL hang (blackhole)', backend: 'postgres', guarantee: 'each query answers or apologises within 10 s', run: (s, e) => pgHang(s, e) },
  { name: 'LLM faults (slow, 5xx, 429, malformed)', backend: '—', guarantee: 'template reply within the timeout', run: (s, e) => llmFaults(s, e) },
  { name: 'LLM lies (scripted corpus)', backend: '—', guarantee: '0 lies reach a user', run: (s, e) => llmLies(s, e) },
  { name: 'personal data leak scan', backend: 'sqlite', guarantee: '0 leaks in logs, model requests, unanswered log, group replies', run: (s, e) => piiScan(s, e) },
  { name: 'log file on a full disk', backend: '—', guarantee: 'no crash; one notice; logging continues', run: () => logDiskFull() },
  { name: 'kill -9 inside the whole 确认 turn, replay after restart', backend: 'sqlite', guarantee: 'the turn is handled once; staff hear of every ticket', run: (s, e) => killTurnReplay('sqlite', s, e) },
  { name: 'kill -9 inside the whole 确认 turn, replay after restart', backend: 'postgres', guarantee: 'the turn is handled once; staff hear of every ticket', run: (s, e) => killTurnReplay('postgres', s, e) },
  { name: 'four-account flood in one group', backend: '—', guarantee: 'each member who has not spoken is answered', run: (s) => groupFlood(s) },
  { name: 'concurrent 代办 dialogs', backend: 'sqlite', guarantee: 'every dialog completes: one ticket, its confirmation and staff post queued', run: (s, e) => concurrentDialogs(s, e) },
];

export interface Row extends Figures {
  scenario: Scenario;
  seconds: number;
  skipped?: string;
}

export async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs the scenarios (all, or those whose name and backend match `only`), one after another. */
export async function runSuite(size: Size, filter: (s: Scenario) => boolean = () => true, onRow?: (row: Row) => void): Promise<Row[]> {
  const env: SuiteEnv = { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-reliability-')), pgProblem: await probePostgres(), schemas: [] };
  const rows: Row[] = [];
  try {
    for (const scenario of SCENARIOS.filter(filter)) {
      const t0 = Date.now();
      let row: Row;
      if (scenario.pending || !scenario.run) row = { scenario, tried: 0, survived: 0, lost: 0, seconds: 0, skipped: scenario.pending ?? 'not runnable' };
      else if (scenario.backend === 'postgres' && env.pgProblem) row = { scenario, tried: 0, survived: 0, lost: 0, seconds: 0, skipped: `PostgreSQL unreachable: ${env.pgProblem}` };
      else {
        try {
          row = { scenario, ...(await scenario.run(size, env)), seconds: (Date.now() - t0) / 1000 };
        } catch (err) {
          row = { scenario, tried: 1, survived: 0, lost: 1, seconds: (Date.now() - t0) / 1000, note: `scenario failed: ${(err as Error).message}` };
        }
      }
      rows.push(row);
      onRow?.(row);
    }
  } finally {
    if (env.schemas.length && !env.pgProblem) {
      const client = new pg.Client({ connectionString: PG_URL });
      client.on('error', () => undefined);
      await client.connect();
      for (const s of env.schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
      await client.end();
    }
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
  return rows;
}

export function formatTable(rows: Row[]): string {
  const lines = ['| scenario | backend | tried | survived | lost | notes | s |', '|---|---|---:|---:|---:|---|---:|'];
  for (const r of rows) {
    if (r.skipped) lines.push(`| ${r.scenario.name} | ${r.scenario.backend} | — | — | — | ${r.skipped} | |`);
    else lines.push(`| ${r.scenario.name} | ${r.scenario.backend} | ${r.tried} | ${r.survived} | ${r.lost} | ${r.note ?? ''} | ${r.seconds.toFixed(1)} |`);
  }
  return lines.join('\n');
}

// `npm run reliability [-- --small] [-- name-filter]`
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const size = args.includes('--small') ? SMALL : FULL;
  const words = args.filter((a) => !a.startsWith('--'));
  const filter = (s: Scenario) => !words.length || words.some((w) => `${s.name} ${s.backend}`.includes(w));
  console.log(`daiban reliability suite (${size === SMALL ? 'small' : 'full'} run), ${new Date().toISOString()}`);
  const rows = await runSuite(size, filter, (row) => {
    const fig = row.skipped ? `skipped (${row.skipped})` : `tried ${row.tried}, survived ${row.survived}, lost ${row.lost}${row.note ? `; ${row.note}` : ''}`;
    console.log(`- ${row.scenario.name} [${row.scenario.backend}]: ${fig}`);
    for (const d of (row.details ?? []).slice(0, 5)) console.log(`    ${d}`);
  });
  console.log(`\n${formatTable(rows)}`);
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  process.exitCode = lost ? 1 : 0;
}
