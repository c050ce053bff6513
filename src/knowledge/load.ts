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
  LIST_COLUMNS,
  SYNONYM_COLUMNS,
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
import { YamlSource, fieldName, readCsv, splitFrontMatter } from './sources.ts';

/** Where a record came from, for cross-check messages. */
export interface Origin {
  file: string;
  line?: number;
  /** Line of each field of the record, where known (for cross-check messages). */
  fields?: Record<string, number>;
}

export interface ListEntry extends ListRow {
  town: string;
  origin: Origin;
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
  /** Devolved lists by town name. */
  lists: Map<string, ListEntry[]>;
  guides: Guide[];
  scenarios: Scenario[];
  scenarioOrigins: Map<string, Origin>;
  synonyms: (SynonymRow & { origin: Origin })[];
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

/** Every file that feeds the index (eval sets excluded), sorted. */
export function knowledgeFiles(dir: string): string[] {
  const top = ['regions.yaml', 'departments.yaml', 'scenarios.yaml', 'synonyms.csv']
    .map((n) => path.join(dir, n))
    .filter((f) => fs.existsSync(f));
  return [
    ...top,
    ...listFiles(path.join(dir, 'items'), '.yaml'),
    ...listFiles(path.join(dir, 'items'), '.yml'),
    ...listFiles(path.join(dir, 'lists'), '.csv'),
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

export function loadKnowledge(dirArg: string): LoadResult {
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
  const itemFiles = [...listFiles(path.join(dir, 'items'), '.yaml'), ...listFiles(path.join(dir, 'items'), '.yml')];
  if (itemFiles.length === 0) {
    problems.push({ file: 'items/', message: '事项目录是空的', expected: 'items/ 下至少一个 .yaml 文件', severity: 'error' });
  }
  let itemsOk = true;
  for (const file of itemFiles) {
    const res = readYaml(dir, file, itemsFileSchema, problems);
    if (!res) {
      itemsOk = false;
      continue;
    }
    res.data.forEach((item, i) => {
      const fields: Record<string, number> = {};
      for (const f of ['name', 'department', 'aliases', 'legal_limit', 'promised_limit']) {
        const line = res.source.lineOf([i, f]);
        if (line !== undefined) fields[f] = line;
      }
      const elsewhere = res.source.lineOf([i, 'elsewhere', 'department']);
      if (elsewhere !== undefined) fields['elsewhere.department'] = elsewhere;
      const origin = { file: rel(dir, file), line: res.source.lineOf([i]), fields };
      const prev = itemOrigins.get(item.name);
      if (prev) {
        problems.push({
          ...origin,
          field: fieldName([i, 'name']),
          message: `事项名称「${item.name}」重复，已在 ${prev.file}:${prev.line} 定义`,
          expected: '每个事项名称全县唯一',
          severity: 'error',
        });
        return;
      }
      itemOrigins.set(item.name, origin);
      items.push(item);
    });
  }

  // lists/<town>.csv
  const lists = new Map<string, ListEntry[]>();
  for (const file of listFiles(path.join(dir, 'lists'), '.csv')) {
    const name = rel(dir, file);
    const town = toSimplified(path.basename(file, path.extname(file)));
    const records = readCsv(
      name,
      fs.readFileSync(file, 'utf8'),
      { required: LIST_COLUMNS.slice(0, 5), optional: LIST_COLUMNS.slice(5) },
      problems,
    );
    if (!records) continue;
    const entries: ListEntry[] = [];
    for (const rec of records) {
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
        continue;
      }
      entries.push({ ...parsed.data, town, origin: { file: name, line: rec.line } });
    }
    lists.set(town, entries);
  }
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

  // synonyms.csv
  const synonyms: Knowledge['synonyms'] = [];
  const synonymsFile = path.join(dir, 'synonyms.csv');
  if (fs.existsSync(synonymsFile)) {
    const records = readCsv(
      'synonyms.csv',
      fs.readFileSync(synonymsFile, 'utf8'),
      { required: SYNONYM_COLUMNS.slice(0, 2), optional: SYNONYM_COLUMNS.slice(2) },
      problems,
    );
    for (const rec of records ?? []) {
      const parsed = synonymRowSchema.safeParse(simplifyDeep(rec.values), { reportInput: true });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push({ file: 'synonyms.csv', line: rec.line, field: String(issue.path[0] ?? ''), message: describe(issue), severity: 'error' });
        }
        continue;
      }
      synonyms.push({ ...parsed.data, origin: { file: 'synonyms.csv', line: rec.line } });
    }
  }

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

  if (!regions || !departments || !itemsOk) {
    return { knowledge: null, problems };
  }
  const knowledge: Knowledge = {
    dir,
    hash: hashKnowledge(dir),
    regions,
    departments,
    items,
    itemOrigins,
    lists,
    guides,
    scenarios,
    scenarioOrigins,
    synonyms,
    eval: evalSets,
  };
  problems.push(...crossCheck(knowledge));
  return { knowledge, problems };
}

const describe = (issue: z.core.$ZodIssue): string =>
  issue.code === 'invalid_type' && issue.input === undefined ? '缺少必填内容' : issue.message;

/** Loads and throws a KnowledgeError listing every error if there is any. */
export function loadKnowledgeOrThrow(dir: string): { knowledge: Knowledge; problems: Problem[] } {
  const { knowledge, problems } = loadKnowledge(dir);
  if (!knowledge || problems.some((p) => p.severity === 'error')) throw new KnowledgeError(problems);
  return { knowledge, problems };
}
