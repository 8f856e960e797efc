/**
 * A report over several days: each day is read as one record (its snapshot,
 * see `snapshots.ts`) and the days are merged into one aggregate.
 */
import { DAY_EVENT_CAP, emptyAgg, mergeAgg } from './aggregate.js';
import type { SlotAggregator } from './aggregator.js';
import type { BuildInput } from './build.js';
import type { DayRange } from './day.js';

export async function loadRange(slots: SlotAggregator, days: DayRange[], now: number): Promise<BuildInput> {
  const agg = emptyAgg();
  const out: BuildInput['days'] = [];
  const deferred = new Set<string>();
  for (const range of days) {
    const day = await slots.loadDay(range, now);
    mergeAgg(agg, day.agg, DAY_EVENT_CAP);
    for (const id of day.agg.deferredIds) deferred.add(id);
    out.push({ range, hours: day.hours });
  }
  return { days: out, agg, deferred: deferred.size };
}
