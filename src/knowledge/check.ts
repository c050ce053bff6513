// Cross-checks between knowledge files: references that must resolve,
// names that must be unique, limits that must be consistent.
import type { Problem } from '../errors.ts';
import { compact } from '../text/normalize.ts';
import type { Knowledge, Origin } from './load.ts';
import { limitDays, type Department, type Item, type Town } from './schemas.ts';

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
      err(origin, 'department', `部门「${item.department}」不在 departments.yaml 里`, '使用 departments.yaml 中的部门全称，或先在那里添加该部门');
    }
    if (item.elsewhere?.department && !idx.department(item.elsewhere.department)) {
      err(origin, 'elsewhere.department', `部门「${item.elsewhere.department}」不在 departments.yaml 里`, '使用 departments.yaml 中的部门全称');
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
    if (!item.abolished && item.promised_limit === undefined) {
      warn(origin, 'promised_limit', '没有写承诺时限', '填写工作日数，或 即办');
    }
  }

  // Lists: town known, items known, department consistent, no duplicates.
  const townNames = new Set(k.regions.towns.map((t) => t.name));
  for (const [townName, entries] of k.lists) {
    const town = idx.town(townName);
    const file = entries[0]?.origin.file ?? `lists/${townName}.csv`;
    if (!town || town.name !== townName) {
      err(
        { file, line: 1 },
        undefined,
        `文件名里的「${townName}」不是 regions.yaml 里的镇/街道`,
        `文件名用镇/街道全称：${[...townNames].join('、')}`,
      );
      continue;
    }
    const seen = new Map<string, Origin>();
    const seenNo = new Map<number, Origin>();
    const windows = new Set((town.centre.windows ?? []).map((w) => w.name));
    for (const e of entries) {
      const item = idx.item(e.事项名称);
      if (!item) {
        err(e.origin, '事项名称', `事项「${e.事项名称}」不在事项目录里`, '使用 items/ 中的事项名称或别名，或先把事项加进目录');
        continue;
      }
      if (item.abolished) {
        err(e.origin, '事项名称', `事项「${item.name}」已于 ${item.abolished.date} 取消，不能再列入下放清单`, '从清单中删除该行');
      }
      const dept = idx.department(e.原实施部门);
      if (!dept) {
        err(e.origin, '原实施部门', `部门「${e.原实施部门}」不在 departments.yaml 里`, '使用部门全称');
      } else if (dept.name !== idx.department(item.department)?.name) {
        err(e.origin, '原实施部门', `「${e.原实施部门}」与事项目录中的部门「${item.department}」不一致`, item.department);
      }
      const prev = seen.get(item.name);
      if (prev) err(e.origin, '事项名称', `事项「${item.name}」在本清单中重复（第一次在第 ${prev.line} 行）`, '每个事项只列一次');
      seen.set(item.name, e.origin);
      const prevNo = seenNo.get(e.序号);
      if (prevNo) err(e.origin, '序号', `序号 ${e.序号} 重复（第一次在第 ${prevNo.line} 行）`, '序号不重复');
      seenNo.set(e.序号, e.origin);
      if (e.窗口 && windows.size > 0 && !windows.has(e.窗口)) {
        warn(e.origin, '窗口', `窗口「${e.窗口}」不在 ${town.name} 服务中心的窗口列表里`, [...windows].join('、'));
      }
    }
  }
  for (const town of k.regions.towns) {
    if (!k.lists.has(town.name)) {
      warn(regionsOrigin, 'towns', `${town.name} 没有下放清单`, `添加 lists/${town.name}.csv`);
    }
  }

  // Guides: item and town known; time limits written in the prose agree with the catalogue.
  for (const g of k.guides) {
    const item = idx.item(g.item);
    if (!item) err(g.origin, 'item', `指南对应的事项「${g.item}」不在事项目录里`, '使用事项目录中的名称');
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
    if (g.town && !idx.town(g.town)) err(g.origin, 'town', `镇/街道「${g.town}」不在 regions.yaml 里`, [...townNames].join('、'));
  }

  // Scenarios: unique names, items known.
  const scenarioNames = new Set<string>();
  for (const s of k.scenarios) {
    const origin = k.scenarioOrigins.get(s.name) ?? { file: 'scenarios.yaml' };
    if (scenarioNames.has(s.name)) err(origin, 'name', `一件事「${s.name}」重复`, '名称唯一');
    scenarioNames.add(s.name);
    for (const name of s.items) {
      if (!idx.item(name)) err(origin, 'items', `一件事「${s.name}」里的事项「${name}」不在事项目录里`, '使用事项目录中的名称');
    }
  }

  // Synonyms: targets known; a colloquial word should not shadow an item name.
  for (const syn of k.synonyms) {
    if (!idx.item(syn.事项)) err(syn.origin, '事项', `事项「${syn.事项}」不在事项目录里`, '使用事项目录中的名称');
    const owner = aliasOwner.get(compact(syn.说法));
    if (owner && idx.item(syn.事项)?.name !== owner) {
      warn(syn.origin, '说法', `说法「${syn.说法}」已是事项「${owner}」的名称或别名`, '删除这一行或改指向该事项');
    }
  }

  // Evaluation sets: items and towns known.
  for (const cases of k.eval.values()) {
    for (const c of cases) {
      for (const name of c.items) {
        if (!idx.item(name)) err(c.origin, 'items', `评测题里的事项「${name}」不在事项目录里`, '使用事项目录中的名称');
      }
      for (const t of [c.town, c.bound]) {
        if (t && !idx.town(t)) err(c.origin, 'town', `镇/街道「${t}」不在 regions.yaml 里`, [...townNames].join('、'));
      }
    }
  }
  return problems;
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
      byMode[e.下放方式] = (byMode[e.下放方式] ?? 0) + 1;
      depts.add(idx.department(e.原实施部门)?.name ?? e.原实施部门);
    }
    return { town: town.name, items: entries.length, departments: depts.size, byType, byMode };
  });
}

export { at as formatOrigin };
