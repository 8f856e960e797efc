/**
 * Daily report types. The command layer relies on ReportQuery and on
 * DailyReport being plain JSON data (it is the `--json` payload of `report`).
 */
import type { EventEntry, EventLevel, LogEntry } from '../types.js';

/** `today`, `yesterday` or `YYYY-MM-DD`, in the `timezone` setting's zone. */
export interface ReportQuery {
  day: string;
  /** Longer lists (top 50 instead of top 10, every domain, reason and event kept). */
  full?: boolean;
}

/** Grand totals of a day. Messages count once; recipient outcomes count once per recipient. */
export interface ReportTotals {
  /** Messages received (submitted), each counted once whatever its recipient count. */
  received: number;
  /** Recipients of the received messages (a message to 3 addresses adds 3). */
  addressed: number;
  /** Recipients delivered (`sent` entries, one per recipient). */
  delivered: number;
  /** Distinct messages deferred at least once during the day. */
  deferred: number;
  /** Deferral entries (one per recipient per failed attempt). */
  deferrals: number;
  /** Recipients bounced (permanent failure). */
  bounced: number;
  /** Recipients given up on after the maximal queue lifetime. */
  expired: number;
  /** Messages put on hold by an operator. */
  held: number;
  /** Messages deleted from the queue by an operator (one by one or all at once). */
  deleted: number;
  /** Submissions refused at intake. */
  rejected: number;
  /** Bytes of the received messages. */
  bytesReceived: number;
  /** Bytes delivered: the message size once per delivered recipient. */
  bytesDelivered: number;
  /** Distinct sender addresses of received messages. */
  senders: number;
  /** Distinct recipient addresses addressed or delivered to. */
  recipients: number;
  /** Distinct domains of those recipients. */
  recipientDomains: number;
}

/** Traffic of one clock hour of the day (deferred = deferral entries). */
export interface HourTraffic {
  /** Wall-clock hour `HH` in the report's zone; a repeated hour (DST end) gets a `'`. */
  label: string;
  /** ms since epoch of the hour's start. */
  start: number;
  received: number;
  delivered: number;
  deferred: number;
  bounced: number;
}

/** A sender or recipient with its message count and bytes (received bytes for senders, delivered bytes for recipients). */
export interface PartyStat {
  address: string;
  messages: number;
  bytes: number;
}

/** Delivery to one recipient domain. Delays are ms from reception to delivery. */
export interface DomainStat {
  domain: string;
  delivered: number;
  bytes: number;
  deferrals: number;
  bounced: number;
  /** 0 when nothing was delivered. */
  avgDelayMs: number;
  maxDelayMs: number;
}

/** One normalised failure reason (addresses, ids and numbers stripped) with how often it was seen. */
export interface ReasonStat {
  reason: string;
  count: number;
  /** An original reply text with this reason, for context. */
  example: string;
}

/** A warning or error event of the day. */
export interface ReportEvent {
  time: number;
  level: Exclude<EventLevel, 'info'>;
  code: string;
  message: string;
}

/** A day's summary. Plain JSON data. */
export interface DailyReport {
  /** The calendar day, `YYYY-MM-DD`. */
  day: string;
  timezone: string;
  /** [start, end) of the day in ms since epoch (23, 24 or 25 hours). */
  start: number;
  end: number;
  /** Clock hours in the day: 24, or 23/25 on a DST change. */
  hours: number;
  /** ms since epoch when built. */
  generatedAt: number;
  /** false while the day is still running (today). */
  complete: boolean;
  /** How messages and recipients are counted, in one sentence for readers. */
  counting: string;
  totals: ReportTotals;
  /** One row per clock hour, `hours` rows. */
  hourly: HourTraffic[];
  /** Top senders (by received messages and by received bytes). */
  senders: { byCount: PartyStat[]; bySize: PartyStat[] };
  /** Top recipients (by delivered messages and by delivered bytes). */
  recipients: { byCount: PartyStat[]; bySize: PartyStat[] };
  /** Recipient domains, most delivered first. */
  domains: DomainStat[];
  /** Grouped deferral reasons, most frequent first. */
  deferralReasons: ReasonStat[];
  /** Grouped bounce reasons (including expiry), most frequent first. */
  bounceReasons: ReasonStat[];
  events: {
    warnings: number;
    errors: number;
    /** Warning/error counts per event code, most frequent first. */
    byCode: { code: string; level: 'warning' | 'error'; count: number }[];
    /** The events themselves, oldest first (bounded; `omitted` says how many were left out). */
    list: ReportEvent[];
    omitted: number;
  };
  /** The longest each list may be in this report (`full` raises them). */
  limits: { top: number; domains: number; reasons: number };
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
  collect(entries: readonly LogEntry[], events: readonly EventEntry[]): BatchOp[];
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
