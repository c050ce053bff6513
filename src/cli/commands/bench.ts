// `daiban bench` (npm run bench): build time, load time, ask latency and peak
// RSS for the sample knowledge and for a generated catalogue of 20,000 items.
// Each phase runs in its own child process so memory figures do not mix.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { Engine, indexRoot } from '../../answering/engine.ts';
import { generateKnowledge } from '../../bench/generate.ts';
import { createEmbeddings } from '../../retrieval/embeddings.ts';
import { IndexStore } from '../../retrieval/index-store.ts';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';
import { readEvalCases } from './eval.ts';

/** The running executable (dist/cli/bin.js, or cli/bin.ts under tsx with its loader flags). */
const BIN = [...process.execArgv, process.argv[1]!];

interface PhaseResult {
  ms: number;
  rssMb: number;
  p50?: number;
  p95?: number;
  p99?: number;
  questions?: number;
  items?: number;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const rssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

function runPhase(args: string[], env: Record<string, string>): PhaseResult {
  const r = spawnSync(process.execPath, [...BIN, 'bench-phase', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bench phase ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PhaseResult;
}

/** Peak RSS of a running process in MB (Linux /proc), or null where that is not available. */
function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/**
 * `daiban start` (the local demo: the whole app, Wechaty on the mock puppet,
 * the store) on this knowledge, with its index already built: the time from
 * spawning it to the first answer printed, and its peak RSS then.
 */
function demoPhase(env: Record<string, string>, question: string): Promise<{ firstAnswerMs: number; rssMb: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...BIN, 'start'], {
      env: { ...process.env, ...env, WECHATY_PUPPET: '', LOG_LEVEL: 'warn', OPENAI_API_KEY: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let done = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!done && /^\[.+\] /m.test(out)) {
        done = true;
        const firstAnswerMs = Math.round(performance.now() - t0);
        const rssMb = peakRssMb(child.pid!);
        child.stdin.end();
        child.once('exit', () => resolve({ firstAnswerMs, rssMb }));
      }
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`demo exited (${code}) before answering:\n${err}`));
    });
    child.stdin.write(`${question}\n`);
  });
}

export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description('性能基准：索引构建、加载、问答延迟 p50/p95/p99、峰值内存')
    .option('--items <n>', '生成目录的事项数', '20000')
    .action(async (opts: { items: string }) => {
      const { io } = ctx;
      const config = cliConfig(io);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-bench-'));
      const extra = Number(opts.items);
      const big = generateKnowledge(config.knowledgeDir, path.join(work, 'knowledge-big'), extra);
      io.stdout(`机器：${os.cpus().length} 核，Node ${process.version}\n`);
      io.stdout('知识库            事项数   构建(ms)  构建峰值RSS  加载(ms)  问题数   p50(ms)  p95(ms)  p99(ms)  服务峰值RSS\n');
      const demos: string[] = [];
      // The demo is asked the knowledge's own first evaluated question about an item (any county).
      const cases = readEvalCases(config.knowledgeDir);
      const question = (cases.find((c) => c.items.length > 0 && c.town) ?? cases[0])?.q ?? '能办哪些事项';
      for (const [label, dir] of [
        ['示例知识库', config.knowledgeDir],
        [`生成 ${extra} 项`, big],
      ] as const) {
        const env = { KNOWLEDGE_DIR: dir, DATA_DIR: path.join(work, `data-${label.length}-${Math.random().toString(36).slice(2)}`) };
        const build = runPhase(['build'], env);
        const serve = runPhase(['serve', '--eval-dir', config.knowledgeDir], env);
        const demo = await demoPhase(env, question);
        demos.push(
          `${label.padEnd(14, ' ')} 启动到首个回答 ${demo.firstAnswerMs} ms，整个应用峰值RSS ${demo.rssMb === null ? '（本系统无法读取）' : `${demo.rssMb} MB`}`,
        );
        io.stdout(
          `${label.padEnd(14, ' ')} ${String(build.items).padStart(7)} ${String(build.ms).padStart(10)} ${`${build.rssMb} MB`.padStart(12)} ` +
            `${String(serve.ms).padStart(9)} ${String(serve.questions).padStart(7)} ${serve.p50!.toFixed(2).padStart(8)} ${serve.p95!.toFixed(2).padStart(8)} ` +
            `${serve.p99!.toFixed(2).padStart(8)} ${`${serve.rssMb} MB`.padStart(12)}\n`,
        );
      }
      io.stdout(`\n本地演示（daiban start：整个应用，含 Wechaty 与数据库；索引已建好，不含编译）：\n${demos.join('\n')}\n`);
      io.stdout('目标：p95 ≤ 5 ms（示例）/ ≤ 20 ms（2万项）；加载 ≤ 1.5 s；RSS ≤ 300 MB。\n');
      fs.rmSync(work, { recursive: true, force: true });
    });

  // One measured phase in a fresh process; prints one JSON line.
  program
    .command('bench-phase', { hidden: true })
    .argument('<phase>', 'build | serve')
    .option('--eval-dir <dir>')
    .action(async (phase: string, opts: { evalDir?: string }) => {
      const { io } = ctx;
      const config = cliConfig(io);
      const embeddings = createEmbeddings(config);
      const store = new IndexStore(indexRoot(config));
      if (phase === 'build') {
        const t0 = performance.now();
        const { manifest } = await store.build(config.knowledgeDir, embeddings);
        io.stdout(JSON.stringify({ ms: Math.round(performance.now() - t0), rssMb: rssMb(), items: manifest.counts.items }) + '\n');
        return;
      }
      const t0 = performance.now();
      const engine = new Engine(store, embeddings, { ef: config.hnswEf, botName: config.botName });
      await engine.load();
      const loadMs = Math.round(performance.now() - t0);
      const cases = readEvalCases(opts.evalDir ?? config.knowledgeDir);
      const generated = engine.knowledge.items.slice(-200).map((i, n) => `${engine.towns()[n % engine.towns().length]}能办${i.name}吗`);
      const questions = [...cases.map((c) => c.q), ...generated];
      for (const q of questions.slice(0, 30)) await engine.ask(q); // warm-up
      const times: number[] = [];
      for (let round = 0; round < 3; round++) {
        for (const q of questions) {
          const t = performance.now();
          await engine.ask(q);
          times.push(performance.now() - t);
        }
      }
      io.stdout(
        JSON.stringify({ ms: loadMs, rssMb: rssMb(), questions: times.length, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) }) + '\n',
      );
    });
}
