// `daiban kb …`: knowledge maintenance commands.
import path from 'node:path';
import fs from 'node:fs';
import type { Command } from 'commander';
import { formatProblem } from '../../errors.ts';
import { summarize } from '../../knowledge/check.ts';
import { loadKnowledge } from '../../knowledge/load.ts';
import { createEmbeddings } from '../../retrieval/embeddings.ts';
import { IndexStore } from '../../retrieval/index-store.ts';
import { indexRoot } from '../../answering/engine.ts';
import { groupUnanswered } from '../../knowledge/unanswered.ts';
import { UserInputError } from '../../errors.ts';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';
import { progressReporter } from '../runtime.ts';
import { registerOnboarding } from './kb-onboard.ts';
import { registerPreview } from './kb-preview.ts';

export function registerKb(program: Command, ctx: CliContext): Command {
  const kb = program.command('kb').description('知识库维护：检查、构建索引、查看未答问题');

  kb.command('check')
    .description('检查知识库的每个文件，列出所有问题（文件:行号 字段 问题 应为）')
    .option('--dir <path>', '知识库目录（默认 KNOWLEDGE_DIR 或 knowledge/）')
    .option('--json', '以 JSON 输出')
    .action((opts: { dir?: string; json?: boolean }) => {
      const { io } = ctx;
      const dir = opts.dir ? path.resolve(io.cwd, opts.dir) : cliConfig(io).knowledgeDir;
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
            const detail = [types, modes].filter(Boolean).join('；');
            io.stdout(`${s.town}：${s.items} 个事项，${s.departments} 个部门${detail ? `（${detail}）` : ''}\n`);
          }
        }
      }
      ctx.setExit(errors.length > 0 ? 1 : 0);
    });
  kb.command('build')
    .description('检查知识库并重建检索索引；出错时保留旧索引继续服务')
    .action(async () => {
      const { io } = ctx;
      const config = cliConfig(io);
      const store = new IndexStore(indexRoot(config));
      const progress = progressReporter(io);
      try {
        const { manifest, changes } = await store.build(config.knowledgeDir, createEmbeddings(config), progress.onProgress);
        progress.stop();
        const c = manifest.counts;
        io.stdout(
          `索引已更新：${c.items} 个事项，${c.listEntries} 条下放清单，${c.guides} 篇指南；` +
            `向量 ${manifest.embedding.model}（${manifest.embedding.dimensions} 维）；用时 ${manifest.buildMs} ms。\n`,
        );
        const show = (label: string, names: string[]) =>
          io.stdout(`${label} ${names.length} 项${names.length ? '：' + names.slice(0, 30).join('、') + (names.length > 30 ? ' …' : '') : ''}\n`);
        show('新增', changes.added);
        show('删除', changes.removed);
        show('变更', changes.changed);
        io.stdout('正在运行的机器人会在一秒内自动切换到新索引，无需重启。\n');
      } finally {
        progress.stop();
      }
    });

  registerOnboarding(kb, ctx);
  registerPreview(kb, ctx);

  kb.command('unanswered')
    .description('查看没答上来的问题（按相似度归类，带次数），用来补充知识库')
    .option('--since <date>', '只看这一天（YYYY-MM-DD）之后的')
    .option('--json', '以 JSON 输出')
    .action(async (opts: { since?: string; json?: boolean }) => {
      const { io } = ctx;
      let since: Date | undefined;
      if (opts.since) {
        since = new Date(`${opts.since}T00:00:00+08:00`);
        if (Number.isNaN(since.getTime())) throw new UserInputError(`--since 应为 YYYY-MM-DD，收到「${opts.since}」`);
      }
      const config = cliConfig(io);
      // The database layer is loaded only by commands that use it.
      const { openStore } = await import('../../store/index.ts');
      const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
      try {
        const groups = groupUnanswered(await store.unanswered.list(since));
        if (opts.json) {
          io.stdout(JSON.stringify(groups, null, 2) + '\n');
          return;
        }
        if (!groups.length) {
          io.stdout('没有未答上来的问题。\n');
          return;
        }
        io.stdout(`未答问题 ${groups.reduce((n, g) => n + g.count, 0)} 条，归为 ${groups.length} 类：\n`);
        for (const g of groups) {
          io.stdout(
            `\n${String(g.count).padStart(3)} 次  ${g.example}  [${g.statuses.join('/')}]` +
              (g.towns.length ? `  镇：${g.towns.join('、')}` : '') +
              (g.nearest.length ? `  最接近：${g.nearest.slice(0, 2).join('、')}` : '') +
              '\n' +
              g.questions.slice(1, 5).map((q) => `       · ${q}\n`).join(''),
          );
        }
      } finally {
        await store.close();
      }
    });
  return kb;
}
