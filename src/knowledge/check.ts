// Cross-checks between knowledge files: references that must resolve,
// names that must be unique, limits that must be consistent.
import type { Problem } from '../errors.ts';
import { compact } from '../text/normalize.ts';
import type { Knowledge, Origin } from './load.ts';
import { DEVOLUTION_ALIASES, limitDays, normalizeItemType, type Department, type DevolutionMode, type Item, type Town } from './schemas.ts';
import { isEnforcement } from './facts.ts';
import { didYouMean } from './suggest.ts';

/** Name and alias lookups over a loaded knowledge base. */
export class KnowledgeIndex {
  readonly itemByKey = new Map<string, Item>();
  readonly townByKey = new Map<string, Town>();
  readonly departmentByKey = new Map<string, Department>();

  constructor(readonly k: Knowledge) {
    for (const item of k.items) {
      for (const key of [item.name, ...item.aliases]) {
        const c = compact(key);
        if (!this.itemByKey.has(c)) this.itemByKey.set(c, item);
      }
    }
    for (const town of k.regions.towns) {
      for (const key of [town.name, ...town.aliases]) this.townByKey.set(compact(key), town);
    }
    for (const d of k.departments) {
      for (const key of [d.name, ...d.aliases]) this.departmentByKey.set(compact(key), d);
    }
  }

  item(nameOrAlias: string): Item | undefined {
    return this.itemByKey.get(compact(nameOrAlias));
  }
  town(nameOrAlias: string): Town | undefined {
    return this.townByKey.get(compact(nameOrAlias));
  }
  department(nameOrAlias: string): Department | undefined {
    return this.departmentByKey.get(compact(nameOrAlias));
  }
}

const at = (o: Origin | undefined) => (o ? `${o.file}${o.line ? ':' + o.line : ''}` : '?');

export function crossCheck(k: Knowledge): Problem[] {
  const problems: Problem[] = [];
  const idx = new KnowledgeIndex(k);
  // A problem points at the field's own line when the loader recorded it.
  const place = (origin: Origin, field: string | undefined) => ({
    file: origin.file,
    line: (field ? origin.fields?.[field] : undefined) ?? origin.line,
  });
  const err = (origin: Origin, field: string | undefined, message: string, expected?: string) =>
    problems.push({ ...place(origin, field), field, message, expected, severity: 'error' });
  const warn = (origin: Origin, field: string | undefined, message: string, expected?: string) =>
    problems.push({ ...place(origin, field), field, message, expected, severity: 'warning' });
  const regionsOrigin = { file: 'regions.yaml' };
  const itemNames = k.items.flatMap((i) => [i.name, ...i.aliases]);
  const deptNames = k.departments.flatMap((d) => [d.name, ...d.aliases]);
  const townNameList = k.regions.towns.map((t) => t.name);
  const withHint = (message: string, name: string, known: string[]) => {
    const hint = didYouMean(name, known);
    return hint ? `${message}，${hint}` : message;
  };

  // One-character aliases (甲, 某) match far too much of any question.
  for (const a of k.regions.county.aliases ?? []) {
    if ([...a].length < 2) warn(regionsOrigin, 'county.aliases', `县的简称「${a}」只有一个字，会误配很多问题`, '简称至少两个字，或删掉它');
  }
  for (const town of k.regions.towns) {
    for (const a of town.aliases) {
      if ([...a].length < 2) warn(regionsOrigin, 'towns.aliases', `「${town.name}」的简称「${a}」只有一个字，会误配很多问题`, '简称至少两个字，或删掉它');
    }
  }

  // Towns: unique names and aliases, not colliding with the county.
  const townKeys = new Map<string, string>();
  for (const town of k.regions.towns) {
    for (const key of [town.name, ...town.aliases]) {
      const prev = townKeys.get(compact(key));
      if (prev && prev !== town.name) {
        err(regionsOrigin, 'towns.aliases', `简称「${key}」同时属于「${prev}」和「${town.name}」`, '每个简称只能指向一个镇/街道');
      }
      townKeys.set(compact(key), town.name);
    }
  }

  // Departments: unique names and aliases.
  const deptKeys = new Map<string, string>();
  for (const d of k.departments) {
    for (const key of [d.name, ...d.aliases]) {
      const prev = deptKeys.get(compact(key));
      if (prev && prev !== d.name) {
        err({ file: 'departments.yaml' }, 'aliases', `简称「${key}」同时属于「${prev}」和「${d.name}」`, '每个简称只能指向一个部门');
      }
      deptKeys.set(compact(key), d.name);
    }
  }

  // Items: department known, aliases unique, promised ≤ legal, abolished consistent.
  const aliasOwner = new Map<string, string>();
  for (const item of k.items) aliasOwner.set(compact(item.name), item.name);
  for (const item of k.items) {
    const origin = k.itemOrigins.get(item.name)!;
    if (!idx.department(item.department)) {
      err(origin, 'department', withHint(`部门「${item.department}」不在 departments.yaml 里`, item.department, deptNames), '使用 departments.yaml 中的部门全称，或先在那里添加该部门');
    }
    if (item.elsewhere?.department && !idx.department(item.elsewhere.department)) {
      err(origin, 'elsewhere.department', withHint(`部门「${item.elsewhere.department}」不在 departments.yaml 里`, item.elsewhere.department, deptNames), '使用 departments.yaml 中的部门全称');
    }
    if (item.parent) {
      const parent = idx.item(item.parent);
      if (!parent) err(origin, 'parent', withHint(`主项「${item.parent}」不在事项目录里`, item.parent, itemNames), '写目录里主项的名称');
      else if (parent.name === item.name) err(origin, 'parent', '主项不能是事项自己', '写它所属的主项名称');
    }
    if (item.draft) {
      warn(
        origin,
        'name',
        isEnforcement(item) ? `「${item.name}」是导入时生成的草稿，类型、部门、依据待核对` : `「${item.name}」是导入时生成的草稿，条件、材料、流程、时限、收费都还没有`,
        isEnforcement(item) ? '核对后删除 draft: true' : '按办事指南补全后删除 draft: true',
      );
    } else if (!item.abolished && !isEnforcement(item)) {
      if (item.fee === undefined) warn(origin, 'fee', `「${item.name}」没有写收费，回复会说“未记录”并引导咨询`, '写明 不收费 或收费标准');
    }
    for (const alias of item.aliases) {
      const owner = aliasOwner.get(compact(alias));
      if (owner && owner !== item.name) {
        err(origin, 'aliases', `别名「${alias}」与事项「${owner}」的名称或别名重复`, '别名要能唯一指向一个事项；一词多指请写进 synonyms.csv');
      }
      aliasOwner.set(compact(alias), item.name);
    }
    if (item.legal_limit !== undefined && item.promised_limit !== undefined) {
      if (limitDays(item.promised_limit) > limitDays(item.legal_limit)) {
        err(
          origin,
          'promised_limit',
          `承诺时限 ${item.promised_limit} 个工作日超过法定时限 ${item.legal_limit}`,
          '承诺时限不超过法定时限',
        );
      }
    }
    if (!item.abolished && !item.draft && !isEnforcement(item) && item.promised_limit === undefined) {
      warn(origin, 'promised_limit', '没有写承诺时限', '填写工作日数，或 即办');
    }
  }

  // Lists: items known, department consistent, no duplicates, mode agrees with the row's note.
  const modeWords = new Map<string, DevolutionMode>(Object.entries(DEVOLUTION_ALIASES).filter(([w]) => !['下放', '受理', '法定'].includes(w)));
  for (const m of k.regions.modes) modeWords.set(m.name, m.meaning);
  for (const town of k.regions.towns) {
    for (const c of [town.centre, ...(town === k.regions.towns[0] ? [k.regions.county.centre] : [])]) {
      const missing = [c.address ? '' : '地址', c.hours ? '' : '办公时间'].filter(Boolean);
      if (missing.length) warn(regionsOrigin, 'centre', `${c.name}没有写${missing.join('和')}，回复会说“未记录”并引导咨询`, '有核实过的地址和办公时间就写上');
    }
  }
  for (const d of k.departments) {
    if (!d.place) warn({ file: 'departments.yaml' }, 'place', `部门「${d.name}」没有写办理地点，不在镇里办时回复只能给出部门名称`, '写明办理地点（例如 某县政务服务中心某窗口）');
  }
  for (const town of k.regions.towns) {
    const entries = [...(k.lists.get(town.name) ?? []), ...(k.inactive.get(town.name) ?? [])];
    const seen = new Map<string, Origin>();
    const windows = new Set((town.centre.windows ?? []).map((w) => w.name));
    for (const e of entries) {
      const item = idx.item(e.事项名称);
      if (!item) {
        err(e.origin, '事项名称', withHint(`事项「${e.事项名称}」不在事项目录里`, e.事项名称, itemNames), '使用 items/ 中的事项名称或别名，或先把事项加进目录（daiban kb import --scaffold-items 可生成草稿）');
        continue;
      }
      if (item.abolished) {
        err(e.origin, '事项名称', `事项「${item.name}」已于 ${item.abolished.date} 取消，不能再列入下放清单`, '从清单中删除该行');
      }
      if (e.原实施部门) {
        const dept = idx.department(e.原实施部门);
        if (!dept) {
          err(e.origin, '原实施部门', withHint(`部门「${e.原实施部门}」不在 departments.yaml 里`, e.原实施部门, deptNames), '使用部门全称');
        } else {
          // An item whose own department is a typo is reported at the item; the list's (known) value is not "corrected" to it.
          const own = idx.department(item.department);
          if (own && dept.name !== own.name) {
            err(e.origin, '原实施部门', `「${e.原实施部门}」与事项目录中的部门「${own.name}」不一致`, own.name);
          }
        }
      }
      if (e.主项 && !idx.item(e.主项)) err(e.origin, '主项', withHint(`主项「${e.主项}」不在事项目录里`, e.主项, itemNames), '写目录里主项的名称');
      if (e.权力类型) {
        const t = normalizeItemType(e.权力类型);
        if (!t) err(e.origin, '权力类型', `「${e.权力类型}」不是权责清单的权力类型`, '行政许可、行政处罚、行政强制、行政检查、行政征收、行政给付、行政确认、行政奖励、行政裁决、其他行政权力');
        else if (t.type !== item.type) warn(e.origin, '权力类型', `清单写的是「${e.权力类型}」，事项目录里「${item.name}」是「${item.type}」`, '两处一致');
      }
      const key = `${e.origin.file}\0${item.name}`;
      const prev = seen.get(key);
      if (prev && prev.line !== e.origin.line) err(e.origin, '事项名称', `事项「${item.name}」在本清单中重复（第一次在第 ${prev.line} 行）`, '每个事项只列一次');
      if (!prev) seen.set(key, e.origin);
      if (e.下放方式 && e.备注) {
        const said = [...modeWords.keys()].sort((a, b) => b.length - a.length).find((w) => e.备注.includes(w));
        const meaning = said ? modeWords.get(said)! : /初审|审核后报|报.{0,6}(审批|决定)/.test(e.备注) ? '受理初审' : undefined;
        if (meaning && meaning !== e.下放方式) {
          warn(
            e.origin,
            '下放方式',
            `下放方式写的是「${e.modeName ?? e.下放方式}」（${e.下放方式}），但备注写着「${said ?? e.备注}」（${meaning}）`,
            '核对原文件：以哪种方式下放，改正下放方式或备注',
          );
        }
      }
      if (e.窗口 && windows.size > 0 && !windows.has(e.窗口)) {
        warn(e.origin, '窗口', `窗口「${e.窗口}」不在 ${town.name} 服务中心的窗口列表里`, [...windows].join('、'));
      }
    }
  }
  // 序号 unique within a file.
  const numbers = new Map<string, Origin>();
  for (const entries of [...k.lists.values(), ...k.inactive.values()]) {
    for (const e of entries) {
      const key = `${e.origin.file}\0${e.序号}`;
      const prev = numbers.get(key);
      if (prev && prev.line !== e.origin.line) err(e.origin, '序号', `序号 ${e.序号} 重复（第一次在第 ${prev.line} 行）`, '序号不重复');
      else numbers.set(key, e.origin);
    }
  }
  for (const town of k.regions.towns) {
    if (!k.listFiles.has(town.name)) {
      warn(regionsOrigin, 'towns', `${town.name} 没有下放清单`, `添加 lists/${town.name}.csv，或在共用清单的「适用乡镇」列 / lists/towns.yaml 里写上它`);
    }
  }

  // Guides: item and town known; time limits written in the prose agree with the catalogue.
  for (const g of k.guides) {
    const item = idx.item(g.item);
    if (!item) err(g.origin, 'item', withHint(`指南对应的事项「${g.item}」不在事项目录里`, g.item, itemNames), '使用事项目录中的名称');
    for (const [label, field] of [['法定', 'legal_limit'], ['承诺', 'promised_limit']] as const) {
      const stated = guideLimit(g.body, label);
      const listed = item?.[field];
      if (stated === null || listed === undefined || stated === listed) continue;
      const line = g.bodyLine + g.body.split('\n').findIndex((l) => l.includes(`${label}时限`));
      warn(
        { file: g.origin.file, line },
        `${label}时限`,
        `指南写的${label}时限是「${stated === '即办' ? '即办' : `${stated}个工作日`}」，事项目录是「${listed === '即办' ? '即办' : `${listed}个工作日`}」`,
        '两处一致（以事项目录为准，答复用的是目录里的时限）',
      );
    }
    if (g.town && !idx.town(g.town)) err(g.origin, 'town', withHint(`镇/街道「${g.town}」不在 regions.yaml 里`, g.town, townNameList), townNameList.join('、'));
  }

  // Scenarios: unique names, items known.
  const scenarioNames = new Set<string>();
  for (const s of k.scenarios) {
    const origin = k.scenarioOrigins.get(s.name) ?? { file: 'scenarios.yaml' };
    if (scenarioNames.has(s.name)) err(origin, 'name', `一件事「${s.name}」重复`, '名称唯一');
    scenarioNames.add(s.name);
    for (const name of s.items) {
      if (!idx.item(name)) err(origin, 'items', withHint(`一件事「${s.name}」里的事项「${name}」不在事项目录里`, name, itemNames), '使用事项目录中的名称');
    }
  }

  // Synonyms: targets known; a colloquial word should not shadow an item name.
  for (const syn of k.synonyms) {
    if (!idx.item(syn.事项)) err(syn.origin, '事项', withHint(`事项「${syn.事项}」不在事项目录里`, syn.事项, itemNames), '使用事项目录中的名称');
    const owner = aliasOwner.get(compact(syn.说法));
    if (owner && idx.item(syn.事项)?.name !== owner) {
      warn(syn.origin, '说法', `说法「${syn.说法}」已是事项「${owner}」的名称或别名`, '删除这一行或改指向该事项');
    }
  }

  // Not-held terms: one that is part of an item's name, alias or synonym never takes effect (the item is answered).
  const itemWords = [...k.items.flatMap((i) => [i.name, ...i.aliases]), ...k.synonyms.map((s) => s.说法)].map(compact);
  for (const row of k.notHeld) {
    const key = compact(row.说法);
    // A term that is itself an item's name or synonym never takes effect; one inside a longer name (诊所 in 宠物诊所)
    // still declines every other use (牙科诊所).
    if (itemWords.includes(key)) warn(row.origin, '说法', `「${row.说法}」就是事项名称或说法，问到时仍按事项回答，这一行不会生效`, '删除这一行，或写得更具体');
  }

  // Evaluation sets: items and towns known.
  for (const cases of k.eval.values()) {
    for (const c of cases) {
      for (const name of c.items) {
        if (!idx.item(name)) err(c.origin, 'items', withHint(`评测题里的事项「${name}」不在事项目录里`, name, itemNames), '使用事项目录中的名称');
      }
      for (const t of [c.town, c.bound]) {
        if (t && !idx.town(t)) err(c.origin, 'town', withHint(`镇/街道「${t}」不在 regions.yaml 里`, t, townNameList), townNameList.join('、'));
      }
    }
  }
  // One row of a list shared by several towns is checked once per town: report it once.
  const unique = new Map<string, Problem>();
  for (const p of problems) unique.set(`${p.severity}\0${p.file}\0${p.line}\0${p.field}\0${p.message}`, p);
  return [...unique.values()];
}

/** The 法定/承诺 time limit a guide's prose states (「承诺时限5个工作日」「承诺时限：即办」), or null. */
function guideLimit(body: string, label: '法定' | '承诺'): number | '即办' | null {
  const m = new RegExp(`${label}时限[：:\\s]*(即办|(\\d+)\\s*个?工作日)`).exec(body);
  if (!m) return null;
  return m[1] === '即办' ? '即办' : Number(m[2]);
}

export interface TownSummary {
  town: string;
  items: number;
  departments: number;
  byType: Record<string, number>;
  byMode: Record<string, number>;
}

/** Per-town counts for the check summary. */
export function summarize(k: Knowledge): TownSummary[] {
  const idx = new KnowledgeIndex(k);
  return k.regions.towns.map((town) => {
    const entries = k.lists.get(town.name) ?? [];
    const byType: Record<string, number> = {};
    const byMode: Record<string, number> = {};
    const depts = new Set<string>();
    for (const e of entries) {
      const item = idx.item(e.事项名称);
      if (!item) continue;
      byType[item.type] = (byType[item.type] ?? 0) + 1;
      const mode = e.modeName ?? e.下放方式 ?? '未写下放方式';
      byMode[mode] = (byMode[mode] ?? 0) + 1;
      const dept = e.原实施部门 ?? item.department;
      depts.add(idx.department(dept)?.name ?? dept);
    }
    return { town: town.name, items: entries.length, departments: depts.size, byType, byMode };
  });
}

export { at as formatOrigin };
