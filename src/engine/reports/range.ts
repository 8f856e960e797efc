/**
 * A report over several days. Each finished day is one read: its summary
 * (`summaries.ts`), added into arrays by dictionary id; a day without one (the
 * day still running, a day never summarised, a summary dropped by a late
 * entry) is loaded the way a one-day report loads it, added the same way, and
 * summarised in the background when finished, so the next range reads it in
 * one go. Deferred messages are counted once over the whole range.
 */
import { DAY_EVENT_CAP } from './aggregate.js';
import type { SlotAggregator } from './aggregator.js';
import type { BuildInput, PartyTable } from './build.js';
import type { DayRange } from './day.js';
import type { PartyStat } from './types.js';
import type { DaySummaries } from './summaries.js';
import { RangeAccumulator } from './range-accumulator.js';
import type { SummaryDay } from './summary-codec.js';

/**
 * Distinct deferred messages over days in order. Only an id a day carried
 * (created before it began, or of unknown age) can also be on an earlier day:
 * either carried there too (a set of those seen so far), or created and first
 * deferred on the day its creation falls in (one search in that day).
 */
export function countDeferred(days: SummaryDay[], createdAt: (id: string) => number): number {
  let n = 0;
  const seen = new Set<string>();
  days.forEach((d, i) => {
    n += d.deferred.count;
    for (const id of d.deferred.carried) {
      let dup = seen.has(id);
      if (!dup) {
        const created = createdAt(id);
        for (let j = i - 1; j >= 0 && Number.isFinite(created) && days[j].range.end > created; j--) {
          if (created >= days[j].range.start) {
            dup = days[j].deferred.has?.(id) ?? false;
            break;
          }
        }
      }
      if (dup) n--;
      seen.add(id);
    }
  });
  return n;
}

/** A party table over arrays by dictionary id; ties by name, as for maps. */
function arrayTable(acc: RangeAccumulator, count: Float64Array, bytes: Float64Array, also: Float64Array | null): PartyTable {
  let size = 0;
  for (let i = 0; i < count.length; i++) if (count[i] > 0 || bytes[i] > 0 || (also !== null && also[i] > 0)) size++;
  return {
    size,
    top(n: number, by: 'count' | 'size'): PartyStat[] {
      const score = by === 'count' ? count : bytes;
      const out: number[] = [];
      const name = (id: number) => acc.names.nameOf(id) ?? '';
      const worse = (a: number, b: number) => (score[a] !== score[b] ? score[a] < score[b] : name(a) > name(b));
      for (let id = 0; id < score.length; id++) {
        if (score[id] <= 0) continue;
        if (out.length === n && !worse(out[n - 1], id)) continue;
        let i = out.length === n ? n - 1 : out.length;
        if (out.length < n) out.push(id);
        while (i > 0 && worse(out[i - 1], id)) {
          out[i] = out[i - 1];
          i--;
        }
        out[i] = id;
      }
      return out.map((id) => ({ address: name(id), messages: count[id], bytes: bytes[id] }));
    },
  };
}

export async function loadRange(slots: SlotAggregator, summaries: DaySummaries, days: DayRange[], now: number, createdAt: (id: string) => number): Promise<BuildInput> {
  await summaries.names.load();
  const acc = new RangeAccumulator(summaries.names, DAY_EVENT_CAP);
  const stored = await summaries.read(days);
  const out: SummaryDay[] = [];
  for (let i = 0; i < days.length; i++) {
    const buf = stored[i];
    const fast = buf ? acc.addSummary(buf, days[i]) : null;
    if (fast) {
      out.push(fast);
      continue;
    }
    const day = await slots.loadDay(days[i], now);
    out.push(acc.addDay(day));
    if (now >= days[i].end) summaries.write(day, buf !== undefined);
  }
  await acc.events((range) => summaries.events(range));
  // The deferred ids of a summarised day are read only when a later day carried a message created in it.
  const need = new Set<number>();
  out.forEach((d, i) => {
    for (const id of d.deferred.carried) {
      const created = createdAt(id);
      for (let j = i - 1; j >= 0 && Number.isFinite(created) && out[j].range.end > created; j--) {
        if (created >= out[j].range.start) {
          if (!out[j].deferred.has) need.add(j);
          break;
        }
      }
    }
  });
  const wanted = [...need];
  const tests = await summaries.deferredIds(wanted.map((j) => out[j].range));
  wanted.forEach((j, k) => (out[j].deferred.has = tests[k]));
  return {
    days: out.map((d) => ({ range: d.range, hours: d.hours })),
    agg: acc.agg,
    deferred: countDeferred(out, createdAt),
    senders: arrayTable(acc, acc.sMsg, acc.sBytes, null),
    recipients: arrayTable(acc, acc.rDlv, acc.rBytes, acc.rAddr),
  };
}
