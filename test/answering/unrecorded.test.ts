// What the knowledge does not say, the bot does not say: a county made with
// kb init + kb import records no department place and no materials, and the
// replies say so (with whom to ask) instead of filling in the county centre.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/fixtures.ts';

let dir = '';
let data = '';
const ask = async (...args: string[]) => {
  const r = await runCli(['ask', '--dir', dir, ...args], { DATA_DIR: data });
  expect(r.code, r.err).toBe(0);
  return r.out;
};

beforeAll(async () => {
  const root = tempDir('daiban-unrecorded-');
  dir = path.join(root, 'kb');
  data = path.join(root, 'data');
  const csv = path.join(root, 'list.csv');
  fs.writeFileSync(
    csv,
    '序号,事项名称,权力类型,原实施部门,下放方式\n1,食品经营许可,行政许可,某县市场监督管理局,受理初审\n2,林木采伐许可证核发,行政许可,某县林业局,委托\n',
  );
  expect((await runCli(['kb', 'init', dir, '--county', '某县', '--town', '甲镇', '--town', '乙镇'])).code).toBe(0);
  const imp = await runCli(['kb', 'import', csv, '--dir', dir, '--town', '甲镇', '--scaffold-items']);
  expect(imp.code, imp.err + imp.out).toBe(0);
});

describe('a department place the knowledge does not record', () => {
  it('a town with no list yet: its availability is unknown (never "cannot"), the department by name, never the county centre', async () => {
    const out = await ask('--town', '乙镇', '林木采伐许可证在哪办');
    expect(out).toContain('还没有乙镇的下放事项清单');
    expect(out).not.toMatch(/乙镇(暂)?不能办/);
    expect(out).toContain('某县林业局');
    expect(out).not.toContain('政务服务中心');
  });

  it('the 地址 follow-up and the no-town card do not fill it in either', async () => {
    const json = JSON.parse(await ask('--json', '--town', '乙镇', '林木采伐许可证在哪办')) as { followups?: Record<string, string>; answer: string };
    const all = JSON.stringify(json);
    expect(all).toContain('知识库未记录');
    expect(all).not.toContain('政务服务中心');
    const any = await ask('林木采伐许可证能办吗');
    expect(any).not.toContain('政务服务中心');
  });
});

describe('materials and steps the knowledge does not record', () => {
  it('asked for materials of a draft item: says they are not recorded and where to ask', async () => {
    const out = await ask('甲镇办食品经营许可要带什么材料');
    expect(out).toContain('食品经营许可');
    expect(out).toMatch(/没有您问的材料清单|材料清单.*未记录/);
    expect(out).toContain('某县市场监督管理局');
  });

  it('asked for steps: likewise', async () => {
    const out = await ask('甲镇食品经营许可的流程');
    expect(out).toMatch(/没有您问的办理流程|办理流程.*未记录/);
  });
});
