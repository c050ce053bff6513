import { runCli } from '../helpers/cli.ts';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { groupUnanswered } from '../../src/knowledge/unanswered.ts';
import { openStore } from '../../src/store/index.ts';
import { knowledgeCopy, tempDir } from '../helpers/fixtures.ts';

const run = runCli;

describe('daiban kb import', () => {
  it('turns a published Excel list (title row, Traditional headers) into the town CSV and checks it', async () => {
    const dir = knowledgeCopy();
    const xlsx = path.join(tempDir(), '乙街道清单.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('清单');
    ws.addRow(['乙街道承接县级下放事项清单']);
    ws.addRow(['序號', '事項名稱', '實施部門', '下放方式', '下放批次', '辦理窗口', '備註', '联系人']);
    ws.addRow([1, '个体工商户设立登记', '示例县市场监督管理局', '直接下放', '第一批', '', '', '王']);
    ws.addRow([2, '食品经营许可', '示例县市场监督管理局', '委托', '第二批', '', '新增', '李']);
    await wb.xlsx.writeFile(xlsx);
    const r = await run(['kb', 'import', xlsx, '--town', '乙街道', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('已存在');
    const forced = await run(['kb', 'import', xlsx, '--town', '乙街道', '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('2 行');
    // A column it does not know is kept in 备注, not dropped.
    expect(forced.out).toContain('联系人 → 并入备注');
    const csv = fs.readFileSync(path.join(dir, 'lists', '乙街道.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('序号,事项名称,原实施部门,下放方式,批次,窗口,备注');
    expect(csv).toContain('2,食品经营许可,示例县市场监督管理局,委托,第二批,,新增；联系人：李');
    expect((await run(['kb', 'check', '--dir', dir])).code).toBe(0);
  });
});

describe('unanswered questions', () => {
  it('groups similar questions with counts, most frequent first', () => {
    const at = new Date('2026-11-01T02:00:00Z');
    const e = (question: string, town: string | null = null) => ({
      question,
      normalized: question,
      town,
      status: 'no_match' as const,
      candidates: [{ item: '个体工商户设立登记', score: 0.2 }],
      at,
    });
    const groups = groupUnanswered([e('办护照要什么材料'), e('天气'), e('护照要什么材料', '永安镇'), e('办护照需要什么材料')]);
    expect(groups[0]).toMatchObject({ count: 3, example: '办护照要什么材料', towns: ['永安镇'] });
    expect(groups[1]!.count).toBe(1);
  });

  it('are listed by daiban kb unanswered from the store, with --since', async () => {
    const data = tempDir();
    const store = await openStore({ databaseUrl: null, sqlitePath: path.join(data, 'daiban.sqlite') });
    await store.unanswered.add({ question: '办护照', normalized: '办护照', town: null, status: 'no_match', candidates: [], at: new Date('2026-01-01T00:00:00Z') });
    await store.unanswered.add({ question: '结婚登记在哪', normalized: '结婚登记在哪', town: '永安镇', status: 'no_match', candidates: [], at: new Date('2026-11-20T00:00:00Z') });
    await store.close();
    const all = await run(['kb', 'unanswered'], { DATA_DIR: data });
    expect(all.out).toContain('未答问题 2 条');
    const recent = await run(['kb', 'unanswered', '--since', '2026-11-01'], { DATA_DIR: data });
    expect(recent.out).toContain('结婚登记在哪');
    expect(recent.out).not.toContain('办护照');
  });
});
