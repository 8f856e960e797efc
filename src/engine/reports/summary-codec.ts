/**
 * The day summary's binary form (`summaries.ts` stores it): the small maps as
 * the aggregate's JSON, then the meta JSON (per-hour counters, deferred
 * message counts, each reason text once), then varint columns of dictionary
 * ids (`names.ts`): senders, recipients, recipient domains, and deferrals and
 * bounces per relay host and reason. Events and deferred ids go apart.
 */
import { COUNT_KEYS, R_ADDR, R_BYTES, R_DLV, S_BYTES, S_MSG, SEP, serializeAgg, type Agg, type Counts } from './aggregate.js';
import type { DayAgg } from './aggregator.js';
import type { DayRange } from './day.js';
import type { NameDictionary } from './names.js';
import { VarintWriter } from './varint.js';

/** Summaries of another version are not used (their days are read the slow way and summarised again). */
export const VERSION = 4;

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

export interface Meta {
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
