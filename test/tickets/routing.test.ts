// Staff routing: a town's own group, else the county group, else the
// unassigned queue; never another town's group.
import { describe, expect, it } from 'vitest';
import { createRouting, parseStaffAddress } from '../../src/tickets/routing.ts';

const g = (id: string) => ({ channel: 'wechaty', kind: 'group' as const, id });

describe('routing', () => {
  const withCounty = createRouting({
    staffIds: ['wxid_a', 'wecom-kf:direct:ext_b'],
    staffRooms: [
      { roomId: 'yongan@chatroom', town: '永安镇' },
      { roomId: 'county@chatroom', town: null },
      { roomId: 'wecom-bot:group:dayao', town: '大瑶镇' },
    ],
  });
  const noCounty = createRouting({ staffIds: ['wxid_a'], staffRooms: [{ roomId: 'yongan@chatroom', town: '永安镇' }] });

  it('routes a town to its own groups, on any channel', () => {
    expect(withCounty.route('永安镇')).toEqual({ queue: 'town', to: [g('yongan@chatroom')] });
    expect(withCounty.route('大瑶镇')).toEqual({ queue: 'town', to: [{ channel: 'wecom-bot', kind: 'group', id: 'dayao' }] });
  });

  it('a town without a group goes to the county group, or else to the clerks in private — never to another town', () => {
    expect(withCounty.route('镇头镇')).toEqual({ queue: 'county', to: [g('county@chatroom')] });
    expect(withCounty.route(null).queue).toBe('county');
    expect(noCounty.route('大瑶镇')).toEqual({ queue: 'unassigned', to: [{ channel: 'wechaty', kind: 'direct', id: 'wxid_a' }] });
  });

  it("a town group's 待办 covers its town and the unassigned queue only", () => {
    expect(noCounty.covers('永安镇', '永安镇')).toBe(true);
    expect(noCounty.covers('永安镇', '大瑶镇')).toBe(true); // nobody else would see it
    expect(withCounty.covers('永安镇', '镇头镇')).toBe(false); // the county group has it
    expect(withCounty.covers('永安镇', '大瑶镇')).toBe(false);
    expect(withCounty.covers(null, '大瑶镇')).toBe(true);
  });

  it("knows the staff groups' towns and the clerks", () => {
    expect(withCounty.staffGroupTown(g('yongan@chatroom'))).toBe('永安镇');
    expect(withCounty.staffGroupTown(g('county@chatroom'))).toBeNull();
    expect(withCounty.staffGroupTown(g('business@chatroom'))).toBeUndefined();
    expect(withCounty.clerkTown(g('yongan@chatroom'))).toBe('永安镇');
    expect(withCounty.clerkTown(undefined)).toBeNull();
    expect(withCounty.isClerk({ channel: 'wecom-kf', kind: 'direct', id: 'ext_b' })).toBe(true);
    expect(withCounty.isClerk({ channel: 'wechaty', kind: 'direct', id: 'ext_b' })).toBe(false);
    expect(parseStaffAddress('wxid_x', 'direct')).toEqual({ channel: 'wechaty', kind: 'direct', id: 'wxid_x' });
  });
});

describe('routing: 人工 requests', () => {
  const g = (id: string) => ({ channel: 'wechaty', kind: 'group' as const, id });
  it('go where the town routes, and to every staff group when that reaches nobody', () => {
    const r = createRouting({ staffIds: [], staffRooms: [{ roomId: 'a@chatroom', town: '永安镇' }, { roomId: 'b@chatroom', town: '大瑶镇' }] });
    expect(r.forHuman('永安镇')).toEqual([g('a@chatroom')]);
    expect(r.forHuman(null)).toEqual([g('a@chatroom'), g('b@chatroom')]);
    expect(r.forHuman('镇头镇')).toEqual([g('a@chatroom'), g('b@chatroom')]);
  });
  it('go to the clerks when no group covers the town but clerks are configured', () => {
    const r = createRouting({ staffIds: ['li'], staffRooms: [{ roomId: 'a@chatroom', town: '永安镇' }] });
    expect(r.forHuman(null)).toEqual([{ channel: 'wechaty', kind: 'direct', id: 'li' }]);
  });
});
