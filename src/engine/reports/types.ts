/**
 * Daily report types. (The reports work fills in the full shape; the command
 * layer only relies on ReportQuery and on DailyReport being plain data.)
 */
import type { EventEntry, LogEntry } from '../types.js';

/** `today`, `yesterday` or `YYYY-MM-DD`, in the `timezone` setting's zone. */
export interface ReportQuery {
  day: string;
  full?: boolean;
}

/** A day's summary. Plain JSON data. */
export interface DailyReport {
  /** The calendar day, `YYYY-MM-DD`. */
  day: string;
  timezone: string;
  /** [start, end) of the day in ms since epoch (23, 24 or 25 hours). */
  start: number;
  end: number;
  [section: string]: unknown;
}

/** A LevelDB batch operation (level's AbstractBatchOperation, narrowed to what we write). */
export type BatchOp =
  | { type: 'put'; key: string; value: string | Uint8Array }
  | { type: 'del'; key: string };

/**
 * Keeps report aggregates as mail is logged. The engine calls `collect`
 * synchronously with what it is about to write in one batch and writes the
 * returned ops in that same batch, so aggregates never disagree with the log.
 */
export interface ReportAggregator {
  collect(entries: readonly LogEntry[], events: readonly EventEntry[], counters?: Readonly<Record<string, number>>): BatchOp[];
}

/** What the engine gives the reports module. */
export interface ReportDeps {
  /** The engine's LevelDB (utf8 keys and values); reports own the keys under `r!`. */
  db: import('level').Level<string, string>;
}

/** The reports module: aggregates as mail is logged, builds a day on demand. */
export interface Reports extends ReportAggregator {
  /** Load whatever the aggregator needs before the first `collect` (called once at engine start). */
  open(): Promise<void>;
  build(q: ReportQuery, ctx: { timezone: string; now: number }): Promise<DailyReport>;
}
