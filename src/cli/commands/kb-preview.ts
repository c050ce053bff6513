// `daiban kb preview`: what the bot will answer, from the folder as it is now,
// for the items changed since the index in service (or the items named).
import path from 'node:path';
import type { Command } from 'commander';
import { UserInputError } from '../../errors.ts';
import { indexRoot } from '../../answering/engine.ts';
import { KnowledgeIndex } from '../../knowledge/check.ts';
import { isEnforcement } from '../../knowledge/facts.ts';
import { loadKnowledgeOrThrow } from '../../knowledge/load.ts';
import { IndexStore, fingerprints } from '../../retrieval/index-store.ts';
import { cliConfig } from '../config.ts';
import type { CliContext } from '../main.ts';
import { openRuntime } from '../runtime.ts';
import { previewIO } from './ask.ts';

const MAX_DEFAULT = 10;

export function registerPreview(kb: Command, ctx: CliContext): void {
  kb.command('preview')
    .description('预览改动后机器人会怎么回答：默认是与正在服务的索引相比有变化的事项')
    .option('--dir <path>', '知识库目录')
    .option('--items <names...>', '只看这些事项（名称或别名）')
    .action(async (opts: { dir?: string; items?: string[] }) => {
      const { io } = ctx;
      const config = cliConfig(io);
      const dir = opts.dir ? path.resolve(io.cwd, opts.dir) : config.knowledgeDir;
      const { knowledge } = loadKnowledgeOrThrow(dir);
      const idx = new KnowledgeIndex(knowledge);
      let names: string[];
      if (opts.items?.length) {
        names = opts.items.map((n) => {
          const item = idx.item(n);
          if (!item) throw new UserInputError(`事项「${n}」不在事项目录里`);
          return item.name;
        });
      } else {
        const served = new IndexStore(indexRoot(config)).manifest()?.items ?? {};
        const now = fingerprints(knowledge);
        names = Object.keys(now).filter((n) => served[n] !== now[n]);
        if (!names.length) {
          io.stdout('与正在服务的索引相比，没有事项有变化。用 --items 指定要预览的事项。\n');
          return;
        }
        io.stdout(`与正在服务的索引相比有变化的事项 ${names.length} 个${names.length > MAX_DEFAULT ? `，先看前 ${MAX_DEFAULT} 个（用 --items 指定其他的）` : ''}。\n`);
        names = names.slice(0, MAX_DEFAULT);
      }
      // The folder's own index, in a temp cache: the index in service is not touched.
      const rt = await openRuntime(previewIO(io, dir), { recordUnanswered: false });
      try {
        for (const name of names) {
          const item = idx.item(name)!;
          const towns = knowledge.regions.towns
            .filter((t) => [...(knowledge.lists.get(t.name) ?? []), ...(knowledge.inactive.get(t.name) ?? [])].some((e) => idx.item(e.事项名称)?.name === name))
            .map((t) => t.name);
          const questions = (towns.length ? towns : [knowledge.regions.towns[0]!.name]).map((t) =>
            isEnforcement(item) ? `${t}${name}归谁管` : `${t}能办${name}吗`,
          );
          for (const q of questions) {
            const r = await rt.engine.ask(q, { conversation: 'preview' });
            const top = r.matches[0]?.item;
            io.stdout(`\n━━ ${q}\n`);
            if (top !== name) io.stdout(`⚠️ 这个问题没有答到「${name}」（答到的是 ${top ?? '无'}，状态 ${r.status}）：考虑加别名或同义词\n`);
            io.stdout(r.answer + '\n');
          }
        }
      } finally {
        await rt.close();
      }
    });
}
