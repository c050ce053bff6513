// Working time in Asia/Shanghai (UTC+8, no daylight saving) for SLA clocks.
// Monday–Friday, in the service centre's own hours (parsed from its `hours`
// text by knowledge/facts.ts); when those are not recorded, 8:30–12:00 and
// 14:30–17:30. Public holidays and 调休 working days are ignored.
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
/** Working windows as [start, end) minutes after local midnight. */
export type Windows = [number, number][];
const DEFAULT_WINDOWS: Windows = [
  [8 * 60 + 30, 12 * 60],
  [14 * 60 + 30, 17 * 60 + 30],
];
const endOfDay = (w: Windows) => Math.max(...w.map(([, e]) => e));

/** Local midnight (as a UTC instant) of the Shanghai day containing t. */
const localDayStart = (t: number) => Math.floor((t + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
const isWorkingDay = (dayStart: number) => {
  const dow = new Date(dayStart + OFFSET_MS).getUTCDay();
  return dow >= 1 && dow <= 5;
};

/** Working milliseconds between a and b (0 if b ≤ a). */
export function workingMsBetween(a: Date, b: Date, windows: Windows = DEFAULT_WINDOWS): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to <= from) return 0;
  let total = 0;
  for (let day = localDayStart(from); day < to; day += DAY_MS) {
    if (!isWorkingDay(day)) continue;
    for (const [s, e] of windows) {
      const ws = day + s * 60_000;
      const we = day + e * 60_000;
      const lo = Math.max(ws, from);
      const hi = Math.min(we, to);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/**
 * When a promise of `days` working days, counted from `start`, runs out: the
 * end (17:30) of the `days`-th working day after the start day. 即办 (0) means
 * the end of the start day, or of the next working day when started after
 * hours or on a weekend.
 */
export function workingDayDeadline(start: Date, days: number, windows: Windows = DEFAULT_WINDOWS): Date {
  const END_OF_DAY_MIN = endOfDay(windows);
  let day = localDayStart(start.getTime());
  const startMin = (start.getTime() - day) / 60_000;
  if (days === 0) {
    if (!isWorkingDay(day) || startMin >= END_OF_DAY_MIN) {
      do day += DAY_MS;
      while (!isWorkingDay(day));
    }
    return new Date(day + END_OF_DAY_MIN * 60_000);
  }
  let left = days;
  while (left > 0) {
    day += DAY_MS;
    if (isWorkingDay(day)) left--;
  }
  return new Date(day + END_OF_DAY_MIN * 60_000);
}

/** The start of the next working window after `now`, or null when `now` is inside one (within two weeks). */
export function nextWorkingStart(now: Date, windows: Windows = DEFAULT_WINDOWS): Date | null {
  const t = now.getTime();
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  for (let day = localDayStart(t), i = 0; i < 14; day += DAY_MS, i++) {
    if (!isWorkingDay(day)) continue;
    for (const [s, e] of sorted) {
      const ws = day + s * 60_000;
      if (t >= ws && t < day + e * 60_000) return null;
      if (ws > t) return new Date(ws);
    }
  }
  return null;
}

/** 11-27 14:05 (Shanghai time). */
export function formatLocal(d: Date): string {
  const s = new Date(d.getTime() + OFFSET_MS).toISOString();
  return `${s.slice(5, 10)} ${s.slice(11, 16)}`;
}

/** A short age: 5分钟, 3小时, 2天. */
export function formatAge(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 60) return `${min}分钟`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h}小时`;
  return `${Math.floor(h / 24)}天`;
}
