/**
 * The reports module the engine creates: `createReports({ db })`.
 * See `aggregator.ts` for how aggregates are kept, `build.ts` for the report.
 */
import type { DailyReport, ReportDeps, ReportQuery, Reports } from './types.js';
import { SlotAggregator } from './aggregator.js';
import { buildReport } from './build.js';
import { resolveDay } from './day.js';

export type * from './types.js';
export { resolveDay, resolveZone, dayRange, dayOf } from './day.js';
export { COUNTING } from './build.js';

/** Create the reports module over the engine's store (keys under `r!`). */
export function createReports(deps: ReportDeps): Reports {
  const slots = new SlotAggregator(deps.db);
  return {
    open: () => slots.open(),
    collect: (entries, events) => slots.collect(entries, events),
    async build(q: ReportQuery, ctx: { timezone: string; now: number }): Promise<DailyReport> {
      const range = resolveDay(q.day, ctx.timezone, ctx.now);
      const day = await slots.loadDay(range, ctx.now);
      return buildReport(day, q.full === true, ctx.now);
    },
  };
}
