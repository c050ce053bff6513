// Imports a town's devolved list published as an Excel sheet into the CSV form
// kept in knowledge/lists/. Column titles are matched leniently (Traditional
// forms, common variants); anything unrecognised is reported, not dropped.
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { UserInputError } from '../errors.ts';
import { compact } from '../text/normalize.ts';
import { LIST_COLUMNS } from './schemas.ts';

/** Variants seen in published lists, mapped to our column names. */
const HEADER_VARIANTS: Record<string, (typeof LIST_COLUMNS)[number]> = {
  序号: '序号', 编号: '序号', 序: '序号',
  事项名称: '事项名称', 事项: '事项名称', 权力事项名称: '事项名称', 下放事项: '事项名称', 名称: '事项名称', 权限名称: '事项名称',
  原实施部门: '原实施部门', 实施部门: '原实施部门', 部门: '原实施部门', 下放部门: '原实施部门', 原实施单位: '原实施部门',
  下放方式: '下放方式', 方式: '下放方式', 承接方式: '下放方式',
  批次: '批次', 下放批次: '批次', 下放时间: '批次', 时间: '批次',
  窗口: '窗口', 办理窗口: '窗口', 受理窗口: '窗口',
  备注: '备注', 说明: '备注',
};

export interface ImportResult {
  csv: string;
  rows: number;
  ignoredColumns: string[];
}

const cellText = (v: ExcelJS.CellValue): string => {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
  }
  return String(v).trim();
};

/** Reads the first sheet whose header row names at least 事项名称 and 下放方式. */
export async function importListXlsx(file: string): Promise<ImportResult> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  for (const sheet of wb.worksheets) {
    // The header may sit below a title row; look at the first five rows.
    for (let r = 1; r <= Math.min(5, sheet.rowCount); r++) {
      const titles = (sheet.getRow(r).values as ExcelJS.CellValue[]).slice(1).map((v) => compact(cellText(v)));
      const mapped = titles.map((t) => HEADER_VARIANTS[t]);
      if (!mapped.includes('事项名称') || !mapped.includes('下放方式')) continue;
      const ignoredColumns = titles.filter((t, i) => t && !mapped[i]);
      const rows: string[][] = [];
      for (let i = r + 1; i <= sheet.rowCount; i++) {
        const values = (sheet.getRow(i).values as ExcelJS.CellValue[]).slice(1).map(cellText);
        const record = Object.fromEntries(LIST_COLUMNS.map((c) => [c, '']));
        mapped.forEach((col, j) => {
          if (col) record[col] = values[j] ?? '';
        });
        if (!record['事项名称']) continue;
        if (!record['序号']) record['序号'] = String(rows.length + 1);
        rows.push(LIST_COLUMNS.map((c) => record[c]!));
      }
      return { csv: stringify([[...LIST_COLUMNS], ...rows]), rows: rows.length, ignoredColumns };
    }
  }
  throw new UserInputError(`${file} 里没有找到含「事项名称」和「下放方式」列的表头`);
}
