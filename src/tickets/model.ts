// The ticket as the rest of the code sees it, its statuses and numbers.
import type { Address } from '../core/messages.ts';

export const STATUSES = [
  'registered',
  'claimed',
  'in_progress',
  'awaiting_materials',
  'done',
  'rated',
  'stopped',
  'cancelled',
] as const;
export type TicketStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<TicketStatus, string> = {
  registered: '已登记',
  claimed: '已受理',
  in_progress: '办理中',
  awaiting_materials: '待补件',
  done: '已办结',
  rated: '已回访',
  stopped: '已中止',
  cancelled: '已撤销',
};

export const OPEN_STATUSES: readonly TicketStatus[] = ['registered', 'claimed', 'in_progress', 'awaiting_materials'];
export const isOpen = (s: TicketStatus): boolean => OPEN_STATUSES.includes(s);
export const isTicketStatus = (s: string): s is TicketStatus => (STATUSES as readonly string[]).includes(s);

/** Accepts an English status or its Chinese label (已登记 …). */
export function parseStatus(s: string): TicketStatus | null {
  const t = s.trim();
  if (isTicketStatus(t)) return t;
  const hit = STATUSES.find((k) => STATUS_LABELS[k] === t);
  return hit ?? null;
}

export interface TicketItem {
  name: string;
  /** 即办, a number of working days, or null when the catalogue has none. */
  promisedLimit: '即办' | number | null;
}

/** What the requester's dialog collects for a ticket. */
export interface TicketApplication {
  requesterId: string;
  requesterName: string;
  companyName: string;
  creditCode: string | null;
  contactName: string;
  phone: string;
  preparedMaterials: string | null;
  town: string | null;
}

export interface Ticket extends TicketApplication {
  id: number;
  /** The requester's direct chat: where every message about the ticket goes. */
  requester: Address;
  /** The clerk's direct chat, once claimed. */
  assignee: Address | null;
  /** DB-YYYYMMDD-NNNN */
  number: string;
  scenario: string | null;
  fromChat: string | null;
  status: TicketStatus;
  assigneeId: string | null;
  assigneeName: string | null;
  conversationHeld: boolean;
  dialogKey: string;
  createdAt: Date;
  updatedAt: Date;
  claimedAt: Date | null;
  closedAt: Date | null;
  items: TicketItem[];
}

export interface TicketEvent {
  id: number;
  ticketId: number;
  at: Date;
  actorId: string;
  actorName: string;
  /** created · claim · transfer · start · request_materials · reply · finish · stop · cancel · rate · note · handback · requester_message · sla */
  kind: string;
  fromStatus: TicketStatus | null;
  toStatus: TicketStatus | null;
  /** Public events are things the requester saw or said; notes are not. */
  public: boolean;
  text: string | null;
}

export interface Actor {
  id: string;
  name: string;
  /** The person's direct chat; defaults to a Wechaty private chat with `id`. */
  address?: Address;
}

/** The address of a person known only by a Wechaty contact id (rows and callers from before addresses). */
export const wechatyDirect = (id: string): Address => ({ channel: 'wechaty', kind: 'direct', id });

/** DB-20261127-0012: the date (Asia/Shanghai) and the id padded to four digits. */
export function formatTicketNumber(id: number, createdAt: Date): string {
  const local = new Date(createdAt.getTime() + 8 * 3600_000);
  const ymd = local.toISOString().slice(0, 10).replace(/-/g, '');
  return `DB-${ymd}-${String(id).padStart(4, '0')}`;
}

export type TicketRef = { id: number } | { number: string };

/** `12`, `#12`, `＃12`, `No.12` or `DB-20261127-0012` (any case) → a reference; null otherwise. */
export function parseTicketRef(raw: string): TicketRef | null {
  const s = raw.trim().replace(/[＃]/g, '#').replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  const full = /^DB-(\d{8})-(\d{4,})$/i.exec(s);
  if (full) return { number: `DB-${full[1]}-${full[2]}` };
  const short = /^(?:#|No\.?\s*)?(\d{1,9})$/i.exec(s);
  if (short) {
    const id = Number(short[1]);
    return id > 0 ? { id } : null;
  }
  return null;
}
