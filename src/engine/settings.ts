/**
 * Settings: defaults, the parsing and validation of user input, and what is
 * derived from them (TLS mode, route, delivery config). Pure functions: the
 * engine persists what `applyPatch` returns.
 */
import { hostname as osHostname } from 'node:os';
import { accessSync, readFileSync, constants as fsc } from 'node:fs';
import { isIP } from 'node:net';
import type { Issue } from './errors.js';
import { ValidationError } from './errors.js';
import { closest } from './suggest.js';
import type { DeliveryConfig, SettingKey, Settings, SettingsPatch, SettingsView, TlsMode } from './types.js';

/** Setting keys whose values are secrets: stored sealed, never returned. */
export const SECRET_KEYS = ['sasl-password', 'intake-password'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

export function isSecretKey(k: string): k is SecretKey {
  return (SECRET_KEYS as readonly string[]).includes(k);
}

type FieldName = Exclude<keyof Settings, never>;

interface Field {
  key: SettingKey;
  prop: FieldName | null;
  help: string;
  parse(raw: string, issue: (rule: string, msg: string) => void): unknown;
}

const MAX_TEXT = 256;

const bool = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', 'yes', '1', 'enabled'].includes(v)) return true;
  if (['off', 'false', 'no', '0', 'disabled'].includes(v)) return false;
  issue('boolean', `${key} must be on or off (got ${show(raw)})`);
  return undefined;
};

const int = (key: SettingKey, min: number, max: number, unit = '') => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    issue('range', `${key} must be a whole number from ${min} to ${max}${unit} (got ${show(raw)})`);
    return undefined;
  }
  return Number(v);
};

const duration = (key: SettingKey, min: number, max: number) => (raw: string, issue: (r: string, m: string) => void) => {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(raw.trim());
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;
  const secs = m ? Number(m[1]) * mult[m[2].toLowerCase() as keyof typeof mult] : NaN;
  if (!m || secs < min || secs > max) {
    issue('duration', `${key} must be a duration from ${min}s to ${max}s, in seconds or with s/m/h/d (e.g. 300, 5m, 5d) (got ${show(raw)})`);
    return undefined;
  }
  return secs;
};

const bytes = (key: SettingKey, max: number) => (raw: string, issue: (r: string, m: string) => void) => {
  const m = /^(\d+)\s*(k|kb|m|mb)?$/i.exec(raw.trim());
  const mult: Record<string, number> = { '': 1, k: 1024, kb: 1024, m: 1048576, mb: 1048576 };
  const n = m ? Number(m[1]) * mult[(m[2] ?? '').toLowerCase()] : NaN;
  if (!m || n > max) {
    issue('size', `${key} must be a size in bytes (or with k/m) up to ${max} bytes; 0 means no limit (got ${show(raw)})`);
    return undefined;
  }
  return n;
};

const text = (key: SettingKey, max = MAX_TEXT) => (raw: string, issue: (r: string, m: string) => void) => {
  if (/[\r\n]/.test(raw)) {
    issue('no-crlf', `${key} must not contain line breaks (CR/LF): they would inject mail headers`);
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(raw)) {
    issue('no-control', `${key} must not contain control characters`);
    return undefined;
  }
  if (raw.length > max) {
    issue('length', `${key} must be at most ${max} characters (got ${raw.length})`);
    return undefined;
  }
  return raw.trim();
};

const fqdn = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!isFqdn(v)) {
    issue('fqdn', `${key} must be a fully qualified domain name such as mail.example.com (letters, digits and hyphens, at least two labels) (got ${show(raw)})`);
    return undefined;
  }
  return v;
};

const hostOrBlank = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (v === '') return '';
  if (isIP(v) || isHostname(v)) return v;
  issue('host', `${key} must be a host name or IP address, or blank to send direct (got ${show(raw)})`);
  return undefined;
};

const portOrBlank = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim();
  if (v === '') return null;
  return int(key, 1, 65535)(v, issue);
};

const address = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim();
  if (/[\r\n]/.test(v)) {
    issue('no-crlf', `${key} must not contain line breaks (CR/LF)`);
    return undefined;
  }
  if (!isMailbox(v)) {
    issue('email', `${key} must be an email address like alerts@example.com (RFC 5321: local-part@domain, at most 254 characters) (got ${show(raw)})`);
    return undefined;
  }
  return v;
};

const pemFile = (key: SettingKey, marker: RegExp) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim();
  if (v === '') return '';
  try {
    accessSync(v, fsc.R_OK);
    if (!marker.test(readFileSync(v, 'utf8'))) {
      issue('pem', `${key} must be a PEM file (${v} has no ${marker.source.replace(/\\/g, '')} block)`);
      return undefined;
    }
  } catch {
    issue('file', `${key} must be a readable file (cannot read ${show(v)})`);
    return undefined;
  }
  return v;
};

const timezone = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const v = raw.trim();
  if (v === '') return '';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return v;
  } catch {
    issue('timezone', `${key} must be an IANA time zone such as Europe/Berlin or UTC, or blank for the system zone (got ${show(raw)})`);
    return undefined;
  }
};

const listen = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const parsed = parseHostPort(raw.trim());
  if (!parsed) {
    issue('host-port', `${key} must be host:port, e.g. 127.0.0.1:2525 or [::1]:2525 (got ${show(raw)})`);
    return undefined;
  }
  return raw.trim();
};

const senders = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  const items = raw.split(/[,\s]+/).filter(Boolean);
  const bad = items.filter((i) => !(i.startsWith('@') ? isHostname(i.slice(1)) : isMailbox(i)));
  if (bad.length > 0) {
    issue('senders', `${key} must be a comma-separated list of addresses or @domains (bad: ${bad.map(show).join(', ')})`);
    return undefined;
  }
  return items.join(',');
};

const secret = (key: SettingKey) => (raw: string, issue: (r: string, m: string) => void) => {
  // eslint-disable-next-line no-control-regex
  if (/[\x00\r\n]/.test(raw)) {
    issue('no-crlf', `${key} must not contain line breaks or NUL`);
    return undefined;
  }
  if (raw.length > MAX_TEXT) {
    issue('length', `${key} must be at most ${MAX_TEXT} characters`);
    return undefined;
  }
  return raw;
};

/** Every setting, with its parser and a one-line help (used by `help config`). */
export const FIELDS: readonly Field[] = [
  { key: 'enabled', prop: 'enabled', help: 'on/off: off queues mail but sends nothing', parse: bool('enabled') },
  { key: 'use-tls', prop: 'useTls', help: 'on/off: TLS to the relay (465 implicit, else STARTTLS required); direct: require STARTTLS', parse: bool('use-tls') },
  {
    key: 'tls-implicit',
    prop: 'tlsImplicit',
    help: 'auto/on/off: implicit TLS (auto = on port 465 only); for relays that wrap TLS on another port',
    parse: (raw, issue) => {
      const v = raw.trim().toLowerCase();
      if (v === 'auto' || v === 'on' || v === 'off') return v;
      issue('choice', `tls-implicit must be auto, on or off (got ${show(raw)})`);
      return undefined;
    },
  },
  { key: 'hostname', prop: 'hostname', help: 'FQDN used as EHLO name and Message-ID domain', parse: fqdn('hostname') },
  { key: 'from-name', prop: 'fromName', help: 'display name in From', parse: text('from-name', 200) },
  { key: 'from-address', prop: 'fromAddress', help: 'envelope and header From address', parse: address('from-address') },
  { key: 'relay-host', prop: 'relayHost', help: 'relay server host; blank = send direct by MX', parse: hostOrBlank('relay-host') },
  { key: 'relay-port', prop: 'relayPort', help: 'relay port 1-65535 (25, 587 STARTTLS, 465 implicit TLS); blank = direct', parse: portOrBlank('relay-port') },
  { key: 'sasl', prop: 'sasl', help: 'on/off: authenticate to the relay with SASL', parse: bool('sasl') },
  { key: 'sasl-username', prop: 'saslUsername', help: 'SASL user name', parse: text('sasl-username') },
  { key: 'sasl-password', prop: null, help: 'SASL password (secret: stored encrypted, never shown)', parse: secret('sasl-password') },
  { key: 'tls-ca', prop: 'tlsCa', help: 'PEM file of a private CA to trust; blank = system roots', parse: pemFile('tls-ca', /-----BEGIN CERTIFICATE-----/) },
  { key: 'tls-verify', prop: 'tlsVerify', help: 'on/off: verify certificates (off is unsafe)', parse: bool('tls-verify') },
  { key: 'timezone', prop: 'timezone', help: 'IANA time zone of reports; blank = system', parse: timezone('timezone') },
  { key: 'retry-first', prop: 'retryFirst', help: 'first retry after a deferral (default 300s)', parse: duration('retry-first', 1, 86400) },
  { key: 'retry-max', prop: 'retryMax', help: 'longest wait between tries (default 4000s)', parse: duration('retry-max', 1, 7 * 86400) },
  { key: 'max-queue-lifetime', prop: 'maxQueueLifetime', help: 'bounce after this long in the queue (default 5d)', parse: duration('max-queue-lifetime', 0, 100 * 86400) },
  { key: 'concurrency', prop: 'concurrency', help: 'parallel deliveries and relay connections (default 20, as Postfix)', parse: int('concurrency', 1, 200) },
  { key: 'listen', prop: 'listen', help: 'SMTP intake host:port (default 127.0.0.1:2525)', parse: listen('listen') },
  { key: 'intake-auth', prop: 'intakeAuth', help: 'on/off: require AUTH at intake', parse: bool('intake-auth') },
  { key: 'intake-username', prop: 'intakeUsername', help: 'intake AUTH user name', parse: text('intake-username') },
  { key: 'intake-password', prop: null, help: 'intake AUTH password (secret)', parse: secret('intake-password') },
  { key: 'intake-tls-cert', prop: 'intakeTlsCert', help: 'PEM certificate for intake STARTTLS; blank = no STARTTLS', parse: pemFile('intake-tls-cert', /-----BEGIN CERTIFICATE-----/) },
  { key: 'intake-tls-key', prop: 'intakeTlsKey', help: 'PEM private key for intake STARTTLS', parse: pemFile('intake-tls-key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/) },
  { key: 'intake-max-size', prop: 'intakeMaxSize', help: 'largest message accepted, bytes (default 10240000; 0 = no limit)', parse: bytes('intake-max-size', 1024 * 1048576) },
  { key: 'intake-max-recipients', prop: 'intakeMaxRecipients', help: 'recipients per message (default 1000)', parse: int('intake-max-recipients', 1, 100000) },
  { key: 'intake-max-connections', prop: 'intakeMaxConnections', help: 'concurrent intake connections (default 100)', parse: int('intake-max-connections', 1, 10000) },
  { key: 'intake-allow-senders', prop: 'intakeAllowSenders', help: 'addresses or @domains allowed as senders; blank = any', parse: senders('intake-allow-senders') },
  { key: 'alert-group-wait', prop: 'alertGroupWait', help: 'wait before the first notification of an alert group (default 30s)', parse: duration('alert-group-wait', 0, 3600) },
  { key: 'alert-group-interval', prop: 'alertGroupInterval', help: 'least time between two notifications of a changing alert group (default 5m)', parse: duration('alert-group-interval', 10, 86400) },
  { key: 'alert-repeat-interval', prop: 'alertRepeatInterval', help: 'post a group still firing again after this long (default 4h; 0 = never)', parse: duration('alert-repeat-interval', 0, 7 * 86400) },
  { key: 'alert-backlog-count', prop: 'alertBacklogCount', help: 'messages waiting in the queue above which queue.backlog fires (default 1000; 0 = off)', parse: int('alert-backlog-count', 0, 100_000_000) },
  { key: 'alert-backlog-age', prop: 'alertBacklogAge', help: 'age of the oldest waiting message above which queue.backlog fires (default 1h; 0 = off)', parse: duration('alert-backlog-age', 0, 100 * 86400) },
];

export const SETTING_KEYS: readonly SettingKey[] = FIELDS.map((f) => f.key);

/** Defaults: TLS on, direct sending, Postfix-like retry timing. */
export function defaultSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const host = osHostname().toLowerCase();
  const hostname = isFqdn(host) ? host : 'smtp-ops.localdomain';
  return {
    enabled: true,
    useTls: true,
    tlsImplicit: 'auto',
    hostname,
    fromName: 'smtp-ops',
    fromAddress: `smtp-ops@${hostname}`,
    relayHost: '',
    relayPort: null,
    sasl: false,
    saslUsername: '',
    tlsCa: '',
    tlsVerify: true,
    timezone: '',
    retryFirst: 300,
    retryMax: 4000,
    maxQueueLifetime: 5 * 86400,
    // Postfix's default_destination_concurrency_limit.
    concurrency: 20,
    listen: env.SMTP_OPS_LISTEN && parseHostPort(env.SMTP_OPS_LISTEN) ? env.SMTP_OPS_LISTEN : '127.0.0.1:2525',
    intakeAuth: false,
    intakeUsername: '',
    intakeTlsCert: '',
    intakeTlsKey: '',
    intakeMaxSize: 10240000,
    intakeMaxRecipients: 1000,
    intakeMaxConnections: 100,
    intakeAllowSenders: '',
    // Alertmanager's defaults for group_wait, group_interval and repeat_interval.
    alertGroupWait: 30,
    alertGroupInterval: 300,
    alertRepeatInterval: 4 * 3600,
    alertBacklogCount: 1000,
    alertBacklogAge: 3600,
  };
}

/** The result of applying a patch: new settings, new secrets, and what changed. */
export interface Applied {
  settings: Settings;
  secrets: Partial<Record<SecretKey, string>>;
  changed: SettingKey[];
  warnings: string[];
}

/**
 * Validate a whole patch against the current settings. Throws one
 * ValidationError listing every bad field; nothing is applied then.
 */
export function applyPatch(current: Settings, patch: SettingsPatch, hasSecret: (k: SecretKey) => boolean): Applied {
  const issues: Issue[] = [];
  const next: Settings = { ...current };
  const secrets: Partial<Record<SecretKey, string>> = {};
  const changed: SettingKey[] = [];
  const keys = Object.keys(patch);
  if (keys.length === 0) throw ValidationError.one('settings', 'required', 'give at least one setting as key=value, e.g. relay-host=smtp.example.com');
  for (const key of keys) {
    const field = FIELDS.find((f) => f.key === key);
    if (!field) {
      const near = closest(key, SETTING_KEYS);
      issues.push({ field: key, rule: 'known-setting', message: `${key} is not a setting${near ? ` (did you mean ${near}?)` : ''}; settings are: ${SETTING_KEYS.join(', ')}` });
      continue;
    }
    const raw = patch[key as SettingKey];
    if (typeof raw !== 'string') {
      issues.push({ field: key, rule: 'string', message: `${key} must be given as text` });
      continue;
    }
    const value = field.parse(raw, (rule, message) => issues.push({ field: key, rule, message }));
    if (value === undefined) continue;
    if (field.prop === null) {
      secrets[key as SecretKey] = value as string;
      changed.push(field.key);
    } else if ((next as unknown as Record<string, unknown>)[field.prop] !== value) {
      (next as unknown as Record<string, unknown>)[field.prop] = value;
      changed.push(field.key);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  // Rules across fields, checked on the result so multi-field updates can fix them together.
  if (next.relayHost === '' && next.relayPort !== null) {
    issues.push({ field: 'relay-port', rule: 'direct-needs-blank', message: 'relay-port must be blank when relay-host is blank (direct sending); clear both with: config set relay-host= relay-port=' });
  }
  if (next.sasl && next.relayHost === '') {
    issues.push({ field: 'sasl', rule: 'needs-relay', message: 'sasl can only be on when a relay-host is set (SASL authenticates to a relay)' });
  }
  if (next.sasl && next.saslUsername === '') {
    issues.push({ field: 'sasl-username', rule: 'required', message: 'sasl-username is required when sasl is on' });
  }
  if (next.retryFirst > next.retryMax) {
    issues.push({ field: 'retry-first', rule: 'le-retry-max', message: `retry-first (${next.retryFirst}s) must not exceed retry-max (${next.retryMax}s)` });
  }
  if (next.intakeAuth && next.intakeUsername === '') {
    issues.push({ field: 'intake-username', rule: 'required', message: 'intake-username is required when intake-auth is on' });
  }
  if (next.intakeAuth && !(secrets['intake-password'] || hasSecret('intake-password'))) {
    issues.push({ field: 'intake-password', rule: 'required', message: 'intake-password must be set before intake-auth is turned on' });
  }
  if ((next.intakeTlsCert === '') !== (next.intakeTlsKey === '')) {
    issues.push({ field: next.intakeTlsCert === '' ? 'intake-tls-cert' : 'intake-tls-key', rule: 'pair', message: 'intake-tls-cert and intake-tls-key must be set together' });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const warnings: string[] = [];
  if (changed.includes('tls-verify') && !next.tlsVerify) warnings.push('tls-verify is off: certificates are not verified, so a man in the middle can read the mail and the SASL password');
  if (changed.includes('use-tls') && !next.useTls && next.sasl) warnings.push('use-tls is off while sasl is on: the SASL password crosses the network in clear text');
  if (next.sasl && !(secrets['sasl-password'] || hasSecret('sasl-password'))) warnings.push('sasl is on but no sasl-password is set yet: set it with "config set sasl-password"');
  return { settings: next, secrets, changed, warnings };
}

/** How delivery connects, from use-tls, relay-host and relay-port. */
export function tlsModeOf(s: Settings): TlsMode {
  if (s.relayHost === '') return s.useTls ? 'starttls' : 'opportunistic';
  if (!s.useTls) return 'none';
  if (s.tlsImplicit !== 'auto') return s.tlsImplicit === 'on' ? 'implicit' : 'starttls';
  return (s.relayPort ?? 25) === 465 ? 'implicit' : 'starttls';
}

export function routeOf(s: Settings): string {
  return s.relayHost === '' ? 'direct (MX)' : `relay ${s.relayHost}:${s.relayPort ?? 25}`;
}

export function viewOf(s: Settings, hasSecret: (k: SecretKey) => boolean): SettingsView {
  const mask = (k: SecretKey) => (hasSecret(k) ? '********' : '(not set)');
  return { ...s, saslPassword: mask('sasl-password'), intakePassword: mask('intake-password'), tlsMode: tlsModeOf(s), route: routeOf(s) };
}

export function deliveryConfig(s: Settings, password: string | undefined, directPort: number, tlsCaPem: string | undefined): DeliveryConfig {
  return {
    hostname: s.hostname,
    relayHost: s.relayHost,
    relayPort: s.relayHost === '' ? null : (s.relayPort ?? 25),
    tlsMode: tlsModeOf(s),
    tlsVerify: s.tlsVerify,
    tlsCa: tlsCaPem,
    auth: s.sasl && s.relayHost !== '' ? { user: s.saslUsername, pass: password ?? '' } : undefined,
    directPort,
    timeoutMs: 30_000,
    maxConnections: s.concurrency,
  };
}

// ---------------------------------------------------------------- syntax

export function isHostname(v: string): boolean {
  if (v.length === 0 || v.length > 253) return false;
  return v.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

export function isFqdn(v: string): boolean {
  const labels = v.split('.');
  return labels.length >= 2 && isHostname(v) && !/^\d+$/.test(labels[labels.length - 1]) && !v.includes('_');
}

/** RFC 5321 mailbox: dot-atom or quoted local part (<= 64), domain or address literal; <= 254. */
export function isMailbox(v: string): boolean {
  if (v.length > 254) return false;
  const at = v.lastIndexOf('@');
  if (at <= 0) return false;
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (local.length > 64) return false;
  const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
  const dotAtom = new RegExp(`^${atom}(?:\\.${atom})*$`);
  // eslint-disable-next-line no-control-regex
  const quoted = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
  if (!dotAtom.test(local) && !quoted.test(local)) return false;
  const lit = /^\[(.+)\]$/.exec(domain);
  if (lit) return isIP(lit[1].replace(/^IPv6:/i, '')) !== 0;
  return isHostname(domain.toLowerCase()) && domain.includes('.');
}

export function parseHostPort(v: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  if (!m) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port < 0 || port > 65535) return null;
  if (!(isIP(host) || isHostname(host))) return null;
  return { host, port };
}

function show(raw: string): string {
  const s = raw.length > 60 ? raw.slice(0, 57) + '...' : raw;
  return JSON.stringify(s);
}
