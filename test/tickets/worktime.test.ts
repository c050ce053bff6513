import { describe, expect, it } from 'vitest';
import { formatAge, formatLocal, nextWorkingStart, workingDayDeadline, workingMsBetween } from '../../src/tickets/worktime.ts';

// Times in Liuyang: UTC+8. 2026-11-27 is a Friday.
const cst = (s: string) => new Date(`${s}+08:00`);
const H = 3600_000;

describe('working time (Mon–Fri 8:30–12:00, 14:30–17:30 Asia/Shanghai)', () => {
  it('counts only the windows', () => {
    expect(workingMsBetween(cst('2026-11-27T08:00'), cst('2026-11-27T18:00'))).toBe(6.5 * H);
    expect(workingMsBetween(cst('2026-11-27T10:00'), cst('2026-11-27T15:00'))).toBe(2.5 * H);
    expect(workingMsBetween(cst('2026-11-27T12:30'), cst('2026-11-27T14:00'))).toBe(0);
  });
  it('skips the weekend', () => {
    expect(workingMsBetween(cst('2026-11-27T17:00'), cst('2026-11-30T09:00'))).toBe(1 * H);
    expect(workingMsBetween(cst('2026-11-28T09:00'), cst('2026-11-29T17:00'))).toBe(0);
  });
  it('is zero for reversed intervals', () => {
    expect(workingMsBetween(cst('2026-11-27T17:00'), cst('2026-11-27T09:00'))).toBe(0);
  });
  it('deadlines in working days', () => {
    expect(workingDayDeadline(cst('2026-11-27T10:00'), 5)).toEqual(cst('2026-12-04T17:30'));
    expect(workingDayDeadline(cst('2026-11-27T10:00'), 1)).toEqual(cst('2026-11-30T17:30'));
    expect(workingDayDeadline(cst('2026-11-27T10:00'), 0)).toEqual(cst('2026-11-27T17:30'));
    expect(workingDayDeadline(cst('2026-11-27T18:00'), 0)).toEqual(cst('2026-11-30T17:30'));
    expect(workingDayDeadline(cst('2026-11-28T10:00'), 0)).toEqual(cst('2026-11-30T17:30'));
  });
  it('formats', () => {
    expect(formatLocal(cst('2026-11-27T09:05'))).toBe('11-27 09:05');
    expect(formatAge(5 * 60_000)).toBe('5分钟');
    expect(formatAge(3 * H)).toBe('3小时');
    expect(formatAge(72 * H)).toBe('3天');
  });
});

describe('nextWorkingStart (when staff will see a 人工 request)', () => {
  it('is null inside a window', () => {
    expect(nextWorkingStart(cst('2026-11-27T10:00'))).toBeNull();
    expect(nextWorkingStart(cst('2026-11-27T14:30'))).toBeNull();
  });
  it('is the next window: after lunch, the next morning, Monday after a weekend', () => {
    expect(nextWorkingStart(cst('2026-11-27T12:30'))).toEqual(cst('2026-11-27T14:30'));
    expect(nextWorkingStart(cst('2026-11-26T18:00'))).toEqual(cst('2026-11-27T08:30'));
    expect(nextWorkingStart(cst('2026-11-27T07:00'))).toEqual(cst('2026-11-27T08:30'));
    expect(nextWorkingStart(cst('2026-11-27T17:30'))).toEqual(cst('2026-11-30T08:30'));
    expect(nextWorkingStart(cst('2026-11-29T10:00'))).toEqual(cst('2026-11-30T08:30'));
  });
  it("follows the centre's own hours", () => {
    expect(nextWorkingStart(cst('2026-11-27T08:45'), [[9 * 60, 17 * 60]])).toEqual(cst('2026-11-27T09:00'));
  });
});
