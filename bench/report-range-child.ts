/**
 * One fresh process of the range benchmark: open the store, time one
 * `report FROM..TO` (the engine's first report in this process: nothing is
 * cached), print the figures as JSON on stdout.
 *
 *   node --import tsx bench/report-range-child.ts STORE FROM..TO NOW_MS
 */
import { createEngine, type Clock } from '../src/engine/index.js';

const [storeDir, span, nowArg] = process.argv.slice(2);
const started = Number(process.env.BENCH_SPAWNED_AT ?? 0);
const now = Number(nowArg);
const clock: Clock = { now: () => now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

const t0 = process.hrtime.bigint();
const engine = await createEngine({ storeDir, clock, worker: false });
const t1 = process.hrtime.bigint();
const cpu = process.cpuUsage();
const r = await engine.report({ day: span });
const t2 = process.hrtime.bigint();
const used = process.cpuUsage(cpu);
await engine.close();
process.stdout.write(
  `${JSON.stringify({
    openMs: Number(t1 - t0) / 1e6,
    reportMs: Number(t2 - t1) / 1e6,
    /** CPU time of the report in this process (user + system): what a busy shared machine distorts least. */
    reportCpuMs: (used.user + used.system) / 1000,
    sinceSpawnMs: started > 0 ? Date.now() - started : null,
    days: r.days,
    totals: r.totals,
    perDay: r.perDay.map((d) => [d.day, d.received, d.delivered, d.deferrals, d.bounced]),
  })}\n`,
);
