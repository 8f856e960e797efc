/**
 * The report aggregate: everything a daily report needs from a stretch of
 * mail log entries and events, as mergeable counters. The same shape is used
 * for one batch (a delta), a 15-minute slot and a whole day, so a day is the
 * merge of its slots, whatever the time zone.
 */
import type { EventEntry, LogEntry } from '../types.js';
import type { ReportEvent } from './types.js';
import { domainOf, normAddress, normReason } from './normalize.js';

/** Scalar counters, in the order they are serialised. */
export const COUNT_KEYS = [
  'received',
  'addressed',
  'delivered',
  'deferrals',
  'bounced',
  'expired',
  'held',
  'deleted',
  'rejected',
  'bytesReceived',
  'bytesDelivered',
  // Appended (records are positional): intake connections closed, and their total duration in ms.
  'connections',
  'connectMs',
] as const;
export type Counts = Record<(typeof COUNT_KEYS)[number], number>;

/** Sender cells: [messages, bytes]. */
export const S_MSG = 0, S_BYTES = 1;
/** Recipient cells: [delivered, bytesDelivered, addressed]. */
export const R_DLV = 0, R_BYTES = 1, R_ADDR = 2;
/** Domain cells: [delivered, bytes, deferrals, bounced, delaySum, delayMax, addressed]. */
export const D_DLV = 0, D_BYTES = 1, D_DEFER = 2, D_BOUNCE = 3, D_DSUM = 4, D_DMAX = 5, D_ADDR = 6;
/** Sender domain cells: [messages, bytes]. */
export const SD_MSG = 0, SD_BYTES = 1;
/** Client cells: [messages, bytes, connections, connectMs, connectMax, rejected]. */
export const C_MSG = 0, C_BYTES = 1, C_CONN = 2, C_CMS = 3, C_CMAX = 4, C_REJ = 5;
const C_WIDTH = 6;

/** Separator of compound map keys (`host\treason`, `client\thelo`, `reason\tcode\tstatus`); never in a normalised value. */
export const SEP = '\t';

/** A normalised reason's count and one original text. */
export interface ReasonCell {
  n: number;
  ex: string;
}

/** Mergeable aggregate. Map keys are normalised (lower-cased addresses, grouped reasons). */
export interface Agg {
  totals: Counts;
  senders: Map<string, number[]>;
  recipients: Map<string, number[]>;
  domains: Map<string, number[]>;
  /** Keyed `host\treason`: per relay/MX host and normalised reason (the reason totals are sums over hosts). */
  deferReasons: Map<string, ReasonCell>;
  bounceReasons: Map<string, ReasonCell>;
  /** Sender domains of received messages. */
  senderDomains: Map<string, number[]>;
  /** Submitting clients: the intake client address, or `local (api)` etc. for other sources. */
  clients: Map<string, number[]>;
  /** `client\thelo` -> intake connections that greeted with that name. */
  helos: Map<string, number>;
  /** `reason\tcode\tstatus` -> intake refusals. */
  rejects: Map<string, number>;
  /** Queue ids deferred at least once (so a day counts deferred messages, not only deferrals). */
  deferredIds: Set<string>;
  /** `level|code` of warning/error events -> count. */
  eventCodes: Map<string, number>;
  /** Warning/error events, oldest first, bounded; `eventsOmitted` counts the rest. */
  events: ReportEvent[];
  eventsOmitted: number;
}

export function emptyCounts(): Counts {
  return { received: 0, addressed: 0, delivered: 0, deferrals: 0, bounced: 0, expired: 0, held: 0, deleted: 0, rejected: 0, bytesReceived: 0, bytesDelivered: 0, connections: 0, connectMs: 0 };
}

export function emptyAgg(): Agg {
  return {
    totals: emptyCounts(),
    senders: new Map(),
    recipients: new Map(),
    domains: new Map(),
    deferReasons: new Map(),
    bounceReasons: new Map(),
    senderDomains: new Map(),
    clients: new Map(),
    helos: new Map(),
    rejects: new Map(),
    deferredIds: new Set(),
    eventCodes: new Map(),
    events: [],
    eventsOmitted: 0,
  };
}

export function addCounts(into: Counts, from: Counts): void {
  for (const k of COUNT_KEYS) into[k] += from[k];
}

function cell(map: Map<string, number[]>, key: string, width: number): number[] {
  let c = map.get(key);
  if (!c) {
    c = new Array<number>(width).fill(0);
    map.set(key, c);
  }
  return c;
}

function addReason(map: Map<string, ReasonCell>, host: string | undefined, response: string | undefined): void {
  const key = `${hostKey(host)}${SEP}${normReason(response)}`;
  const c = map.get(key);
  if (c) c.n++;
  else map.set(key, { n: 1, ex: (response ?? '').slice(0, 300) });
}

/** The relay or MX host a delivery outcome names (`(none)` when no connection was made). */
function hostKey(host: string | undefined): string {
  const h = (host ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
  return h === '' ? '(none)' : h;
}

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** The client a received message is counted under. */
export function clientKey(e: Pick<LogEntry, 'client' | 'source'>): string {
  const c = (e.client ?? '').trim().toLowerCase();
  return c !== '' ? c : `local (${e.source ?? 'api'})`;
}

/** One intake connection that closed: counted in the slot of its close. */
export function addConnection(agg: Agg, client: string, helo: string | undefined, ms: number): void {
  const d = Math.max(0, Math.round(ms));
  agg.totals.connections++;
  agg.totals.connectMs += d;
  const c = cell(agg.clients, client.trim().toLowerCase() || '(unknown)', C_WIDTH);
  c[C_CONN]++;
  c[C_CMS] += d;
  if (d > c[C_CMAX]) c[C_CMAX] = d;
  const name = (helo ?? '').trim().toLowerCase();
  if (name !== '') bump(agg.helos, `${client.trim().toLowerCase()}${SEP}${name.slice(0, 255)}`, 1);
}

/** Most events a slot keeps verbatim; a day keeps {@link DAY_EVENT_CAP}. The counts per code are always complete. */
export const SLOT_EVENT_CAP = 200;
export const DAY_EVENT_CAP = 1000;

/** Add one mail log entry. */
export function addEntry(agg: Agg, e: LogEntry): void {
  const t = agg.totals;
  const size = e.size > 0 ? e.size : 0;
  if (e.status === 'received') {
    t.received++;
    t.addressed += e.to.length;
    t.bytesReceived += size;
    const from = normAddress(e.from);
    const s = cell(agg.senders, from, 2);
    s[S_MSG]++;
    s[S_BYTES] += size;
    const sd = cell(agg.senderDomains, from === '<>' ? '<>' : domainOf(from), 2);
    sd[SD_MSG]++;
    sd[SD_BYTES] += size;
    const c = cell(agg.clients, clientKey(e), C_WIDTH);
    c[C_MSG]++;
    c[C_BYTES] += size;
    for (const to of e.to) {
      const addr = normAddress(to);
      cell(agg.recipients, addr, 3)[R_ADDR]++;
      cell(agg.domains, domainOf(addr), 7)[D_ADDR]++;
    }
    return;
  }
  if (e.status === 'deleted') {
    t.deleted++;
    return;
  }
  for (const to of e.to) {
    const addr = normAddress(to);
    const r = cell(agg.recipients, addr, 3);
    const d = cell(agg.domains, domainOf(addr), 7);
    switch (e.status) {
      case 'sent': {
        const delay = e.delay && e.delay > 0 ? e.delay : 0;
        t.delivered++;
        t.bytesDelivered += size;
        r[R_DLV]++;
        r[R_BYTES] += size;
        d[D_DLV]++;
        d[D_BYTES] += size;
        d[D_DSUM] += delay;
        if (delay > d[D_DMAX]) d[D_DMAX] = delay;
        break;
      }
      case 'deferred':
        t.deferrals++;
        d[D_DEFER]++;
        agg.deferredIds.add(e.id);
        addReason(agg.deferReasons, e.host, e.response);
        break;
      case 'bounced':
        t.bounced++;
        d[D_BOUNCE]++;
        addReason(agg.bounceReasons, e.host, e.response);
        break;
      case 'expired':
        t.expired++;
        d[D_BOUNCE]++;
        addReason(agg.bounceReasons, e.host, e.response ? `expired: ${e.response}` : 'expired in the queue');
        break;
    }
  }
}

function countOf(data: Record<string, unknown> | undefined): number {
  const n = Number(data?.count);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Add one system event: held/deleted/rejected counters, and warnings and errors listed. */
export function addEvent(agg: Agg, ev: EventEntry): void {
  const t = agg.totals;
  switch (ev.code) {
    case 'queue.held':
      t.held++;
      break;
    case 'queue.deleted':
      // A delete of one message also writes a `deleted` log entry, counted there; only
      // bulk deletes (which write no per-message entries) are counted from the event.
      if (typeof ev.data?.id !== 'string') t.deleted += countOf(ev.data);
      break;
    case 'intake.rejected': {
      // One event may stand for several refusals of one client (throttled): `count` says how many.
      const n = countOf(ev.data) || 1;
      const d = ev.data ?? {};
      t.rejected += n;
      const client = typeof d.client === 'string' && d.client.trim() !== '' ? d.client.trim().toLowerCase() : '(unknown)';
      cell(agg.clients, client, C_WIDTH)[C_REJ] += n;
      const reason = typeof d.reason === 'string' && d.reason !== '' ? d.reason : 'other';
      const code = typeof d.code === 'number' || typeof d.code === 'string' ? String(d.code) : '';
      const status = typeof d.status === 'string' ? d.status : '';
      bump(agg.rejects, `${reason}${SEP}${code}${SEP}${status}`, n);
      break;
    }
  }
  if (ev.level === 'info') return;
  const k = `${ev.level}|${ev.code}`;
  agg.eventCodes.set(k, (agg.eventCodes.get(k) ?? 0) + 1);
  if (agg.events.length < SLOT_EVENT_CAP) agg.events.push({ time: ev.time, level: ev.level, code: ev.code, message: ev.message });
  else agg.eventsOmitted++;
}

function mergeCells(into: Map<string, number[]>, from: Map<string, number[]>, maxIndex = -1): void {
  for (const [k, v] of from) {
    const c = into.get(k);
    if (!c) {
      into.set(k, v.slice());
      continue;
    }
    for (let i = 0; i < v.length; i++) c[i] = i === maxIndex ? Math.max(c[i], v[i]) : c[i] + v[i];
  }
}

function mergeReasons(into: Map<string, ReasonCell>, from: Map<string, ReasonCell>): void {
  for (const [k, v] of from) {
    const c = into.get(k);
    if (c) c.n += v.n;
    else into.set(k, { n: v.n, ex: v.ex });
  }
}

/** Add `from` into `into`, keeping at most `eventCap` events verbatim. */
export function mergeAgg(into: Agg, from: Agg, eventCap = SLOT_EVENT_CAP): void {
  addCounts(into.totals, from.totals);
  mergeCells(into.senders, from.senders);
  mergeCells(into.recipients, from.recipients);
  mergeCells(into.domains, from.domains, D_DMAX);
  mergeReasons(into.deferReasons, from.deferReasons);
  mergeReasons(into.bounceReasons, from.bounceReasons);
  mergeCells(into.senderDomains, from.senderDomains);
  mergeCells(into.clients, from.clients, C_CMAX);
  for (const [k, n] of from.helos) bump(into.helos, k, n);
  for (const [k, n] of from.rejects) bump(into.rejects, k, n);
  for (const id of from.deferredIds) into.deferredIds.add(id);
  for (const [k, n] of from.eventCodes) into.eventCodes.set(k, (into.eventCodes.get(k) ?? 0) + n);
  const room = Math.max(0, eventCap - into.events.length);
  if (from.events.length > 0) {
    into.events.push(...from.events.slice(0, room));
    into.events.sort((a, b) => a.time - b.time);
  }
  into.eventsOmitted += from.eventsOmitted + Math.max(0, from.events.length - room);
}

/**
 * Serialised form: flat arrays (keys in one, numbers in another), since parse
 * and merge time is what a report that is not cached pays; `mergeSerialized`
 * adds a record into an aggregate without building its maps first.
 */
interface AggJson {
  /** 2: before sender domains, clients, HELO names, rejects and hosts (read as empty; reasons without a host). */
  v: 2 | 3;
  t: number[];
  /** Senders, recipients, domains: keys, and their cells flattened (2, 3 and 7 numbers per key). */
  sk: string[];
  sv: number[];
  rk: string[];
  rv: number[];
  dk: string[];
  dv: number[];
  /** v2 reasons: [reason, count, example] flattened (no host). */
  dr?: (string | number)[];
  br?: (string | number)[];
  /** v3 reasons: each normalised reason once, [reason, example] flattened, and its counts per host as [host, reason index, count]. */
  dR?: string[];
  dH?: (string | number)[];
  bR?: string[];
  bH?: (string | number)[];
  di: string[];
  ec: (string | number)[];
  ev: (string | number)[];
  eo: number;
  /** v3: sender domains (2 numbers a key), clients (6), HELO names and rejects ([key, count] flattened). */
  xk?: string[];
  xv?: number[];
  ck?: string[];
  cv?: number[];
  hl?: (string | number)[];
  rj?: (string | number)[];
}

function flatCounts(m: Map<string, number>): (string | number)[] {
  const out: (string | number)[] = [];
  for (const [k, n] of m) out.push(k, n);
  return out;
}

function mergeFlatCounts(into: Map<string, number>, flat: (string | number)[] | undefined): void {
  if (!flat) return;
  for (let i = 0; i < flat.length; i += 2) bump(into, flat[i] as string, flat[i + 1] as number);
}

function flatKeys(m: Map<string, number[]>): [string[], number[]] {
  const keys: string[] = [];
  const vals: number[] = [];
  for (const [k, v] of m) {
    keys.push(k);
    for (const n of v) vals.push(n);
  }
  return [keys, vals];
}

/** Host-by-reason cells as each reason once (with an example) and [host, reason index, count] rows: the reason texts are the bulk. */
function flatReasons(m: Map<string, ReasonCell>): [string[], (string | number)[]] {
  const reasons: string[] = [];
  const index = new Map<string, number>();
  const rows: (string | number)[] = [];
  for (const [k, c] of m) {
    const tab = k.indexOf(SEP);
    const reason = k.slice(tab + 1);
    let i = index.get(reason);
    if (i === undefined) {
      index.set(reason, (i = index.size));
      reasons.push(reason, c.ex);
    }
    rows.push(k.slice(0, tab), i, c.n);
  }
  return [reasons, rows];
}

export function serializeAgg(a: Agg): string {
  const [sk, sv] = flatKeys(a.senders);
  const [rk, rv] = flatKeys(a.recipients);
  const [dk, dv] = flatKeys(a.domains);
  const ec: (string | number)[] = [];
  for (const [k, n] of a.eventCodes) ec.push(k, n);
  const ev: (string | number)[] = [];
  for (const e of a.events) ev.push(e.time, e.level, e.code, e.message);
  const [dR, dH] = flatReasons(a.deferReasons);
  const [bR, bH] = flatReasons(a.bounceReasons);
  const [xk, xv] = flatKeys(a.senderDomains);
  const [ck, cv] = flatKeys(a.clients);
  const j: AggJson = {
    v: 3,
    t: COUNT_KEYS.map((k) => a.totals[k]),
    sk,
    sv,
    rk,
    rv,
    dk,
    dv,
    dR: dR,
    dH: dH,
    bR: bR,
    bH: bH,
    di: [...a.deferredIds],
    ec,
    ev,
    eo: a.eventsOmitted,
    xk,
    xv,
    ck,
    cv,
    hl: flatCounts(a.helos),
    rj: flatCounts(a.rejects),
  };
  return JSON.stringify(j);
}

function mergeFlat(into: Map<string, number[]>, keys: string[], vals: number[], width: number, maxIndex = -1): void {
  for (let i = 0, o = 0; i < keys.length; i++, o += width) {
    const c = into.get(keys[i]);
    if (!c) {
      into.set(keys[i], vals.slice(o, o + width));
      continue;
    }
    for (let x = 0; x < width; x++) c[x] = x === maxIndex ? Math.max(c[x], vals[o + x]) : c[x] + vals[o + x];
  }
}

function mergeFlatReasons(into: Map<string, ReasonCell>, v2: (string | number)[] | undefined, reasons: string[] | undefined, rows: (string | number)[] | undefined): void {
  if (reasons && rows) {
    for (let i = 0; i < rows.length; i += 3) {
      const r = (rows[i + 1] as number) * 2;
      const k = `${rows[i] as string}${SEP}${reasons[r]}`;
      const c = into.get(k);
      if (c) c.n += rows[i + 2] as number;
      else into.set(k, { n: rows[i + 2] as number, ex: reasons[r + 1] });
    }
    return;
  }
  if (!v2) return;
  for (let i = 0; i < v2.length; i += 3) {
    const raw = v2[i] as string;
    // v2 records grouped reasons without the host.
    const k = raw.includes(SEP) ? raw : `(unknown)${SEP}${raw}`;
    const c = into.get(k);
    if (c) c.n += v2[i + 1] as number;
    else into.set(k, { n: v2[i + 1] as number, ex: v2[i + 2] as string });
  }
}

/** Add a serialised record into `into` (what `mergeAgg(into, parseAgg(text))` does, without the intermediate maps). */
export function mergeSerialized(into: Agg, text: string, eventCap = SLOT_EVENT_CAP): Counts {
  const j = JSON.parse(text) as AggJson;
  if (j.v !== 2 && j.v !== 3) throw new Error(`unknown report aggregate version ${String(j.v)}`);
  const totals = emptyCounts();
  COUNT_KEYS.forEach((k, i) => (totals[k] = j.t[i] ?? 0));
  addCounts(into.totals, totals);
  mergeFlat(into.senders, j.sk, j.sv, 2);
  mergeFlat(into.recipients, j.rk, j.rv, 3);
  mergeFlat(into.domains, j.dk, j.dv, 7, D_DMAX);
  mergeFlatReasons(into.deferReasons, j.dr, j.dR, j.dH);
  mergeFlatReasons(into.bounceReasons, j.br, j.bR, j.bH);
  if (j.xk && j.xv) mergeFlat(into.senderDomains, j.xk, j.xv, 2);
  if (j.ck && j.cv) mergeFlat(into.clients, j.ck, j.cv, C_WIDTH, C_CMAX);
  mergeFlatCounts(into.helos, j.hl);
  mergeFlatCounts(into.rejects, j.rj);
  for (const id of j.di) into.deferredIds.add(id);
  for (let i = 0; i < j.ec.length; i += 2) {
    const k = j.ec[i] as string;
    into.eventCodes.set(k, (into.eventCodes.get(k) ?? 0) + (j.ec[i + 1] as number));
  }
  const events: ReportEvent[] = [];
  for (let i = 0; i < j.ev.length; i += 4) events.push({ time: j.ev[i] as number, level: j.ev[i + 1] as ReportEvent['level'], code: j.ev[i + 2] as string, message: j.ev[i + 3] as string });
  const room = Math.max(0, eventCap - into.events.length);
  if (events.length > 0) {
    into.events.push(...events.slice(0, room));
    into.events.sort((a, b) => a.time - b.time);
  }
  into.eventsOmitted += j.eo + Math.max(0, events.length - room);
  return totals;
}

export function parseAgg(text: string): Agg {
  const a = emptyAgg();
  mergeSerialized(a, text);
  return a;
}
