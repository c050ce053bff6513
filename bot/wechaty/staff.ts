// Staff are the configured contact ids plus the members of the configured
// staff rooms. Room membership lives in WeChat, so the transport side reads it
// and hands the ids to the app.
import type { Wechaty } from 'wechaty';
import type { App } from '../../src/app.ts';
import type { Config } from '../../src/config/env.ts';
import type { Logger } from '../../src/log.ts';

/** Reads the members of every configured staff room; returns their ids (the bot excluded). */
export async function refreshStaff(
  bot: Wechaty,
  assistant: Pick<App, 'setStaffMembers'>,
  config: Pick<Config, 'staffRooms'>,
  logger: Logger,
): Promise<string[]> {
  const ids = new Set<string>();
  const self = bot.isLoggedIn ? bot.currentUser.id : undefined;
  for (const { roomId } of config.staffRooms) {
    try {
      const room = await bot.Room.find({ id: roomId });
      if (!room) {
        logger.warn({ room: roomId }, 'staff room not found (is the bot a member? check STAFF_ROOMS)');
        continue;
      }
      for (const member of await room.memberAll()) if (member.id !== self) ids.add(member.id);
    } catch (err) {
      logger.warn({ err, room: roomId }, 'could not read staff room members');
    }
  }
  assistant.setStaffMembers([...ids]);
  logger.info({ rooms: config.staffRooms.length, members: ids.size }, 'staff members loaded');
  return [...ids];
}

/** Re-reads staff when someone joins or leaves a staff room. */
export function watchStaffRooms(
  bot: Wechaty,
  assistant: Pick<App, 'setStaffMembers'>,
  config: Pick<Config, 'staffRooms'>,
  logger: Logger,
): void {
  const staffRoomIds = new Set(config.staffRooms.map((r) => r.roomId));
  const onChange = (room: { id: string }) => {
    if (staffRoomIds.has(room.id)) void refreshStaff(bot, assistant, config, logger);
  };
  bot.on('room-join', onChange);
  bot.on('room-leave', onChange);
}
