/**
 * Day summaries: a finished day (in one zone) as one compact binary record
 * (its form: `summary-codec.ts`; adding days up: `range-accumulator.ts`),
 * made for reports of many days, with its events and its deferred message
 * ids under keys of their own, read only when a range needs them.
 *
 * | key                        | value                                                              |
 * |----------------------------|--------------------------------------------------------------------|
 * | `r!d!<zone>!<YYYY-MM-DD>`  | binary (`summary-codec.ts`): aggregate JSON · meta JSON · columns  |
 * | `r!de!<zone>!<YYYY-MM-DD>` | the day's listed events, JSON (read only while a range lists more)  |
 * | `r!di!<zone>!<YYYY-MM-DD>` | its deferred message ids, sorted, `\n` around each (read only for a carried id) |
 *
 * A summary is a cache of the day's slot records (never removed for it): it is
 * written after a finished day was loaded, outside the engine's batch, and a
 * write into one of its slots (an entry stamped in the past) deletes it in
 * that batch; a summary whose write was in flight then deletes itself.
 */
import type { Level } from 'level';
import type { DayAgg } from './aggregator.js';
import { dayRange, type DayRange } from './day.js';
import type { NameDictionary } from './names.js';
import type { BatchOp, ReportEvent } from './types.js';
import { encodeSummary } from './summary-codec.js';

const PREFIX = 'r!d!';
const ALL = { gte: PREFIX, lt: `${PREFIX}\xff` };

export function summaryKey(zone: string, day: string): string {
  return `${PREFIX}${zone}!${day}`;
}

function eventsKey(zone: string, day: string): string {
  return `r!de!${zone}!${day}`;
}

function idsKey(zone: string, day: string): string {
  return `r!di!${zone}!${day}`;
}

interface Known {
  key: string;
  start: number;
  end: number;
  /** Set when a covered slot changed while its write was in flight: it deletes itself once written. */
  invalid?: boolean;
}

/** The stored summaries (by key), their writes, and their invalidation. */
export class DaySummaries {
  private readonly known = new Map<string, Known>();
  private readonly inflight = new Set<Promise<unknown>>();
  private maxEnd = 0;

  constructor(
    private readonly db: Level<string, string>,
    readonly names: NameDictionary,
  ) {}

  async open(): Promise<void> {
    for await (const key of this.db.keys(ALL)) {
      const rest = key.slice(PREFIX.length);
      const bang = rest.lastIndexOf('!');
      try {
        const r = dayRange(rest.slice(bang + 1), rest.slice(0, bang));
        this.known.set(key, { key, start: r.start, end: r.end });
        if (r.end > this.maxEnd) this.maxEnd = r.end;
      } catch {
        // A key this version cannot read: ignored (it is only a cache).
      }
    }
  }

  has(range: DayRange): boolean {
    return this.known.has(summaryKey(range.timezone, range.day));
  }

  /** The stored summaries of these days (undefined where none, or not readable). */
  async read(days: DayRange[]): Promise<(Uint8Array | undefined)[]> {
    const keys = days.map((d) => summaryKey(d.timezone, d.day));
    const want = keys.filter((k) => this.known.has(k));
    const got = want.length > 0 ? await this.db.getMany<string, Uint8Array>(want, { valueEncoding: 'view' }) : [];
    const byKey = new Map(want.map((k, i) => [k, got[i]]));
    return keys.map((k) => (this.known.get(k)?.invalid ? undefined : byKey.get(k)));
  }

  /** A summary's three keys. */
  private keysOf(key: string): string[] {
    const rest = key.slice(PREFIX.length);
    const bang = rest.lastIndexOf('!');
    const zone = rest.slice(0, bang);
    const day = rest.slice(bang + 1);
    return [key, eventsKey(zone, day), idsKey(zone, day)];
  }

  /** A summarised day's listed events. */
  async events(range: DayRange): Promise<ReportEvent[]> {
    const text = await this.db.get(eventsKey(range.timezone, range.day));
    const flat = text ? (JSON.parse(text) as (string | number)[]) : [];
    const out: ReportEvent[] = [];
    for (let i = 0; i < flat.length; i += 4) out.push({ time: flat[i] as number, level: flat[i + 1] as ReportEvent['level'], code: flat[i + 2] as string, message: flat[i + 3] as string });
    return out;
  }

  /** Summarised days' deferred ids, as membership tests (a day whose ids are missing holds none). */
  async deferredIds(days: DayRange[]): Promise<((id: string) => boolean)[]> {
    const texts = days.length > 0 ? await this.db.getMany(days.map((d) => idsKey(d.timezone, d.day))) : [];
    return texts.map((t) => (id: string) => (t ?? '').includes(`\n${id}\n`));
  }

  /** An entry stamped in a slot a summary covers: delete it in the same batch. */
  invalidate(slot: number, ops: BatchOp[]): void {
    if (slot >= this.maxEnd) return;
    for (const s of this.known.values()) {
      if (slot < s.start || slot >= s.end) continue;
      for (const key of this.keysOf(s.key)) ops.push({ type: 'del', key });
      s.invalid = true;
      this.known.delete(s.key);
    }
  }

  /** Store a finished day's summary in the background (a cache: failure only costs speed later); `replace` one that could not be used. */
  write(day: DayAgg, replace = false): void {
    const key = summaryKey(day.range.timezone, day.range.day);
    if (this.known.has(key) && !replace) return;
    const { summary: value, events, ids } = encodeSummary(day, this.names);
    const chunks = this.names.pendingOps();
    const info: Known = { key, start: day.range.start, end: day.range.end };
    this.known.set(key, info);
    if (info.end > this.maxEnd) this.maxEnd = info.end;
    const ops = [
      ...chunks,
      { type: 'put' as const, key, value, valueEncoding: 'view' as const },
      { type: 'put' as const, key: eventsKey(day.range.timezone, day.range.day), value: events },
      { type: 'put' as const, key: idsKey(day.range.timezone, day.range.day), value: ids },
    ];
    const p = this.db
      .batch(ops as never)
      .then(async () => {
        this.names.landed(chunks);
        if (info.invalid) await this.db.batch(this.keysOf(key).map((k) => ({ type: 'del' as const, key: k })));
      })
      .catch(() => {
        if (this.known.get(key) === info) this.known.delete(key);
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /** Resolves when the writes under way have landed (the engine waits for it before closing the store). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}
