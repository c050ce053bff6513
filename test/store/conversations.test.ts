// The conversation record store for the turn pipeline: versioned writes and a
// per-person lock that serialises turns (across processes on PostgreSQL).
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { backends } from './backends.ts';

const list = await backends();

describe.each(list)('conversations on $name', (backend) => {
  let store: Store;
  beforeEach(async (ctx) => {
    if (backend.skip) ctx.skip();
    store = await backend.open();
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => backend.cleanup());

  it('saves with a version; a writer holding a stale version is refused', async () => {
    expect(await store.conversations.get('wechaty', 'wxid_a')).toBeUndefined();
    expect(await store.conversations.save('wechaty', 'wxid_a', { mode: 'dialog' }, 0)).toBe(1);
    expect(await store.conversations.save('wechaty', 'wxid_a', { mode: 'other' }, 0)).toBeNull();
    expect(await store.conversations.save('wechaty', 'wxid_a', { mode: 'clerk' }, 1)).toBe(2);
    expect(await store.conversations.save('wechaty', 'wxid_a', { mode: 'stale' }, 1)).toBeNull();
    expect(await store.conversations.get('wechaty', 'wxid_a')).toMatchObject({ state: { mode: 'clerk' }, version: 2 });
    // Same id on another channel is another person.
    expect(await store.conversations.get('wecom-kf', 'wxid_a')).toBeUndefined();
    await store.conversations.delete('wechaty', 'wxid_a');
    expect(await store.conversations.get('wechaty', 'wxid_a')).toBeUndefined();
  });

  it('turns of one person under the lock run one after the other: no lost update', async () => {
    const turn = () =>
      store.transaction(async (tx) => {
        await tx.conversations.lock('wechaty', 'wxid_b');
        const cur = await tx.conversations.get('wechaty', 'wxid_b');
        const n = ((cur?.state as { n?: number } | undefined)?.n ?? 0) + 1;
        await new Promise((r) => setImmediate(r)); // let the other turn try to interleave
        const v = await tx.conversations.save('wechaty', 'wxid_b', { n }, cur?.version ?? 0);
        if (v === null) throw new Error('lost update');
      });
    await Promise.all(Array.from({ length: 8 }, turn));
    expect(await store.conversations.get('wechaty', 'wxid_b')).toMatchObject({ state: { n: 8 }, version: 8 });
  });

  it('lock outside a transaction is a programming error', async () => {
    await expect(store.conversations.lock('wechaty', 'x')).rejects.toThrow('store.transaction');
  });
});
