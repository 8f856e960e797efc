/**
 * Each kind of alert in one table: its title, where it happens (the group's scope), how it
 * clears, and the likely fix. Commands in a hint are in backticks and are real grammar lines
 * (a test parses every one).
 */
import type { AlertScope } from './types.js';

/** How a firing group clears. */
export type ClearRule =
  /** Mail gets through to its relay or domain again (or an event in `clearedBy` says so); a group with no failure for retry-max + alert-group-interval clears too (nothing is waiting any more). */
  | 'recovery'
  /** Nothing new for alert-group-interval. */
  | 'quiet';

export interface AlertKind {
  title(scope: AlertScope): string;
  hint: string;
  clears: ClearRule;
  /** Info events that clear it (`intake.started` clears `intake.failed`). */
  clearedBy?: readonly string[];
  /** The scope: which event data field names the place. */
  scope: 'relay' | 'domain' | 'relay-or-domain' | 'queue' | 'target' | 'reason' | 'client' | 'system';
  /** The failure is on the mail path itself: email alerts wait in the queue behind it. */
  mailPath?: boolean;
}

const where = (s: AlertScope) => (s.value ? ` ${s.value}` : '');

const INTAKE_REFUSALS: Readonly<Record<string, string>> = {
  size: 'Messages over intake-max-size are refused at intake',
  recipients: 'Messages with more than intake-max-recipients recipients are refused at intake',
  sender: 'Senders outside intake-allow-senders are refused at intake',
  client: 'Clients that may not submit are refused at intake',
  connections: 'Connections over intake-max-connections are refused at intake',
  address: 'Senders or recipients with bad addresses are refused at intake',
  parameter: 'MAIL or RCPT parameters the listener does not take are refused at intake',
};

export const ALERT_KINDS: Readonly<Record<string, AlertKind>> = {
  'relay.unreachable': {
    title: (s) => `Relay${where(s)} is unreachable`,
    hint: 'Mail is kept and retried. Check that the relay runs and that the firewall lets this host reach it (`doctor` tests the connection); once it answers, `queue flush` sends the waiting mail at once.',
    clears: 'recovery',
    scope: 'relay',
    mailPath: true,
  },
  'relay.deferred': {
    title: (s) => `Relay${where(s)} is deferring mail`,
    hint: "The relay answers 4xx (at the greeting, MAIL, RCPT or DATA) or stops answering: its reply says why (a full queue, a rate limit, a policy). Ask its operator; `queue list --state deferred` shows what waits and `queue flush` retries it now.",
    clears: 'recovery',
    scope: 'relay',
    mailPath: true,
  },
  'delivery.deferred': {
    title: (s) => `Mail to${where(s)} is deferred`,
    hint: "That domain's mail servers answer 4xx or cannot be reached; mail is retried with backoff until max-queue-lifetime. Greylisting clears by itself; anything longer is for the domain's operator. `queue list --state deferred` shows what waits.",
    clears: 'recovery',
    scope: 'domain',
    mailPath: true,
  },
  'delivery.bounced': {
    title: (s) => `Mail to${where(s)} bounces`,
    hint: 'The receiving side refused for good (5xx, no such domain, a null MX): nothing is retried. Check the addresses in `log --status bounced` and fix the sending application or its recipient list.',
    clears: 'quiet',
    scope: 'domain',
  },
  'delivery.expired': {
    title: (s) => `Mail to${where(s)} expired in the queue`,
    hint: 'Messages waited longer than max-queue-lifetime and were given up; the last error says why. See `log --status expired`.',
    clears: 'quiet',
    scope: 'domain',
  },
  'auth.failed': {
    title: (s) => `Relay${where(s)} refuses the login`,
    hint: 'Check sasl-username and the password with the relay operator; `config set sasl-password` asks for the password privately. Mail stays queued: `queue flush` once `doctor` passes.',
    clears: 'recovery',
    scope: 'relay-or-domain',
    mailPath: true,
  },
  'tls.failed': {
    title: (s) => `TLS with${where(s)} fails`,
    hint: 'Check use-tls and relay-port (465 implicit TLS, 587 STARTTLS) and trust a private CA with `config set tls-ca=/etc/ssl/relay-ca.pem`; `doctor` tests the handshake.',
    clears: 'recovery',
    scope: 'relay-or-domain',
    mailPath: true,
  },
  'config.invalid': {
    title: () => 'Delivery is impossible with the current settings',
    hint: '`doctor` and `config show` name the setting; after fixing it, `queue flush` sends the waiting mail.',
    clears: 'quiet',
    scope: 'system',
    mailPath: true,
  },
  'smtp.disabled': {
    title: () => 'SMTP is disabled: mail waits in the queue',
    hint: 'Turn sending on with `config set enabled=on`, then `queue flush`.',
    clears: 'quiet',
    scope: 'system',
    mailPath: true,
  },
  'queue.backlog': {
    title: () => 'Mail is piling up in the queue',
    hint: 'More mail waits than alert-backlog-count, or for longer than alert-backlog-age. `queue list --state deferred` and `events --level warning` show what holds it; `doctor` checks the route.',
    clears: 'recovery',
    clearedBy: ['queue.backlog-cleared'],
    scope: 'queue',
    mailPath: true,
  },
  'intake.failed': {
    title: () => 'The SMTP listener is down',
    hint: 'Local systems cannot hand over mail. The event says why (address in use, a certificate): fix it, e.g. `config set listen=127.0.0.1:2525`; `events --level error` has the details.',
    clears: 'recovery',
    clearedBy: ['intake.started'],
    scope: 'system',
  },
  'intake.restart-failed': {
    title: () => 'The SMTP listener did not restart after a settings change',
    hint: 'Local systems cannot hand over mail. Fix the listener setting the event names, e.g. `config set listen=127.0.0.1:2525`; `events --level error` has the details.',
    clears: 'recovery',
    clearedBy: ['intake.started'],
    scope: 'system',
  },
  'intake.rejected': {
    title: (s) => INTAKE_REFUSALS[s.value] ?? `Submissions are refused at intake${s.value ? ` (${s.value})` : ''}`,
    hint: 'A local system sends what the listener refuses (a bad address or parameter, too much mail at once, a sender or client that may not submit); the client, the sender and the reply it got are in `events --level warning`. Fix the sending system, or raise the limit, e.g. `config set intake-max-size=20m` or `config set intake-max-connections=200`.',
    clears: 'quiet',
    scope: 'reason',
  },
  'intake.auth-failed': {
    title: (s) => `Wrong intake logins${s.value ? ` from ${s.value}` : ''}`,
    hint: 'A local system logs in with a wrong intake-username or password: fix it there, or set a new password with `config set intake-password`.',
    clears: 'quiet',
    scope: 'client',
  },
  'dkim.failed': {
    title: () => 'DKIM signing fails: mail goes out unsigned',
    hint: 'The key in dkim-private-key does not sign (the event says why); receivers that check DMARC may refuse or file the unsigned mail. `doctor` checks the key and its DNS record; `dkim keygen` makes a new key (publish the record it prints).',
    clears: 'quiet',
    scope: 'system',
  },
  'store.write-failed': {
    title: () => 'The store cannot be written',
    hint: 'Disk full, permissions, or a damaged store: check the store directory. Mail already acknowledged is safe; new submissions are refused with 451 until it is fixed. `doctor` and `status` show the rest.',
    clears: 'quiet',
    scope: 'system',
  },
  'alerts.undeliverable': {
    title: (s) => `Alerts cannot reach${where(s)}`,
    hint: 'Invite the app or bot to that channel again, check its permissions and token, or fix the address. Alerts wait and go out once it works; `status` shows the last error.',
    clears: 'recovery',
    scope: 'target',
  },
  'config.warning': {
    title: () => 'A risky setting is in force',
    hint: '`config show` lists the settings and `doctor` says what is risky about them.',
    clears: 'quiet',
    scope: 'system',
  },
  'access.denied': {
    title: () => 'Someone was denied a command',
    hint: '`events --level warning` names who and what; grant a role with `access grant slack:U0123ABCD operator` if it was meant.',
    clears: 'quiet',
    scope: 'system',
  },
  'engine.fault': {
    title: () => 'The delivery worker is failing',
    hint: 'Usually the store: check disk space. `events --level error` has the details.',
    clears: 'quiet',
    scope: 'system',
  },
};

/** Every code alerts know (filters, silences and completion offer these). */
export const ALERT_CODES: readonly string[] = Object.keys(ALERT_KINDS);

const FALLBACK: AlertKind = {
  title: (s) => `Warnings${where(s)}`,
  hint: '`events --level warning` has the details.',
  clears: 'quiet',
  scope: 'system',
};

/** The kind of a code (codes not in the table group per code, clear when quiet, and point at the events). */
export function kindOf(code: string): AlertKind {
  return ALERT_KINDS[code] ?? { ...FALLBACK, title: (s) => `${code}${where(s)}` };
}

/** The codes info events clear: `intake.started` -> [`intake.failed`, `intake.restart-failed`]. */
export function codesClearedBy(code: string): string[] {
  return Object.entries(ALERT_KINDS)
    .filter(([, k]) => k.clearedBy?.includes(code))
    .map(([c]) => c);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Where an event happened, as its kind names it (from the event's data). */
export function scopeOf(code: string, data: Record<string, unknown> | undefined): AlertScope {
  const d = data ?? {};
  const k = kindOf(code).scope;
  const relay = text(d.relay);
  const domain = text(d.domain).toLowerCase();
  switch (k) {
    case 'relay':
      return relay ? { kind: 'relay', value: relay } : domain ? { kind: 'domain', value: domain } : { kind: 'system', value: text(d.host) };
    case 'domain':
      return domain ? { kind: 'domain', value: domain } : { kind: 'system', value: '' };
    case 'relay-or-domain':
      return relay ? { kind: 'relay', value: relay } : domain ? { kind: 'domain', value: domain } : { kind: 'system', value: text(d.host) };
    case 'queue':
      return { kind: 'queue', value: '' };
    case 'target':
      return { kind: 'target', value: text(d.target) };
    case 'reason':
      return { kind: 'reason', value: text(d.reason) };
    case 'client':
      return { kind: 'client', value: text(d.client) };
    default:
      // Events of other parts may still name a relay or domain; keep them apart.
      if (relay) return { kind: 'relay', value: relay };
      if (domain) return { kind: 'domain', value: domain };
      return { kind: 'system', value: text(d.host) };
  }
}

/** The place an event is about, as the event log's rate limit keys it (`relay:smtp.example.com:587`). */
export function placeOf(code: string, data: Record<string, unknown> | undefined): string {
  const s = scopeOf(code, data);
  return `${s.kind}:${s.value}`;
}
