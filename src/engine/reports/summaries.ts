/**
 * Day summaries: a finished day (in one zone) as one compact binary record,
 * made for reports of many days: the small maps as the aggregate's JSON, the
 * large ones (senders, recipients) as varint columns of dictionary ids
 * (`names.ts`), the deferred message ids as one sorted string searched only
 * for the ids a day carried over from an earlier one.
 *
 * | key                        | value                                                              |
 * |----------------------------|--------------------------------------------------------------------|
 * | `r!d!<zone>!<YYYY-MM-DD>`  | binary: aggregate JSON · meta JSON · sender and recipient columns |
 * | `r!de!<zone>!<YYYY-MM-DD>` | the day's listed events, JSON (read only while a range lists more)  |
 * | `r!di!<zone>!<YYYY-MM-DD>` | its deferred message ids, sorted, `\n` around each (read only for a carried id) |
 *
 * A summary is a cache of the day's slot records (never removed for it): it is
 * written after a finished day was loaded, outside the engine's batch, and a
 * write into one of its slots (an entry stamped in the past) deletes it in
 * that batch; a summary whose write was in flight then deletes itself.
 */
import type { Level } from 'level';
import { COUNT_KEYS, D_DMAX, emptyAgg, emptyCounts, mergeAgg, mergeSerialized, R_ADDR, R_BYTES, R_DLV, S_BYTES, S_MSG, SEP, serializeAgg, type Agg, type Counts } from './aggregate.js';
import type { DayAgg } from './aggregator.js';
import { dayRange, type DayRange } from './day.js';
import type { NameDictionary } from './names.js';
import type { BatchOp, ReportEvent } from './types.js';
import { VarintReader, VarintWriter } from './varint.js';

const PREFIX = 'r!d!';
const ALL = { gte: PREFIX, lt: `${PREFIX}\xff` };
const VERSION = 4;

export function summaryKey(zone: string, day: string): string {
  return `${PREFIX}${zone}!${day}`;
}

function eventsKey(zone: string, day: string): string {
  return `r!de!${zone}!${day}`;
}

function idsKey(zone: string, day: string): string {
  return `r!di!${zone}!${day}`;
}

/** Deferred messages of one day, as a range needs them to count each message once. */
export interface DayDeferred {
  /** Distinct messages deferred this day. */
  count: number;
  /** Those created before the day began (or of unknown age): the only ones an earlier day can also hold. */
  carried: string[];
  /** Null for a summarised day until its ids are read (only when a later day carried one of its messages). */
  has: ((id: string) => boolean) | null;
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
  /** Events listed, and omitted beyond those. */
  en: number;
  eo: number;
  /** The largest dictionary id in the columns (-1 when none). */
  mx: number;
  /** Deferral and bounce reasons, [reason, example] flattened; the host rows point into them. */
  dR: string[];
  bR: string[];
}

/** A day read from its summary, merged into a range by {@link RangeAccumulator}. */
export interface SummaryDay {
  range: DayRange;
  hours: Counts[];
  deferred: DayDeferred;
}

/**
 * Host-by-reason cells of many days: hosts are dictionary ids and each reason
 * text gets a small number once, so a cell is a number key; {@link into}
 * writes the usual `host\treason` keys once at the end.
 */
class ReasonCells {
  private readonly ids = new Map<string, number>();
  private readonly texts: { reason: string; ex: string }[] = [];
  private readonly cells = { defer: new Map<number, number>(), bounce: new Map<number, number>() };

  /** Global numbers of a day's reasons ([reason, example] flattened). */
  numbers(reasons: string[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < reasons.length; i += 2) {
      let id = this.ids.get(reasons[i]);
      if (id === undefined) {
        this.ids.set(reasons[i], (id = this.texts.length));
        this.texts.push({ reason: reasons[i], ex: reasons[i + 1] });
      }
      out.push(id);
    }
    return out;
  }

  add(kind: 'defer' | 'bounce', host: number, reason: number, n: number): void {
    const k = host * 1_048_576 + reason;
    const cells = this.cells[kind];
    cells.set(k, (cells.get(k) ?? 0) + n);
  }

  into(agg: Agg, names: NameDictionary): void {
    for (const [kind, map] of [['defer', agg.deferReasons], ['bounce', agg.bounceReasons]] as const) {
      for (const [k, n] of this.cells[kind]) {
        const t = this.texts[k % 1_048_576];
        const key = `${names.nameOf(Math.floor(k / 1_048_576)) ?? '(unknown)'}${SEP}${t.reason}`;
        const c = map.get(key);
        if (c) c.n += n;
        else map.set(key, { n, ex: t.ex });
      }
      this.cells[kind].clear();
    }
  }
}

/** What a range adds up: the small maps in an aggregate, senders and recipients in arrays by dictionary id. */
export class RangeAccumulator {
  private readonly agg_ = emptyAgg();
  private readonly reasons = new ReasonCells();
  /** Summarised days whose events are not read yet, in order; `events()` reads them while the list has room. */
  private readonly pendingEvents: { range: DayRange; listed: number; omitted: number }[] = [];
  /** Days loaded the slow way, with their events, in the same order as the others. */
  private readonly loadedEvents = new Map<string, { list: ReportEvent[]; omitted: number }>();

  /** Recipient domain cells by dictionary id, 7 numbers each (the aggregate's domain cell). */
  private dom = new Float64Array(0);

  /** The merged aggregate (domains and host-by-reason cells folded in). */
  get agg(): Agg {
    this.reasons.into(this.agg_, this.names);
    for (let id = 0; id * 7 < this.dom.length; id++) {
      const o = id * 7;
      let any = false;
      for (let k = 0; k < 7; k++) if (this.dom[o + k] !== 0) any = true;
      if (!any) continue;
      const name = this.names.nameOf(id) ?? '(unknown)';
      const c = this.agg_.domains.get(name);
      const v = Array.from(this.dom.subarray(o, o + 7));
      if (!c) this.agg_.domains.set(name, v);
      else for (let k = 0; k < 7; k++) c[k] = k === D_DMAX ? Math.max(c[k], v[k]) : c[k] + v[k];
    }
    this.dom = new Float64Array(0);
    return this.agg_;
  }
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
    const dom = new Float64Array(n * 7);
    dom.set(this.dom);
    this.dom = dom;
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
    id = 0;
    for (let n = r.uint(); n > 0; n--) {
      id += r.uint();
      const o = id * 7;
      for (let k = 0; k < 7; k++) {
        const v = r.uint();
        this.dom[o + k] = k === D_DMAX ? Math.max(this.dom[o + k], v) : this.dom[o + k] + v;
      }
    }
    for (const [kind, texts] of [['defer', meta.dR], ['bounce', meta.bR]] as const) {
      const numbers = this.reasons.numbers(texts);
      id = 0;
      for (let n = r.uint(); n > 0; n--) {
        id += r.uint();
        const reason = r.uint();
        this.reasons.add(kind, id, numbers[reason], r.uint());
      }
    }
    mergeSerialized(this.agg_, aggText, this.eventCap);
    this.pendingEvents.push({ range, listed: meta.en, omitted: meta.eo });
    const hours = range.hours.map((_, i) => {
      const c = emptyCounts();
      COUNT_KEYS.forEach((k, j) => (c[k] = meta.h[i * COUNT_KEYS.length + j] ?? 0));
      return c;
    });
    return { range, hours, deferred: { count: meta.dn, carried: meta.dc, has: null } };
  }

  /**
   * The events of the days, oldest first, as a one-day report lists them: a
   * summarised day's events are read only while the list has room; the rest
   * are counted as omitted.
   */
  async events(read: (range: DayRange) => Promise<ReportEvent[]>): Promise<void> {
    const a = this.agg_;
    for (const d of this.pendingEvents) {
      if (a.events.length >= this.eventCap || d.listed === 0) {
        a.eventsOmitted += d.listed + d.omitted;
        continue;
      }
      const list = this.loadedEvents.get(d.range.day)?.list ?? (await read(d.range));
      const room = this.eventCap - a.events.length;
      a.events.push(...list.slice(0, room));
      a.eventsOmitted += d.omitted + Math.max(0, list.length - room) + Math.max(0, d.listed - list.length);
    }
    this.pendingEvents.length = 0;
  }

  /** Add a day loaded the slow way (its maps of strings). */
  addDay(day: DayAgg): SummaryDay {
    const a = day.agg;
    mergeAgg(this.agg_, { ...a, senders: new Map(), recipients: new Map(), deferredIds: new Set(), events: [], eventsOmitted: 0 }, this.eventCap);
    this.pendingEvents.push({ range: day.range, listed: a.events.length, omitted: a.eventsOmitted });
    this.loadedEvents.set(day.range.day, { list: a.events, omitted: a.eventsOmitted });
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

/** A finished day encoded: the summary, its events and its deferred ids (giving dictionary ids to new names). */
export function encodeSummary(day: DayAgg, names: NameDictionary): { summary: Buffer; events: string; ids: string } {
  const a = day.agg;
  const small: Agg = { ...a, senders: new Map(), recipients: new Map(), domains: new Map(), deferReasons: new Map(), bounceReasons: new Map(), deferredIds: new Set(), events: [], eventsOmitted: 0 };
  const h: number[] = [];
  for (const c of day.hours) for (const k of COUNT_KEYS) h.push(c[k]);
  const d = deferredOfSet(a.deferredIds, day.range);
  const sorted = [...a.deferredIds].sort();
  const ids = (map: Map<string, number[]>) => [...map].map(([name, c]) => [names.idOf(name), c] as const).sort((x, y) => x[0] - y[0]);
  const senders = ids(a.senders);
  const recipients = ids(a.recipients);
  const domains = ids(a.domains);
  // Host rows: [host id, reason index, count], sorted by host; each reason text once.
  const hostRows = (map: Map<string, { n: number; ex: string }>): { texts: string[]; rows: [number, number, number][] } => {
    const texts: string[] = [];
    const index = new Map<string, number>();
    const rows: [number, number, number][] = [];
    for (const [k, c] of map) {
      const tab = k.indexOf(SEP);
      const reason = k.slice(tab + 1);
      let i = index.get(reason);
      if (i === undefined) {
        index.set(reason, (i = index.size));
        texts.push(reason, c.ex);
      }
      rows.push([names.idOf(k.slice(0, tab)), i, c.n]);
    }
    return { texts, rows: rows.sort((x, y) => x[0] - y[0] || x[1] - y[1]) };
  };
  const defer = hostRows(a.deferReasons);
  const bounce = hostRows(a.bounceReasons);
  const mx = Math.max(-1, ...[senders, recipients, domains].map((l) => l.at(-1)?.[0] ?? -1), ...[defer, bounce].map((x) => x.rows.at(-1)?.[0] ?? -1));
  const meta: Meta = { v: VERSION, h, dn: d.count, dc: d.carried, en: a.events.length, eo: a.eventsOmitted, mx, dR: defer.texts, bR: bounce.texts };
  const ev: (string | number)[] = [];
  for (const e of a.events) ev.push(e.time, e.level, e.code, e.message);
  const w = new VarintWriter();
  for (const s of [serializeAgg(small), JSON.stringify(meta)]) {
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
  column(domains, [0, 1, 2, 3, 4, 5, 6]);
  for (const x of [defer, bounce]) {
    w.uint(x.rows.length);
    let prev = 0;
    for (const [host, reason, n] of x.rows) {
      w.uint(host - prev);
      prev = host;
      w.uint(reason);
      w.uint(n);
    }
  }
  return { summary: Buffer.from(w.done()), events: JSON.stringify(ev), ids: sorted.length > 0 ? `\n${sorted.join('\n')}\n` : '' };
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
