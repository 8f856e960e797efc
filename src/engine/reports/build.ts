/** Turning a merged day aggregate into the plain-data {@link DailyReport}. */
import type { DayAgg } from './aggregator.js';
import { D_ADDR, D_BOUNCE, D_BYTES, D_DEFER, D_DLV, D_DMAX, D_DSUM, R_BYTES, R_DLV, S_BYTES, S_MSG, type ReasonCell } from './aggregate.js';
import type { DailyReport, DomainStat, PartyStat, ReasonStat, ReportEvent } from './types.js';

/** The one sentence every report carries about how it counts. */
export const COUNTING =
  'A message counts once as received whatever its number of recipients; delivered, deferred, bounced and expired count once per recipient (a message to 3 addresses adds 1 to received and up to 3 to delivered).';

/** List lengths of a compact and of a full report. */
const LIMITS = {
  compact: { top: 10, domains: 20, reasons: 10, events: 20 },
  full: { top: 50, domains: 500, reasons: 100, events: 1000 },
};

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

function reasons(map: Map<string, ReasonCell>, n: number): ReasonStat[] {
  return topN(map, n, (c) => c.n).map(([reason, c]) => ({ reason, count: c.n, example: c.ex }));
}

/** Most delivered first, then most trouble, then most addressed (scores stay below 2^53 up to 10^6 deliveries). */
function domainRank(v: number[]): number {
  return v[D_DLV] * 1e9 + Math.min(v[D_DEFER] + v[D_BOUNCE], 999_999) * 1e3 + Math.min(v[D_ADDR], 999);
}

/** Build the report of a merged day. `now` decides whether the day is complete. */
export function buildReport(d: DayAgg, full: boolean, now: number): DailyReport {
  const lim = full ? LIMITS.full : LIMITS.compact;
  const a = d.agg;
  const t = a.totals;
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
  const byCode: DailyReport['events']['byCode'] = [];
  for (const [k, count] of a.eventCodes) {
    const [level, code] = k.split('|', 2) as ['warning' | 'error', string];
    if (level === 'error') errors += count;
    else warnings += count;
    byCode.push({ code, level, count });
  }
  byCode.sort((x, y) => y.count - x.count || x.code.localeCompare(y.code));
  const list: ReportEvent[] = a.events.slice(0, lim.events);
  return {
    day: d.range.day,
    timezone: d.range.timezone,
    start: d.range.start,
    end: d.range.end,
    hours: d.range.hours.length,
    generatedAt: now,
    complete: now >= d.range.end,
    counting: COUNTING,
    totals: {
      received: t.received,
      addressed: t.addressed,
      delivered: t.delivered,
      deferred: a.deferredIds.size,
      deferrals: t.deferrals,
      bounced: t.bounced,
      expired: t.expired,
      held: t.held,
      deleted: t.deleted,
      rejected: t.rejected,
      bytesReceived: t.bytesReceived,
      bytesDelivered: t.bytesDelivered,
      senders: a.senders.size,
      recipients: a.recipients.size,
      recipientDomains: a.domains.size,
    },
    hourly: d.range.hours.map((h, i) => ({
      label: h.label,
      start: h.start,
      received: d.hours[i].received,
      delivered: d.hours[i].delivered,
      deferred: d.hours[i].deferrals,
      bounced: d.hours[i].bounced,
    })),
    senders: { byCount: parties(a.senders, lim.top, S_MSG, S_BYTES, 'count'), bySize: parties(a.senders, lim.top, S_MSG, S_BYTES, 'size') },
    recipients: { byCount: parties(a.recipients, lim.top, R_DLV, R_BYTES, 'count'), bySize: parties(a.recipients, lim.top, R_DLV, R_BYTES, 'size') },
    domains,
    deferralReasons: reasons(a.deferReasons, lim.reasons),
    bounceReasons: reasons(a.bounceReasons, lim.reasons),
    events: { warnings, errors, byCode, list, omitted: warnings + errors - list.length },
    limits: { top: lim.top, domains: lim.domains, reasons: lim.reasons },
  };
}
