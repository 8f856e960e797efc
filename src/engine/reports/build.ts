/** Turning merged aggregates into the plain-data {@link Report}. */
import {
  C_BYTES,
  C_CMAX,
  C_CMS,
  C_CONN,
  C_MSG,
  C_REJ,
  D_ADDR,
  D_BOUNCE,
  D_BYTES,
  D_DEFER,
  D_DLV,
  D_DMAX,
  D_DSUM,
  R_BYTES,
  R_DLV,
  S_BYTES,
  S_MSG,
  SD_BYTES,
  SD_MSG,
  SEP,
  type Agg,
  type Counts,
  type ReasonCell,
} from './aggregate.js';
import type { DayRange } from './day.js';
import type { ClientStat, DayTraffic, DomainStat, HostStat, HourTraffic, PartyStat, ReasonStat, RejectStat, Report, ReportEvent } from './types.js';

/** The one sentence every report carries about how it counts. */
export const COUNTING =
  'A message counts once as received whatever its number of recipients; delivered, deferred, bounced and expired count once per recipient (a message to 3 addresses adds 1 to received and up to 3 to delivered); rejected counts refused submissions at intake.';

/** List lengths of a compact and of a full report. */
const LIMITS = {
  compact: { top: 10, domains: 20, reasons: 10, events: 20 },
  full: { top: 50, domains: 500, reasons: 100, events: 1000 },
};

/** Senders or recipients: how many, and the top ones by message count or bytes. */
export interface PartyTable {
  size: number;
  top(n: number, by: 'count' | 'size'): PartyStat[];
}

/** What a report is built from: the days' per-hour counters and the aggregate merged over all of them. */
export interface BuildInput {
  days: { range: DayRange; hours: Counts[] }[];
  agg: Agg;
  /** Distinct messages deferred over the whole span (the aggregate's id set, or counted apart for several days). */
  deferred: number;
  /** Senders and recipients when not in `agg`'s maps (a range keeps them in arrays by dictionary id). */
  senders?: PartyTable;
  recipients?: PartyTable;
}

function mapTable(map: Map<string, number[]>, countAt: number, bytesAt: number): PartyTable {
  return { size: map.size, top: (n, by) => parties(map, n, countAt, bytesAt, by) };
}

/** The `n` largest entries by `score`, ties by key; one pass, no full sort of big maps. */
function topN<V>(map: Map<string, V>, n: number, score: (v: V) => number): [string, V][] {
  const out: [string, V][] = [];
  const worse = (a: [string, V], b: [string, V]) => {
    const d = score(a[1]) - score(b[1]);
    return d !== 0 ? d < 0 : a[0] > b[0];
  };
  for (const e of map) {
    if (score(e[1]) <= 0) continue;
    if (out.length === n && !worse(out[n - 1], e)) continue;
    let i = out.length === n ? n - 1 : out.length;
    if (out.length < n) out.push(e);
    while (i > 0 && worse(out[i - 1], e)) {
      out[i] = out[i - 1];
      i--;
    }
    out[i] = e;
  }
  return out;
}

function parties(map: Map<string, number[]>, n: number, countAt: number, bytesAt: number, by: 'count' | 'size'): PartyStat[] {
  const idx = by === 'count' ? countAt : bytesAt;
  return topN(map, n, (v) => v[idx]).map(([address, v]) => ({ address, messages: v[countAt], bytes: v[bytesAt] }));
}

/** Reasons summed over hosts (the map is keyed `host\treason`), and the hosts with their top reasons. */
function byReasonAndHost(map: Map<string, ReasonCell>, n: number): { reasons: ReasonStat[]; hosts: HostStat[] } {
  const reasons = new Map<string, ReasonCell>();
  const hosts = new Map<string, { n: number; reasons: Map<string, number> }>();
  for (const [key, c] of map) {
    const tab = key.indexOf(SEP);
    const host = key.slice(0, tab);
    const reason = key.slice(tab + 1);
    const r = reasons.get(reason);
    if (r) r.n += c.n;
    else reasons.set(reason, { n: c.n, ex: c.ex });
    let h = hosts.get(host);
    if (!h) hosts.set(host, (h = { n: 0, reasons: new Map() }));
    h.n += c.n;
    h.reasons.set(reason, (h.reasons.get(reason) ?? 0) + c.n);
  }
  return {
    reasons: topN(reasons, n, (c) => c.n).map(([reason, c]) => ({ reason, count: c.n, example: c.ex })),
    hosts: topN(hosts, n, (h) => h.n).map(([host, h]) => ({ host, count: h.n, reasons: topN(h.reasons, 3, (x) => x).map(([reason, count]) => ({ reason, count })) })),
  };
}

/** Most delivered first, then most trouble, then most addressed (scores stay below 2^53 up to 10^6 deliveries). */
function domainRank(v: number[]): number {
  return v[D_DLV] * 1e9 + Math.min(v[D_DEFER] + v[D_BOUNCE], 999_999) * 1e3 + Math.min(v[D_ADDR], 999);
}

/** Most messages first, then most connections, then most refusals. */
function clientRank(v: number[]): number {
  return v[C_MSG] * 1e9 + Math.min(v[C_CONN], 999_999) * 1e3 + Math.min(v[C_REJ], 999);
}

function clients(a: Agg, n: number): ClientStat[] {
  const helos = new Map<string, [string, number][]>();
  for (const [k, count] of a.helos) {
    const tab = k.indexOf(SEP);
    const client = k.slice(0, tab);
    let list = helos.get(client);
    if (!list) helos.set(client, (list = []));
    list.push([k.slice(tab + 1), count]);
  }
  return topN(a.clients, n, clientRank).map(([client, v]) => ({
    client,
    messages: v[C_MSG],
    bytes: v[C_BYTES],
    connections: v[C_CONN],
    avgConnectMs: v[C_CONN] > 0 ? Math.round(v[C_CMS] / v[C_CONN]) : 0,
    maxConnectMs: v[C_CMAX],
    rejected: v[C_REJ],
    helo: (helos.get(client) ?? [])
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .slice(0, 5)
      .map(([name]) => name),
  }));
}

function rejects(a: Agg): RejectStat[] {
  const out: RejectStat[] = [];
  for (const [k, count] of a.rejects) {
    const [reason, code, status] = k.split(SEP);
    out.push({ reason, code: code ?? '', status: status ?? '', count });
  }
  return out.sort((x, y) => y.count - x.count || x.reason.localeCompare(y.reason) || x.code.localeCompare(y.code));
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Per hour: the clock hours of one day, or for several days the daily average of each hour of the day (a repeated DST hour adds to its hour). */
function hourly(days: BuildInput['days']): HourTraffic[] {
  const row = (label: string, start: number, c: Counts, div: number): HourTraffic => ({
    label,
    start,
    received: round1(c.received / div),
    delivered: round1(c.delivered / div),
    deferred: round1(c.deferrals / div),
    bounced: round1(c.bounced / div),
    rejected: round1(c.rejected / div),
  });
  if (days.length === 1) {
    const d = days[0];
    return d.range.hours.map((h, i) => row(h.label, h.start, d.hours[i], 1));
  }
  const sums = Array.from({ length: 24 }, () => ({ received: 0, delivered: 0, deferrals: 0, bounced: 0, rejected: 0 }) as Counts);
  const starts: number[] = new Array(24).fill(0);
  days.forEach((d) =>
    d.range.hours.forEach((h, i) => {
      const hour = Number(h.label.slice(0, 2));
      const c = d.hours[i];
      const s = sums[hour];
      s.received += c.received;
      s.delivered += c.delivered;
      s.deferrals += c.deferrals;
      s.bounced += c.bounced;
      s.rejected += c.rejected;
      // The hour's first occurrence (a day skipping it at DST start leaves it to the next day).
      if (starts[hour] === 0) starts[hour] = h.start;
    }),
  );
  return sums.map((c, h) => row(String(h).padStart(2, '0'), starts[h], c, days.length));
}

function perDay(days: BuildInput['days'], now: number): DayTraffic[] {
  return days.map(({ range, hours }) => {
    const t: DayTraffic = { day: range.day, hours: range.hours.length, received: 0, addressed: 0, delivered: 0, deferrals: 0, bounced: 0, expired: 0, rejected: 0, bytesReceived: 0, bytesDelivered: 0, complete: now >= range.end };
    for (const h of hours) {
      t.received += h.received;
      t.addressed += h.addressed;
      t.delivered += h.delivered;
      t.deferrals += h.deferrals;
      t.bounced += h.bounced;
      t.expired += h.expired;
      t.rejected += h.rejected;
      t.bytesReceived += h.bytesReceived;
      t.bytesDelivered += h.bytesDelivered;
    }
    return t;
  });
}

/** Build the report of merged days. `now` decides whether the last day is complete. */
export function buildReport(input: BuildInput, full: boolean, now: number): Report {
  const lim = full ? LIMITS.full : LIMITS.compact;
  const { days, agg: a } = input;
  const first = days[0].range;
  const last = days[days.length - 1].range;
  const t = a.totals;
  const senders = input.senders ?? mapTable(a.senders, S_MSG, S_BYTES);
  const recipients = input.recipients ?? mapTable(a.recipients, R_DLV, R_BYTES);
  const domains: DomainStat[] = topN(a.domains, lim.domains, domainRank).map(([domain, v]) => ({
    domain,
    delivered: v[D_DLV],
    bytes: v[D_BYTES],
    deferrals: v[D_DEFER],
    bounced: v[D_BOUNCE],
    avgDelayMs: v[D_DLV] > 0 ? Math.round(v[D_DSUM] / v[D_DLV]) : 0,
    maxDelayMs: v[D_DMAX],
  }));
  let warnings = 0;
  let errors = 0;
  const byCode: Report['events']['byCode'] = [];
  for (const [k, count] of a.eventCodes) {
    const [level, code] = k.split('|', 2) as ['warning' | 'error', string];
    if (level === 'error') errors += count;
    else warnings += count;
    byCode.push({ code, level, count });
  }
  byCode.sort((x, y) => y.count - x.count || x.code.localeCompare(y.code));
  const list: ReportEvent[] = a.events.slice(0, lim.events);
  const defer = byReasonAndHost(a.deferReasons, lim.reasons);
  const bounce = byReasonAndHost(a.bounceReasons, lim.reasons);
  let connClients = 0;
  let maxMs = 0;
  for (const v of a.clients.values()) {
    if (v[C_CONN] > 0) connClients++;
    if (v[C_CMAX] > maxMs) maxMs = v[C_CMAX];
  }
  return {
    day: first.day,
    lastDay: last.day,
    days: days.length,
    timezone: first.timezone,
    start: first.start,
    end: last.end,
    hours: days.reduce((n, d) => n + d.range.hours.length, 0),
    generatedAt: now,
    complete: now >= last.end,
    counting: COUNTING,
    totals: {
      received: t.received,
      addressed: t.addressed,
      delivered: t.delivered,
      deferred: input.deferred,
      deferrals: t.deferrals,
      bounced: t.bounced,
      expired: t.expired,
      held: t.held,
      deleted: t.deleted,
      rejected: t.rejected,
      bytesReceived: t.bytesReceived,
      bytesDelivered: t.bytesDelivered,
      senders: senders.size,
      recipients: recipients.size,
      recipientDomains: a.domains.size,
      senderDomains: a.senderDomains.size,
      clients: [...a.clients.values()].filter((v) => v[C_MSG] > 0).length,
      connections: t.connections,
      connectMs: t.connectMs,
    },
    perDay: perDay(days, now),
    hourly: hourly(days),
    hourlyAverage: days.length > 1,
    senders: { byCount: senders.top(lim.top, 'count'), bySize: senders.top(lim.top, 'size') },
    recipients: { byCount: recipients.top(lim.top, 'count'), bySize: recipients.top(lim.top, 'size') },
    domains,
    senderDomains: topN(a.senderDomains, lim.domains, (v) => v[SD_MSG]).map(([domain, v]) => ({ domain, messages: v[SD_MSG], bytes: v[SD_BYTES] })),
    clients: clients(a, lim.top),
    connections: { total: t.connections, clients: connClients, totalMs: t.connectMs, avgMs: t.connections > 0 ? Math.round(t.connectMs / t.connections) : 0, maxMs },
    rejects: { total: t.rejected, byReason: rejects(a) },
    deferralReasons: defer.reasons,
    bounceReasons: bounce.reasons,
    deferralHosts: defer.hosts,
    bounceHosts: bounce.hosts,
    events: { warnings, errors, byCode, list, omitted: warnings + errors - list.length },
    limits: { top: lim.top, domains: lim.domains, reasons: lim.reasons },
  };
}
