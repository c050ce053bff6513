import { describe, expect, it } from 'vitest';
import { withStaffRoomTowns } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';

const towns = {
  resolveTown: (n: string) => ({ 永安: '永安镇', 永安镇: '永安镇', 大瑤鎮: '大瑶镇' })[n] ?? null,
  towns: () => ['永安镇', '大瑶镇'],
};

describe('staff rooms tied to towns', () => {
  it('resolve short and Traditional names to the town tickets carry', () => {
    const c = withStaffRoomTowns(loadConfig({ STAFF_ROOMS: 'a@chatroom=永安,b@chatroom=大瑤鎮,c@chatroom' }), towns);
    expect(c.staffRooms).toEqual([
      { roomId: 'a@chatroom', town: '永安镇' },
      { roomId: 'b@chatroom', town: '大瑶镇' },
      { roomId: 'c@chatroom', town: null },
    ]);
  });

  it('refuse a town the knowledge does not have, naming the ones it has', () => {
    expect(() => withStaffRoomTowns(loadConfig({ STAFF_ROOMS: 'a@chatroom=古港镇' }), towns)).toThrow(ConfigError);
    expect(() => withStaffRoomTowns(loadConfig({ STAFF_ROOMS: 'a@chatroom=古港镇' }), towns)).toThrow(/永安镇、大瑶镇/);
  });
});
