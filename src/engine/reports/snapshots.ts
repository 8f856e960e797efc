/**
 * Day snapshots: a merged day (in one zone) over its slots before a boundary,
 * so a report built by a fresh process reads one record plus the slots since,
 * instead of every slot of the day.
 *
 * | key                                      | value                                       |
 * |------------------------------------------|---------------------------------------------|
 * | `r!s!<zone>!<YYYY-MM-DD>!<B:13 digits>`  | `<hours JSON>\n<serialised Agg>`           |
 *
 * A snapshot covers exactly the slot records with slot < B of that day. It is
 * only a cache: records are never removed for it. A write into a covered slot
 * (an entry stamped in the past) deletes the snapshot in the same batch. A
 * running engine rewrites the current day's snapshot in its own batches each
 * time traffic moves to a new slot (B = that slot), so at most the current
 * slot's records are read on top of it; a load stores one outside the batch.
 */
import { COUNT_KEYS, emptyAgg, emptyCounts, mergeSerialized, serializeAgg, type Counts } from './aggregate.js';
import type { DayAgg } from './aggregator.js';
import { dayRange, type DayRange } from './day.js';

const PREFIX = 'r!s!';

export const ALL_SNAPSHOTS = { gte: PREFIX, lt: `${PREFIX}\xff` };

export function snapshotKey(zone: string, day: string, boundary: number): string {
  return `${PREFIX}${zone}!${day}!${String(boundary).padStart(13, '0')}`;
}

/** What the registry knows of a stored snapshot (from its key alone). */
export interface SnapshotInfo {
  key: string;
  zone: string;
  day: string;
  /** Covered slots: [start, boundary). */
  start: number;
  boundary: number;
}

export function parseSnapshotKey(key: string): SnapshotInfo | null {
  const rest = key.slice(PREFIX.length);
  const b = rest.lastIndexOf('!');
  const d = rest.lastIndexOf('!', b - 1);
  if (b < 0 || d < 0) return null;
  const zone = rest.slice(0, d);
  const day = rest.slice(d + 1, b);
  const boundary = Number(rest.slice(b + 1));
  try {
    return { key, zone, day, start: dayRange(day, zone).start, boundary };
  } catch {
    return null;
  }
}

export function encodeSnapshot(day: DayAgg): string {
  const hours: number[] = [];
  for (const h of day.hours) for (const k of COUNT_KEYS) hours.push(h[k]);
  return `${JSON.stringify(hours)}\n${serializeAgg(day.agg)}`;
}

export function decodeSnapshot(range: DayRange, text: string): DayAgg {
  const nl = text.indexOf('\n');
  const flat = JSON.parse(text.slice(0, nl)) as number[];
  const hours: Counts[] = range.hours.map((_, i) => {
    const c = emptyCounts();
    COUNT_KEYS.forEach((k, j) => (c[k] = flat[i * COUNT_KEYS.length + j] ?? 0));
    return c;
  });
  const agg = emptyAgg();
  mergeSerialized(agg, text.slice(nl + 1), Number.MAX_SAFE_INTEGER);
  return { range, agg, hours };
}
