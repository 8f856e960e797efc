/**
 * Day summaries: a finished day (in one zone) as one compact binary record,
 * made for reports of many days: the small maps as the aggregate's JSON, the
 * large ones (senders, recipients) as varint columns of dictionary ids
 * (`names.ts`), the deferred message ids as one sorted string searched only
 * for the ids a day carried over from an earlier one.
 *
 * | key                       | value (binary)                                                    |
 * |---------------------------|-------------------------------------------------------------------|
 * | `r!d!<zone>!<YYYY-MM-DD>` | aggregate JSON · meta JSON · events JSON · sender and recipient columns |
 *
 * A summary is a cache of the day's slot records (never removed for it): it is
 * written after a finished day was loaded, outside the engine's batch, and a
 * write into one of its slots (an entry stamped in the past) deletes it in
 * that batch; a summary whose write was in flight then deletes itself.
 */
import type { Level } from 'level';
import { COUNT_KEYS, emptyAgg, emptyCounts, mergeAgg, mergeSerialized, R_ADDR, R_BYTES, R_DLV, S_BYTES, S_MSG, serializeAgg, type Agg, type Counts } from './aggregate.js';
import type { DayAgg } from './aggregator.js';
import { dayRange, type DayRange } from './day.js';
import type { NameDictionary } from './names.js';
import type { BatchOp, ReportEvent } from './types.js';
import { VarintReader, VarintWriter } from './varint.js';

const PREFIX = 'r!d!';
const ALL = { gte: PREFIX, lt: `${PREFIX}\xff` };
const VERSION = 1;

export function summaryKey(zone: string, day: string): string {
  return `${PREFIX}${zone}!${day}`;
}

/** Deferred messages of one day, as a range needs them to count each message once. */
export interface DayDeferred {
  /** Distinct messages deferred this day. */
  count: number;
  /** Those created before the day began (or of unknown age): the only ones an earlier day can also hold. */
  carried: string[];
  has(id: string): boolean;
}

/** When a queue id was created (its first 9 characters are base-36 ms), or NaN for ids of another form. */
export function createdAt(id: string): number {
  if (id.length !== 18) return NaN;
  const t = parseInt(id.slice(0, 9), 36);
  return Number.isFinite(t) ? t : NaN;
}

export function deferredOfSet(ids: Set<string>, range: DayRange): DayDeferred {
  const carried: string[] = [];
  for (const id of ids) {
    const c = createdAt(id);
    if (!(c >= range.start)) carried.push(id);
  }
  return { count: ids.size, carried, has: (id) => ids.has(id) };
}

interface Meta {
  v: number;
  /** Per-hour counters, COUNT_KEYS per hour, flattened. */
  h: number[];
  dn: number;
  dc: string[];
  /** Every deferred id, sorted, `\n` around each. */
  db: string;
  /** Events listed, and omitted beyond those. */
  en: number;
  eo: number;
  /** The largest dictionary id in the columns (-1 when none). */
  mx: number;
}

/** A day read from its summary, merged into a range by {@link RangeAccumulator}. */
export interface SummaryDay {
  range: DayRange;
  hours: Counts[];
  deferred: DayDeferred;
}

/** What a range adds up: the small maps in an aggregate, senders and recipients in arrays by dictionary id. */
export class RangeAccumulator {
  readonly agg = emptyAgg();
  sMsg = new Float64Array(0);
  sBytes = new Float64Array(0);
  rDlv = new Float64Array(0);
  rBytes = new Float64Array(0);
  rAddr = new Float64Array(0);

  /** Ids below this have known names (checked once: summaries are read after the dictionary is loaded). */
  private readonly knownBelow: number;

  constructor(
    readonly names: NameDictionary,
    private readonly eventCap: number,
  ) {
    this.knownBelow = names.knownBelow;
  }

  private fit(id: number): void {
    if (id < this.sMsg.length) return;
    const n = Math.max(id + 1, this.names.size, this.sMsg.length * 2, 1024);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.sMsg = grow(this.sMsg);
    this.sBytes = grow(this.sBytes);
    this.rDlv = grow(this.rDlv);
    this.rBytes = grow(this.rBytes);
    this.rAddr = grow(this.rAddr);
  }

  /** Add a summary; false (and nothing added) when it names ids the dictionary does not know, or has another version. */
  addSummary(buf: Uint8Array, range: DayRange): SummaryDay | null {
    const r = new VarintReader(buf);
    const text = (n: number) => {
      const s = Buffer.from(buf.buffer, buf.byteOffset + r.at, n).toString('utf8');
      r.at += n;
      return s;
    };
    const aggText = text(r.uint());
    const meta = JSON.parse(text(r.uint())) as Meta;
    if (meta.v !== VERSION) return null;
    const eventsLen = r.uint();
    const eventsAt = r.at;
    r.at += eventsLen;
    // A summary naming an id whose name is unknown (a dictionary chunk went missing) is not trusted.
    if (meta.mx >= this.knownBelow) return null;
    this.fit(meta.mx);
    let id = 0;
    for (let n = r.uint(); n > 0; n--) {
      id += r.uint();
      this.sMsg[id] += r.uint();
      this.sBytes[id] += r.uint();
    }
    id = 0;
    for (let n = r.uint(); n > 0; n--) {
      id += r.uint();
      this.rDlv[id] += r.uint();
      this.rBytes[id] += r.uint();
      this.rAddr[id] += r.uint();
    }
    mergeSerialized(this.agg, aggText, this.eventCap);
    if (this.agg.events.length < this.eventCap && meta.en > 0) {
      const flat = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + eventsAt, eventsLen).toString('utf8')) as (string | number)[];
      for (let i = 0; i < flat.length; i += 4) {
        if (this.agg.events.length < this.eventCap) this.agg.events.push({ time: flat[i] as number, level: flat[i + 1] as ReportEvent['level'], code: flat[i + 2] as string, message: flat[i + 3] as string });
        else this.agg.eventsOmitted++;
      }
    } else this.agg.eventsOmitted += meta.en;
    this.agg.eventsOmitted += meta.eo;
    const hours = range.hours.map((_, i) => {
      const c = emptyCounts();
      COUNT_KEYS.forEach((k, j) => (c[k] = meta.h[i * COUNT_KEYS.length + j] ?? 0));
      return c;
    });
    const db = meta.db;
    return { range, hours, deferred: { count: meta.dn, carried: meta.dc, has: (x) => db.includes(`\n${x}\n`) } };
  }

  /** Add a day loaded the slow way (its maps of strings). */
  addDay(day: DayAgg): SummaryDay {
    const a = day.agg;
    mergeAgg(this.agg, { ...a, senders: new Map(), recipients: new Map(), deferredIds: new Set() }, this.eventCap);
    for (const [name, c] of a.senders) {
      const id = this.names.idOf(name);
      this.fit(id);
      this.sMsg[id] += c[S_MSG];
      this.sBytes[id] += c[S_BYTES];
    }
    for (const [name, c] of a.recipients) {
      const id = this.names.idOf(name);
      this.fit(id);
      this.rDlv[id] += c[R_DLV];
      this.rBytes[id] += c[R_BYTES];
      this.rAddr[id] += c[R_ADDR];
    }
    return { range: day.range, hours: day.hours, deferred: deferredOfSet(a.deferredIds, day.range) };
  }
}

/** Encode a finished day (giving dictionary ids to new names). */
export function encodeSummary(day: DayAgg, names: NameDictionary): Buffer {
  const a = day.agg;
  const small: Agg = { ...a, senders: new Map(), recipients: new Map(), deferredIds: new Set(), events: [], eventsOmitted: 0 };
  const h: number[] = [];
  for (const c of day.hours) for (const k of COUNT_KEYS) h.push(c[k]);
  const d = deferredOfSet(a.deferredIds, day.range);
  const sorted = [...a.deferredIds].sort();
  const ids = (map: Map<string, number[]>) => [...map].map(([name, c]) => [names.idOf(name), c] as const).sort((x, y) => x[0] - y[0]);
  const senders = ids(a.senders);
  const recipients = ids(a.recipients);
  const mx = Math.max(-1, senders.at(-1)?.[0] ?? -1, recipients.at(-1)?.[0] ?? -1);
  const meta: Meta = { v: VERSION, h, dn: d.count, dc: d.carried, db: sorted.length > 0 ? `\n${sorted.join('\n')}\n` : '', en: a.events.length, eo: a.eventsOmitted, mx };
  const ev: (string | number)[] = [];
  for (const e of a.events) ev.push(e.time, e.level, e.code, e.message);
  const w = new VarintWriter();
  for (const s of [serializeAgg(small), JSON.stringify(meta), JSON.stringify(ev)]) {
    const b = Buffer.from(s, 'utf8');
    w.uint(b.length);
    w.bytes(b);
  }
  const column = (rows: (readonly [number, number[]])[], at: number[]) => {
    w.uint(rows.length);
    let prev = 0;
    for (const [id, c] of rows) {
      w.uint(id - prev);
      prev = id;
      for (const i of at) w.uint(c[i]);
    }
  };
  column(senders, [S_MSG, S_BYTES]);
  column(recipients, [R_DLV, R_BYTES, R_ADDR]);
  return Buffer.from(w.done());
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

  /** An entry stamped in a slot a summary covers: delete it in the same batch. */
  invalidate(slot: number, ops: BatchOp[]): void {
    if (slot >= this.maxEnd) return;
    for (const s of this.known.values()) {
      if (slot < s.start || slot >= s.end) continue;
      ops.push({ type: 'del', key: s.key });
      s.invalid = true;
      this.known.delete(s.key);
    }
  }

  /** Store a finished day's summary in the background (a cache: failure only costs speed later). */
  write(day: DayAgg): void {
    const key = summaryKey(day.range.timezone, day.range.day);
    if (this.known.has(key)) return;
    const value = encodeSummary(day, this.names);
    const chunks = this.names.pendingOps();
    const info: Known = { key, start: day.range.start, end: day.range.end };
    this.known.set(key, info);
    if (info.end > this.maxEnd) this.maxEnd = info.end;
    const ops = [...chunks, { type: 'put' as const, key, value, valueEncoding: 'view' as const }];
    const p = this.db
      .batch(ops as never)
      .then(async () => {
        this.names.landed(chunks);
        if (info.invalid) await this.db.del(key);
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
