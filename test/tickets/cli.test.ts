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

describe('daiban tickets: actions through the service', () => {
  const adir = fs.mkdtempSync(path.join(os.tmpdir(), 'daiban-cli-act-'));
  const aenv = {
    DATA_DIR: path.join(adir, 'data'),
    KNOWLEDGE_DIR: path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/knowledge/valid'),
    STAFF_IDS: 'wxid_clerk',
    STAFF_ROOMS: 'room_jia@chatroom=甲镇',
  };
  async function act(...argv: string[]) {
    let out = '';
    let err = '';
    const program = new Command('daiban').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    registerTickets(program, { io: { stdout: (s) => (out += s), stderr: (s) => (err += s), env: aenv, cwd: adir, stdin: process.stdin }, setExit: () => undefined });
    let error: Error | undefined;
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (e) {
      error = e as Error;
    }
    return { out, err, error };
  }
  beforeAll(async () => {
    const store = await openStore({ databaseUrl: null, sqlitePath: path.join(aenv.DATA_DIR, 'daiban.sqlite') });
    await store.tickets.create(
      { requesterId: 'u', requesterName: '张老板', companyName: '某某店', creditCode: null, contactName: '张三', phone: '13812345678', preparedMaterials: null, town: '甲镇', dialogKey: 'a' },
      [],
      { actor: { id: 'u', name: '张老板' } },
    );
    await store.close();
  });
  afterAll(() => fs.rmSync(adir, { recursive: true, force: true }));

  it('claim, reply and finish from the terminal queue the same notices as the chat commands', async () => {
    const claim = await act('tickets', 'claim', '1', '--by', 'wxid_clerk');
    expect(claim.error).toBeUndefined();
    expect(claim.out).toContain('已接单 #1');
    expect(claim.out).toContain('已排队');
    const noText = await act('tickets', 'reply', '1', '--by', 'wxid_clerk');
    expect(noText.error).toBeDefined();
    expect((await act('tickets', 'reply', '1', '明天', '上午来', '--by', 'wxid_clerk')).out).toContain('已转告申请人');
    const stranger = await act('tickets', 'finish', '1', '--by', 'wxid_nobody');
    expect(stranger.error?.message).toContain('不是已登记的办事员');
    expect((await act('tickets', 'finish', '1', '--by', 'wxid_clerk')).out).toContain('#1 已办结');
    const again = await act('tickets', 'finish', '1', '--by', 'wxid_clerk');
    expect(again.error?.message).toContain('无需重复办结');

    const store = await openStore({ databaseUrl: null, sqlitePath: path.join(aenv.DATA_DIR, 'daiban.sqlite') });
    try {
      const rows = await store.outbox.list();
      const toOwner = rows.filter((r) => r.message.to.id === 'u');
      expect(toOwner.map((r) => r.kind)).toEqual(['claim', 'reply', 'finish']);
      expect(toOwner[0]!.message.text).toContain('甲镇便民服务中心');
      expect(toOwner[1]!.message.text).toContain('明天 上午来');
      expect((await store.tickets.get(1))!.status).toBe('done');
    } finally {
      await store.close();
    }
    const outbox = await act('tickets', 'outbox');
    expect(outbox.out).toContain('待发送');
    expect(outbox.out).toContain('wechaty:direct:u');
  });
});
