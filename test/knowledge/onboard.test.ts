// A new county from an empty folder: kb init → kb import of a list as published
// → kb check passes with warnings → ask answers from that folder with nothing
// the list does not hold.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/fixtures.ts';

const COUNTY = path.resolve(import.meta.dirname, '../fixtures/counties/shapingba');
const PUBLISHED = path.join(COUNTY, 'published', '磁器口街道法定行政执法事项清单.csv');

/** Every file under dir (relative path → content), eval/ excluded. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const r = path.relative(dir, p);
      if (r === 'eval') continue;
      if (e.isDirectory()) walk(p);
      else out[r] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function onboard(dir: string) {
  const init = await runCli(['kb', 'init', dir, '--county', '沙坪坝区', '--town', '磁器口街道', '--province', '重庆市']);
  const imp = await runCli(['kb', 'import', PUBLISHED, '--dir', dir, '--town', '磁器口街道', '--scaffold-items', '--department', '磁器口街道办事处']);
  return { init, imp };
}

describe('a new county from an empty folder', () => {
  it('init → import (title row, own headers, no mode column) → check passes with warnings → ask answers only what the list holds', async () => {
    const dir = path.join(tempDir('daiban-county-'), 'kb');
    const { init, imp } = await onboard(dir);
    expect(init.code, init.err).toBe(0);
    expect(imp.code, imp.err + imp.out).toBe(0);
    // It says what it found and where each column went.
    expect(imp.out).toContain('跳过了表头上方 1 行标题；表头在第 2 行');
    expect(imp.out).toContain('事项类型 → 权力类型');
    expect(imp.out).toContain('执法依据 → 依据（写进事项草稿）');
    expect(imp.out).toContain('清单没有“下放方式”列');
    expect(imp.out).toContain('已生成 7 个事项草稿');

    const check = await runCli(['kb', 'check', '--dir', dir]);
    expect(check.code, check.err).toBe(0);
    expect(check.out).toContain('警告');
    expect(check.out).toContain('磁器口街道：7 个事项');
    expect(check.out).toContain('行政检查 6，行政处罚 1');

    const data = tempDir('daiban-county-data-');
    const r = await runCli(['ask', '--dir', dir, '磁器口街道消防安全检查归谁管'], { DATA_DIR: data });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('磁器口街道');
    expect(r.out).toContain('「消防安全检查」是行政检查事项');
    expect(r.out).toContain('《中华人民共和国消防法》(2021年修正)第三十一条');
    // Nothing the list does not hold: no fee, channel, address, hours; no Liuyang wording.
    for (const absent of ['收费', '不收费', '网上', '窗口办理', '手机', '地址：', '办公时间', '长沙', '市里', '浏阳']) {
      expect(r.out, absent).not.toContain(absent);
    }
    expect(r.out).not.toMatch(/\d{1,2}[:：]\d{2}/);
  });

  it('the committed folder is exactly what init + import produce from the published table', async () => {
    const dir = path.join(tempDir('daiban-county-'), 'kb');
    await onboard(dir);
    const committed = snapshot(path.join(COUNTY, 'knowledge'));
    const fresh = snapshot(dir);
    // File names embed the published file's name; both runs use the same one.
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const f of Object.keys(fresh)) expect(fresh[f], f).toBe(committed[f]);
  });

  it('the committed county passes kb check and answers its eval questions about who enforces', async () => {
    const kb = path.join(COUNTY, 'knowledge');
    expect((await runCli(['kb', 'check', '--dir', kb])).code).toBe(0);
    const data = tempDir('daiban-county-eval-');
    const input = ['磁器口街道消防安全检查归谁管', '磁器口水上交通安全谁来检查', '对《重庆市水资源管理条例》第十八条所列情形的处罚 磁器口街道'].join('\n') + '\n';
    const r = await runCli(['ask', '--dir', kb, '--jsonl'], { DATA_DIR: data }, input);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { status: string; town: string; matches: { item: string }[]; answer: string });
    expect(lines.map((l) => [l.status, l.town, l.matches[0]?.item])).toEqual([
      ['answered', '磁器口街道', '消防安全检查'],
      ['answered', '磁器口街道', '对水上交通安全的检查'],
      ['answered', '磁器口街道', '对《重庆市水资源管理条例》第十八条所列情形的处罚'],
    ]);
    // Its own eval set runs from the folder (figures in the report; retrieval itself is not this test's subject).
    const ev = await runCli(['eval', '--dir', kb, '--json'], { DATA_DIR: data });
    expect(ev.code, ev.err).toBe(0);
    const metrics = JSON.parse(ev.out) as { overall: { n: number; hit1: number } };
    expect(metrics.overall.n).toBe(6);
    expect(metrics.overall.hit1).toBeGreaterThanOrEqual(0.6);
    // A penalty is answered by who enforces it, not with a how-to-apply card.
    expect(lines[2]!.answer).toContain('由磁器口街道综合行政执法队负责依法实施');
    expect(lines[2]!.answer).not.toContain('材料');
  });
});
