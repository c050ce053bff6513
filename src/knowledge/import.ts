// Reads a devolved-power list as a county publishes it (XLSX or CSV, UTF-8 or
// GBK, title rows above the header, its own column names) and turns it into the
// CSV kept under lists/, plus catalogue stubs for items the catalogue lacks.
// Nothing is written by this module: the caller writes only when all is well.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserInputError } from '../errors.ts';
import { compact, toSimplified } from '../text/normalize.ts';
import { LIST_COLUMNS, LIST_OPTIONAL_COLUMNS, normalizeItemType, type ItemType } from './schemas.ts';
import { decodeText } from './sources.ts';

type ListColumn = (typeof LIST_OPTIONAL_COLUMNS)[number] | '事项名称';
/** Where a published column goes: a list column, or a catalogue-stub field. */
type Target = ListColumn | 'basis' | 'child';

/** Header variants seen in published lists (compared without spaces/brackets, Simplified). */
export const HEADER_VARIANTS: Record<string, Target> = {
  序号: '序号', 编号: '序号', 序: '序号',
  事项名称: '事项名称', 赋权事项: '事项名称', 赋权事项名称: '事项名称', 权力名称: '事项名称', 权力事项名称: '事项名称',
  职权名称: '事项名称', 事项: '事项名称', 下放事项: '事项名称', 下放事项名称: '事项名称', 名称: '事项名称', 权限名称: '事项名称',
  执法事项名称: '事项名称', 行政权力事项名称: '事项名称', 权力事项: '事项名称', 行政权力名称: '事项名称', 职权事项: '事项名称',
  子项: 'child', 子项名称: 'child', 主项: '主项', 主项名称: '主项',
  原实施部门: '原实施部门', 原实施主体: '原实施部门', 原行使部门: '原实施部门', 原实施单位: '原实施部门', 实施部门: '原实施部门',
  下放部门: '原实施部门', 部门: '原实施部门', 原职能部门: '原实施部门', 主管部门: '原实施部门', 原主管部门: '原实施部门',
  县级主管部门: '原实施部门', 原执法部门: '原实施部门', 实施主体: '原实施部门', 原执法主体: '原实施部门', 牵头部门: '原实施部门',
  下放方式: '下放方式', 赋权方式: '下放方式', 承接方式: '下放方式', 方式: '下放方式', 处理决定: '下放方式', 下放形式: '下放方式', 调整方式: '下放方式',
  批次: '批次', 下放批次: '批次', 下放时间: '批次', 时间: '批次',
  窗口: '窗口', 办理窗口: '窗口', 受理窗口: '窗口',
  备注: '备注', 说明: '备注',
  事项编码: '事项编码', 实施编码: '事项编码', 编码: '事项编码', 权力编码: '事项编码', 职权编码: '事项编码', 基本编码: '事项编码',
  权力类型: '权力类型', 事项类别: '权力类型', 事项类型: '权力类型', 职权类型: '权力类型', 权力类别: '权力类型', 类别: '权力类型', 类型: '权力类型', 职权类别: '权力类型',
  适用乡镇: '适用乡镇', 赋权街镇: '适用乡镇', 赋权乡镇: '适用乡镇', 承接乡镇: '适用乡镇', 下放乡镇: '适用乡镇', 适用镇街: '适用乡镇',
  承办机构: '承办机构', 责任主体: '承办机构', 执法主体: '承办机构', 承接主体: '承办机构', 承办单位: '承办机构', 承接单位: '承办机构',
  决定日期: '决定日期', 生效日期: '生效日期', 施行日期: '生效日期', 实施日期: '生效日期', 执行日期: '生效日期',
  收回日期: '收回日期', 收回后去向: '收回后去向',
  法律法规依据: 'basis', 实施依据: 'basis', 执法依据: 'basis', 设定依据: 'basis', 依据: 'basis', 法律依据: 'basis',
  赋权事项的执法依据: 'basis', 设定和实施依据: 'basis', 法定依据: 'basis',
};
export const ACCEPTED_HEADERS = Object.keys(HEADER_VARIANTS);

const headerKey = (h: string) => compact(toSimplified(h)).replace(/[（）()【】\[\]:：*＊]/g, '');

export interface Table {
  /** Each row's cells with its line (CSV) or row number (XLSX). */
  rows: { line: number; cells: string[] }[];
  encoding: 'utf-8' | 'gb18030' | 'xlsx';
}

const cellText = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join('').trim();
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return String(o.text).trim();
  }
  return String(v).trim();
};

/** Reads an .xlsx or .csv file into rows; throws UserInputError (in Chinese, with advice) when it cannot. */
export async function readTable(file: string): Promise<Table> {
  if (!fs.existsSync(file)) throw new UserInputError(`找不到文件 ${file}`);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xls' || ext === '.et' || ext === '.wps') {
    throw new UserInputError(`${path.basename(file)} 是旧版 Excel/WPS 格式，不能直接读取：请在 Excel 或 WPS 里“另存为 → Excel 工作簿（*.xlsx）”或“CSV UTF-8（逗号分隔）”后再导入`);
  }
  if (ext === '.xlsx') {
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.readFile(file);
    } catch (err) {
      throw new UserInputError(`${path.basename(file)} 不是有效的 .xlsx 文件（${(err as Error).message}）：请用 Excel 或 WPS 打开后重新“另存为 .xlsx”`);
    }
    // The first sheet with a recognisable header.
    for (const sheet of wb.worksheets) {
      const rows: Table['rows'] = [];
      sheet.eachRow({ includeEmpty: false }, (row, n) => {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        rows.push({ line: n, cells: values });
      });
      if (findHeader(rows)) return { rows, encoding: 'xlsx' };
    }
    const first = wb.worksheets[0];
    const rows: Table['rows'] = [];
    first?.eachRow({ includeEmpty: false }, (row, n) => rows.push({ line: n, cells: (row.values as unknown[]).slice(1).map(cellText) }));
    return { rows, encoding: 'xlsx' };
  }
  if (ext !== '.csv' && ext !== '.txt') {
    throw new UserInputError(`不支持 ${ext || '无扩展名'} 文件：请导入 .xlsx 或 .csv（Excel 里“另存为”即可）`);
  }
  const { text, encoding } = decodeText(fs.readFileSync(file));
  if (text.includes('\uFFFD')) {
    throw new UserInputError(`${path.basename(file)} 既不是 UTF-8 也不是 GBK/GB18030 编码，无法读取：请在 Excel 里“另存为 → CSV UTF-8（逗号分隔）”后再导入`);
  }
  try {
    const parsed = parseCsv(text.replace(/^\uFEFF/, ''), { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return { rows: parsed.map((r) => ({ line: r.info.lines, cells: r.record })), encoding };
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new UserInputError(
      `${path.basename(file)} 第 ${e.lines ?? '?'} 行 CSV 格式错误：引号没有配对或一格里有未加引号的换行。请在 Excel 里打开检查这一行，或直接导入原来的 .xlsx 文件`,
    );
  }
}

/** The header row: the first of the top 15 rows naming the item column and at least one other known column. */
export function findHeader(rows: Table['rows']): { index: number; targets: (Target | null)[] } | null {
  for (let i = 0; i < Math.min(15, rows.length); i++) {
    const targets = rows[i]!.cells.map((c) => HEADER_VARIANTS[headerKey(c)] ?? null);
    if ((targets.includes('事项名称') || targets.includes('child')) && targets.filter(Boolean).length >= 2) return { index: i, targets };
  }
  return null;
}

export interface ImportOptions {
  /** Towns the whole list applies to (one → lists/<town>.csv; several → an 适用乡镇 column). */
  towns: string[];
  /** 下放方式 for every row when the list has no such column (the notice says it once). */
  mode?: string;
  /** Type for catalogue stubs when the list has no 权力类型 column. */
  type?: string;
}

export interface ImportedRow {
  line: number;
  values: Record<ListColumn, string>;
  basis: string;
  type: string;
}

export interface ImportResult {
  headerLine: number;
  skippedAbove: number;
  /** Published column → where it went. */
  columns: { header: string; target: Target | '备注' }[];
  rows: ImportedRow[];
  /** Lines skipped (section titles, repeated headers, rows without an item name). */
  skipped: { line: number; text: string }[];
  /** 承办机构 cells that name no body in particular (乡镇人民政府): kept in 备注, not in 承办机构. */
  genericBodies: string[];
  csv: string;
}

const GENERIC_BODY = /人民政府|办事处|^乡镇|^镇街|^各?(乡|镇|街道)/;

/** 「乡(镇)人民政府」「各镇街」name no body in particular; 「甲镇人民政府」「甲镇林业站」 do. */
const isGenericBody = (cell: string, towns: string[]): boolean => GENERIC_BODY.test(cell) && !towns.some((t) => t && cell.includes(t));

/** Maps a published table onto our list columns. Throws UserInputError when no header is found. */
export function mapTable(table: Table, opts: ImportOptions): ImportResult {
  const header = findHeader(table.rows);
  if (!header) {
    const first = table.rows.slice(0, 5).map((r) => `  第 ${r.line} 行：${r.cells.filter(Boolean).join(' | ').slice(0, 80)}`);
    throw new UserInputError(
      [
        '没有找到表头：前 15 行里没有一行同时含有事项名称列（如 事项名称 / 赋权事项 / 权力名称）和另一个认识的列。',
        '文件开头是：',
        ...first,
        `认识的列名：${ACCEPTED_HEADERS.join('、')}`,
        '请把表头改成其中的名称后重新导入（其他列会并入备注）。',
      ].join('\n'),
    );
  }
  const headerRow = table.rows[header.index]!;
  const names = headerRow.cells.map((c) => toSimplified(c.trim()));
  const columns = names.map((h, i) => ({ header: h, target: header.targets[i] ?? ('备注' as const) })).filter((c) => c.header);
  const has = (t: Target) => header.targets.includes(t);
  const out: ImportedRow[] = [];
  const skipped: ImportResult['skipped'] = [];
  const genericBodies: string[] = [];
  for (const row of table.rows.slice(header.index + 1)) {
    const cells = row.cells.map((c) => toSimplified(String(c ?? '').replace(/\s*\n\s*/g, ' ').trim()));
    if (cells.every((c) => !c)) continue;
    // A repeated header (tables split over pages) or a section title (一、法定事项) is not a row.
    if (cells.map((c) => HEADER_VARIANTS[headerKey(c)] ?? null).filter(Boolean).length >= 2) {
      skipped.push({ line: row.line, text: '重复的表头' });
      continue;
    }
    const v = Object.fromEntries([...LIST_OPTIONAL_COLUMNS, '事项名称'].map((c) => [c, ''])) as Record<ListColumn, string>;
    const notes: string[] = [];
    let basis = '';
    let type = '';
    let child = '';
    header.targets.forEach((t, j) => {
      const cell = cells[j] ?? '';
      if (!cell) return;
      if (t === null) {
        if (names[j]) notes.push(`${names[j]}：${cell}`);
      } else if (t === 'basis') basis = /^(无|暂无|没有|\/|-|—|－|空|不详)$/.test(cell.trim()) ? '' : cell;
      else if (t === 'child') child = cell;
      else if (t === '权力类型') type = cell;
      else if (t === '承办机构' && isGenericBody(cell, opts.towns)) {
        notes.push(`${names[j]}：${cell}`);
        if (!genericBodies.includes(cell)) genericBodies.push(cell);
      }
      else if (t === '备注') notes.unshift(cell);
      else v[t] = v[t] ? `${v[t]}；${cell}` : cell;
    });
    if (child) {
      if (v.事项名称) v.主项 = v.事项名称;
      v.事项名称 = child;
    } else if (!v.事项名称 && v.主项) {
      // A 主项 without 子项 is itself the item.
      v.事项名称 = v.主项;
      v.主项 = '';
    }
    if (!v.事项名称) {
      skipped.push({ line: row.line, text: cells.filter(Boolean).join(' ').slice(0, 40) });
      continue;
    }
    if (v.序号 && !/^\d+$/.test(v.序号)) {
      notes.push(`原序号：${v.序号}`);
      v.序号 = '';
    }
    if (type) v.权力类型 = type;
    if (!has('下放方式') && opts.mode) v.下放方式 = opts.mode;
    if (!has('适用乡镇') && opts.towns.length > 1) v.适用乡镇 = opts.towns.join('、');
    v.备注 = notes.join('；');
    out.push({ line: row.line, values: v, basis, type: type || opts.type || '' });
  }
  // The usual seven columns (empty ones show what is still to fill in), then any other column that carries something.
  const used = (['序号', '事项名称', ...LIST_OPTIONAL_COLUMNS.filter((c) => c !== '序号')] as ListColumn[]).filter(
    (c) => (LIST_COLUMNS as readonly string[]).includes(c) || out.some((r) => r.values[c]),
  );
  const csv = stringify([used, ...out.map((r) => used.map((c) => r.values[c]))]);
  return { headerLine: headerRow.line, skippedAbove: header.index, columns, rows: out, skipped, genericBodies, csv };
}

export interface ItemStub {
  name: string;
  type: ItemType;
  subtype?: string;
  code?: string;
  parent?: string;
  department: string;
  basis?: string;
  draft: true;
}

/** A catalogue stub for a row whose item the catalogue lacks, or a reason it cannot be made. */
export function stubFor(row: ImportedRow, fallbackDepartment: string | undefined): ItemStub | { error: string } {
  const t = row.type ? normalizeItemType(row.type) : null;
  if (!t) {
    return {
      error: row.type
        ? `第 ${row.line} 行的权力类型「${row.type}」不是权责清单的类型`
        : `第 ${row.line} 行没有权力类型：清单没有“权力类型”列时请加 --type（例如 --type 行政处罚）`,
    };
  }
  const department = row.values.原实施部门 || fallbackDepartment;
  if (!department) return { error: `第 ${row.line} 行没有原实施部门：清单没有这一列时请加 --department（例如 --department 乡镇人民政府）` };
  return {
    name: row.values.事项名称,
    type: t.type,
    ...(t.subtype ? { subtype: t.subtype } : {}),
    ...(row.values.事项编码 ? { code: row.values.事项编码 } : {}),
    ...(row.values.主项 ? { parent: row.values.主项 } : {}),
    department,
    ...(row.basis ? { basis: row.basis } : {}),
    draft: true,
  };
}
