/**
 * Calendar-day arithmetic in a time zone: which instants a `YYYY-MM-DD` covers
 * (23, 24 or 25 hours across DST changes) and its clock-hour buckets.
 */
import { TZDate } from '@date-fns/tz';
import { addDays, format, startOfDay, subDays } from 'date-fns';
import { ValidationError } from '../errors.js';

const HOUR = 3_600_000;

/** One clock hour of a day. */
export interface HourBucket {
  /** `HH` wall-clock hour; the second occurrence of a repeated hour (DST end) is `HH'`. */
  label: string;
  start: number;
}

/** A calendar day in a zone: [start, end) in ms since epoch, and its hours. */
export interface DayRange {
  day: string;
  timezone: string;
  start: number;
  end: number;
  hours: HourBucket[];
}

/** The zone to use: the setting, or the system's when blank. Throws a ValidationError naming `timezone` when unknown. */
export function resolveZone(zone: string): string {
  const tz = zone.trim() || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw ValidationError.one('timezone', 'iana-zone', `timezone must be an IANA time zone such as Europe/Berlin (got "${tz}")`);
  }
  return tz;
}

/** `YYYY-MM-DD` of an instant in a zone. */
export function dayOf(time: number, tz: string): string {
  return format(new TZDate(time, tz), 'yyyy-MM-dd');
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Turn `today`, `yesterday` or `YYYY-MM-DD` into a day. Later days than today are refused
 * (they have no traffic and are most likely a typo).
 */
export function resolveDay(spec: string, zone: string, now: number): DayRange {
  const tz = resolveZone(zone);
  const word = spec.trim().toLowerCase();
  const today = new TZDate(now, tz);
  let day: string;
  if (word === 'today' || word === '') day = format(today, 'yyyy-MM-dd');
  else if (word === 'yesterday') day = format(subDays(today, 1), 'yyyy-MM-dd');
  else {
    const m = DAY_RE.exec(word);
    const noon = m ? new TZDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12, tz) : null;
    if (!m || !noon || format(noon, 'yyyy-MM-dd') !== word) {
      throw ValidationError.one('day', 'day', `day must be today, yesterday, week, a date YYYY-MM-DD or a range FROM..TO (got "${spec}")`);
    }
    day = word;
    if (day > format(today, 'yyyy-MM-dd')) {
      throw ValidationError.one('day', 'not-future', `day must be today or earlier (got "${spec}"; today is ${format(today, 'yyyy-MM-dd')} in ${tz})`);
    }
  }
  return dayRange(day, tz);
}

/** The most days one report covers. */
export const MAX_DAYS = 366;

/** The calendar day `n` days after `YYYY-MM-DD` (calendar arithmetic: DST changes do not move it). */
export function addCalendarDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The days a report covers, oldest first: `today`, `yesterday`, `YYYY-MM-DD`
 * (with `days` > 1: that many days ending there), `week` (the 7 days ending
 * today) or `FROM..TO` (both ends included; each end a date, `today` or
 * `yesterday`). Each day is a whole calendar day of the zone (23, 24 or 25 hours).
 */
export function resolveDays(spec: string, days: number | undefined, zone: string, now: number): DayRange[] {
  const tz = resolveZone(zone);
  const word = spec.trim().toLowerCase();
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) {
    throw ValidationError.one('days', 'range', `days must be a whole number from 1 to ${MAX_DAYS} (got ${days})`);
  }
  let from: string;
  let to: string;
  if (word.includes('..')) {
    if (days !== undefined) throw ValidationError.one('days', 'conflict', `days cannot be given with a range of days (${spec})`);
    const [a, b, ...rest] = word.split('..');
    if (rest.length > 0 || a === '' || b === '') {
      throw ValidationError.one('day', 'range', `a range of days must be FROM..TO, e.g. 2026-11-01..2026-11-30 (got "${spec}")`);
    }
    from = resolveDay(a, tz, now).day;
    to = resolveDay(b, tz, now).day;
    if (from > to) throw ValidationError.one('day', 'order', `a range of days must start before it ends (got ${from}..${to})`);
  } else if (word === 'week') {
    if (days !== undefined) throw ValidationError.one('days', 'conflict', 'days cannot be given with week (week is the 7 days ending today)');
    to = resolveDay('today', tz, now).day;
    from = addCalendarDays(to, -6);
  } else {
    to = resolveDay(word, tz, now).day;
    from = addCalendarDays(to, -((days ?? 1) - 1));
  }
  const n = daysBetween(from, to) + 1;
  if (n > MAX_DAYS) throw ValidationError.one('day', 'range', `a report covers at most ${MAX_DAYS} days (${from}..${to} is ${n})`);
  return Array.from({ length: n }, (_, i) => dayRange(addCalendarDays(from, i), tz));
}

/** Days computed so far (zone|day): reports of many days ask for the same ones again. */
const RANGES = new Map<string, DayRange>();
const RANGES_MAX = 2000;

/** The range of a valid `YYYY-MM-DD` in a valid zone. */
export function dayRange(day: string, tz: string): DayRange {
  const id = `${tz}|${day}`;
  const hit = RANGES.get(id);
  if (hit) return hit;
  const [y, m, d] = day.split('-').map(Number);
  // From noon, so zones whose DST change skips midnight still get the day's first instant.
  const noon = new TZDate(y, m - 1, d, 12, tz);
  const start = startOfDay(noon).getTime();
  const end = startOfDay(addDays(noon, 1)).getTime();
  const count = Math.ceil((end - start) / HOUR);
  const hours: HourBucket[] = [];
  const first = Number(format(new TZDate(start, tz), 'HH'));
  if (count === 24 && first === 0 && offsetMinutes(start, tz) === offsetMinutes(end - 1, tz)) {
    // No offset change inside the day (all but two days a year): the hours are 00..23.
    for (let i = 0; i < 24; i++) hours.push({ label: String(i).padStart(2, '0'), start: start + i * HOUR });
  } else {
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const t = start + i * HOUR;
      let label = format(new TZDate(t, tz), 'HH');
      if (seen.has(label)) label += "'";
      seen.add(label);
      hours.push({ label, start: t });
    }
  }
  const range = { day, timezone: tz, start, end, hours };
  if (RANGES.size >= RANGES_MAX) RANGES.delete(RANGES.keys().next().value as string);
  RANGES.set(id, range);
  return range;
}

/** The zone's UTC offset at an instant, in minutes. */
function offsetMinutes(time: number, tz: string): number {
  return new TZDate(time, tz).getTimezoneOffset();
}

/** Index of the clock hour an instant falls in (instants outside the day are clamped). */
export function hourIndex(range: DayRange, time: number): number {
  const i = Math.floor((time - range.start) / HOUR);
  return i < 0 ? 0 : i >= range.hours.length ? range.hours.length - 1 : i;
}
