/**
 * The engine facade: the one object the layers above talk to.
 * `createEngine(options)` in `index.ts` returns an {@link Engine}.
 */
import type {
  AccessGrant,
  Actor,
  AttemptOutcome,
  Deliverer,
  DeliveryConfig,
  DkimRecord,
  DnsResolver,
  DoctorCheck,
  DoctorOptions,
  EventEntry,
  EventLevel,
  EventQuery,
  FlushOptions,
  QueueFilter,
  FlushResult,
  LogEntry,
  LogQuery,
  Page,
  ProgressFn,
  QueueCounts,
  QueueItem,
  QueueQuery,
  Role,
  SettingsPatch,
  SettingsView,
  SubmitInput,
  SubmitResult,
} from './types.js';
import type { DailyReport, ReportQuery } from './reports/types.js';
import type { QueueMatch } from './queue/filter.js';
import type { AdhocAlert, AlertGroup, AlertPlatform, AlertSilence, AlertSink, AlertStatus, AlertSubscription, AlertTarget, ReportSubscription } from './alerts/types.js';
import type { QueueSummary } from './queue/summary.js';

/** A running SMTP submission listener. */
export interface IntakeServer {
  /** Where it listens (port resolved when 0 was asked). */
  host: string;
  port: number;
  /** Stop accepting, let open sessions finish (bounded), then close. */
  close(): Promise<void>;
}

/** One health check: whether it passes and why (shown by `/healthz`). */
export interface HealthCheck {
  ok: boolean;
  detail: string;
}

/** What `/healthz` asks of the engine. */
export interface EngineHealth {
  /** A small synced write to the store and a file in its directory both succeed (a full or read-only disk fails it). */
  store: HealthCheck;
  /** The delivery worker runs and its last pass did not fail. */
  worker: HealthCheck;
}

/** Mail log entries and events as they land on disk. */
export type JournalListener = (log: readonly LogEntry[], events: readonly EventEntry[]) => void;

/** Time as the engine sees it; tests pass a fake. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EngineOptions {
  /** LevelDB directory (created if missing). */
  storeDir: string;
  clock?: Clock;
  /** DNS for direct delivery and the doctor. Default: system resolver, or `SMTP_OPS_DNS=host:port`. */
  resolver?: DnsResolver;
  /** Builds the deliverer from the current settings; default: nodemailer relay or direct MX. */
  delivererFactory?: (config: DeliveryConfig, resolver: DnsResolver) => Deliverer;
  /** Start the delivery worker (default true). One-shot CLI commands that only read pass false. */
  worker?: boolean;
  /** Run alerting: group timers, the notification outbox, the backlog watch, report schedules (default: with the worker). */
  alerts?: boolean;
  /** 32-byte key (hex or base64) for secrets at rest; default `SMTP_OPS_SECRET_KEY` or `<store>/secret.key`. */
  secretKey?: string;
  /** Port for direct delivery; default `SMTP_OPS_DIRECT_PORT` or 25. */
  directPort?: number;
  /** Worker poll ceiling in ms (the worker sleeps until the next due message, at most this long). */
  pollMs?: number;
}

/** The smtp-ops mail engine. Every method validates its input and throws `ValidationError` (code E_VALIDATION) naming the field and rule; nothing is changed then. */
export interface Engine {
  // settings
  getSettings(): Promise<SettingsView>;
  /** All-or-nothing update; records a `config.changed` event naming the fields (never secret values). */
  updateSettings(patch: SettingsPatch, actor: Actor): Promise<SettingsView>;

  // mail
  /** Queue a message; resolves once it is synced to disk. */
  submit(input: SubmitInput, actor?: Actor): Promise<SubmitResult>;
  /** Queue a test message to `address` whose body states the settings used. */
  sendTest(address: string, actor: Actor): Promise<SubmitResult>;
  /** Resolves with the outcome of the next delivery attempt of `id` (or its last one, if already finished). */
  waitForAttempt(id: string, timeoutMs?: number): Promise<AttemptOutcome>;

  // queue
  queueCounts(): Promise<QueueCounts>;
  /** A page of the queue; filters (domain, to, from, state, older-than) narrow it. */
  queueList(q?: QueueQuery): Promise<Page<QueueItem>>;
  /** How many messages a filter selects (for a confirmation to state), by state. */
  queueMatch(filter: QueueFilter): Promise<QueueMatch>;
  /** The queue's shape (qshape): recipients by domain and age, messages by last error and by state, of the messages `filter` selects; reads at most `limit` messages (default 20,000, at most 1,000,000), oldest first. */
  queueSummary(q?: QueueFilter & { limit?: number }): Promise<QueueSummary>;
  queueShow(id: string): Promise<QueueItem & { headers: Record<string, string> }>;
  /**
   * Every deferred (and queued) message becomes due now, and one being sent is retried at once if that
   * attempt defers; the worker wakes. Returns how many. With `wait`, the worker runs in this process
   * (started if it was not) and the promise resolves once each of those messages had its attempt, or
   * none will come, with what they came to (progress: `delivering`).
   */
  queueFlush(actor: Actor, onProgress?: ProgressFn, opts?: FlushOptions): Promise<FlushResult>;
  /** Deletes every message, or those `filter` selects, each with a `deleted` mail log entry; one being sent is not re-queued. Returns how many. */
  queueDeleteAll(actor: Actor, onProgress?: ProgressFn, filter?: QueueFilter): Promise<{ count: number }>;
  /** Holds the queued and deferred messages `filter` selects (every one for `{}`). Returns how many. */
  queueHoldAll(filter: QueueFilter, actor: Actor, onProgress?: ProgressFn): Promise<{ count: number }>;
  /** Releases the held messages `filter` selects (every one for `{}`): due now. `wait` as for a flush. */
  queueReleaseAll(filter: QueueFilter, actor: Actor, onProgress?: ProgressFn, opts?: FlushOptions): Promise<FlushResult>;
  queueDelete(id: string, actor: Actor): Promise<void>;
  queueHold(id: string, actor: Actor): Promise<void>;
  /** Release a held message: due now. With `wait`, as for a flush: the worker runs here and the attempt is waited for. */
  queueRelease(id: string, actor: Actor, opts?: FlushOptions): Promise<FlushResult>;

  // logs
  logList(q?: LogQuery): Promise<Page<LogEntry>>;
  eventList(q?: EventQuery): Promise<Page<EventEntry>>;
  /** Record a system event (adapters use it for e.g. `access.denied`). */
  recordEvent(level: EventLevel, code: string, message: string, actor: Actor | 'system', data?: Record<string, unknown>): Promise<EventEntry>;

  // reports
  report(q: ReportQuery): Promise<DailyReport>;

  // doctor
  /**
   * The admin guide's troubleshooting checks; resolves within 10 s whatever the network does.
   * Throws a ValidationError when `to` is neither an address nor a domain.
   */
  doctor(opts?: DoctorOptions): Promise<DoctorCheck[]>;

  // dkim
  /**
   * Generates an RSA key pair, stores the private key (sealed) with dkim-selector (and dkim-domain
   * from the from-address when blank) in one settings change, and returns the record to publish.
   * Replaces any key set before: callers confirm that first.
   */
  dkimKeygen(opts: { selector?: string; bits?: number }, actor: Actor): Promise<DkimRecord>;
  /** The record that publishes the current key, or null when DKIM is not fully configured. */
  dkimRecord(): Promise<DkimRecord | null>;

  // alerts
  /** Subscribe a target (`slack`/`discord` channel, `email` address) to alert groups at or above a level, only of `codes` when given. */
  alertSubscribe(target: AlertTarget, minLevel: EventLevel, actor: Actor, codes?: string[]): Promise<AlertSubscription>;
  /** Remove a target's subscription and the notices still waiting for it. */
  alertUnsubscribe(target: AlertTarget, actor: Actor): Promise<boolean>;
  alertList(): Promise<AlertSubscription[]>;
  /** Post yesterday's report to a target every day at `at` (`HH:MM` in the report time zone). */
  alertReportSubscribe(target: AlertTarget, at: string, actor: Actor): Promise<ReportSubscription>;
  alertReportUnsubscribe(target: AlertTarget, actor: Actor): Promise<boolean>;
  alertReportList(): Promise<ReportSubscription[]>;
  /** Hold back notices of a code, or of a relay or domain, for a duration (`1h`, `30m`, `2d`). */
  alertMute(match: string, duration: string, actor: Actor): Promise<AlertSilence>;
  /** End a silence; what it held back is sent. Null when there was none. */
  alertUnmute(match: string, actor: Actor): Promise<AlertSilence | null>;
  alertSilences(): Promise<AlertSilence[]>;
  /** Open alert groups (firing, or resolved with notices still going out), newest first. */
  alertGroups(): Promise<AlertGroup[]>;
  /** One group, also one closed within the last week. */
  alertGroup(id: string): Promise<AlertGroup>;
  /** Firing groups and each target's deliveries (waiting, failing since, last error). */
  alertStatus(): Promise<AlertStatus>;
  /** Register the sink of a platform; returns an unregister function. */
  addAlertSink(platform: AlertPlatform, sink: AlertSink): () => void;
  /** Send a one-off alert (not grouped) to one target or every subscription without code filter at its level. */
  alert(alert: AdhocAlert): Promise<void>;

  // access
  accessList(): Promise<AccessGrant[]>;
  accessGrant(subject: string, role: Role, actor: Actor): Promise<AccessGrant>;
  accessRevoke(subject: string, actor: Actor): Promise<boolean>;

  // intake
  /**
   * Start the SMTP submission listener on `opts.listen`, else `SMTP_OPS_LISTEN`,
   * else the `listen` setting (default 127.0.0.1:2525). It restarts by itself
   * when a listener setting changes (`listen`, `hostname`, `intake-*`).
   */
  startIntake(opts?: { listen?: string }): Promise<IntakeServer>;

  // observability (metrics and health)
  /** Hear mail log entries and events once they are on disk; returns a function that stops listening. Listeners must not throw or block. */
  onJournal(listener: JournalListener): () => void;
  /** The store and worker checks of `/healthz`. */
  health(): Promise<EngineHealth>;
  /** Alert notices waiting in the durable alert outbox (posts, edits and resolved notices not yet delivered to their targets). */
  alertBacklog(): Promise<number>;

  /** Wake the worker (after settings change or flush). */
  kick(): void;
  /** Stop the worker, wait for in-flight deliveries, close the store. */
  close(): Promise<void>;
}
