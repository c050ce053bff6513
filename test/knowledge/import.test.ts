// `daiban kb import` on lists as counties publish them.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { knowledgeCopy, tempDir } from '../helpers/fixtures.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import { openStore } from '../../src/store/index.ts';

/** GB18030 bytes for ASCII + the Chinese characters used below (via the platform decoder's inverse). */
function gbk(text: string): Buffer {
  // Build the encoding table once from the decoder: every 2-byte GBK code point.
  const table = new Map<string, number[]>();
  const dec = new TextDecoder('gb18030');
  for (let hi = 0x81; hi <= 0xfe; hi++) {
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      if (lo === 0x7f) continue;
      const ch = dec.decode(new Uint8Array([hi, lo]));
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  const bytes: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes.push(ch.charCodeAt(0));
    else {
      const b = table.get(ch);
      if (!b) throw new Error(`no GBK code for ${ch}`);
      bytes.push(...b);
    }
  }
  return Buffer.from(bytes);
}

async function xlsx(rows: unknown[][]): Promise<string> {
  const file = path.join(tempDir(), '赋权事项清单.xlsx');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('附件');
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
  return file;
}

const listFiles = (dir: string) => fs.readdirSync(path.join(dir, 'lists')).sort();

describe('daiban kb import', () => {
  it('reads a county notice as published: title rows, 赋权事项/原实施主体/权力类型/法律法规依据/责任主体, one list for several towns', async () => {
    const dir = knowledgeCopy();
    fs.rmSync(path.join(dir, 'lists'), { recursive: true });
    const file = await xlsx([
      ['附件'],
      ['示例县赋予乡镇（街道）县级行政权力事项目录'],
      ['序号', '赋权事项', '权力类型', '法律法规依据', '责任主体', '原实施主体', '联系电话'],
      [1, '对在城市道路上违规摆摊的处罚', '行政处罚', '《城市道路管理条例》第二十七条', '乡镇人民政府', '示例县城市管理局', '12345'],
      [2, '食品经营许可', '行政许可', '《食品安全法》第三十五条', '派出所', '示例县市场监督管理局', ''],
    ]);
    const r = await runCli(['kb', 'import', file, '--dir', dir, '--towns', '甲镇、乙街道', '--mode', '赋权', '--scaffold-items']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('跳过了表头上方 2 行标题；表头在第 3 行');
    expect(r.out).toContain('赋权事项 → 事项名称');
    expect(r.out).toContain('原实施主体 → 原实施部门');
    expect(r.out).toContain('联系电话 → 并入备注');
    expect(r.out).toContain('认识的列名：');
    expect(listFiles(dir)).toEqual(['赋权事项清单.csv']);
    const csv = fs.readFileSync(path.join(dir, 'lists', '赋权事项清单.csv'), 'utf8');
    // Unmapped columns and the generic 责任主体 are kept in 备注; a specific one becomes 承办机构.
    expect(csv).toContain('联系电话：12345');
    expect(csv).toContain('责任主体：乡镇人民政府');
    expect(csv.split('\n')[0]).toContain('适用乡镇');
    // The stub for the unknown penalty carries name, type, department, basis and the draft mark.
    const stubs = fs.readFileSync(path.join(dir, 'items', 'imported-赋权事项清单.yaml'), 'utf8');
    expect(stubs).toContain('name: 对在城市道路上违规摆摊的处罚');
    expect(stubs).toContain('type: 行政处罚');
    expect(stubs).toContain('department: 示例县城市管理局');
    expect(stubs).toContain('basis: 《城市道路管理条例》第二十七条');
    expect(stubs).toContain('draft: true');
    expect(fs.readFileSync(path.join(dir, 'departments.yaml'), 'utf8')).toContain('示例县城市管理局');
    // One shared file serves both towns; the first check passes with warnings.
    const { knowledge, problems } = loadKnowledge(dir);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(problems.some((p) => p.severity === 'warning' && p.message.includes('草稿'))).toBe(true);
    expect(knowledge!.lists.get('甲镇')!.map((e) => e.事项名称)).toEqual(['对在城市道路上违规摆摊的处罚', '食品经营许可']);
    expect(knowledge!.lists.get('乙街道')!.map((e) => [e.下放方式, e.modeName])).toEqual([['直接下放', '赋权'], ['直接下放', '赋权']]);
    expect(knowledge!.lists.get('甲镇')![1]!.承办机构).toBe('派出所');
  });

  it('reads 主项/子项, 事项编码 and dates into the list and the drafts', async () => {
    const dir = knowledgeCopy();
    const file = await xlsx([
      ['序号', '主项名称', '子项名称', '实施编码', '事项类别', '原实施部门', '赋权方式', '实施日期'],
      [1, '建设工程消防验收', '特殊建设工程消防验收', '000117004001', '行政许可', '示例县市场监督管理局', '委托下放', new Date('2021-07-01T00:00:00Z')],
      [2, '建设工程消防验收', '其他建设工程消防验收备案', '000117004002', '其他行政权力（备案）', '示例县市场监督管理局', '委托下放', new Date('2021-07-01T00:00:00Z')],
    ]);
    const r = await runCli(['kb', 'import', file, '--dir', dir, '--town', '乙街道', '--scaffold-items', '--force']);
    expect(r.code, r.err + r.out).toBe(0);
    const csv = fs.readFileSync(path.join(dir, 'lists', '乙街道.csv'), 'utf8');
    expect(csv.split('\n')[1]).toBe('1,特殊建设工程消防验收,示例县市场监督管理局,委托下放,,,,000117004001,建设工程消防验收,行政许可,2021-07-01');
    const stubs = fs.readFileSync(path.join(dir, 'items', 'imported-赋权事项清单.yaml'), 'utf8');
    expect(stubs).toContain('- name: 建设工程消防验收\n  type: 行政许可');
    expect(stubs).toContain('name: 其他建设工程消防验收备案\n  type: 其他行政权力\n  subtype: 备案\n  code: "000117004002"\n  parent: 建设工程消防验收');
    const { knowledge, problems } = loadKnowledge(dir, { today: '2024-01-01' });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(knowledge!.lists.get('乙街道')!.map((e) => [e.事项名称, e.下放方式, e.生效日期])).toEqual([
      ['特殊建设工程消防验收', '委托', '2021-07-01'],
      ['其他建设工程消防验收备案', '委托', '2021-07-01'],
    ]);
  });

  it('a 依据 cell that says there is none (无, /) leaves the draft without a basis', async () => {
    const dir = knowledgeCopy();
    const file = path.join(tempDir(), '乙街道清单.csv');
    fs.writeFileSync(file, '序号,事项名称,原实施部门,下放方式,法律依据\n1,苗木花卉种植备案,示例县林业局,委托,无\n2,古树名木养护指导,示例县林业局,委托,《某条例》第三条\n');
    const r = await runCli(['kb', 'import', file, '--dir', dir, '--town', '乙街道', '--type', '公共服务', '--scaffold-items', '--force']);
    expect(r.code, r.err + r.out).toBe(0);
    const stubs = fs.readFileSync(path.join(dir, 'items', 'imported-乙街道清单.yaml'), 'utf8');
    expect(stubs).not.toContain('basis: 无');
    expect(stubs).toContain('《某条例》第三条');
  });

  it('reads a CSV that Excel saved as GBK, and says so', async () => {
    const dir = knowledgeCopy();
    const file = path.join(tempDir(), '甲镇清单.csv');
    fs.writeFileSync(file, gbk('甲镇承接事项\r\n序号,事项名称,原实施部门,下放方式\r\n1,食品经营许可,示例县市场监督管理局,委托\r\n'));
    const r = await runCli(['kb', 'import', file, '--dir', dir, '--town', '甲镇', '--force']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('GBK/GB18030 编码');
    expect(fs.readFileSync(path.join(dir, 'lists', '甲镇.csv'), 'utf8')).toBe('序号,事项名称,原实施部门,下放方式,批次,窗口,备注\n1,食品经营许可,示例县市场监督管理局,委托,,,\n');
  });

  it('writes nothing when the file cannot be read or has no recognisable header, and says what it found and accepts', async () => {
    const dir = knowledgeCopy();
    const before = listFiles(dir);
    const broken = path.join(tempDir(), '坏的.xlsx');
    fs.writeFileSync(broken, 'not a zip');
    const r1 = await runCli(['kb', 'import', broken, '--dir', dir, '--town', '甲镇', '--force']);
    expect(r1.code).toBe(1);
    expect(r1.err).toContain('不是有效的 .xlsx 文件');
    const noHeader = path.join(tempDir(), '无表头.csv');
    fs.writeFileSync(noHeader, '通知\n项目,部门科室\n食品经营许可,市场监管\n');
    const r2 = await runCli(['kb', 'import', noHeader, '--dir', dir, '--town', '甲镇', '--force']);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('没有找到表头');
    expect(r2.err).toContain('第 2 行：项目 | 部门科室');
    expect(r2.err).toContain('认识的列名：');
    expect(r2.err).toContain('赋权事项');
    const xls = path.join(tempDir(), '旧格式.xls');
    fs.writeFileSync(xls, 'x');
    expect((await runCli(['kb', 'import', xls, '--dir', dir, '--town', '甲镇'])).err).toContain('另存为');
    // An unknown town or a stub that cannot be made: nothing is written either.
    const ok = await xlsx([['宠物美容清单'], ['序号', '事项名称', '原实施部门'], [1, '宠物美容许可', '示例县农业农村局']]);
    // Without drafts, the check names the row in the written CSV and in the published table.
    const kept = knowledgeCopy();
    const noStubs = await runCli(['kb', 'import', ok, '--dir', kept, '--town', '甲镇', '--force']);
    expect(noStubs.code).toBe(1);
    expect(noStubs.err).toContain('错误 lists/甲镇.csv:2 字段「事项名称」：事项「宠物美容许可」不在事项目录里');
    expect(noStubs.err).toContain('（原表第 3 行）');
    const r3 = await runCli(['kb', 'import', ok, '--dir', dir, '--town', '甲真', '--force']);
    expect(r3.err).toContain('您是不是要找：「甲镇」');
    const r4 = await runCli(['kb', 'import', ok, '--dir', dir, '--town', '甲镇', '--force', '--scaffold-items']);
    expect(r4.code).toBe(1);
    expect(r4.err).toContain('--type');
    expect(listFiles(dir)).toEqual(before);
    expect(fs.readFileSync(path.join(dir, 'lists', '甲镇.csv'), 'utf8')).toContain('个体工商户设立登记');
  });

  it('kb init writes a folder that passes kb check, and refuses a non-empty folder', async () => {
    const dir = path.join(tempDir(), 'new');
    const r = await runCli(['kb', 'init', dir, '--county', '某某县', '--town', '甲镇、乙乡', '丙街道']);
    expect(r.code, r.err).toBe(0);
    const check = await runCli(['kb', 'check', '--dir', dir]);
    expect(check.code, check.err).toBe(0);
    expect(check.out).toContain('3 个镇/街道');
    const regions = fs.readFileSync(path.join(dir, 'regions.yaml'), 'utf8');
    expect(regions).toContain('kind: 乡');
    expect(regions).toContain('kind: 街道');
    // Nothing invented: no address, hours or phone.
    expect(regions.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toMatch(/address|hours|phone/);
    expect((await runCli(['kb', 'init', dir, '--county', '某某县', '--town', '甲镇'])).err).toContain('不是空目录');
  });
});

describe('ask and the unanswered log', () => {
  it('a maintainer’s ask is not logged unless --log-unanswered', async () => {
    const env = { KNOWLEDGE_DIR: knowledgeCopy(), DATA_DIR: tempDir('daiban-log-') };
    const count = async () => {
      const store = await openStore({ databaseUrl: null, sqlitePath: path.join(env.DATA_DIR, 'daiban.sqlite') });
      try {
        return (await store.unanswered.list()).length;
      } finally {
        await store.close();
      }
    };
    expect((await runCli(['ask', '怎么办护照'], env)).code).toBe(0);
    expect(await count()).toBe(0);
    expect((await runCli(['ask', '--log-unanswered', '怎么办护照'], env)).code).toBe(0);
    expect(await count()).toBe(1);
  });
});
