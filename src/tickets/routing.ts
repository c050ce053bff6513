// Staff routing, in ONE place: which staff groups handle a town's tickets,
// who the clerks are, the unassigned queue, and the supervisor.
//
// A ticket goes to its town's staff groups; a town without one goes to the
// county-wide staff groups (STAFF_ROOMS entries without a town); without those
// either, to the unassigned queue: the configured clerks (STAFF_IDS) in
// private. A ticket is never posted to another town's group. In a town
// group's 待办, the unassigned queue is listed too (marked 未分派), so it is
// never invisible.
import { parseAddressKey, sameAddress, type Address } from '../core/messages.ts';

export interface RoutingConfig {
  staffIds: string[];
  /** `roomId` is a Wechaty room id, or an address key (`wecom-bot:group:xyz`) for other channels. */
  staffRooms: { roomId: string; town: string | null }[];
  /**
   * Where 不满意 / 非常不满意 ratings also go (好差评 follow-up). Read from the
   * SUPERVISOR setting (Config.supervisor, src/config/env.ts): an address key
   * (`wechaty:direct:wxid_x`) or a Wechaty contact id.
   */
  supervisor?: Address | null;
}

export type Queue = 'town' | 'county' | 'unassigned';

export interface Routing {
  /** Where a ticket of `town` is announced, and which queue that is. */
  route(town: string | null): { queue: Queue; to: Address[] };
  /**
   * Who hears a 「人工」 request: the town's route; when that reaches nobody
   * (no town known, no county group, no STAFF_IDS), every staff group — a
   * person asking for a human is never left unheard while a staff group exists.
   */
  forHuman(town: string | null): Address[];
  /** The staff group's town (null: county-wide), or undefined when `chat` is not a staff group. */
  staffGroupTown(chat: Address): string | null | undefined;
  /** The clerk's centre town, when the chat they act from tells it (a town staff group). */
  clerkTown(via: Address | undefined): string | null;
  /** Does the 待办 of a staff group of `groupTown` list a ticket of `ticketTown`? */
  covers(groupTown: string | null, ticketTown: string | null): boolean;
  /** The clerks configured by id (their Wechaty direct chats). */
  clerks(): Address[];
  /** Is this person a configured clerk (STAFF_IDS)? Membership of a staff group is the channel's to tell. */
  isClerk(person: Address): boolean;
  supervisor: Address | null;
}

/** A configured id: an address key, or a bare Wechaty id of the given kind. */
export function parseStaffAddress(raw: string, kind: Address['kind']): Address {
  return parseAddressKey(raw) ?? { channel: 'wechaty', kind, id: raw };
}

export function createRouting(config: RoutingConfig): Routing {
  const groups = config.staffRooms.map((r) => ({ address: parseStaffAddress(r.roomId, 'group'), town: r.town }));
  const townGroups = (town: string) => groups.filter((g) => g.town === town).map((g) => g.address);
  const countyGroups = groups.filter((g) => g.town === null).map((g) => g.address);
  const clerks = config.staffIds.map((id) => parseStaffAddress(id, 'direct'));

  const routing: Routing = {
    route(town) {
      const own = town ? townGroups(town) : [];
      if (own.length > 0) return { queue: 'town', to: own };
      if (countyGroups.length > 0) return { queue: 'county', to: countyGroups };
      return { queue: 'unassigned', to: clerks };
    },
    forHuman(town) {
      const to = routing.route(town).to;
      return to.length > 0 ? to : groups.map((g) => g.address);
    },
    staffGroupTown(chat) {
      return groups.find((g) => sameAddress(g.address, chat))?.town;
    },
    clerkTown(via) {
      return via ? (routing.staffGroupTown(via) ?? null) : null;
    },
    covers(groupTown, ticketTown) {
      if (groupTown === null) return true;
      if (ticketTown === groupTown) return true;
      return routing.route(ticketTown).queue === 'unassigned';
    },
    clerks: () => clerks,
    isClerk: (person) => clerks.some((c) => c.channel === person.channel && c.id === person.id),
    supervisor: config.supervisor ?? null,
  };
  return routing;
}
