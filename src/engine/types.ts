/**
 * Public data types of the smtp-ops engine. Everything the layers above the
 * engine (commands, adapters, the CLI and serve) see of it is declared here or in
 * `errors.ts`; they import only from `src/engine/index.ts`.
 */
import type { SecretProp, SettingKey, Settings } from './settings/table.js';

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

/** Settings are declared once, in the settings table (`settings/table.ts`); these types derive from it. */
export type { SettingKey, Settings, SecretKey } from './settings/table.js';

/**
 * What reads return: the settings; each secret under its property
 * (`saslPassword`, `intakePassword`, `dkimPrivateKey`) as `********` when set and `(not set)`
 * otherwise, never the value; and the TLS mode and route derived from them.
 */
export interface SettingsView extends Settings, Record<SecretProp, string> {
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
  /** Items in the whole list (every page), when asked for with `count`. */
  total?: number;
  /** `total` is a lower bound: counting stopped there (a long log is not counted to its end). */
  totalAtLeast?: boolean;
}

export interface PageQuery {
  /** Items per page (1..200, default 20). */
  limit?: number;
  cursor?: string;
  /** 1-based page number (alternative to cursor; ignored with one). */
  page?: number;
  /** Also count the whole list (`total`): exact up to a bound, then `totalAtLeast`. */
  count?: boolean;
}

/**
 * Which messages a list, a summary or a bulk command acts on, as Postfix's
 * `postqueue -s site` and `postsuper` filters do. Every field narrows; none
 * selects the whole queue.
 */
export interface QueueFilter {
  /** A recipient still to be delivered is at this domain (exact, case-insensitive). */
  domain?: string;
  /** A recipient still to be delivered has this address (case-insensitive). */
  to?: string;
  /** The envelope sender (case-insensitive; `<>` the null sender of bounces). */
  from?: string;
  state?: QueueState;
  /** Queued more than this many milliseconds ago. */
  olderThan?: number;
}

export interface QueueQuery extends PageQuery, QueueFilter {
  order?: 'newest' | 'oldest';
}

/** A message handed to the engine. Either raw RFC 5322 bytes with an envelope, or parts from which the engine composes one. */
export type SubmitInput = (
  | {
      from: string;
      to: string[];
      raw: Buffer | string;
      source?: QueueItem['source'];
      /** Submitting client address (intake). */
      client?: string;
      /** BODY= the SMTP client declared (RFC 6152); without it, 8-bit bytes in `raw` count as 8BITMIME. */
      body?: MessageBody;
      /** The SMTP client declared SMTPUTF8 (RFC 6531); without it, a non-ASCII address or header counts as declared. */
      smtputf8?: boolean;
    }
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

/** The body type of a message (RFC 6152 BODY=). */
export type MessageBody = '7BIT' | '8BITMIME';

/** What the engine asks a deliverer to send: one message, its remaining recipients of one destination. */
export interface DeliveryRequest {
  id: string;
  from: string;
  to: string[];
  raw: Buffer;
  /** As queued: 8BITMIME is declared to a peer that offers it (RFC 6152). */
  body?: MessageBody;
  /** As queued: SMTPUTF8 was requested (RFC 6531); declared to a peer that offers it, a bounce (5.6.7) when it must be and is not. */
  smtputf8?: boolean;
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
  /** PTR records of a name (`4.3.2.1.in-addr.arpa`), for SPF's ptr mechanism. */
  resolvePtr?(name: string): Promise<string[]>;
}

/**
 * What the delivery attempts of a set of messages came to (a flush or a
 * release waited on): by message, and by recipient.
 */
export interface AttemptTally {
  /** Messages waited on. */
  messages: number;
  /** Every recipient accepted. */
  delivered: number;
  /** A recipient deferred: still queued, retried after its backoff. */
  deferred: number;
  /** None deferred and at least one bounced or expired (the message left the queue). */
  bounced: number;
  /** No attempt: deleted or held meanwhile, SMTP disabled, or the wait was interrupted. */
  notAttempted: number;
  recipients: { sent: number; deferred: number; bounced: number };
  /** The wait was given up (Ctrl-C) before every attempt ended. */
  interrupted: boolean;
}

/** Options of a flush (and a release). */
export interface FlushOptions {
  /** Only the messages this selects (a flush: of those queued or deferred; a release: of those held). */
  filter?: QueueFilter;
  /** Run the delivery worker in this process if it is not running, and wait for each message's attempt. */
  wait?: boolean;
  /** Stop waiting (the messages stay due; what happened so far is counted). */
  signal?: AbortSignal;
}

/** What a flush did: how many messages it made due, and with `wait` what their attempts came to. */
export interface FlushResult {
  count: number;
  /** SMTP is disabled: nothing is sent until `enabled=on`. */
  disabled: boolean;
  attempts?: AttemptTally;
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
export const LOG_STATUSES: readonly LogStatus[] = ['received', 'sent', 'deferred', 'bounced', 'deleted', 'expired'];

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

/** The parts of the admin guide's checklist, in the order the doctor reports them. */
export type DoctorSection = 'settings' | 'connection' | 'authentication' | 'relay-permission' | 'sender-domain' | 'reverse-dns' | 'blocklists' | 'queue' | 'reminders';
export const DOCTOR_SECTIONS: readonly DoctorSection[] = ['settings', 'connection', 'authentication', 'relay-permission', 'sender-domain', 'reverse-dns', 'blocklists', 'queue', 'reminders'];

/** One troubleshooting check of the admin guide. */
export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, in words (the cause when it failed). */
  detail: string;
  /** What to do about it; commands in it are in backticks and are also listed in `fix`. */
  hint?: string;
  section: DoctorSection;
  /** Commands (grammar lines, e.g. `config set use-tls=on`) that fix it, in order. */
  fix?: string[];
  /** How long the check took, in ms. */
  ms?: number;
}

/** What `doctor` tests and how it reports while it runs. */
export interface DoctorOptions {
  /**
   * Test recipient: an address (RCPT TO) or a domain (its postmaster). Relay mode sends it to the
   * relay, direct mode looks up its MX. Default: postmaster@ the from-address domain.
   */
  to?: string;
  /** Called as checks finish (independent checks run in parallel). */
  onProgress?: (p: DoctorProgress) => void;
}

export interface DoctorProgress {
  /** Finished groups of checks, of `total`. */
  done: number;
  total: number;
  /** Every check finished so far, in report order. */
  checks: DoctorCheck[];
  /** What is still running, in words. */
  running: string[];
}

/** The DNS TXT record that publishes a DKIM public key. */
export interface DkimRecord {
  domain: string;
  selector: string;
  bits: number;
  /** `selector._domainkey.domain`. */
  name: string;
  /** `v=DKIM1; k=rsa; p=...` as one string. */
  value: string;
  /** The value cut into strings of at most 255 bytes, as one TXT record carries them (RFC 1035 3.3.14). */
  strings: string[];
  /** A BIND zone-file line: `name. IN TXT ( "..." "..." )`. */
  zone: string;
}
