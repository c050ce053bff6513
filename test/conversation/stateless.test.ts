// The answering engine is stateless (issue 9): a follow-up such as 「要带什么材料」
// is understood from the conversation record's topic, which the pipeline
// passes in and stores back, so it survives a restart of the process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { Inbound, Outbound } from '../../src/core/messages.ts';
import { silentLogger } from '../../src/log.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-stateless-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const config = () => ({ ...loadConfig({ KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'), DATA_DIR: dataDir }, ROOT), sqlitePath: path.join(dataDir, 'db.sqlite') });

let n = 0;
const say = (app: { handle(i: Inbound): Promise<Outbound[]> }, text: string, who = 'wmZhang') =>
  app.handle({
    id: `s${++n}`,
    chat: { channel: 'wecom-kf', kind: 'direct', id: who },
    sender: { channel: 'wecom-kf', id: who, name: '微信客户' },
    text,
    mentioned: true,
    timestamp: Date.now(),
  });
const joined = (out: Outbound[]) => out.map((o) => o.text).join('\n');

describe('follow-ups from the conversation record', () => {
  it('「要带什么材料」 after a restart still follows the question asked before it', async () => {
    const first = await openApp(config(), { logger: silentLogger() });
    expect(joined(await say(first.app, '永安镇能办食品经营许可吗'))).toContain('食品经营许可');
    await first.close();

    // A new process: the engine remembers nothing; the record does.
    const second = await openApp(config(), { logger: silentLogger() });
    try {
      const follow = joined(await say(second.app, '要带什么材料'));
      expect(follow).toContain('食品经营许可');
      // Another person asking the same has no topic: nothing of 张's leaks to them.
      const other = joined(await say(second.app, '要带什么材料', 'wmWang'));
      expect(other).not.toContain('食品经营许可');
    } finally {
      await second.close();
    }
  }, 180_000);
});
