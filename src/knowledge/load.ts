// Loads a knowledge folder into one validated, Simplified-Chinese model and
// collects every problem on the way (never stops at the first).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Problem } from '../errors.ts';
import { KnowledgeError } from '../errors.ts';
import { toSimplified } from '../text/normalize.ts';
import { crossCheck } from './check.ts';
import {
  DEVOLUTION_ALIASES,
  DEVOLUTION_MODES,
  LIST_OPTIONAL_COLUMNS,
  SYNONYM_COLUMNS,
  NOT_HELD_COLUMNS,
  notHeldRowSchema,
  type NotHeldRow,
  type DevolutionMode,
  departmentsSchema,
  evalFileSchema,
  guideFrontSchema,
  itemsFileSchema,
  listRowSchema,
  regionsSchema,
  scenariosSchema,
  synonymRowSchema,
  type Department,
  type EvalCase,
  type GuideFront,
  type Item,
  type ListRow,
  type Regions,
  type Scenario,
  type SynonymRow,
} from './schemas.ts';
import { YamlSource, decodeText, describeIssue, fieldName, readCsv, splitFrontMatter } from './sources.ts';
import { didYouMean } from './suggest.ts';
import { compact } from '../text/normalize.ts';

/** Where a record came from, for cross-check messages. */
export interface Origin {
  file: string;
  line?: number;
  /** Line of each field of the record, where known (for cross-check messages). */
  fields?: Record<string, number>;
}

export interface ListEntry extends Omit<ListRow, '序号' | '下放方式'> {
  /** As published, or the row's position when the list has no 序号 column. */
  序号: number;
  /** What the row's 下放方式 means; undefined when the list does not say. */
  下放方式?: DevolutionMode;
  /** The 下放方式 as the county wrote it (委托下放, 服务窗口前移 …). */
  modeName?: string;
  town: string;
  origin: Origin;
}

/** A row that does not apply today: withdrawn (收回) or not yet in force. */
export interface InactiveEntry extends ListEntry {
  state: 'withdrawn' | 'pending';
}

export interface Guide extends GuideFront {
  body: string;
  origin: Origin;
  /** Line of the file where the body starts. */
  bodyLine: number;
}

export interface Knowledge {
  dir: string;
  /** Hash over every file's path and content; changes when anything changes. */
  hash: string;
  regions: Regions;
  departments: Department[];
  items: Item[];
  itemOrigins: Map<string, Origin>;
  /** Devolved lists by town name: the rows in force on the day the folder was loaded. */
  lists: Map<string, ListEntry[]>;
  /** Rows withdrawn or not yet in force, by town name (for "收回了" / "将于…起" replies). */
  inactive: Map<string, InactiveEntry[]>;
  /** List files that exist per town, even if unreadable (so no false "没有下放清单"). */
  listFiles: Map<string, string[]>;
  guides: Guide[];
  scenarios: Scenario[];
  scenarioOrigins: Map<string, Origin>;
  synonyms: (SynonymRow & { origin: Origin })[];
  /** Things asked about that no item covers (not_held.csv), declined with where they are done. */
  notHeld: (NotHeldRow & { origin: Origin })[];
  eval: Map<string, (EvalCase & { origin: Origin })[]>;
}

export interface LoadResult {
  knowledge: Knowledge | null;
  problems: Problem[];
}

/** Recursively converts every string to Simplified Chinese. */
function simplifyDeep<T>(value: T): T {
  if (typeof value === 'string') return toSimplified(value) as T;
  if (Array.isArray(value)) return value.map(simplifyDeep) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toSimplified(k), simplifyDeep(v)])) as T;
  }
  return value;
}

const rel = (dir: string, file: string) => path.relative(dir, file) || file;

function listFiles(dir: string, ext: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.toLowerCase().endsWith(ext))
    .map((d) => path.join(dir, d.name))
    .sort();
}

/** Parses one YAML file against a schema; returns null on any problem (already recorded). */
function readYaml<S extends z.ZodType>(
  dir: string,
  file: string,
  schema: S,
  problems: Problem[],
): { data: z.infer<S>; source: YamlSource } | null {
  const name = rel(dir, file);
  const source = YamlSource.parse(name, fs.readFileSync(file, 'utf8'), problems);
  if (!source) return null;
  const parsed = schema.safeParse(simplifyDeep(source.value), { reportInput: true });
  if (!parsed.success) {
    problems.push(...source.issues(parsed.error));
    return null;
  }
  return { data: parsed.data, source };
}

/**
 * The rows of an optional top-level CSV file (synonyms.csv, not_held.csv), each parsed against its schema
 * with its line; the first `required` columns must be in the header. Problems are recorded by file, line, field.
 */
function readRows<S extends z.ZodType>(
  dir: string,
  name: string,
  columns: readonly string[],
  required: number,
  schema: S,
  problems: Problem[],
): (z.infer<S> & { origin: Origin })[] {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) return [];
  const out: (z.infer<S> & { origin: Origin })[] = [];
  const records = readCsv(name, fs.readFileSync(file, 'utf8'), { required: columns.slice(0, required), optional: columns.slice(required) }, problems);
  for (const rec of records ?? []) {
    const parsed = schema.safeParse(simplifyDeep(rec.values), { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ file: name, line: rec.line, field: String(issue.path[0] ?? ''), message: describe(issue), severity: 'error' });
      }
      continue;
    }
    out.push({ ...(parsed.data as object), origin: { file: name, line: rec.line } } as z.infer<S> & { origin: Origin });
  }
  return out;
}

/** Every file that feeds the index (eval sets excluded), sorted. */
export function knowledgeFiles(dir: string): string[] {
  const top = ['regions.yaml', 'departments.yaml', 'scenarios.yaml', 'synonyms.csv', 'not_held.csv']
    .map((n) => path.join(dir, n))
    .filter((f) => fs.existsSync(f));
  return [
    ...top,
    ...listFiles(path.join(dir, 'items'), '.yaml'),
    ...listFiles(path.join(dir, 'items'), '.yml'),
    ...listFiles(path.join(dir, 'lists'), '.csv'),
    ...[path.join(dir, 'lists', 'towns.yaml')].filter((f) => fs.existsSync(f)),
    ...listFiles(path.join(dir, 'guides'), '.md'),
  ];
}

/** Hash over the knowledge files' names and contents: cheap staleness check without parsing. */
export function hashKnowledge(dirArg: string): string {
  const dir = path.resolve(dirArg);
  const hash = crypto.createHash('sha256');
  for (const file of knowledgeFiles(dir)) hash.update(rel(dir, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export interface LoadOptions {
  /** The day rows are judged in force against (生效日期/收回日期); default today in China (UTC+8). */
  today?: string;
}

const chinaToday = (): string => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const ALL_TOWNS = new Set(['全部', '所有', '全部乡镇', '所有乡镇', '各乡镇', '各乡镇街道', '各镇街', '全县', '全部镇街', '所有镇街', '各镇', '各街道', '全部镇街道']);

export function loadKnowledge(dirArg: string, opts: LoadOptions = {}): LoadResult {
  const today = opts.today ?? chinaToday();
  const dir = path.resolve(dirArg);
  const problems: Problem[] = [];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    return {
      knowledge: null,
      problems: [{ file: dirArg, message: '知识库目录不存在', expected: '包含 regions.yaml 等文件的目录（见 knowledge/README.md）', severity: 'error' }],
    };
  }

  const required = (name: string) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) {
      problems.push({ file: name, message: '缺少文件', expected: `在 ${dirArg} 下创建 ${name}（格式见 knowledge/README.md）`, severity: 'error' });
      return null;
    }
    return file;
  };

  // regions.yaml
  const regionsFile = required('regions.yaml');
  const regions = regionsFile ? readYaml(dir, regionsFile, regionsSchema, problems)?.data ?? null : null;

  // departments.yaml
  const departmentsFile = required('departments.yaml');
  const departments = departmentsFile ? readYaml(dir, departmentsFile, departmentsSchema, problems)?.data ?? null : null;

  // items/*.yaml
  const items: Item[] = [];
  const itemOrigins = new Map<string, Origin>();
  const nameField = new Map<string, string | undefined>();
  const itemFiles = [...listFiles(path.join(dir, 'items'), '.yaml'), ...listFiles(path.join(dir, 'items'), '.yml')];
  if (itemFiles.length === 0) {
    problems.push({ file: 'items/', message: '事项目录是空的：机器人还答不了任何事项', expected: '用 daiban kb import … --scaffold-items 从清单生成草稿，或在 items/ 下写 .yaml', severity: 'warning' });
  }
  let itemsOk = true;
  /** Text of catalogue files that could not be read: names in them are not "unknown", only unread. */
  const unreadItems: string[] = [];
  for (const file of itemFiles) {
    const res = readYaml(dir, file, itemsFileSchema, problems);
    if (!res) {
      itemsOk = false;
      unreadItems.push(compact(toSimplified(fs.readFileSync(file, 'utf8'))));
      continue;
    }
    res.data.forEach((item, i) => {
      const fields: Record<string, number> = {};
      for (const f of ['name', 'department', 'aliases', 'legal_limit', 'promised_limit', 'parent', 'fee', 'type']) {
        const line = res.source.lineOf([i, f]);
        if (line !== undefined) fields[f] = line;
      }
      const elsewhere = res.source.lineOf([i, 'elsewhere', 'department']);
      if (elsewhere !== undefined) fields['elsewhere.department'] = elsewhere;
      const origin = { file: rel(dir, file), line: res.source.lineOf([i]), fields };
      const prev = itemOrigins.get(item.name);
      if (prev) {
        // Blame the copy: the file changed last; when that cannot be told, both places.
        const mtime = (f: string) => fs.statSync(path.join(dir, f)).mtimeMs;
        const newer = prev.file === origin.file ? 0 : mtime(origin.file) - mtime(prev.file);
        const dup = (at: Origin, other: Origin, f: string | undefined) =>
          problems.push({
            file: at.file,
            line: at.fields?.name ?? at.line,
            field: f,
            message: `事项名称「${item.name}」重复，另一处在 ${other.file}:${other.fields?.name ?? other.line}`,
            expected: '每个事项名称全县唯一：删除多余的一条，或改名',
            severity: 'error',
          });
        if (newer >= -1000) dup(origin, prev, fieldName([i, 'name']));
        if (newer <= 1000 && prev.file !== origin.file) dup(prev, origin, nameField.get(item.name));
        return;
      }
      itemOrigins.set(item.name, origin);
      nameField.set(item.name, fieldName([i, 'name']));
      items.push(item);
    });
  }

  // lists/*.csv: one town per file (file name), or several (适用乡镇 column / lists/towns.yaml).
  const { lists, inactive, listFilesByTown } = readLists(dir, regions, today, problems);
  for (const file of listFiles(path.join(dir, 'lists'), '.xlsx')) {
    problems.push({
      file: rel(dir, file),
      message: 'Excel 清单不会被直接读取',
      expected: `先运行 daiban kb import ${rel(dir, file)} --town 镇名 转成 CSV`,
      severity: 'warning',
    });
  }

  // guides/*.md
  const guides: Guide[] = [];
  for (const file of listFiles(path.join(dir, 'guides'), '.md')) {
    const name = rel(dir, file);
    const split = splitFrontMatter(name, fs.readFileSync(file, 'utf8'), problems);
    if (!split) continue;
    const source = YamlSource.parse(name, split.front, problems, 1);
    if (!source) continue;
    const parsed = guideFrontSchema.safeParse(simplifyDeep(source.value ?? {}), { reportInput: true });
    if (!parsed.success) {
      problems.push(...source.issues(parsed.error));
      continue;
    }
    if (!split.body.trim()) {
      problems.push({ file: name, line: split.bodyLine, message: '指南正文是空的', expected: '在 front matter 之后写办事说明', severity: 'error' });
      continue;
    }
    guides.push({ ...parsed.data, body: toSimplified(split.body), origin: { file: name, line: 1 }, bodyLine: split.bodyLine });
  }

  // scenarios.yaml
  const scenarioOrigins = new Map<string, Origin>();
  let scenarios: Scenario[] = [];
  const scenariosFile = path.join(dir, 'scenarios.yaml');
  if (fs.existsSync(scenariosFile)) {
    const res = readYaml(dir, scenariosFile, scenariosSchema, problems);
    if (res) {
      scenarios = res.data;
      res.data.forEach((s, i) => scenarioOrigins.set(s.name, { file: 'scenarios.yaml', line: res.source.lineOf([i]) }));
    }
  }

  // synonyms.csv, not_held.csv
  const synonyms = readRows(dir, 'synonyms.csv', SYNONYM_COLUMNS, 2, synonymRowSchema, problems);
  const notHeld = readRows(dir, 'not_held.csv', NOT_HELD_COLUMNS, 1, notHeldRowSchema, problems);

  // eval/*.yaml (checked like everything else, but not part of the index hash)
  const evalSets = new Map<string, (EvalCase & { origin: Origin })[]>();
  for (const file of listFiles(path.join(dir, 'eval'), '.yaml')) {
    const res = readYaml(dir, file, evalFileSchema, problems);
    if (!res) continue;
    evalSets.set(
      rel(dir, file),
      res.data.map((c, i) => ({ ...c, origin: { file: rel(dir, file), line: res.source.lineOf([i]) } })),
    );
  }

  if (!regions || !departments) {
    return { knowledge: null, problems: unique(problems) };
  }
  const knowledge: Knowledge = {
    dir,
    hash: hashKnowledge(dir),
    regions,
    departments,
    items,
    itemOrigins,
    lists,
    inactive,
    listFiles: listFilesByTown,
    guides,
    scenarios,
    scenarioOrigins,
    synonyms,
    notHeld,
    eval: evalSets,
  };
  if (!itemsOk) {
    // Every problem still counts: the lists, guides and scenarios are checked against the items that could be read.
    // A name found in an unreadable catalogue file is not reported as unknown (that would be a cascade); any other is.
    const unread = (p: Problem) => {
      const m = /「([^」]+)」不在事项目录里/.exec(p.message);
      return !!m && unreadItems.some((text) => text.includes(compact(toSimplified(m[1]!))));
    };
    problems.push(...crossCheck(knowledge).filter((p) => !unread(p)));
    return { knowledge: null, problems: unique(problems) };
  }
  problems.push(...crossCheck(knowledge));
  return { knowledge, problems: unique(problems) };
}

/** The same problem at the same place is reported once (a YAML parser may report one fault several times). */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    // One syntax fault is one problem, though the parser may describe it several ways at the same line.
    const message = p.message.startsWith('YAML 格式错误') ? 'YAML' : p.message;
    const key = [p.file, p.line ?? '', p.field ?? '', message, p.severity].join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads every list file; rows are split per town and by whether they are in force on `today`. */
function readLists(
  dir: string,
  regions: Regions | null,
  today: string,
  problems: Problem[],
): { lists: Map<string, ListEntry[]>; inactive: Map<string, InactiveEntry[]>; listFilesByTown: Map<string, string[]> } {
  const lists = new Map<string, ListEntry[]>();
  const inactive = new Map<string, InactiveEntry[]>();
  const listFilesByTown = new Map<string, string[]>();
  const towns = regions?.towns ?? [];
  const townByKey = new Map<string, string>();
  for (const t of towns) for (const key of [t.name, ...t.aliases]) townByKey.set(compact(toSimplified(key)), t.name);
  const townNames = towns.map((t) => t.name);
  const modeByName = new Map<string, DevolutionMode>(Object.entries(DEVOLUTION_ALIASES));
  for (const m of regions?.modes ?? []) modeByName.set(compact(m.name), m.meaning);

  // lists/towns.yaml: { 文件名.csv: [镇, 镇] | 全部 }
  const mapping = new Map<string, { towns: string[]; line?: number }>();
  const mappingFile = path.join(dir, 'lists', 'towns.yaml');
  if (fs.existsSync(mappingFile)) {
    const src = YamlSource.parse('lists/towns.yaml', fs.readFileSync(mappingFile, 'utf8'), problems);
    const value = src?.value;
    if (src && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      problems.push({ file: 'lists/towns.yaml', line: 1, message: '应为「文件名: [镇, 镇]」的对照表', expected: '例如  全县清单.csv: [甲镇, 乙镇]  或  全县清单.csv: 全部', severity: 'error' });
    } else if (src) {
      for (const [fileName, raw] of Object.entries(value as Record<string, unknown>)) {
        const line = src.lineOfKey([], fileName);
        const names = (Array.isArray(raw) ? raw : [raw]).map((v) => toSimplified(String(v ?? '').trim())).filter(Boolean);
        const resolved: string[] = [];
        for (const n of names) {
          if (ALL_TOWNS.has(n)) resolved.push(...townNames);
          else if (townByKey.has(compact(n))) resolved.push(townByKey.get(compact(n))!);
          else if (regions) {
            const hint = didYouMean(n, townNames);
            problems.push({ file: 'lists/towns.yaml', line, field: fileName, message: `「${n}」不是 regions.yaml 里的镇/街道${hint ? `，${hint}` : ''}`, expected: townNames.join('、'), severity: 'error' });
          }
        }
        if (!fs.existsSync(path.join(dir, 'lists', fileName))) {
          problems.push({ file: 'lists/towns.yaml', line, field: fileName, message: `lists/ 下没有文件「${fileName}」`, expected: '写 lists/ 里清单文件的文件名（含 .csv）', severity: 'error' });
        }
        mapping.set(toSimplified(fileName), { towns: [...new Set(resolved)], line });
      }
    }
  }

  for (const file of listFiles(path.join(dir, 'lists'), '.csv')) {
    const name = rel(dir, file);
    const base = toSimplified(path.basename(file, path.extname(file)));
    const fileTown = townByKey.get(compact(base));
    const mapped = mapping.get(toSimplified(path.basename(file)));
    const fileTowns = mapped ? mapped.towns : fileTown ? [fileTown] : [];
    for (const t of fileTowns) listFilesByTown.set(t, [...(listFilesByTown.get(t) ?? []), name]);
    const { text, encoding } = decodeText(fs.readFileSync(file));
    if (encoding !== 'utf-8') {
      problems.push({
        file: name,
        line: 1,
        message: '文件不是 UTF-8 编码（看起来是 Excel 另存的 GBK/GB18030 “CSV（逗号分隔）”），内容会变成乱码，所以没有检查',
        expected: `运行 daiban kb import ${name} --dir <知识库目录> --town <镇名> --force 自动转码；或在 Excel 里“另存为 → CSV UTF-8（逗号分隔）”`,
        severity: 'error',
      });
      if (!fileTowns.length && fileTown === undefined && !mapped) listFilesByTown.set(base, [name]);
      continue;
    }
    const records = readCsv(name, text, { required: ['事项名称'], optional: LIST_OPTIONAL_COLUMNS }, problems);
    if (!records) continue;
    const hasTownColumn = records.some((r) => '适用乡镇' in r.values);
    if (!fileTowns.length && !hasTownColumn) {
      const hint = regions ? didYouMean(base, townNames) : '';
      problems.push({
        file: name,
        line: 1,
        message: `文件名里的「${base}」不是 regions.yaml 里的镇/街道${hint ? `，${hint}` : ''}`,
        expected: `文件名用镇/街道全称（${townNames.join('、')}）；一份清单给几个镇用时，加一列「适用乡镇」或在 lists/towns.yaml 写明`,
        severity: 'error',
      });
      continue;
    }
    let noMode = 0;
    let firstNoMode: number | undefined;
    records.forEach((rec, index) => {
      const parsed = listRowSchema.safeParse(simplifyDeep(rec.values), { reportInput: true });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push({
            file: name,
            line: rec.line,
            field: String(issue.path[0] ?? ''),
            message: issue.code === 'custom' ? issue.message : describe(issue),
            severity: 'error',
          });
        }
        return;
      }
      const row = parsed.data;
      const bad = (field: string, message: string, expected?: string) =>
        problems.push({ file: name, line: rec.line, field, message, expected, severity: 'error' });
      let mode: DevolutionMode | undefined;
      if (row.下放方式) {
        mode = modeByName.get(compact(row.下放方式));
        if (!mode) {
          const known = [...new Set([...DEVOLUTION_MODES, ...(regions?.modes ?? []).map((m) => m.name)])];
          const hint = didYouMean(row.下放方式, [...known, ...Object.keys(DEVOLUTION_ALIASES)]);
          bad(
            '下放方式',
            `「${row.下放方式}」不是认可的下放方式${hint ? `，${hint}` : ''}`,
            `${known.join(' / ')}（也接受 赋权、委托下放、服务前移 等）；本县自己的叫法请在 regions.yaml 的 modes 里写明含义`,
          );
          return;
        }
      } else {
        noMode++;
        firstNoMode ??= rec.line;
      }
      if (row.收回后去向 && !row.收回日期) bad('收回后去向', '写了收回后去向，但没有写收回日期', '收回日期写成 YYYY-MM-DD');
      if (row.收回日期 && row.生效日期 && row.收回日期 < row.生效日期) bad('收回日期', `收回日期 ${row.收回日期} 早于生效日期 ${row.生效日期}`, '收回日期不早于生效日期');
      if (row.决定日期 && row.生效日期 && row.生效日期 < row.决定日期) bad('生效日期', `生效日期 ${row.生效日期} 早于决定日期 ${row.决定日期}`, '生效日期不早于决定日期');
      let rowTowns = fileTowns;
      if (row.适用乡镇) {
        rowTowns = [];
        for (const n of row.适用乡镇.split(/[、,，;；/\s]+/).map((x) => x.trim()).filter(Boolean)) {
          if (ALL_TOWNS.has(n)) rowTowns.push(...townNames);
          else if (townByKey.has(compact(n))) rowTowns.push(townByKey.get(compact(n))!);
          else {
            const hint = didYouMean(n, townNames);
            bad('适用乡镇', `「${n}」不是 regions.yaml 里的镇/街道${hint ? `，${hint}` : ''}`, `${townNames.join('、')}，或写 全部`);
          }
        }
        rowTowns = [...new Set(rowTowns)];
        for (const t of rowTowns) if (!listFilesByTown.get(t)?.includes(name)) listFilesByTown.set(t, [...(listFilesByTown.get(t) ?? []), name]);
      } else if (!fileTowns.length) {
        bad('适用乡镇', '这一行没有写适用乡镇', `${townNames.join('、')}，或写 全部`);
      }
      const { 序号, 下放方式, ...rest } = row;
      for (const town of rowTowns) {
        const entry: ListEntry = {
          ...rest,
          序号: 序号 ?? index + 1,
          ...(mode ? { 下放方式: mode, modeName: 下放方式 } : {}),
          town,
          origin: { file: name, line: rec.line },
        };
        const state = row.收回日期 && row.收回日期 <= today ? 'withdrawn' : row.生效日期 && row.生效日期 > today ? 'pending' : null;
        if (state) inactive.set(town, [...(inactive.get(town) ?? []), { ...entry, state }]);
        else lists.set(town, [...(lists.get(town) ?? []), entry]);
      }
    });
    for (const t of fileTowns) if (!lists.has(t)) lists.set(t, []);
    if (noMode > 0) {
      problems.push({
        file: name,
        line: firstNoMode,
        field: '下放方式',
        message: `${noMode} 行没有写下放方式，回复里不会说明镇里以谁的名义办理`,
        expected: '补上「下放方式」列，或导入时加 --mode（例如 --mode 赋权）',
        severity: 'warning',
      });
    }
  }
  return { lists, inactive, listFilesByTown };
}

const describe = (issue: z.core.$ZodIssue): string =>
  issue.code === 'invalid_type' && issue.input === undefined ? '缺少必填内容' : describeIssue(issue);

/** Loads and throws a KnowledgeError listing every error if there is any. */
export function loadKnowledgeOrThrow(dir: string): { knowledge: Knowledge; problems: Problem[] } {
  const { knowledge, problems } = loadKnowledge(dir);
  if (!knowledge || problems.some((p) => p.severity === 'error')) throw new KnowledgeError(problems);
  return { knowledge, problems };
}
