// `daiban kb init` and `daiban kb import`: a new county from nothing, and a
// published list as published. Both write nothing unless everything they need
// to write is known to be right.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { UserInputError, formatProblem } from '../../errors.ts';
import { loadKnowledge } from '../../knowledge/load.ts';
import { DEVOLUTION_ALIASES, DEVOLUTION_MODES } from '../../knowledge/schemas.ts';
import { didYouMean } from '../../knowledge/suggest.ts';
import { compact, toSimplified } from '../../text/normalize.ts';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';

const townKind = (name: string): '镇' | '乡' | '街道' =>
  name.endsWith('街道') || name.endsWith('街道办事处') ? '街道' : name.endsWith('乡') ? '乡' : '镇';
const shortName = (name: string): string => name.replace(/(街道办事处|街道|镇|乡)$/, '');
/** A one-character alias (甲, 某) would match far too much text: none is written. */
const usableAlias = (alias: string, name: string): boolean => [...alias].length >= 2 && alias !== name;

const splitList = (values: string[] | undefined): string[] =>
  (values ?? []).flatMap((v) => v.split(/[、,，;；\s]+/)).map((v) => toSimplified(v.trim())).filter(Boolean);

/** The folder a new county starts from: it passes `kb check` (with warnings) as written. */
export function initFiles(opts: { county: string; towns: string[]; prefecture?: string; province?: string; hotline?: string }): Record<string, string> {
  const county: Record<string, unknown> = { name: opts.county };
  const short = opts.county.replace(/(自治县|县|市|区|旗)$/, '');
  if (usableAlias(short, opts.county)) county.aliases = [short];
  if (opts.prefecture) county.prefecture = opts.prefecture;
  if (opts.province) county.province = opts.province;
  if (opts.hotline) county.hotline = opts.hotline;
  const regions = {
    county,
    towns: opts.towns.map((t) => ({ name: t, kind: townKind(t), ...(usableAlias(shortName(t), t) ? { aliases: [shortName(t)] } : {}) })),
  };
  return {
    'regions.yaml':
      '# 县（市、区）和各镇/街道。服务中心的地址、办公时间、电话核实后再写（centre: {name, address, hours, phone}），\n' +
      '# 不写时机器人会说“未记录”并引导咨询。格式见 knowledge/README.md。\n' +
      stringifyYaml(regions),
    'departments.yaml': '# 部门全称、简称、层级（县级/地市级/省级）、办理地点。daiban kb import --scaffold-items 会补上清单里出现的部门。\n[]\n',
    'items/.gitkeep': '',
    'lists/.gitkeep': '',
    'guides/.gitkeep': '',
    'scenarios.yaml': '# “一件事”：- name: 开餐馆\n#   items: [个体工商户设立登记, 食品经营许可]\n',
    'synonyms.csv': '说法,事项,备注\n',
  };
}

export function registerOnboarding(kb: Command, ctx: CliContext): void {
  kb.command('init')
    .description('新建一个县的知识库目录（最小可用，kb check 通过）')
    .argument('<dir>', '新目录')
    .requiredOption('--county <name>', '县（市、区）全称，例如 某某县')
    .option('--town <names...>', '镇/街道全称，可写多个或用顿号分隔')
    .option('--prefecture <name>', '上级市（可选）')
    .option('--province <name>', '省（可选）')
    .option('--hotline <number>', '政务服务热线，例如 12345（可选）')
    .option('--force', '目录不是空的也写入')
    .action((dirArg: string, opts: { county: string; town?: string[]; prefecture?: string; province?: string; hotline?: string; force?: boolean }) => {
      const { io } = ctx;
      const dir = path.resolve(io.cwd, dirArg);
      const towns = [...new Set(splitList(opts.town))];
      if (!towns.length) throw new UserInputError('请用 --town 写至少一个镇/街道，例如 --town 甲镇 乙街道');
      if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !opts.force) {
        throw new UserInputError(`${dirArg} 不是空目录；确认要写入请加 --force（已有文件会被覆盖）`);
      }
      const files = initFiles({ county: toSimplified(opts.county.trim()), towns, prefecture: opts.prefecture, province: opts.province, hotline: opts.hotline });
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      io.stdout(`已新建 ${dirArg}：${opts.county}，${towns.length} 个镇/街道（${towns.join('、')}）。\n`);
      io.stdout(`下一步：daiban kb import 公布的清单.xlsx --dir ${dirArg} --town ${towns[0]} --scaffold-items\n`);
      ctx.setExit(0);
    });

  kb.command('import')
    .description('导入公布的下放清单（.xlsx / .csv，含标题行、各地自己的列名、GBK 编码）为 lists/ 下的 CSV，然后检查')
    .argument('<file>', '.xlsx 或 .csv 文件')
    .option('--town <town>', '清单只给一个镇/街道：写全称，生成 lists/<镇名>.csv')
    .option('--towns <towns...>', '清单给几个镇共用：写全称（顿号或空格分隔），或 全部')
    .option('--dir <path>', '知识库目录')
    .option('--mode <mode>', '清单没有“下放方式”列时，所有行的下放方式（例如 赋权、委托、法定职权）')
    .option('--type <type>', '清单没有“权力类型”列时，事项草稿用的类型（例如 行政处罚）')
    .option('--department <name>', '清单没有“原实施部门”列时，事项草稿用的部门')
    .option('--scaffold-items', '为目录里没有的事项生成草稿（items/imported-<文件名>.yaml，标记 draft: true）')
    .option('--name <file>', '生成的 CSV 文件名（共用清单时，默认用原文件名）')
    .option('--force', '覆盖已有的 CSV')
    .action(async (file: string, opts: { town?: string; towns?: string[]; dir?: string; mode?: string; type?: string; department?: string; scaffoldItems?: boolean; name?: string; force?: boolean }) => {
      const { io } = ctx;
      const dir = opts.dir ? path.resolve(io.cwd, opts.dir) : cliConfig(io).knowledgeDir;
      const regionsFile = path.join(dir, 'regions.yaml');
      if (!fs.existsSync(regionsFile)) {
        throw new UserInputError(`${path.relative(io.cwd, dir) || dir} 里没有 regions.yaml：先运行 daiban kb init ${path.relative(io.cwd, dir) || dir} --county 县名 --town 镇名`);
      }
      let regions: { towns?: { name?: string; aliases?: string[] }[]; modes?: { name?: string }[] } = {};
      try {
        regions = (parseYaml(fs.readFileSync(regionsFile, 'utf8')) ?? {}) as typeof regions;
      } catch {
        throw new UserInputError('regions.yaml 有格式错误：先运行 daiban kb check 改正');
      }
      const known = new Map<string, string>();
      for (const t of regions.towns ?? []) for (const k of [t.name ?? '', ...(t.aliases ?? [])]) if (k) known.set(compact(toSimplified(k)), toSimplified(t.name ?? ''));
      const townNames = [...new Set(known.values())];
      const wanted = opts.town ? splitList([opts.town]) : splitList(opts.towns);
      const towns: string[] = [];
      for (const w of wanted) {
        if (['全部', '所有', '全部乡镇', '所有乡镇'].includes(w)) towns.push(...townNames);
        else if (known.has(compact(w))) towns.push(known.get(compact(w))!);
        else throw new UserInputError(`「${w}」不是 regions.yaml 里的镇/街道。${didYouMean(w, townNames)}可选：${townNames.join('、')}`);
      }
      if (opts.mode) {
        const modes = new Set([...Object.keys(DEVOLUTION_ALIASES), ...(regions.modes ?? []).map((m) => toSimplified(m.name ?? ''))]);
        if (!modes.has(toSimplified(opts.mode.trim()))) {
          throw new UserInputError(`--mode「${opts.mode}」不是认可的下放方式：${DEVOLUTION_MODES.join(' / ')}（也接受 赋权、委托下放、服务前移等；本县自己的叫法先写进 regions.yaml 的 modes）`);
        }
      }
      const { readTable, mapTable, stubFor, ACCEPTED_HEADERS } = await import('../../knowledge/import.ts');
      const table = await readTable(path.resolve(io.cwd, file));
      const result = mapTable(table, { towns: [...new Set(towns)], mode: opts.mode?.trim(), type: opts.type?.trim() });
      const hasTownColumn = result.columns.some((c) => c.target === '适用乡镇');
      if (!towns.length && !hasTownColumn) {
        throw new UserInputError(`请写明清单适用的镇/街道：--town 某镇（一个）或 --towns 甲镇 乙镇 / --towns 全部。可选：${townNames.join('、')}`);
      }

      // What was found, and what is accepted.
      if (table.encoding === 'gb18030') io.stdout('文件是 GBK/GB18030 编码（Excel 另存的 CSV），已自动转成 UTF-8。\n');
      if (result.skippedAbove) io.stdout(`跳过了表头上方 ${result.skippedAbove} 行标题；表头在第 ${result.headerLine} 行。\n`);
      io.stdout('找到的列：\n');
      for (const c of result.columns) {
        const target = c.target === 'basis' ? '依据（写进事项草稿）' : c.target === 'child' ? '事项名称（子项）' : c.target;
        io.stdout(`  ${c.header} → ${c.target === '备注' && c.header !== '备注' ? '并入备注' : target}\n`);
      }
      if (result.genericBodies.length) {
        const written = result.rows.some((r) => r.values.承办机构);
        io.stdout(`  （${result.genericBodies.map((b) => `「${b}」`).join('、')}不是具体机构，这些行的值并入备注${written ? '；其余行写进承办机构列' : '，没有写承办机构列'}）\n`);
      }
      if (result.columns.some((c) => c.target === '备注' && c.header !== '备注')) {
        io.stdout(`（认识的列名：${ACCEPTED_HEADERS.join('、')}）\n`);
      }
      if (!result.columns.some((c) => c.target === '下放方式')) {
        io.stdout(opts.mode ? `清单没有“下放方式”列：所有行按 --mode ${opts.mode}。\n` : '清单没有“下放方式”列：回复不会说明以谁的名义办理；知道的话加 --mode 重新导入。\n');
      }
      for (const s of result.skipped) io.stdout(`跳过第 ${s.line} 行（${s.text}）\n`);
      if (!result.rows.length) throw new UserInputError('表头下面没有任何事项行，没有写入文件');

      // Where it goes.
      const base = toSimplified(path.basename(file, path.extname(file)));
      const csvName = opts.name ? toSimplified(opts.name).replace(/(\.csv)?$/, '.csv') : towns.length === 1 && !hasTownColumn ? `${towns[0]}.csv` : `${base}.csv`;
      const target = path.join(dir, 'lists', csvName);
      if (fs.existsSync(target) && !opts.force) {
        throw new UserInputError(`${path.relative(io.cwd, target)} 已存在；确认要覆盖请加 --force`);
      }

      // Catalogue stubs (and departments) for what the catalogue lacks.
      const before = loadKnowledge(dir).knowledge;
      const itemKnown = (n: string) => !!before?.items.some((i) => compact(i.name) === compact(n) || i.aliases.some((a) => compact(a) === compact(n)));
      const deptKnown = (n: string) => !!before?.departments.some((d) => compact(d.name) === compact(n) || d.aliases.some((a) => compact(a) === compact(n)));
      const missing = result.rows.filter((r) => !itemKnown(r.values.事项名称));
      const stubs: Record<string, unknown>[] = [];
      const newDepts = new Set<string>();
      if (opts.scaffoldItems && missing.length) {
        const seen = new Set<string>();
        const problems: string[] = [];
        for (const row of missing) {
          if (seen.has(compact(row.values.事项名称))) continue;
          seen.add(compact(row.values.事项名称));
          const stub = stubFor(row, opts.department?.trim());
          if ('error' in stub) {
            problems.push(stub.error);
            continue;
          }
          if (stub.parent && !itemKnown(stub.parent) && !seen.has(compact(stub.parent))) {
            seen.add(compact(stub.parent));
            stubs.push({ name: stub.parent, type: stub.type, department: stub.department, draft: true });
          }
          stubs.push({ ...stub });
          if (!deptKnown(stub.department)) newDepts.add(stub.department);
        }
        if (problems.length) throw new UserInputError(`没有写入任何文件：\n${problems.slice(0, 10).join('\n')}${problems.length > 10 ? `\n……共 ${problems.length} 处` : ''}`);
      }
      for (const r of result.rows) if (r.values.原实施部门 && !deptKnown(r.values.原实施部门) && opts.scaffoldItems) newDepts.add(r.values.原实施部门);

      // Write: the list, then stubs and departments.
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, result.csv);
      io.stdout(`已写入 ${path.relative(io.cwd, target)}：${result.rows.length} 行${towns.length > 1 ? `，适用 ${towns.length} 个镇/街道` : ''}。\n`);
      if (stubs.length) {
        const stubFile = path.join(dir, 'items', `imported-${base}.yaml`);
        fs.mkdirSync(path.dirname(stubFile), { recursive: true });
        const header = `# 由 daiban kb import 从 ${path.basename(file)} 生成的事项草稿（draft: true）。\n# 按办事指南补全条件、材料、流程、时限、收费后删除 draft: true。\n`;
        fs.writeFileSync(stubFile, header + stringifyYaml(stubs, { lineWidth: 0 }));
        io.stdout(`已生成 ${stubs.length} 个事项草稿：${path.relative(io.cwd, stubFile)}\n`);
      } else if (missing.length) {
        io.stdout(`${missing.length} 个事项不在目录里（检查会报错）；加 --scaffold-items 可生成草稿。\n`);
      }
      if (newDepts.size) {
        const deptFile = path.join(dir, 'departments.yaml');
        const existing = fs.existsSync(deptFile) ? fs.readFileSync(deptFile, 'utf8') : '';
        const lines = [...newDepts].map((d) => `- name: ${JSON.stringify(d)}   # 由 kb import 添加：补上 level 和 place`).join('\n') + '\n';
        // An empty list written as `[]` gives way to the new entries; anything else is kept as written.
        const kept = existing.replace(/^\s*\[\]\s*$/m, '').replace(/\s*$/, '');
        const text = `${kept ? `${kept}\n` : ''}${lines}`;
        fs.writeFileSync(deptFile, text);
        io.stdout(`已在 departments.yaml 添加 ${newDepts.size} 个部门：${[...newDepts].join('、')}\n`);
      }

      const { problems } = loadKnowledge(dir);
      const errors = problems.filter((p) => p.severity === 'error');
      // A row of the written CSV is also named by its line in the published file.
      const written = path.relative(dir, target);
      for (const p of errors) {
        const source = p.file === written && p.line && p.line >= 2 ? result.rows[p.line - 2]?.line : undefined;
        io.stderr(formatProblem(p) + (source ? `（原表第 ${source} 行）` : '') + '\n');
      }
      const warnings = problems.length - errors.length;
      io.stdout(
        errors.length
          ? `检查发现 ${errors.length} 处错误（见上），改正后运行 daiban kb check。\n`
          : `检查通过${warnings ? `，${warnings} 处警告（运行 daiban kb check --dir ${path.relative(io.cwd, dir) || '.'} 查看）` : ''}。\n`,
      );
      ctx.setExit(errors.length ? 1 : 0);
    });
}
