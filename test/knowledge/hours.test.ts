// SLA clocks run in the centre's own recorded hours, not hours fixed in code.
import { describe, expect, it } from 'vitest';
import { parseWorkingHours } from '../../src/knowledge/facts.ts';
import { workingDayDeadline, workingMsBetween } from '../../src/tickets/worktime.ts';

const cst = (s: string) => new Date(`${s}:00+08:00`);
const H = 3600_000;

describe('working hours from the centre', () => {
  it('reads the hours texts centres publish', () => {
    expect(parseWorkingHours('工作日 上午8:30-12:00 下午14:30-17:30（以中心公告为准）')).toEqual([[510, 720], [870, 1050]]);
    expect(parseWorkingHours('周一至周五 上午9:00至12:00，下午2:30—5:30')).toEqual([[540, 720], [870, 1050]]);
    expect(parseWorkingHours('工作日 9:00-17:00')).toEqual([[540, 1020]]);
    expect(parseWorkingHours('以窗口公告为准')).toBeNull();
    expect(parseWorkingHours(undefined)).toBeNull();
  });

  it('counts working time and deadlines in those hours', () => {
    const nineToFive = parseWorkingHours('工作日 9:00-17:00')!;
    // Friday 2026-11-27: 8 hours, not the default 6.5.
    expect(workingMsBetween(cst('2026-11-27T08:00'), cst('2026-11-27T18:00'), nineToFive)).toBe(8 * H);
    expect(workingMsBetween(cst('2026-11-27T08:00'), cst('2026-11-27T18:00'))).toBe(6.5 * H);
    // 即办 started Friday 16:00 ends at 17:00 that day, the centre's closing time.
    expect(workingDayDeadline(cst('2026-11-27T16:00'), 0, nineToFive).toISOString()).toBe(cst('2026-11-27T17:00').toISOString());
    expect(workingDayDeadline(cst('2026-11-27T16:00'), 1, nineToFive).toISOString()).toBe(cst('2026-11-30T17:00').toISOString());
  });
});
