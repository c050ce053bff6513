// Replies built from the new facts: only what the folder records, the county's
// own mode names, enforcement powers, withdrawn and not-yet-effective rows.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { knowledgeCopy, tempDir } from '../helpers/fixtures.ts';

interface Reply {
  status: string;
  answer: string;
}

async function ask(dir: string, questions: string[]): Promise<Reply[]> {
  const r = await runCli(['ask', '--jsonl'], { KNOWLEDGE_DIR: dir, DATA_DIR: tempDir('daiban-facts-') }, questions.join('\n') + '\n');
  expect(r.code, r.err).toBe(0);
  return r.out.trim().split('\n').map((l) => JSON.parse(l) as Reply);
}

describe('replies say only what the knowledge holds', () => {
  it('a fee or channel that is not recorded is said to be not recorded, with where to ask; never 不收费 by default', async () => {
    const dir = knowledgeCopy();
    const [r] = await ask(dir, ['甲镇能办个体工商户设立登记吗']);
    expect(r!.status).toBe('answered');
    expect(r!.answer).toContain('收费：知识库未记录，请向12345 政务服务便民热线咨询');
    expect(r!.answer).not.toContain('不收费');
    expect(r!.answer).not.toContain('需到窗口办理');
    // A recorded fee is stated.
    const [food] = await ask(dir, ['甲镇能办食品经营许可吗']);
    expect(food!.answer).toContain('收费：不收费');
  });

  it('a centre without address or hours: the reply names it and says the address is not recorded', async () => {
    const dir = knowledgeCopy();
    const regions = fs.readFileSync(path.join(dir, 'regions.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'regions.yaml'), regions.replace('      address: 甲镇政府一楼\n      hours: 工作日 9:00-17:00\n', ''));
    const [r] = await ask(dir, ['甲镇能办食品经营许可吗']);
    expect(r!.answer).toContain('地点：甲镇便民服务中心·综合受理窗口（地址未记录');
    expect(r!.answer).not.toMatch(/9:00|17:00/);
  });

  it('uses the county’s own mode names and sentences; prefecture-level work names the county’s prefecture', async () => {
    const dir = knowledgeCopy();
    fs.appendFileSync(path.join(dir, 'regions.yaml'), 'modes:\n  - name: 服务窗口前移\n    meaning: 受理初审\n    say: 材料交到{镇}，由{部门}审批\n');
    fs.writeFileSync(
      path.join(dir, 'lists', '甲镇.csv'),
      '序号,事项名称,原实施部门,下放方式\n1,个体工商户设立登记,示例县市场监督管理局,委托下放\n2,食品经营许可,示例县市场监督管理局,服务窗口前移\n',
    );
    const [own, builtIn, prefecture] = await ask(dir, ['甲镇能办食品经营许可吗', '甲镇能办个体工商户设立登记吗', '甲镇能办烟花爆竹经营（批发）许可证核发吗']);
    expect(own!.answer).toContain('（服务窗口前移，即受理初审）：材料交到甲镇，由示例县市场监督管理局审批');
    expect(builtIn!.answer).toContain('（委托下放，即委托）：甲镇受示例县市场监督管理局委托，以示例县市场监督管理局的名义办理');
    expect(prefecture!.status).toBe('not_at_town');
    expect(prefecture!.answer).toContain('（示例市级审批）');
    for (const r of [own, builtIn, prefecture]) expect(r!.answer).not.toMatch(/长沙|市里/);
  });

  it('an enforcement power is answered by who enforces it; a withdrawn or future row says so', async () => {
    const dir = knowledgeCopy();
    fs.appendFileSync(
      path.join(dir, 'items', 'market.yaml'),
      '- name: 对无照经营行为的处罚\n  type: 行政处罚\n  department: 示例县市场监督管理局\n  basis: 《无证无照经营查处办法》第十三条\n' +
        '- name: 对农药经营的监督检查\n  type: 行政检查\n  department: 示例县市场监督管理局\n',
    );
    fs.writeFileSync(
      path.join(dir, 'lists', '全县清单.csv'),
      '序号,事项名称,适用乡镇,下放方式,承办机构,生效日期,收回日期,收回后去向\n' +
        '1,对无照经营行为的处罚,全部,赋权,,2020-04-28,,\n' +
        '2,对农药经营的监督检查,甲镇,委托,甲镇农业综合服务站,2020-04-28,,\n' +
        '3,食品经营许可,乙街道,委托,,2020-04-28,2021-06-30,示例县市场监督管理局政务窗口\n' +
        '4,个体工商户设立登记,乙街道,直接下放,,2999-01-01,,\n',
    );
    fs.writeFileSync(path.join(dir, 'lists', '乙街道.csv'), '序号,事项名称\n');
    const [penalty, inspection, withdrawn, pending, notHere] = await ask(dir, [
      '乙街道对无照经营行为的处罚归谁管',
      '甲镇对农药经营的监督检查',
      '乙街道能办食品经营许可吗',
      '乙街道能办个体工商户设立登记吗',
      '乙街道对农药经营的监督检查归谁管',
    ]);
    expect(notHere!.status).toBe('not_at_town');
    expect(notHere!.answer).toContain('「对农药经营的监督检查」是行政检查事项，不在乙街道的清单里，由示例县市场监督管理局负责');
    expect(notHere!.answer).not.toMatch(/代办|地点：/);
    expect(penalty!.answer).toContain('由乙街道综合行政执法队负责依法实施，不需要群众申请办理');
    expect(penalty!.answer).toContain('《无证无照经营查处办法》第十三条');
    expect(penalty!.answer).not.toMatch(/材料|收费|承诺/);
    expect(inspection!.answer).toContain('由甲镇农业综合服务站负责实施检查');
    expect(withdrawn!.status).toBe('not_at_town');
    expect(withdrawn!.answer).toContain('原来下放给乙街道，已于 2021-06-30 收回，现由示例县市场监督管理局政务窗口办理');
    expect(pending!.answer).toContain('将于 2999-01-01 起由乙街道办理');
  });
});
