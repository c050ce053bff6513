// Generates a large synthetic knowledge folder (the sample plus N made-up
// items spread over the towns' lists) for the benchmark.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadKnowledgeOrThrow } from '../knowledge/load.ts';

const OBJECTS = '粮食 种子 化肥 木材 石材 砂石 竹制品 茶叶 烟花 鞭炮 药材 水产 禽蛋 乳品 肉类 酒类 饮料 糕点 豆制品 蔬菜 水果 花卉 苗木 家具 建材 陶瓷 纺织品 服装 鞋帽 五金 电器 电线 管材 塑料 纸品 印刷品 包装物 化工品 涂料 燃料'.split(' ');
const ACTIONS = '生产 加工 经营 储存 运输 收购 零售 批发 回收 检测 维修 租赁 培训 展示 仓储'.split(' ');
const KINDS: [string, string][] = [
  ['许可', '行政许可'],
  ['备案', '行政备案'],
  ['登记', '行政确认'],
  ['核准', '行政许可'],
  ['证明开具', '公共服务'],
];
const AREAS = '甲区 乙区 丙区 丁区 东片 西片 南片 北片 中片 高新片 工业园 物流园 商贸城 示范区 新区 老城 河东 河西 山区 库区'.split(' ');

/** Writes `dir` = the sample knowledge plus `extra` generated items; returns the folder. */
export function generateKnowledge(sampleDir: string, dir: string, extra: number): string {
  const { knowledge } = loadKnowledgeOrThrow(sampleDir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(sampleDir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}eval`) });
  const depts = knowledge.departments.filter((d) => d.level === '县级');
  const towns = knowledge.regions.towns;
  const items: object[] = [];
  const rows = new Map<string, string[]>(towns.map((t) => [t.name, []]));
  for (let i = 0; i < extra; i++) {
    const obj = OBJECTS[i % OBJECTS.length]!;
    const act = ACTIONS[Math.floor(i / OBJECTS.length) % ACTIONS.length]!;
    const [kind, type] = KINDS[Math.floor(i / (OBJECTS.length * ACTIONS.length)) % KINDS.length]!;
    const area = AREAS[Math.floor(i / (OBJECTS.length * ACTIONS.length * KINDS.length)) % AREAS.length]!;
    const serial = Math.floor(i / (OBJECTS.length * ACTIONS.length * KINDS.length * AREAS.length));
    const name = `${area}${obj}${act}${kind}${serial ? `（${serial + 1}类）` : ''}`;
    const dept = depts[i % depts.length]!;
    items.push({
      name,
      type,
      department: dept.name,
      materials: [`${obj}${act}申请表`, '营业执照', '经营场所证明'],
      steps: ['申请', '受理', '审查', '决定'],
      legal_limit: 20,
      promised_limit: 5 + (i % 10),
      fee: '不收费',
      visits: 1,
    });
    for (const [j, town] of towns.entries()) {
      if ((i + j) % 3 === 0) {
        const list = rows.get(town.name)!;
        list.push(`${list.length + 1000},${name},${dept.name},直接下放,第九批（2025-01-01）,,`);
      }
    }
  }
  fs.writeFileSync(path.join(dir, 'items', 'zz-generated.yaml'), stringify(items));
  for (const town of towns) {
    const file = path.join(dir, 'lists', `${town.name}.csv`);
    const existing = fs.readFileSync(file, 'utf8').replace(/\s*$/, '\n');
    fs.writeFileSync(file, existing + rows.get(town.name)!.join('\n') + '\n');
  }
  return dir;
}
