/**
 * The reports module the engine creates: `createReports({ db })`.
 * See `aggregator.ts` for how aggregates are kept, `range.ts` for several
 * days, `build.ts` for the report, `connections.ts` for intake connections.
 */
import type { ConnectionEvent, Report, ReportDeps, ReportQuery, Reports } from './types.js';
import { SlotAggregator } from './aggregator.js';
import { buildReport } from './build.js';
import { resolveDays } from './day.js';
import { ConnectionCounter } from './connections.js';
import { loadRange } from './range.js';
import { DaySummaries } from './summaries.js';
import { createdAt } from './summary-codec.js';
import { NameDictionary } from './names.js';

export type * from './types.js';
export { resolveDay, resolveDays, resolveZone, dayRange, dayOf, addCalendarDays, MAX_DAYS } from './day.js';
export { COUNTING } from './build.js';

/** Create the reports module over the engine's store (keys under `r!`). */
export function createReports(deps: ReportDeps): Reports {
  const slots = new SlotAggregator(deps.db);
  const summaries = new DaySummaries(deps.db, new NameDictionary(deps.db));
  slots.onLate = (slot, ops) => summaries.invalidate(slot, ops);
  const connections = new ConnectionCounter(slots, deps.now ?? Date.now, deps.requestBatch);
  return {
    async open() {
      await slots.open();
      await summaries.open();
    },
    settle: async () => {
      await slots.settle();
      await summaries.settle();
    },
    async close() {
      connections.stop();
      // A one-shot `report` or a daemon's stop must lose neither counted connections nor day caches.
      if (slots.hasPending) await Promise.resolve(deps.requestBatch?.()).catch(() => undefined);
      await slots.settle().catch(() => undefined);
      await summaries.settle().catch(() => undefined);
    },
    collect: (entries, events) => slots.collect(entries, events),
    connection: (ev: ConnectionEvent) => connections.on(ev),
    get pending() {
      return slots.hasPending;
    },
    async build(q: ReportQuery, ctx: { timezone: string; now: number }): Promise<Report> {
      const days = resolveDays(q.day, q.days, ctx.timezone, ctx.now);
      if (days.length === 1) {
        const day = await slots.loadDay(days[0], ctx.now);
        return buildReport({ days: [day], agg: day.agg, deferred: day.agg.deferredIds.size }, q.full === true, ctx.now);
      }
      return buildReport(await loadRange(slots, summaries, days, ctx.now, createdAt), q.full === true, ctx.now);
    },
  };
}
