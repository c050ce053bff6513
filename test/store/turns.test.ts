// Effectively-once turns (issue 12): a process killed before COMMIT leaves the
// message unseen and nothing half-done, so the re-delivery is handled; after
// COMMIT a re-delivery is a no-op and the turn's messages are queued once.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoreOptions } from '../../src/store/index.ts';
import { createRouting } from '../../src/tickets/routing.ts';
import { createTicketService } from '../../src/tickets/service.ts';
import { fakeCatalogue } from '../tickets/fake-catalogue.ts';
import { backends } from './backends.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = path.join(ROOT, 'test/fixtures/turn-child.ts');
const list = await backends();

function runChild(opts: StoreOptions, mode: string, msgId: string) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(opts), mode, msgId], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
  });
}

describe.each(list)('effectively-once turns on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('kill -9 before COMMIT: the re-delivery is handled once; a further re-delivery is a no-op', { timeout: 60_000 }, async (ctx) => {
    if (backend.skip) ctx.skip();
    const opts = backend.options();
    const setup = await backend.open(opts);
    try {
      const service = createTicketService({ catalogue: fakeCatalogue(), routing: createRouting({ staffIds: [], staffRooms: [] }) });
      const owner = { channel: 'wechaty', kind: 'direct' as const, id: 'wxid_owner' };
      await service.create(
        setup,
        { requesterId: owner.id, requester: owner, requesterName: '张老板', companyName: '某某店', creditCode: null, contactName: '张三', phone: '13812345678', preparedMaterials: null, town: '永安镇', dialogKey: 'd1' },
        [],
        { id: owner.id, name: '张老板', address: owner },
      );
    } finally {
      await setup.close();
    }

    const died = await runChild(opts, 'die-before-commit', 'msg-42');
    expect(died.signal, died.err).toBe('SIGKILL');
    let store = await backend.open(opts);
    try {
      expect((await store.tickets.get(1))!.status).toBe('registered');
      expect(await store.seen.has('wechaty:msg-42', Date.now(), 86_400_000)).toBe(false);
      expect((await store.outbox.list()).filter((r) => r.kind.startsWith('claim'))).toHaveLength(0);
    } finally {
      await store.close();
    }

    const redelivered = await runChild(opts, 'handle', 'msg-42');
    expect(redelivered.code, redelivered.err).toBe(0);
    expect(JSON.parse(redelivered.out)).toMatchObject({ duplicate: false, result: 'claimed' });
    const again = await runChild(opts, 'handle', 'msg-42');
    expect(JSON.parse(again.out)).toEqual({ duplicate: true });

    store = await backend.open(opts);
    try {
      expect((await store.tickets.get(1))!.status).toBe('claimed');
      expect((await store.tickets.events(1)).filter((e) => e.kind === 'claim')).toHaveLength(1);
      const claimNotices = (await store.outbox.list()).filter((r) => r.kind === 'claim');
      expect(claimNotices.map((r) => r.message.to.id)).toEqual(['wxid_owner']); // told once
    } finally {
      await store.close();
    }
  });
});
