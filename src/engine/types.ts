/**
 * Public data types of the smtp-ops engine. Everything the layers above the
 * engine (commands, adapters, REPL) see of it is declared here or in
 * `errors.ts`; they import only from `src/engine/index.ts`.
 */

/** Who asked for something. `platform:id` is the stable identity used by access roles. */
export interface Actor {
  platform: 'cli' | 'repl' | 'slack' | 'discord' | 'system' | 'intake' | 'api';
  /** Platform user id (Slack `U123`, Discord snowflake, local OS user name). */
  id: string;
  /** Display name, for events and replies only. */
  name?: string;
  /** Platform role ids the user holds (Discord role ids), used by access mapping. */
  roles?: string[];
}

/** Render an actor as `platform:id` (the form events and access grants use). */
export function actorKey(a: Actor): string {
  return `${a.platform}:${a.id}`;
}

// ---------------------------------------------------------------- settings

/** Every setting key, as typed by users (`config set relay-port=587`). */
export type SettingKey =
  | 'enabled'
  | 'use-tls'
  | 'tls-implicit'
  | 'hostname'
  | 'from-name'
  | 'from-address'
  | 'relay-host'
  | 'relay-port'
  | 'sasl'
  | 'sasl-username'
  | 'sasl-password'
  | 'tls-ca'
  | 'tls-verify'
  | 'timezone'
  | 'retry-first'
  | 'retry-max'
  | 'max-queue-lifetime'
  | 'concurrency'
  | 'listen'
  | 'intake-auth'
  | 'intake-username'
  | 'intake-password'
  | 'intake-tls-cert'
  | 'intake-tls-key'
  | 'intake-max-size'
  | 'intake-max-recipients'
  | 'intake-max-connections'
  | 'intake-allow-senders'
  | 'alert-group-wait'
  | 'alert-group-interval'
  | 'alert-repeat-interval'
  | 'alert-backlog-count'
  | 'alert-backlog-age';

/** Stored, typed settings. Secrets are never part of a value returned to callers: see {@link SettingsView}. */
export interface Settings {
  enabled: boolean;
  useTls: boolean;
  /** With use-tls on: `auto` = implicit TLS on port 465 and STARTTLS elsewhere; `on` = implicit on any port; `off` = STARTTLS even on 465. */
  tlsImplicit: 'auto' | 'on' | 'off';
  hostname: string;
  fromName: string;
  fromAddress: string;
  /** Blank = send direct by MX. */
  relayHost: string;
  /** null = direct (port 25). */
  relayPort: number | null;
  sasl: boolean;
  saslUsername: string;
  /** PEM file path of a private CA to trust; blank = system roots. */
  tlsCa: string;
  /** false = do not verify certificates (explicit, warned opt-out). */
  tlsVerify: boolean;
  /** IANA zone for reports; blank = system zone. */
  timezone: string;
  /** Seconds before the first retry of a deferred message (Postfix minimal_backoff_time). */
  retryFirst: number;
  /** Maximal seconds between tries (Postfix maximal_backoff_time). */
  retryMax: number;
  /** Seconds a message may stay queued before it bounces (Postfix maximal_queue_lifetime). */
  maxQueueLifetime: number;
  /** Concurrent deliveries. */
  concurrency: number;
  /** Intake listener `host:port`. */
  listen: string;
  intakeAuth: boolean;
  intakeUsername: string;
  intakeTlsCert: string;
  intakeTlsKey: string;
  /** Bytes; 0 = no limit. */
  intakeMaxSize: number;
  intakeMaxRecipients: number;
  intakeMaxConnections: number;
  /** Comma-separated sender addresses or `@domain`s allowed at intake; blank = any. */
  intakeAllowSenders: string;
  /** Seconds an alert group waits before its first notification (Alertmanager group_wait). */
  alertGroupWait: number;
  /** Least seconds between two notifications of one changing group (Alertmanager group_interval). */
  alertGroupInterval: number;
  /** Seconds after which a group still firing is posted again (Alertmanager repeat_interval); 0 = never. */
  alertRepeatInterval: number;
  /** Messages waiting in the queue (queued, sending, deferred) above which `queue.backlog` fires; 0 = off. */
  alertBacklogCount: number;
  /** Seconds the oldest waiting message may be queued before `queue.backlog` fires; 0 = off. */
  alertBacklogAge: number;
}

/** What reads return: settings plus masked secrets and the TLS mode derived from them. */
export interface SettingsView extends Settings {
  /** `********` when set, `(not set)` otherwise. Never the value. */
  saslPassword: string;
  intakePassword: string;
  /** How delivery will connect: derived from use-tls, relay-host and relay-port. */
  tlsMode: TlsMode;
  /** `relay host:port` or `direct (MX)`. */
  route: string;
}

/** `implicit` = TLS from the first byte (port 465); `starttls` = STARTTLS required; `opportunistic` = STARTTLS when offered (direct, use-tls off); `none` = plain. */
export type TlsMode = 'implicit' | 'starttls' | 'opportunistic' | 'none';

/** A settings update as users type it: key=value strings (values are parsed and validated by the engine). */
export type SettingsPatch = Partial<Record<SettingKey, string>>;

// ---------------------------------------------------------------- queue

/** Queue states. Finished messages leave the queue into the mail log as sent or bounced. */
export type QueueState = 'queued' | 'sending' | 'deferred' | 'held';
export const QUEUE_STATES: readonly QueueState[] = ['queued', 'sending', 'deferred', 'held'];

/** One message in the queue (no body). */
export interface QueueItem {
  id: string;
  state: QueueState;
  from: string;
  /** Recipients still to be delivered. */
  to: string[];
  /** Bytes of the stored raw message. */
  size: number;
  subject?: string;
  /** ms since epoch. */
  createdAt: number;
  attempts: number;
  /** ms since epoch when the next attempt is due; null when held or sending. */
  nextAttempt: number | null;
  lastError: string | null;
  /** Where the message came from (`alert`: an alert email of smtp-ops itself). */
  source: 'intake' | 'api' | 'test' | 'cli' | 'alert';
  /** Recipients already delivered (for partially delivered messages). */
  delivered?: string[];
}

export interface QueueCounts {
  queued: number;
  sending: number;
  deferred: number;
  held: number;
  total: number;
  /** createdAt of the oldest message still queued, or null when empty. */
  oldest: number | null;
}

/** A page of a list, newest first unless asked otherwise. Cursors are opaque strings. */
export interface Page<T> {
  items: T[];
  /** Cursor of the next (older) page, if any. */
  next: string | null;
  /** Cursor of the previous (newer) page, if any. */
  prev: string | null;
}

export interface PageQuery {
  /** Items per page (1..200, default 20). */
  limit?: number;
  cursor?: string;
  /** 1-based page number (alternative to cursor; O(page*limit)). */
  page?: number;
}

export interface QueueQuery extends PageQuery {
  state?: QueueState;
  order?: 'newest' | 'oldest';
}

/** A message handed to the engine. Either raw RFC 5322 bytes with an envelope, or parts from which the engine composes one. */
export type SubmitInput = (
  | { from: string; to: string[]; raw: Buffer | string; source?: QueueItem['source']; /** Submitting client address (intake). */ client?: string }
  | { from?: string; to: string[]; subject: string; text: string; headers?: Record<string, string>; source?: QueueItem['source'] }
) & {
  /** A submit repeated with the same key (within a week) queues nothing and returns the first result. */
  idempotencyKey?: string;
};

export interface SubmitResult {
  id: string;
  /** Message-ID header of the stored message. */
  messageId: string;
}

/** Progress of a long operation (flush/delete of a big queue). */
export interface Progress {
  done: number;
  total: number;
  label: string;
}
export type ProgressFn = (p: Progress) => void;

// ---------------------------------------------------------------- delivery

export type DeliveryStatus = 'sent' | 'deferred' | 'bounced';

/** What went wrong, coarsely; mirrors nodemailer's error codes where they exist. */
export type FailureKind =
  | 'connection' // ECONNECTION/ESOCKET/DNS: peer unreachable
  | 'timeout' // ETIMEDOUT
  | 'tls' // ETLS or certificate failures
  | 'auth' // EAUTH (535)
  | 'protocol' // other EPROTOCOL
  | 'rejected' // the server answered 4xx/5xx to MAIL/RCPT/DATA
  | 'dns' // no MX/A, null MX
  | 'config'; // our settings make delivery impossible

/**
 * Where in the SMTP conversation a failure happened: the DNS lookup, the TCP connect, the
 * greeting, EHLO, TLS, AUTH, MAIL FROM, RCPT TO, DATA, a timeout in the middle of a session,
 * or our own side before anything was sent (`local`).
 */
export type SmtpStage = 'dns' | 'connect' | 'greeting' | 'ehlo' | 'tls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'timeout' | 'local';

/** The outcome of one delivery attempt for one recipient. */
export interface RecipientResult {
  to: string;
  status: DeliveryStatus;
  /** Server reply text, or our own description of the failure. */
  response: string;
  /** The SMTP code when the server gave one. */
  code?: number;
  failure?: FailureKind;
  /** `host:port` that was talked to (relay or MX). */
  host?: string;
  tls?: boolean;
  /** Where a failure happened (absent for sent recipients). */
  stage?: SmtpStage;
}

/** What the engine asks a deliverer to send: one message, its remaining recipients of one destination. */
export interface DeliveryRequest {
  id: string;
  from: string;
  to: string[];
  raw: Buffer;
}

/** The seam between the queue worker and the network. Replaced in unit tests through `EngineOptions.delivererFactory`. */
export interface Deliverer {
  deliver(req: DeliveryRequest): Promise<RecipientResult[]>;
  close(): Promise<void>;
}

/** The resolved connection parameters for delivery, computed from settings. */
export interface DeliveryConfig {
  hostname: string;
  relayHost: string;
  relayPort: number | null;
  tlsMode: TlsMode;
  tlsVerify: boolean;
  /** PEM contents of tls-ca, read once. */
  tlsCa?: string;
  auth?: { user: string; pass: string };
  /** Port for direct delivery (25 unless SMTP_OPS_DIRECT_PORT). */
  directPort: number;
  /** Connection and greeting timeouts in ms. */
  timeoutMs: number;
  /** Most parallel connections to one destination (the `concurrency` setting). */
  maxConnections?: number;
}

/** DNS as the engine uses it (node:dns/promises Resolver fits). */
export interface DnsResolver {
  resolveMx(domain: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
  resolveTxt?(host: string): Promise<string[][]>;
  reverse?(ip: string): Promise<string[]>;
}

/** Outcome of the first delivery attempt of a message (what `test` reports). */
export interface AttemptOutcome {
  id: string;
  status: DeliveryStatus;
  results: RecipientResult[];
  /** Whether the message is still in the queue (deferred). */
  queued: boolean;
}

// ---------------------------------------------------------------- logs

/** Mail log statuses: one entry per message received, and one per recipient outcome. */
export type LogStatus = 'received' | 'sent' | 'deferred' | 'bounced' | 'deleted' | 'expired';

/** One mail log entry. Per-recipient outcomes have one address in `to`; `received` lists all. */
export interface LogEntry {
  /** Cursor key, unique, time-ordered. */
  key: string;
  /** ms since epoch. */
  time: number;
  status: LogStatus;
  /** Queue id. */
  id: string;
  messageId?: string;
  from: string;
  to: string[];
  size: number;
  /** Relay or MX `host:port` used. */
  host?: string;
  /** Server reply or failure reason. */
  response?: string;
  code?: number;
  failure?: FailureKind;
  /** ms from received to this outcome. */
  delay?: number;
  attempt?: number;
  source?: QueueItem['source'];
  /** Client address for intake submissions. */
  client?: string;
}

export interface LogQuery extends PageQuery {
  to?: string;
  from?: string;
  status?: LogStatus;
}

export type EventLevel = 'info' | 'warning' | 'error';
export const EVENT_LEVELS: readonly EventLevel[] = ['info', 'warning', 'error'];

/** A system event (admin guide: "Logs" section of the dashboard). */
export interface EventEntry {
  key: string;
  time: number;
  level: EventLevel;
  /** Dotted code, e.g. `config.changed`, `smtp.disabled`, `relay.unreachable`, `auth.failed`, `tls.failed`, `queue.flushed`, `queue.deleted`, `access.denied`. */
  code: string;
  message: string;
  /** `platform:id (name)` of who caused it, or `system`. */
  actor: string;
  /** Structured details (never secrets), e.g. `{ count: 12 }` for queue.deleted, `{ fields: [...] }` for config.changed. */
  data?: Record<string, unknown>;
}

export interface EventQuery extends PageQuery {
  level?: EventLevel;
  /** Events at or above this level. */
  minLevel?: EventLevel;
}

// ---------------------------------------------------------------- alerts

// Alert targets, subscriptions, groups, notices and sinks: see alerts/types.ts.

// ---------------------------------------------------------------- access

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface AccessGrant {
  /** `slack:U123`, `discord:456`, or `discord-role:789` for a Discord role id. */
  subject: string;
  role: Role;
  grantedBy: string;
  grantedAt: number;
}

// ---------------------------------------------------------------- doctor

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One troubleshooting check of the admin guide. */
export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it. */
  hint?: string;
}
