import { describe, expect, it } from 'vitest';
import { STATUSES, parseTicketRef, formatTicketNumber, type TicketStatus } from '../../src/tickets/model.ts';
import { transition, type Action } from '../../src/tickets/state.ts';

const staff = { id: 'clerk', name: '李四', role: 'staff' as const };
const other = { id: 'clerk2', name: '王五', role: 'staff' as const };
const requester = { id: 'owner', name: '张三', role: 'requester' as const };

// Expected result of each staff action from each status: the new status, or null (refused).
const STAFF_TABLE: Record<Exclude<Action, 'cancel' | 'rate'>, Record<TicketStatus, TicketStatus | null>> = {
  claim: { registered: 'claimed', claimed: null, in_progress: null, awaiting_materials: null, done: null, rated: null, stopped: null, cancelled: null },
  transfer: { registered: 'claimed', claimed: 'claimed', in_progress: 'in_progress', awaiting_materials: 'awaiting_materials', done: null, rated: null, stopped: null, cancelled: null },
  start: { registered: null, claimed: 'in_progress', in_progress: null, awaiting_materials: 'in_progress', done: null, rated: null, stopped: null, cancelled: null },
  request_materials: { registered: null, claimed: 'awaiting_materials', in_progress: 'awaiting_materials', awaiting_materials: 'awaiting_materials', done: null, rated: null, stopped: null, cancelled: null },
  finish: { registered: null, claimed: 'done', in_progress: 'done', awaiting_materials: 'done', done: null, rated: null, stopped: null, cancelled: null },
  stop: { registered: 'stopped', claimed: 'stopped', in_progress: 'stopped', awaiting_materials: 'stopped', done: null, rated: null, stopped: null, cancelled: null },
  reply: { registered: 'registered', claimed: 'claimed', in_progress: 'in_progress', awaiting_materials: 'awaiting_materials', done: 'done', rated: 'rated', stopped: 'stopped', cancelled: null },
  note: { registered: 'registered', claimed: 'claimed', in_progress: 'in_progress', awaiting_materials: 'awaiting_materials', done: 'done', rated: 'rated', stopped: 'stopped', cancelled: 'cancelled' },
  handback: { registered: 'registered', claimed: 'claimed', in_progress: 'in_progress', awaiting_materials: 'awaiting_materials', done: null, rated: null, stopped: null, cancelled: null },
};
const REQUESTER_TABLE: Record<'cancel' | 'rate', Record<TicketStatus, TicketStatus | null>> = {
  cancel: { registered: 'cancelled', claimed: 'cancelled', in_progress: 'cancelled', awaiting_materials: 'cancelled', done: null, rated: null, stopped: null, cancelled: null },
  rate: { registered: null, claimed: null, in_progress: null, awaiting_materials: null, done: 'rated', rated: null, stopped: null, cancelled: null },
};

const ticket = (status: TicketStatus) => ({
  id: 12,
  status,
  assigneeId: status === 'registered' ? null : 'clerk2',
  assigneeName: status === 'registered' ? null : '王五',
  conversationHeld: true,
});

describe('transition: every status × action', () => {
  for (const [action, row] of Object.entries(STAFF_TABLE) as [Action, Record<TicketStatus, TicketStatus | null>][]) {
    for (const status of STATUSES) {
      it(`${action} from ${status} by staff → ${row[status] ?? 'refused'}`, () => {
        const r = transition(ticket(status), action, staff);
        if (row[status] === null) {
          expect(r.ok).toBe(false);
          expect(!r.ok && r.reason).toMatch(/#12/);
        } else {
          expect(r).toMatchObject({ ok: true, to: row[status] });
        }
      });
      it(`${action} from ${status} by the requester is refused`, () => {
        expect(transition(ticket(status), action, requester).ok).toBe(false);
      });
    }
  }
  for (const [action, row] of Object.entries(REQUESTER_TABLE) as ['cancel' | 'rate', Record<TicketStatus, TicketStatus | null>][]) {
    for (const status of STATUSES) {
      it(`${action} from ${status} by the requester → ${row[status] ?? 'refused'}`, () => {
        const r = transition(ticket(status), action, requester);
        if (row[status] === null) expect(r.ok).toBe(false);
        else expect(r).toMatchObject({ ok: true, to: row[status] });
      });
      it(`${action} from ${status} by staff is refused`, () => {
        expect(transition(ticket(status), action, staff).ok).toBe(false);
      });
    }
  }
});

describe('refusal reasons', () => {
  it('cannot close an unclaimed ticket', () => {
    expect(transition(ticket('registered'), 'finish', staff)).toEqual({ ok: false, reason: '#12 还没有人接单，不能办结，请先「接单 12」' });
  });
  it('cannot claim a closed one', () => {
    expect(transition(ticket('done'), 'claim', staff)).toEqual({ ok: false, reason: '#12 已办结，不能再接单' });
    expect(transition(ticket('cancelled'), 'claim', staff)).toEqual({ ok: false, reason: '#12 已撤销，不能再接单' });
  });
  it('says who holds a claimed ticket', () => {
    const r = transition(ticket('claimed'), 'claim', staff);
    expect(!r.ok && r.reason).toContain('王五');
    const mine = transition(ticket('claimed'), 'claim', other);
    expect(!mine.ok && mine.reason).toContain('已经由您接单');
  });
  it('handback needs a held conversation', () => {
    expect(transition({ ...ticket('claimed'), conversationHeld: false }, 'handback', staff).ok).toBe(false);
  });
  it('marks whether the status changed', () => {
    expect(transition(ticket('claimed'), 'reply', staff)).toEqual({ ok: true, to: 'claimed', changed: false });
    expect(transition(ticket('claimed'), 'finish', staff)).toEqual({ ok: true, to: 'done', changed: true });
  });
});

describe('ticket numbers', () => {
  it('parses 12, #12, ＃12 and the full number', () => {
    expect(parseTicketRef('12')).toEqual({ id: 12 });
    expect(parseTicketRef('#12')).toEqual({ id: 12 });
    expect(parseTicketRef('＃１２')).toEqual({ id: 12 });
    expect(parseTicketRef('db-20261127-0012')).toEqual({ number: 'DB-20261127-0012' });
    expect(parseTicketRef('0')).toBeNull();
    expect(parseTicketRef('12a')).toBeNull();
    expect(parseTicketRef('')).toBeNull();
  });
  it('formats the date in Asia/Shanghai and pads to four digits', () => {
    expect(formatTicketNumber(12, new Date('2026-11-27T03:00:00Z'))).toBe('DB-20261127-0012');
    expect(formatTicketNumber(12345, new Date('2026-11-26T16:30:00Z'))).toBe('DB-20261127-12345');
  });
});
