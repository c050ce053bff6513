// Reading knowledge files while keeping line numbers, so every problem can be
// reported as `file:line` + field.
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import type { Problem } from '../errors.ts';
import { toSimplified } from '../text/normalize.ts';
import { didYouMean } from './suggest.ts';

type Path = readonly PropertyKey[];

/** A parsed YAML document that can map a value path back to a line. */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** Added to every line (front matter starts after the `---`). */
    private readonly lineOffset: number,
  ) {}

  static parse(file: string, text: string, problems: Problem[], lineOffset = 0): YamlSource | null {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const errors = doc.errors;
    const seen = new Set<string>();
    const textLines = text.split('\n');
    for (const e of errors) {
      const at = e.linePos?.[0]?.line ?? (e.pos?.[0] !== undefined ? lines.linePos(e.pos[0]).line : 0);
      // A tab in the indentation confuses the parser into several odd errors; name the cause once.
      const tab = at > 0 && /^\s*\t/.test(textLines[at - 1] ?? '');
      // An unclosed [ { or " on an earlier line is reported where it is, not where the parser noticed.
      const open = tab ? -1 : unclosedBefore(textLines, at);
      const message = `YAML 格式错误：${
        tab ? YAML_ERRORS.TAB_AS_INDENT : open > 0 ? `第 ${open + lineOffset} 行的方括号、花括号或引号没有闭合` : yamlErrorText(e.code, e.message)
      }`;
      if (seen.has(`${at}\0${message}`)) continue;
      seen.add(`${at}\0${message}`);
      problems.push({
        file,
        line: (open > 0 ? open : at) + lineOffset || undefined,
        message,
        expected: '合法的 YAML（注意缩进、冒号后的空格、引号配对）',
        severity: 'error',
      });
    }
    if (errors.length > 0) return null;
    return new YamlSource(file, doc, lines, lineOffset);
  }

  get value(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** Line of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: Path): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line + this.lineOffset;
    }
    return undefined;
  }

  /** Line of a key inside the map at `path` (for unknown keys). */
  lineOfKey(path: Path, key: string): number | undefined {
    const node = path.length === 0 ? this.doc.contents : this.doc.getIn(path as unknown[], true);
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.lines.linePos(pair.key.range[0]).line + this.lineOffset;
        }
      }
    }
    return this.lineOf(path);
  }

  /** Whether the top-level node is a list (for friendly errors). */
  get isList(): boolean {
    return isSeq(this.doc.contents);
  }

  /** Converts zod issues on this document's value into problems. */
  issues(error: z.ZodError, pathPrefix: Path = []): Problem[] {
    return error.issues.flatMap((issue) => {
      const path = [...pathPrefix, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          file: this.file,
          line: this.lineOfKey(path, key),
          field: fieldName([...path, key]),
          message: `不认识的字段「${key}」`,
          expected: '删除它或改成文档里的字段名（见 knowledge/README.md）',
          severity: 'error' as const,
        }));
      }
      return [
        {
          file: this.file,
          line: this.lineOf(path),
          field: fieldName(path),
          message: describeIssue(issue),
          severity: 'error' as const,
        },
      ];
    });
  }
}

/** Chinese text for the yaml library's error codes (its messages are English). */
const YAML_ERRORS: Record<string, string> = {
  DUPLICATE_KEY: '同一层里有重复的键',
  BAD_INDENT: '缩进不对',
  TAB_AS_INDENT: '用了 Tab 缩进，请改用空格',
  MISSING_CHAR: '缺少配对的符号（方括号、花括号或引号没有闭合）',
  MULTILINE_IMPLICIT_KEY: '键名跨了多行（常见原因：上一行的方括号或引号没有闭合，或冒号后少了空格）',
  BLOCK_AS_IMPLICIT_KEY: '这一行的写法不能作为键（检查缩进和冒号）',
  UNEXPECTED_TOKEN: '出现了不该出现的符号',
  BAD_SCALAR_START: '值不能以这个符号开头（含 @ ` 等符号的文字请加引号）',
  MISSING_KEY: '缺少键名',
  IMPOSSIBLE: '无法解析',
  BAD_ALIAS: '错误的别名引用（* 开头的文字请加引号）',
  ALIAS_PROPS: '别名引用不能带标签',
  BAD_DIRECTIVE: '错误的 % 指令',
  BAD_DQ_ESCAPE: '双引号里的转义字符不对',
  KEY_OVER_1024_CHARS: '键名太长',
  TAG_RESOLVE_FAILED: '无法识别的 ! 标签',
};
/** The last line before `at` (1-based) whose [ { or " is not closed on that line, or -1. */
function unclosedBefore(lines: string[], at: number): number {
  for (let i = Math.min(at, lines.length) - 1; i >= 0 && i >= at - 6; i--) {
    const l = (lines[i] ?? '').replace(/#.*$/, '');
    const count = (re: RegExp) => (l.match(re) ?? []).length;
    if (count(/\[/g) > count(/\]/g) || count(/\{/g) > count(/\}/g) || count(/"/g) % 2 === 1) return i + 1 === at ? -1 : i + 1;
  }
  return -1;
}

const yamlErrorText = (code: string, message: string): string =>
  YAML_ERRORS[code] ?? `无法解析（${message.split('\n')[0]}）`;

/**
 * Decodes a text file: UTF-8 (with or without BOM), else GB18030 (a superset
 * of GBK, what Excel on Chinese Windows writes for "CSV (逗号分隔)").
 */
export function decodeText(buf: Uint8Array): { text: string; encoding: 'utf-8' | 'gb18030' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('gb18030').decode(buf), encoding: 'gb18030' };
  }
}

/** `[3, 'materials', 1]` → `第4条的 materials[1]`: top-level list indices shown 1-based as 第N条. */
export function fieldName(path: Path): string | undefined {
  if (path.length === 0) return undefined;
  return path
    .map((p, i) => (typeof p === 'number' ? (i === 0 ? `第${p + 1}条` : `[${p}]`) : (i === 0 ? '' : '.') + String(p)))
    .join('')
    .replace(/^第(\d+)条\./, '第$1条的 ');
}

/** A Chinese description of a zod issue, including what was expected. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const missing = 'input' in issue && issue.input === undefined;
  if (missing && (issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    const values = issue.code === 'invalid_value' ? `：${issue.values.map(String).join(' / ')}` : '';
    return `缺少必填字段${values ? `（应为其中之一${values}）` : ''}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `缺少必填字段（应为${typeName(issue.expected)}）`
        : `类型不对：应为${typeName(issue.expected)}，实际是${describeValue(issue.input)}`;
    case 'invalid_value':
      return `取值${shownValue(issue.input)}不在允许范围内，应为：${issue.values.map(String).join(' / ')}`;
    case 'invalid_union':
      return `取值${shownValue(issue.input)}不对：${issue.message === 'Invalid input' ? '格式不符合要求' : issue.message}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `至少要有 ${issue.minimum} 项`
        : issue.origin === 'string'
          ? '不能为空'
          : issue.inclusive === false
            ? `必须大于 ${issue.minimum}`
            : `不能小于 ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `最多 ${issue.maximum} 项` : `不能大于 ${issue.maximum}`;
    case 'invalid_format':
      return issue.message;
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: '文字',
  number: '数字',
  int: '整数',
  boolean: 'true 或 false',
  array: '列表',
  object: '键值对象',
};
const typeName = (t: string): string => TYPE_NAMES[t] ?? t;
const describeValue = (v: unknown): string => {
  if (v === undefined) return '空';
  if (v === null) return '空值';
  if (Array.isArray(v)) return '列表';
  if (typeof v === 'object') return '键值对象';
  return `${typeof v === 'string' ? '文字' : typeof v === 'number' ? '数字' : typeof v}「${String(v)}」`;
};

/** A value as quoted in 「取值…」: the text or number itself in brackets, or what kind of thing it is. */
const shownValue = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? `「${String(v)}」` : describeValue(v);

/** Chinese text for csv-parse's error codes. */
const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: '双引号没有配对（有一个格子的引号开了没关）',
  CSV_INVALID_CLOSING_QUOTE: '引号后面紧跟了别的字符（格子里的引号要写成两个 ""）',
  INVALID_OPENING_QUOTE: '引号出现在格子中间（格子里的引号要写成两个 ""，或把整个格子用引号括起来）',
  CSV_INVALID_OPENING_QUOTE: '引号出现在格子中间（格子里的引号要写成两个 ""，或把整个格子用引号括起来）',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: '引号后面紧跟了别的字符（格子里的引号要写成两个 ""）',
};

export interface CsvRecord {
  line: number;
  values: Record<string, string>;
}

/**
 * Parses a CSV with a header row. Unknown and missing columns, rows with the
 * wrong number of cells and broken quoting are all reported with their line.
 */
export function readCsv(
  file: string,
  text: string,
  columns: { required: readonly string[]; optional: readonly string[] },
  problems: Problem[],
): CsvRecord[] | null {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsv(text.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message: string; code?: string };
    problems.push({
      file,
      line: e.lines,
      message: `CSV 格式错误：${CSV_ERRORS[e.code ?? ''] ?? `无法解析（${e.message}）`}`,
      expected: '每行用英文逗号分隔；含逗号或引号的格子用英文双引号括起来，引号要成对',
      severity: 'error',
    });
    return null;
  }
  if (rows.length === 0) {
    problems.push({ file, line: 1, message: '文件是空的', expected: `表头：${columns.required.join(',')}`, severity: 'error' });
    return null;
  }
  const header = rows[0]!.record.map((h) => toSimplified(h.trim()));
  const known = new Set([...columns.required, ...columns.optional]);
  let ok = true;
  // An unknown column is an error, but the rows are still checked (without it),
  // so one run shows every problem.
  const unknown = new Set<string>();
  for (const h of header) {
    if (!known.has(h)) {
      const hint = didYouMean(h, known);
      problems.push({
        file,
        line: rows[0]!.info.lines,
        field: h,
        message: `不认识的列「${h}」${hint ? `，${hint}` : ''}`,
        expected: known.has('备注')
          ? `列名只能是：${[...known].join('、')}；其他内容请并入「备注」列（daiban kb import 会自动这样做）`
          : `列名只能是：${[...known].join('、')}`,
        severity: 'error',
      });
      unknown.add(h);
    }
  }
  for (const r of columns.required) {
    if (!header.includes(r)) {
      problems.push({ file, line: rows[0]!.info.lines, field: r, message: `缺少列「${r}」`, expected: `表头：${columns.required.join(',')}`, severity: 'error' });
      ok = false;
    }
  }
  if (!ok) return null;
  const out: CsvRecord[] = [];
  // A row may stop early when the cells it leaves out are optional or unknown columns (a column added to the
  // header later does not make every older row an error).
  const optionalFrom = (() => {
    let i = header.length;
    while (i > 0 && !columns.required.includes(header[i - 1]!)) i--;
    return i;
  })();
  for (const { record, info } of rows.slice(1)) {
    if (record.length < header.length && record.length >= optionalFrom) {
      out.push({ line: info.lines, values: Object.fromEntries(header.flatMap((h, i) => (unknown.has(h) ? [] : [[h, record[i] ?? '']]))) });
      continue;
    }
    if (record.length !== header.length) {
      problems.push({
        file,
        line: info.lines,
        message: `这一行有 ${record.length} 格，表头有 ${header.length} 列`,
        expected: '每行的格数与表头相同；格子里有逗号时用双引号括起来',
        severity: 'error',
      });
      continue;
    }
    out.push({ line: info.lines, values: Object.fromEntries(header.flatMap((h, i) => (unknown.has(h) ? [] : [[h, record[i] ?? '']]))) });
  }
  return out;
}

/** Splits `---\nfront\n---\nbody`; returns null (with a problem at the breaking line) when the front matter is missing or unclosed. */
export function splitFrontMatter(
  file: string,
  text: string,
  problems: Problem[],
): { front: string; body: string; bodyLine: number } | null {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (!src.startsWith('---\n')) {
    problems.push({ file, line: 1, message: '缺少开头的 front matter（第一行应当单独是 ---）', expected: '文件第一行是 ---，接着写 item/updated/source，再用 --- 结束', severity: 'error' });
    return null;
  }
  const end = src.indexOf('\n---', 3);
  if (end < 0) {
    // Where it breaks: the first line after the opening that is not `key: value`
    // (or a list/continuation line) — usually where the closing --- belongs.
    const lines = src.split('\n');
    let line = lines.length;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i]!;
      if (!/^\s*$/.test(l) && !/^[A-Za-z_][\w-]*\s*:/.test(l) && !/^\s+\S/.test(l) && !/^-\s/.test(l)) {
        line = i + 1;
        break;
      }
      if (/^\s*$/.test(l)) {
        line = i + 1;
        break;
      }
    }
    problems.push({
      file,
      line,
      field: 'front matter',
      message: `front matter 没有用 --- 结束（第 ${line} 行已经不是「字段: 值」）`,
      expected: `在第 ${line} 行之前单独一行写 ---`,
      severity: 'error',
    });
    return null;
  }
  const front = src.slice(4, end + 1);
  const rest = src.slice(end + 4);
  const body = rest.replace(/^[^\n]*\n?/, '');
  const bodyLine = src.slice(0, end + 4).split('\n').length + 1;
  return { front, body, bodyLine };
}
