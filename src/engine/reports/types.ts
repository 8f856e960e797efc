/**
 * Daily report types. The command layer relies on ReportQuery and on
 * DailyReport being plain JSON data (it is the `--json` payload of `report`).
 */
import type { EventEntry, EventLevel, LogEntry } from '../types.js';

/**
 * Which days, in the `timezone` setting's zone: `today`, `yesterday`, `week`
 * (the 7 days ending today), `YYYY-MM-DD`, or a range `FROM..TO` whose ends
 * are dates, `today` or `yesterday` (both ends included).
 */
export interface ReportQuery {
  day: string;
  /** The number of days ending with `day` (1 to 366); not with a range or `week`. */
  days?: number;
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
  /** Distinct sender domains of received messages. */
  senderDomains: number;
  /** Distinct submitting clients (intake client addresses, and `local (api)` etc. for other sources). */
  clients: number;
  /** Intake SMTP connections closed (pflogsumm's smtpd connections). */
  connections: number;
  /** Their total duration, ms. */
  connectMs: number;
}

/**
 * Traffic of one clock hour (deferred = deferral entries, rejected = intake
 * refusals). In a report of several days, one row per hour of the day holding
 * the daily average (one decimal).
 */
export interface HourTraffic {
  /** Wall-clock hour `HH` in the report's zone; a repeated hour (DST end) gets a `'`. */
  label: string;
  /** ms since epoch of the hour's start (in a report of several days, of that hour on its first day). */
  start: number;
  received: number;
  delivered: number;
  deferred: number;
  bounced: number;
  rejected: number;
}

/** One day of a report (pflogsumm's per-day traffic summary). Messages and recipients are counted as in the totals. */
export interface DayTraffic {
  day: string;
  /** 23, 24 or 25. */
  hours: number;
  received: number;
  addressed: number;
  delivered: number;
  deferrals: number;
  bounced: number;
  expired: number;
  rejected: number;
  bytesReceived: number;
  bytesDelivered: number;
  /** false for a day still running. */
  complete: boolean;
}

/** A sender domain with the messages received from it and their bytes. */
export interface SenderDomainStat {
  domain: string;
  messages: number;
  bytes: number;
}

/** A submitting client: intake client address, or `local (api)` / `local (cli)` / `local (test)`. */
export interface ClientStat {
  client: string;
  messages: number;
  bytes: number;
  /** Intake connections from it, their average and longest duration (ms). */
  connections: number;
  avgConnectMs: number;
  maxConnectMs: number;
  /** Refusals at intake. */
  rejected: number;
  /** HELO/EHLO names it greeted with, most used first (at most 5). */
  helo: string[];
}

/** Intake refusals of one kind. */
export interface RejectStat {
  /** `client`, `sender`, `size`, `recipients`, `address`, `parameter`, … as the listener names it. */
  reason: string;
  /** SMTP reply code and enhanced status code sent (empty when the event did not say). */
  code: string;
  status: string;
  count: number;
}

/** Deferrals or bounces through one relay or MX host (`host:port`; `(none)` when no connection was made). */
export interface HostStat {
  host: string;
  count: number;
  /** Its most frequent normalised reasons. */
  reasons: { reason: string; count: number }[];
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

/** A summary of one day or of several. Plain JSON data. */
export interface Report {
  /** The first calendar day, `YYYY-MM-DD`. */
  day: string;
  /** The last calendar day (the same as `day` for one day). */
  lastDay: string;
  /** Number of days. */
  days: number;
  timezone: string;
  /** [start, end) in ms since epoch (each day 23, 24 or 25 hours). */
  start: number;
  end: number;
  /** Clock hours covered: 24 a day, 23/25 on a DST change. */
  hours: number;
  /** ms since epoch when built. */
  generatedAt: number;
  /** false while the (last) day is still running (today). */
  complete: boolean;
  /** How messages and recipients are counted, in one sentence for readers. */
  counting: string;
  totals: ReportTotals;
  /** One row per day (pflogsumm's per-day traffic summary). */
  perDay: DayTraffic[];
  /** One day: a row per clock hour (`hours` rows). Several days: a row per hour of the day, the daily average. */
  hourly: HourTraffic[];
  /** true when `hourly` holds daily averages (several days). */
  hourlyAverage: boolean;
  /** Top senders (by received messages and by received bytes). */
  senders: { byCount: PartyStat[]; bySize: PartyStat[] };
  /** Top recipients (by delivered messages and by delivered bytes). */
  recipients: { byCount: PartyStat[]; bySize: PartyStat[] };
  /** Recipient domains, most delivered first. */
  domains: DomainStat[];
  /** Sender domains of received messages, most messages first. */
  senderDomains: SenderDomainStat[];
  /** Submitting clients, most messages first (then most connections, most refusals). */
  clients: ClientStat[];
  /** Intake SMTP connections (pflogsumm's smtpd connection statistics); per client in `clients`. */
  connections: { total: number; clients: number; totalMs: number; avgMs: number; maxMs: number };
  /** Refusals at intake by kind (their count per hour is in `hourly`, per client in `clients`). */
  rejects: { total: number; byReason: RejectStat[] };
  /** Grouped deferral reasons, most frequent first. */
  deferralReasons: ReasonStat[];
  /** Grouped bounce reasons (including expiry), most frequent first. */
  bounceReasons: ReasonStat[];
  /** Deferrals and bounces by relay/MX host, most first. */
  deferralHosts: HostStat[];
  bounceHosts: HostStat[];
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

/** The report type's former name (one day was all it covered). */
export type DailyReport = Report;

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
  /** The engine's clock (connection durations, which slot they are counted in). */
  now?: () => number;
  /** Write a batch through the journal, with nothing logged (connections counted with no mail logged since). */
  requestBatch?: () => Promise<void> | void;
}

/** The reports module: aggregates as mail is logged, builds a day on demand. */
export interface Reports extends ReportAggregator {
  /** Load whatever the aggregator needs before the first `collect` (called once at engine start). */
  open(): Promise<void>;
  build(q: ReportQuery, ctx: { timezone: string; now: number }): Promise<Report>;
  /** Resolves when cache writes under way (snapshots, summaries) have landed; the engine waits for it before closing the store. */
  settle(): Promise<void>;
  /** An intake connection opened or closed (the listener's onConnect/onClose); counted in the next batch. */
  connection(ev: ConnectionEvent): void;
  /** Connections counted but not yet written: the module asks for a batch for them (debounced) and on `close`. */
  readonly pending: boolean;
  /** Before the store closes: writes the connections counted since the last batch, then waits for cache writes under way ({@link settle}). Never rejects. */
  close(): Promise<void>;
}

/** What the intake listener reports of a connection. */
export interface ConnectionEvent {
  kind: 'open' | 'close';
  /** smtp-server's session id. */
  session: string;
  /** Client address (on open). */
  client?: string;
  /** The HELO/EHLO name it gave (on close). */
  helo?: string;
}
