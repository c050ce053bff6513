// `daiban kb …`: knowledge maintenance commands.
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/env.ts';
import { formatProblem } from '../../errors.ts';
import { summarize } from '../../knowledge/check.ts';
import { loadKnowledge } from '../../knowledge/load.ts';
import type { CliContext } from '../main.ts';

export function registerKb(program: Command, ctx: CliContext): Command {
  const kb = program.command('kb').description('知识库维护：检查、构建索引、查看未答问题');

  kb.command('check')
    .description('检查知识库的每个文件，列出所有问题（文件:行号 字段 问题 应为）')
    .option('--dir <path>', '知识库目录（默认 KNOWLEDGE_DIR 或 knowledge/）')
    .option('--json', '以 JSON 输出')
    .action((opts: { dir?: string; json?: boolean }) => {
      const { io } = ctx;
      const dir = opts.dir ? path.resolve(io.cwd, opts.dir) : loadConfig(io.env, io.cwd).knowledgeDir;
      const { knowledge, problems } = loadKnowledge(dir);
      const errors = problems.filter((p) => p.severity === 'error');
      const summary = knowledge && errors.length === 0 ? summarize(knowledge) : null;
      if (opts.json) {
        io.stdout(JSON.stringify({ ok: errors.length === 0, problems, summary }, null, 2) + '\n');
      } else {
        for (const p of problems) (p.severity === 'error' ? io.stderr : io.stdout)(formatProblem(p) + '\n');
        if (errors.length > 0) {
          io.stderr(`\n检查未通过：${errors.length} 处错误，${problems.length - errors.length} 处警告。改正后重新运行 daiban kb check。\n`);
        } else if (knowledge && summary) {
          io.stdout(
            `检查通过：${knowledge.items.length} 个事项，${knowledge.regions.towns.length} 个镇/街道，` +
              `${knowledge.guides.length} 篇指南，${knowledge.scenarios.length} 件“一件事”，${knowledge.synonyms.length} 条同义词` +
              (problems.length ? `，${problems.length} 处警告` : '') +
              '。\n',
          );
          for (const s of summary) {
            const types = Object.entries(s.byType)
              .sort((a, b) => b[1] - a[1])
              .map(([t, n]) => `${t} ${n}`)
              .join('，');
            const modes = Object.entries(s.byMode)
              .map(([t, n]) => `${t} ${n}`)
              .join('，');
            io.stdout(`${s.town}: ${s.items} items, ${s.departments} departments（${types}；${modes}）\n`);
          }
        }
      }
      ctx.setExit(errors.length > 0 ? 1 : 0);
    });
  return kb;
}
