import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTickets } from '../../src/cli/commands/tickets.ts';
import { openStore } from '../../src/store/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-cli-'));
const env = { DATA_DIR: path.join(dir, 'data'), KNOWLEDGE_DIR: path.join(dir, 'knowledge') };

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const program = new Command('daiban').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerTickets(program, {
    io: { stdout: (s) => (out += s), stderr: (s) => (err += s), env, cwd: dir, stdin: process.stdin },
    setExit: () => undefined,
  });
  let error: Error | undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    error = e as Error;
  }
  return { out, err, error };
}

beforeAll(async () => {
  const store = await openStore({ databaseUrl: null, sqlitePath: path.join(env.DATA_DIR, 'daiban.sqlite') });
  const base = { requesterId: 'u', requesterName: '张老板', companyName: '浏阳市某某餐饮店', creditCode: '91350100M000100Y43', contactName: '张三', phone: '13812345678', preparedMaterials: null };
  const now = new Date('2026-11-27T02:00:00Z');
  await store.tickets.create({ ...base, town: '永安镇', dialogKey: 'a' }, [{ name: '食品经营许可', promisedLimit: 5 }], { actor: { id: 'u', name: '张老板' } }, { now });
  await store.tickets.create({ ...base, town: '大瑶镇', dialogKey: 'b' }, [], { actor: { id: 'u', name: '张老板' } }, { now });
  await store.tickets.applyTransition(2, 'claim', { id: 'c', name: '李四', role: 'staff' }, null);
  await store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('daiban tickets', () => {
  it('list: masked, newest first, filtered', async () => {
    const all = await run('tickets', 'list');
    expect(all.out).toMatch(/^#2 .*\n#1 /);
    expect(all.out).toContain('138****5678');
    expect(all.out).not.toContain('13812345678');
    expect(all.out).toContain('共 2 件');
    expect((await run('tickets', 'list', '--status', '已受理')).out).toContain('#2');
    expect((await run('tickets', 'list', '--status', 'registered')).out).not.toContain('#2');
    expect((await run('tickets', 'list', '--town', '永安镇')).out).toContain('共 1 件');
    const json = JSON.parse((await run('tickets', 'list', '--status', 'open', '--json')).out);
    expect(json).toHaveLength(2);
    expect(json[1]).toMatchObject({ number: 'DB-20261127-0001', phone: '138****5678', creditCode: '91**************43', statusLabel: '已登记' });
    const bad = await run('tickets', 'list', '--status', 'nope');
    expect(bad.error?.message).toContain('未知状态');
  });

  it('show: full details and history, by any ticket reference', async () => {
    const r = await run('tickets', 'show', '#2');
    expect(r.out).toContain('13812345678');
    expect(r.out).toContain('已受理');
    expect(r.out).toContain('李四 接单');
    const j = JSON.parse((await run('tickets', 'show', 'DB-20261127-0001', '--json')).out);
    expect(j).toMatchObject({ id: 1, events: [{ kind: 'created' }], rating: null });
    expect((await run('tickets', 'show', '1', '--mask')).out).toContain('138****5678');
    expect((await run('tickets', 'show', '99')).error?.message).toContain('没有找到代办单 99');
  });
});
