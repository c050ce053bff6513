// `daiban eval`: quality on the labelled question sets, fused vs BM25 baseline.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { UserInputError } from '../../errors.ts';
import { byCategory, isFailure, judge, metrics, realMetrics, type CaseOutcome, type Metrics, type RealMetrics } from '../../answering/evaluate.ts';
import type { Engine, RetrievalMode } from '../../answering/engine.ts';
import { evalFileSchema, type EvalCase } from '../../knowledge/schemas.ts';
import { toSimplified } from '../../text/normalize.ts';
import type { CliContext } from '../main.ts';
import { openRuntime } from '../runtime.ts';
import { previewIO } from './ask.ts';

/** Reads eval cases from the given files, or every file in <knowledge>/eval. */
export function readEvalCases(knowledgeDir: string, files?: string[]): (EvalCase & { origin: { file: string } })[] {
  const list = files?.length
    ? files
    : fs
        .readdirSync(path.join(knowledgeDir, 'eval'))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => path.join(knowledgeDir, 'eval', f));
  return list.flatMap((file) => {
    const parsed = evalFileSchema.safeParse(parseYaml(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new UserInputError(`${file} 不是合法的评测文件，先运行 daiban kb check 查看详情`);
    // Expected names are compared with simplified catalogue names.
    return parsed.data.map((c) => ({ ...c, items: c.items.map(toSimplified), origin: { file: path.basename(file) } }));
  });
}

/** The real-question halves (knowledge/eval/real/tune.yaml and test.yaml) that exist. */
export function readRealHalves(knowledgeDir: string): { name: 'tune' | 'test'; cases: (EvalCase & { origin: { file: string } })[] }[] {
  const dir = path.join(knowledgeDir, 'eval', 'real');
  return (['tune', 'test'] as const)
    .filter((name) => fs.existsSync(path.join(dir, `${name}.yaml`)))
    .map((name) => ({ name, cases: readEvalCases(knowledgeDir, [path.join(dir, `${name}.yaml`)]) }));
}

export async function runEval(engine: Engine, cases: EvalCase[], mode: RetrievalMode = 'fused'): Promise<CaseOutcome[]> {
  engine.setRetrievalMode(mode);
  const out: CaseOutcome[] = [];
  for (const c of cases) out.push(judge(c, await engine.ask(c.q, { boundTown: c.bound ?? null })));
  engine.setRetrievalMode('fused');
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const realRow = (name: string, m: RealMetrics) =>
  `${name.padEnd(8, '　')} n=${String(m.n).padStart(3)}  总体正确 ${pct(m.overall).padStart(6)}  应拒答正确 ${pct(m.decline).padStart(6)}（${m.counts.decline}题）  可答Hit@1 ${pct(m.hit1).padStart(6)}（${m.counts.answerable}题）`;
const row = (name: string, m: Metrics) =>
  `${name.padEnd(8, '　')} n=${String(m.n).padStart(3)}  Hit@1 ${pct(m.hit1).padStart(6)}  Hit@3 ${pct(m.hit3).padStart(6)}  MRR ${m.mrr.toFixed(3)}  状态 ${pct(m.status).padStart(6)}  可办性 ${pct(m.availability).padStart(6)}`;

export function registerEval(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('在 knowledge/eval/ 的问题集上评测：Hit@1、Hit@3、MRR、状态准确率、可办性准确率')
    .option('--file <files...>', '只评测这些文件')
    .option('--json', '以 JSON 输出')
    .option('--dir <path>', '评测另一个知识库目录（用它自己的 eval/；索引缓存在临时目录）')
    .option('--log-unanswered', '把没答上来的问题记入未答日志（默认不记）')
    .option('--show-test', '也列出真实问题测试半（test.yaml）的逐题失败；调参时不要用')
    .action(async (opts: { file?: string[]; json?: boolean; dir?: string; logUnanswered?: boolean; showTest?: boolean }) => {
      const io = opts.dir ? previewIO(ctx.io, opts.dir) : ctx.io;
      // Eval runs must not fill the unanswered log that maintainers read, unless asked.
      const rt = await openRuntime(io, { recordUnanswered: !!opts.logUnanswered });
      try {
        const cases = readEvalCases(rt.config.knowledgeDir, opts.file?.map((f) => path.resolve(io.cwd, f)));
        const fused = await runEval(rt.engine, cases, 'fused');
        const bm25 = await runEval(rt.engine, cases, 'bm25');
        const vector = await runEval(rt.engine, cases, 'vector');
        const overall = metrics(fused);
        const baseline = metrics(bm25);
        const vectorOnly = metrics(vector);
        const failures = fused.filter(isFailure);
        // The real-question halves, reported apart (only with the default set).
        const real = [];
        for (const half of opts.file?.length ? [] : readRealHalves(rt.config.knowledgeDir)) {
          const f = await runEval(rt.engine, half.cases, 'fused');
          const b = await runEval(rt.engine, half.cases, 'bm25');
          real.push({ name: half.name, fused: realMetrics(f), bm25: realMetrics(b), failures: half.name === 'test' && !opts.showTest ? [] : f.filter(isFailure) });
        }
        const failureJson = (f: CaseOutcome) => ({ q: f.c.q, category: f.c.category, expected: { status: f.c.statuses ?? f.c.status, items: f.c.items, town: f.c.town }, got: { status: f.result.status, town: f.result.town, top: f.result.matches[0]?.item ?? null } });
        if (opts.json) {
          io.stdout(
            JSON.stringify(
              {
                overall,
                baseline_bm25: baseline,
                baseline_vector: vectorOnly,
                categories: Object.fromEntries(byCategory(fused)),
                failures: failures.map(failureJson),
                real: Object.fromEntries(real.map((r) => [r.name, { fused: r.fused, baseline_bm25: r.bm25, failures: r.failures.map(failureJson) }])),
              },
              null,
              2,
            ) + '\n',
          );
        } else {
          io.stdout(`评测 ${cases.length} 题\n\n`);
          io.stdout(row('融合检索', overall) + '\n');
          io.stdout(row('仅BM25', baseline) + '\n');
          io.stdout(row('仅向量', vectorOnly) + '\n\n按类别（融合检索）：\n');
          for (const [cat, m] of byCategory(fused)) io.stdout(row(cat, m) + '\n');
          const list = (fs: CaseOutcome[]) => {
            for (const f of fs) {
              io.stdout(
                `- [${f.c.category}] ${f.c.q}\n    期望 ${(f.c.statuses ?? [f.c.status]).join('/')} ${f.c.town ?? '-'} ${f.c.items.join('、') || '-'}；` +
                  `得到 ${f.result.status} ${f.result.town ?? '-'} ${f.result.matches.slice(0, 3).map((m) => `${m.item}(${m.score})`).join('、') || '-'}\n`,
              );
            }
          };
          io.stdout(`\n失败 ${failures.length} 题：\n`);
          list(failures);
          for (const r of real) {
            const label = r.name === 'tune' ? '真实问题·调参半（tune.yaml）' : '真实问题·测试半（test.yaml，只报告，不调参）';
            io.stdout(`\n${label}\n${realRow('融合检索', r.fused)}\n${realRow('仅BM25', r.bm25)}\n`);
            if (r.name === 'tune' || opts.showTest) {
              io.stdout(`失败 ${r.failures.length} 题：\n`);
              list(r.failures);
            }
          }
        }
      } finally {
        await rt.close();
      }
    });
}
