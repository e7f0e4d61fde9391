// Working-shift arithmetic in each engineer's own time zone. Offsets come from Intl (tzdata) and are cached per
// time zone and hour, which keeps a 200-engineer, 30-day simulation fast; DST changes land on hour boundaries.
import type { Shift, Weekday } from './domain';
import { WEEKDAYS } from './domain';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

const validZones = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  let ok = validZones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    validZones.set(tz, ok);
  }
  return ok;
}

/** Minutes to add to UTC to get local wall time in `tz` at instant `t`. */
export function offsetMinutes(tz: string, t: number): number {
  const bucket = Math.floor(t / HOUR);
  const key = `${tz}|${bucket}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  let fmt = formatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
    formatters.set(tz, fmt);
  }
  const at = bucket * HOUR;
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  const off = Math.round((local - at) / MINUTE);
  if (offsets.size > 200_000) offsets.clear();
  offsets.set(key, off);
  return off;
}

export function parseHhMm(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return h * 60 + m;
}

interface Window { start: number; end: number }

/** Shift windows (UTC ms) that overlap the local days from one day before `t` to `horizonDays` after it. */
function windows(shift: Shift, t: number, horizonDays: number): Window[] {
  const off = offsetMinutes(shift.timezone, t);
  const localMidnight = Math.floor((t + off * MINUTE) / DAY) * DAY;
  const start = parseHhMm(shift.start);
  let end = parseHhMm(shift.end);
  if (end <= start) end += 24 * 60; // overnight shift
  const out: Window[] = [];
  for (let d = -1; d <= horizonDays; d++) {
    const dayLocal = localMidnight + d * DAY;
    const weekday: Weekday = WEEKDAYS[new Date(dayLocal).getUTCDay()];
    if (!shift.days.includes(weekday)) continue;
    const ls = dayLocal + start * MINUTE;
    const le = dayLocal + end * MINUTE;
    out.push({
      start: ls - offsetMinutes(shift.timezone, ls - off * MINUTE) * MINUTE,
      end: le - offsetMinutes(shift.timezone, le - off * MINUTE) * MINUTE,
    });
  }
  return out;
}

export function isOnShift(shift: Shift, at: Date | number): boolean {
  const t = typeof at === 'number' ? at : at.getTime();
  return windows(shift, t, 0).some((w) => w.start <= t && t < w.end);
}

/** The instant the engineer can start work: `at` itself when on shift, else the next shift start (null if none in 8 days). */
export function nextWorkStart(shift: Shift, at: Date | number): number | null {
  const t = typeof at === 'number' ? at : at.getTime();
  for (const w of windows(shift, t, 8)) {
    if (w.start <= t && t < w.end) return t;
    if (w.start > t) return w.start;
  }
  return null;
}

/** The instant after `minutes` of working time from `at` (used by the simulator to model handling). */
export function addWorkingMinutes(shift: Shift, at: number, minutes: number): number {
  let t = at;
  let left = minutes * MINUTE;
  for (let guard = 0; guard < 1000; guard++) {
    const ws = windows(shift, t, 8);
    const w = ws.find((x) => x.end > t && x.start <= t) ?? ws.find((x) => x.start > t);
    if (!w) return Number.POSITIVE_INFINITY;
    t = Math.max(t, w.start);
    const avail = w.end - t;
    if (avail >= left) return t + left;
    left -= avail;
    t = w.end;
  }
  return Number.POSITIVE_INFINITY;
}
