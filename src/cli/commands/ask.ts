// `daiban ask`: answer one question, or a stream of questions as JSON lines.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import { UserInputError } from '../../errors.ts';
import type { AnswerResult } from '../../answering/types.ts';
import type { CliContext } from '../main.ts';
import { openRuntime } from '../runtime.ts';

const jsonLine = z.object({ text: z.string(), town: z.string().nullable().optional() });

/** The stable shape `daiban ask --json/--jsonl` prints (other keys may be added). */
export const toJson = (r: AnswerResult, ms: number) => ({
  status: r.status,
  town: r.town,
  matches: r.matches.map((m) => ({ item: m.item, town: m.town, atTown: m.atTown, score: m.score, ...(m.mode ? { mode: m.mode } : {}) })),
  answer: r.answer,
  ms: Math.round(ms * 1000) / 1000,
  ...(r.scenario ? { scenario: r.scenario } : {}),
  ...(r.unheld ? { unheld: r.unheld } : {}),
  ...(r.topic ? { topic: r.topic } : {}),
  path: r.path,
});

/** The CLI context pointed at another knowledge folder, with its index (and log) in a temp folder of its own. */
export function previewIO(io: CliContext['io'], dirArg: string): CliContext['io'] {
  const dir = path.resolve(io.cwd, dirArg);
  const data = path.join(os.tmpdir(), `daiban-preview-${crypto.createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  return { ...io, env: { ...io.env, KNOWLEDGE_DIR: dir, DATA_DIR: data, DATABASE_URL: '' } };
}

export function registerAsk(program: Command, ctx: CliContext): void {
  program
    .command('ask')
    .description('回答一个问题；--jsonl 时从标准输入逐行读问题，每行输出一个 JSON')
    .argument('[question...]', '问题')
    .option('--town <town>', '所在镇（街道），相当于群绑定的镇；问题里写明的镇优先')
    .option('--json', '以 JSON 输出')
    .option('--jsonl', '从标准输入逐行读取问题（纯文本或 {"text": "...", "town": "..."}）')
    .option('--dir <path>', '用另一个知识库目录回答（索引缓存在临时目录，不动正在服务的索引）')
    .option('--log-unanswered', '把没答上来的问题记入未答日志（默认不记，免得维护人员的测试混进群众的问题）')
    .action(async (words: string[], opts: { town?: string; json?: boolean; jsonl?: boolean; dir?: string; logUnanswered?: boolean }) => {
      const io = opts.dir ? previewIO(ctx.io, opts.dir) : ctx.io;
      const question = words.join(' ').trim();
      if (!opts.jsonl && !question) throw new UserInputError('请给出问题，例如：daiban ask "某某镇能办食品经营许可吗"');
      const rt = await openRuntime(io, { recordUnanswered: !!opts.logUnanswered });
      try {
        const { engine } = rt;
        if (opts.town && !engine.resolveTown(opts.town)) {
          throw new UserInputError(`不认识的镇（街道）「${opts.town}」，可选：${engine.towns().join('、')}`);
        }
        if (!opts.jsonl) {
          const t0 = performance.now();
          const r = await engine.ask(question, { boundTown: opts.town, conversation: 'cli' });
          const ms = performance.now() - t0;
          io.stdout(opts.json ? JSON.stringify(toJson(r, ms), null, 2) + '\n' : r.answer + '\n');
          return;
        }
        const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
        let n = 0;
        for await (const line of rl) {
          n++;
          const t0 = performance.now();
          let text = line;
          let town = opts.town ?? null;
          const trimmed = line.trim();
          if (trimmed.startsWith('{')) {
            let parsed: z.infer<typeof jsonLine> | null = null;
            try {
              const p = jsonLine.safeParse(JSON.parse(trimmed));
              parsed = p.success ? p.data : null;
            } catch {
              parsed = null;
            }
            if (!parsed) {
              io.stdout(JSON.stringify({ status: 'error', town: null, matches: [], answer: '', ms: 0, error: `第 ${n} 行不是合法的 {"text": …} JSON` }) + '\n');
              continue;
            }
            text = parsed.text;
            if (parsed.town !== undefined) town = parsed.town;
          }
          const r = await engine.ask(text, { boundTown: town });
          io.stdout(JSON.stringify(toJson(r, performance.now() - t0)) + '\n');
        }
      } finally {
        await rt.close();
      }
    });
}
