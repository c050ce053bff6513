// Ticket messages and SLA clocks use only what the knowledge records: a centre
// without address or hours, an item without a fee, are said to be not recorded
// (never filled in), and the SLA clock runs in the centre's own recorded hours.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Address } from '../../src/core/messages.ts';
import type { Catalogue } from '../../src/knowledge/catalogue.ts';
import type { Item, Town } from '../../src/knowledge/schemas.ts';
import type { Store } from '../../src/store/index.ts';
import { createRouting } from '../../src/tickets/routing.ts';
import { createTicketService, type ServiceActor } from '../../src/tickets/service.ts';
import { backends } from '../store/backends.ts';

const [sqlite] = await backends();

const wx = (kind: Address['kind'], id: string): Address => ({ channel: 'wechaty', kind, id });
const OWNER: ServiceActor = { id: 'wxid_owner', name: '张老板', address: wx('direct', 'wxid_owner'), via: wx('direct', 'wxid_owner') };
const ROOM = wx('group', 'room_staff_jia@chatroom');
const CLERK: ServiceActor = { id: 'wxid_clerk', name: '李四', address: wx('direct', 'wxid_clerk'), via: ROOM };

// An item as a bare imported list gives it: no fee, channel or phone facts.
const ITEM: Item = { name: '食品经营许可', aliases: [], type: '行政许可', department: '某县市场监督管理局', conditions: [], materials: [], steps: [], notes: [], promised_limit: 5 } as Item;
const TOWNS: Town[] = [
  { name: '甲镇', kind: '镇', aliases: [], centre: { name: '甲镇便民服务中心' }, facts: [] } as unknown as Town,
  { name: '乙镇', kind: '镇', aliases: [], centre: { name: '乙镇便民服务中心', address: '乙镇人民路1号', hours: '工作日 9:00-17:00' }, facts: [] } as Town,
];
const catalogue: Catalogue = {
  item: (name) => (name === ITEM.name ? ITEM : undefined),
  town: (name) => TOWNS.find((t) => t.name === name),
  countyCentre: () => ({ name: '某县政务服务中心' }),
  hotline: () => undefined,
} as Catalogue;

describe('ticket facts from the knowledge only', () => {
  let store: Store;
  let now: Date;
  beforeEach(async () => {
    now = new Date('2026-11-27T01:00:00Z'); // Friday 09:00 in the county
    store = await sqlite!.open(undefined, () => now);
  });
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => sqlite!.cleanup());

  const service = () =>
    createTicketService({ catalogue, routing: createRouting({ staffIds: [CLERK.id], staffRooms: [{ roomId: ROOM.id, town: '甲镇' }, { roomId: ROOM.id, town: '乙镇' }] }), clock: () => now });
  const register = (town: string) =>
    service().create(
      store,
      {
        requesterId: OWNER.id,
        requester: OWNER.address!,
        requesterName: OWNER.name,
        companyName: '某某餐饮店',
        creditCode: null,
        contactName: '张三',
        phone: '13812345678',
        preparedMaterials: null,
        town,
        dialogKey: `k-${town}`,
      },
      [{ name: ITEM.name, promisedLimit: 5 }],
      OWNER,
    );
  const toOwner = async () => (await store.outbox.list()).filter((r) => r.message.to.id === OWNER.id).map((r) => r.message.text);

  it('the confirmation says fee, address and hours are not recorded instead of inventing them', async () => {
    const r = await register('甲镇');
    expect(r.reply).toContain('政府收费：知识库未记录');
    expect(r.reply).toContain('地址：知识库未记录；办公时间：知识库未记录');
    expect(r.reply).not.toMatch(/不收费|undefined|8:30|17:30/);
  });

  it('asking for materials names the centre without an empty address', async () => {
    await register('甲镇');
    const svc = service();
    await svc.claim(store, 1, CLERK);
    const r = await svc.act(store, 'request_materials', 1, CLERK, { text: '租赁合同' });
    expect(r.ok).toBe(true);
    const asked = (await toOwner()).find((t) => t.includes('需要补充材料'))!;
    expect(asked).toContain('或带到 甲镇便民服务中心。');
    expect(asked).not.toMatch(/undefined|（）/);
  });

  it('the unclaimed reminder counts the centre\'s own hours (9:00-17:00), not hours fixed in code', async () => {
    await register('乙镇');
    now = new Date('2026-11-27T05:30:00Z'); // 13:30: 4.5 hours of 9:00-17:00, only 3 of 8:30-12:00/14:30-17:30
    const r = await service().sla(store, now, 4);
    expect(r.messages.map((m) => m.kind)).toEqual(['sla_unclaimed']);
  });

  it('without recorded hours the reminder keeps the usual office hours', async () => {
    await register('甲镇');
    now = new Date('2026-11-27T05:30:00Z');
    expect((await service().sla(store, now, 4)).messages).toHaveLength(0);
    now = new Date('2026-11-27T07:30:00Z'); // 15:30: 3 + 1 working hours
    expect((await service().sla(store, now, 4)).messages.map((m) => m.kind)).toEqual(['sla_unclaimed']);
  });
});
