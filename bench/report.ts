/**
 * Report benchmark: a day of traffic through the engine's write path, then
 * `report today` timed (warm: aggregates in memory; cold: a fresh engine on
 * the same store), beside Debian's `pflogsumm -d today` on the same traffic
 * written as a Postfix log. Prints both times, the ratio (target >= 20x) and
 * whether the shared totals agree.
 *
 * Then the range: the day replayed on the 29 days before it (`report-range.ts`),
 * `report FROM..TO` timed in a fresh process each run (its engine's first
 * report: one snapshot read per day), beside pflogsumm over the same 30 days
 * of Postfix log, with their totals compared.
 *
 *   npm run bench:report -- [--messages 160000] [--runs 5] [--pflogsumm-runs 3] [--tz UTC] [--keep]
 *                           [--range-days 30] [--range-runs 5] [--pflogsumm-range-runs 1]
 *
 * Needs the pflogsumm package (apt-get install pflogsumm). No network.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Level } from 'level';
import { createEngine, type DailyReport, type Engine, type LogEntry } from '../src/engine/index.js';
import { dayOf, dayRange } from '../src/engine/reports/day.js';
import { generateDay } from './report-traffic.js';
import { parsePflogsumm, pflogsummUnits, runPflogsumm, writePostfixLog } from './report-postfix.js';
import { replayedEntries, replicateDays, reportInFreshProcess, type ChildFigures } from './report-range.js';
import { addCalendarDays } from '../src/engine/reports/day.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '160000' },
    runs: { type: 'string', default: '5' },
    'pflogsumm-runs': { type: 'string', default: '3' },
    tz: { type: 'string', default: 'UTC' },
    keep: { type: 'boolean', default: false },
    'range-days': { type: 'string', default: '30' },
    'range-runs': { type: 'string', default: '5' },
    'pflogsumm-range-runs': { type: 'string', default: '1' },
  },
});
const N = Number(args.messages);
const RUNS = Math.max(1, Number(args.runs));
const PF_RUNS = Math.max(1, Number(args['pflogsumm-runs']));
const TZ = args.tz!;
const RANGE_DAYS = Math.max(0, Number(args['range-days']));
const RANGE_RUNS = Math.max(1, Number(args['range-runs']));
const PF_RANGE_RUNS = Math.max(0, Number(args['pflogsumm-range-runs']));

const say = (s: string) => process.stdout.write(`${s}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, v];
}

/** Every mail log entry, oldest first, through the facade's paging. */
async function allEntries(engine: Engine): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await engine.logList({ limit: 200, cursor });
    out.push(...page.items);
    if (!page.next) break;
    cursor = page.next;
  }
  return out.reverse();
}

async function main(): Promise<void> {
  // pflogsumm -d today matches the date of the machine's clock in TZ, so the benchmark day is today.
  const today = dayOf(Date.now(), TZ);
  const range = dayRange(today, TZ);
  const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
  const storeDir = join(dir, 'store');
  const logPath = join(dir, 'maillog');
  say(`report benchmark: ${N.toLocaleString('en-US')} messages on ${today} (${TZ}, ${range.hours.length} h), store ${storeDir}`);

  const [genMs, { engine, clock }] = await timed(() =>
    generateDay({ storeDir, messages: N, dayStart: range.start, dayLength: range.end - range.start, senders: 600, recipients: 25_000, domains: 450, log: say }),
  );
  say(`generated through the engine in ${(genMs / 1000).toFixed(1)} s`);

  const [firstMs, first] = await timed(() => engine.report({ day: 'today' }));
  const warm: number[] = [];
  const warmFull: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push((await timed(() => engine.report({ day: 'today' })))[0]);
  for (let i = 0; i < RUNS; i++) warmFull.push((await timed(() => engine.report({ day: 'today', full: true })))[0]);

  const [listMs, entries] = await timed(() => allEntries(engine));
  say(`read back ${entries.length.toLocaleString('en-US')} mail log entries in ${(listMs / 1000).toFixed(1)} s`);
  await engine.close();

  // A fresh engine on the store each time, its first report of the day: it reads the day's snapshot,
  // which the generating engine rewrote in its own batches at every new slot, plus the current slot.
  const cold: number[] = [];
  let firstLoadMs = 0;
  let coldReport: DailyReport = first;
  for (let i = 0; i <= RUNS; i++) {
    const e = await createEngine({ storeDir, clock, worker: false });
    const [t, r] = await timed(() => e.report({ day: 'today' }));
    if (i === 0) firstLoadMs = t;
    else cold.push(t);
    coldReport = r;
    await new Promise((res) => setTimeout(res, 200)); // let the snapshot write finish before closing
    await e.close();
  }
  // The fallback a snapshot spares: the day's snapshots deleted, a fresh engine merges every slot record.
  const noSnapshot: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const db = new Level<string, string>(storeDir);
    await db.open();
    const snaps = await db.keys({ gte: 'r!s!', lt: 'r!s!\xff' }).all();
    await db.batch(snaps.map((key) => ({ type: 'del' as const, key })));
    await db.close();
    const e = await createEngine({ storeDir, clock, worker: false });
    noSnapshot.push((await timed(() => e.report({ day: 'today' })))[0]);
    await new Promise((res) => setTimeout(res, 200));
    await e.close();
  }

  const lines = await writePostfixLog(logPath, entries, TZ);
  const size = (await stat(logPath)).size;
  say(`wrote the same traffic as a Postfix log: ${lines.toLocaleString('en-US')} lines, ${(size / 1048576).toFixed(0)} MiB`);
  const pf: number[] = [];
  let pfOut = '';
  for (let i = 0; i < PF_RUNS; i++) {
    const r = await runPflogsumm(logPath, TZ);
    pf.push(r.ms);
    pfOut = r.output;
  }
  const p = parsePflogsumm(pfOut);
  const t = coldReport.totals;

  const rows: [string, number | string, number | string][] = [
    ['received', t.received, p.received],
    ['delivered', t.delivered, p.delivered],
    ['deferred', t.deferred, p.deferred],
    ['deferrals', t.deferrals, p.deferrals],
    ['bounced', t.bounced, p.bounced],
    ['bytes received', `${pflogsummUnits(t.bytesReceived).value}${pflogsummUnits(t.bytesReceived).unit}`, `${p.bytesReceived.value}${p.bytesReceived.unit}`],
    ['bytes delivered', `${pflogsummUnits(t.bytesDelivered).value}${pflogsummUnits(t.bytesDelivered).unit}`, `${p.bytesDelivered.value}${p.bytesDelivered.unit}`],
  ];
  const agree = rows.every(([, a, b]) => String(a) === String(b)) && JSON.stringify(first.totals) === JSON.stringify(coldReport.totals);

  say('');
  say('shared totals            smtp-ops    pflogsumm');
  for (const [label, a, b] of rows) say(`  ${label.padEnd(18)} ${String(a).padStart(12)} ${String(b).padStart(12)}${String(a) === String(b) ? '' : '   MISMATCH'}`);
  say('');
  const pfMed = median(pf);
  const coldMed = median(cold);
  const warmMed = median(warm);
  say(`pflogsumm -d today          median ${ms(pfMed)}  (${PF_RUNS} runs)`);
  say(`report today, running engine  ${ms(firstMs)}  (first call after the traffic: the day was kept in memory as it was logged)`);
  say(`report today, warm             median ${ms(warmMed)}  (${RUNS} runs)`);
  say(`report today, cold, first      ${ms(firstLoadMs)}  (the first fresh engine after the traffic, its first report: day snapshot + current slot)`);
  say(`report today, cold             median ${ms(coldMed)}  (${RUNS} runs, fresh engine each time, its first report: day snapshot + current slot)`);
  say(`report today, no snapshot      median ${ms(median(noSnapshot))}  (${RUNS} runs, snapshots deleted: merges every 15-minute slot record; the fallback)`);
  say(`report today --full, warm     median ${ms(median(warmFull))}`);
  say('');
  say(`ratio: ${(pfMed / warmMed).toFixed(0)}x faster warm, ${(pfMed / coldMed).toFixed(0)}x cold, ${(pfMed / median(noSnapshot)).toFixed(0)}x without a snapshot (target >= 20x); totals ${agree ? 'agree' : 'DISAGREE'}`);
  say(
    JSON.stringify({
      messages: N,
      day: today,
      timezone: TZ,
      pflogsummMs: pfMed,
      reportColdMs: coldMed,
      reportRunningEngineMs: firstMs,
      reportWarmMs: warmMed,
      reportFullWarmMs: median(warmFull),
      reportColdFirstMs: firstLoadMs,
      reportNoSnapshotMs: median(noSnapshot),
      ratioNoSnapshot: pfMed / median(noSnapshot),
      ratioCold: pfMed / coldMed,
      ratioWarm: pfMed / warmMed,
      agree,
    }),
  );
  if (!agree) process.exitCode = 1;
  if (RANGE_DAYS > 1) await rangeBench({ storeDir, dir, today, range, entries, clockNow: clock.now() });
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  else say(`kept ${dir}`);
}

async function rangeBench(o: { storeDir: string; dir: string; today: string; range: { start: number; end: number }; entries: LogEntry[]; clockNow: number }): Promise<void> {
  const back = RANGE_DAYS - 1;
  const from = addCalendarDays(o.today, -back);
  const span = `${from}..${o.today}`;
  say('');
  say(`range: the day replayed on the ${back} days before it, report ${span} (${TZ})`);
  const copied = await replicateDays(o.storeDir, o.range.start, o.range.end, back);
  say(`  ${copied.toLocaleString('en-US')} aggregate records written for the copies`);
  // The first range report after the copies reads their slot records and stores one snapshot per day.
  const prep = await createEngine({ storeDir: o.storeDir, clock: { now: () => o.clockNow, setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }, worker: false });
  const [prepMs, expected] = await timed(() => prep.report({ day: span }));
  await new Promise((res) => setTimeout(res, 1500));
  await prep.close();
  say(`  first range report (no snapshots yet, every slot record read; stores a snapshot per day): ${ms(prepMs)}`);
  const runs: ChildFigures[] = [];
  for (let i = 0; i < RANGE_RUNS; i++) runs.push(await reportInFreshProcess(o.storeDir, span, o.clockNow));
  // The 30 finished days before today: every day one summary, no day still running.
  const past = `${addCalendarDays(from, -1)}..${addCalendarDays(o.today, -1)}`;
  const pastRuns: ChildFigures[] = [];
  await reportInFreshProcess(o.storeDir, past, o.clockNow); // stores the summary of the one day not yet in a range
  for (let i = 0; i < RANGE_RUNS; i++) pastRuns.push(await reportInFreshProcess(o.storeDir, past, o.clockNow));
  // The same in fresh engines inside this process (code already compiled): how the one-day "cold" figures are taken.
  const engines: number[] = [];
  for (let i = 0; i < RANGE_RUNS; i++) {
    const e = await createEngine({ storeDir: o.storeDir, clock: { now: () => o.clockNow, setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }, worker: false });
    engines.push((await timed(() => e.report({ day: span })))[0]);
    await e.close();
  }
  const consistent = runs.every((r) => JSON.stringify(r.totals) === JSON.stringify(expected.totals));

  if (PF_RANGE_RUNS === 0) {
    say(`report ${RANGE_DAYS} days, fresh process    median ${ms(median(runs.map((r) => r.reportMs)))}, CPU ${ms(median(runs.map((r) => r.reportCpuMs)))}; fresh engine ${ms(median(engines))}  (${RANGE_RUNS} runs; pflogsumm skipped); totals ${consistent ? 'consistent' : 'INCONSISTENT'}`);
    return;
  }
  const logPath = join(o.dir, 'maillog-range');
  const lines = await writePostfixLog(logPath, replayedEntries(o.entries, back), TZ);
  const size = (await stat(logPath)).size;
  say(`  wrote the ${RANGE_DAYS} days as a Postfix log: ${lines.toLocaleString('en-US')} lines, ${(size / 1048576).toFixed(0)} MiB`);
  const pf: number[] = [];
  let pfOut = '';
  for (let i = 0; i < PF_RANGE_RUNS; i++) {
    const r = await runPflogsumm(logPath, TZ, true);
    pf.push(r.ms);
    pfOut = r.output;
  }
  await rm(logPath, { force: true });
  const p = parsePflogsumm(pfOut);
  const t = expected.totals;
  // pflogsumm prints counts as well as bytes in its units (4,800,000 received is "4687k"): compare in them.
  const u = (n: number) => `${pflogsummUnits(n).value}${pflogsummUnits(n).unit}`;
  const rows: [string, string, string][] = [
    ['received', u(t.received), p.receivedText],
    ['delivered', u(t.delivered), p.deliveredText],
    ['deferred', u(t.deferred), p.deferredText],
    ['deferrals', u(t.deferrals), p.deferralsText],
    ['bounced', u(t.bounced), p.bouncedText],
    ['bytes received', u(t.bytesReceived), `${p.bytesReceived.value}${p.bytesReceived.unit}`],
    ['bytes delivered', u(t.bytesDelivered), `${p.bytesDelivered.value}${p.bytesDelivered.unit}`],
  ];
  const agree = consistent && rows.every(([, a, b]) => a === b);
  say('');
  say(`shared totals over ${RANGE_DAYS} days   smtp-ops    pflogsumm`);
  for (const [label, a, b] of rows) say(`  ${label.padEnd(18)} ${String(a).padStart(12)} ${String(b).padStart(12)}${String(a) === String(b) ? '' : '   MISMATCH'}`);
  const pfMed = median(pf);
  const rep = median(runs.map((r) => r.reportMs));
  const open = median(runs.map((r) => r.openMs));
  const cpu = median(runs.map((r) => r.reportCpuMs));
  const wall = median(runs.map((r) => r.wallMs));
  say('');
  say(`pflogsumm over ${RANGE_DAYS} days           median ${ms(pfMed)}  (${PF_RANGE_RUNS} runs)`);
  say(`report ${RANGE_DAYS} days, fresh process    median ${ms(rep)}  (${RANGE_RUNS} runs: the engine's first report in a new process, one snapshot read per day; target < 100 ms)`);
  say(`  CPU time of that report        median ${ms(cpu)}  (user + system of the process during the report: less distorted by a busy machine)`);
  say(`  engine open in that process    median ${ms(open)}`);
  say(`report ${RANGE_DAYS} days, fresh engine     median ${ms(median(engines))}  (${RANGE_RUNS} runs, a new engine in this process: as the one-day cold figures)`);
  say(`report ${past} (${RANGE_DAYS} finished days), fresh process  median ${ms(median(pastRuns.map((r) => r.reportMs)))}, CPU ${ms(median(pastRuns.map((r) => r.reportCpuMs)))}  (no day still running: one summary read per day)`);
  say(`  whole process, spawn to exit   median ${ms(wall)}  (node start, tsx, imports, open, report, close)`);
  say(`ratio: ${(pfMed / rep).toFixed(0)}x faster (report in a fresh process), ${(pfMed / wall).toFixed(0)}x whole process; totals ${agree ? 'agree' : 'DISAGREE'}`);
  say(JSON.stringify({ rangeDays: RANGE_DAYS, messagesPerDay: N, pflogsummRangeMs: pfMed, rangeReportMs: rep, rangeReportCpuMs: cpu, rangeFinishedDaysMs: median(pastRuns.map((r) => r.reportMs)), rangeFinishedDaysCpuMs: median(pastRuns.map((r) => r.reportCpuMs)), rangeFreshEngineMs: median(engines), rangeOpenMs: open, rangeProcessMs: wall, rangeRatio: pfMed / rep, rangeAgree: agree }));
  if (!agree) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
