/**
 * Every setting, once. A row holds what users type (`key`), the property it
 * is stored and returned under (`prop`), how its value is parsed, its default,
 * its help, whether it is a secret, and what must restart when it changes.
 * The `SettingKey` and `Settings` types, the secret keys, the defaults, the
 * grammar's help and completion, the config handler's key checks, the JSON
 * names, the README's settings table and the listener restart all derive from
 * this table: a new setting is one new row.
 */
import { hostname as osHostname } from 'node:os';
import { address, bool, bytes, choice, duration, fqdn, fqdnOrBlank, hostOrBlank, int, listen, listenOrBlank, portOrBlank, secret, selector, senders, text, timezone, zones, type Parser } from './parsers.js';
import { CERTIFICATE, PRIVATE_KEY, pemFile, privateKey } from './pem-files.js';
import { isFqdn, parseHostPort } from './syntax.js';

/** A running part that reads a setting once, at start, and must restart when it changes. */
export type Restart = 'intake' | 'deliverer';

/** What machine-dependent defaults are computed from. */
export interface Machine {
  /** The host's FQDN, or `smtp-ops.localdomain` when it has none. */
  hostname: string;
  env: NodeJS.ProcessEnv;
}

/** One setting. */
export interface SettingRow<K extends string = string, P extends string = string, T = unknown, S extends boolean = boolean> {
  /** As users type it: `config set relay-port=587`. */
  key: K;
  /** The property of `Settings` (and of `SettingsView`, where a secret shows only masked). */
  prop: P;
  parse: Parser<T>;
  /** The value before anyone sets it; a function of the machine where it depends on it. Secrets: '' (not set). */
  default: T | ((m: Machine) => T);
  /** One line: meaning, accepted values, default when it is not obvious. */
  help: string;
  /** Stored sealed, typed privately, never shown. */
  secret: S;
  /** What restarts when it changes. */
  restarts: readonly Restart[];
}

/** A row; its value type comes from the parser alone, so a default of the wrong type does not compile. */
function row<const K extends string, const P extends string, T, const S extends boolean = false>(r: {
  key: K;
  prop: P;
  parse: Parser<T>;
  default: NoInfer<T> | ((m: Machine) => NoInfer<T>);
  help: string;
  secret?: S;
  restarts?: readonly Restart[];
}): SettingRow<K, P, T, S> {
  return { ...r, secret: (r.secret ?? false) as S, restarts: r.restarts ?? [] };
}

const DELIVERER: readonly Restart[] = ['deliverer'];
const INTAKE: readonly Restart[] = ['intake'];

/** DNSBL zones the doctor checks by default: the widely used public blocklists. */
export const DEFAULT_DNSBL_ZONES = 'zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org';

/** Every setting, in the order of the admin guide (and of `config show`). */
export const SETTINGS = [
  row({ key: 'enabled', prop: 'enabled', parse: bool, default: true, help: 'on/off: off queues mail but sends nothing' }),
  row({ key: 'use-tls', prop: 'useTls', parse: bool, default: true, restarts: DELIVERER, help: 'on/off: TLS to the relay (465 implicit, else STARTTLS required); direct: require STARTTLS' }),
  row({ key: 'tls-implicit', prop: 'tlsImplicit', parse: choice(['auto', 'on', 'off']), default: 'auto', restarts: DELIVERER, help: 'auto/on/off: implicit TLS (auto = on port 465 only); for relays that wrap TLS on another port' }),
  row({ key: 'hostname', prop: 'hostname', parse: fqdn, default: (m) => m.hostname, restarts: ['deliverer', 'intake'], help: 'FQDN used as EHLO name and Message-ID domain' }),
  row({ key: 'from-name', prop: 'fromName', parse: text(200), default: 'smtp-ops', help: 'display name in From' }),
  row({ key: 'from-address', prop: 'fromAddress', parse: address, default: (m) => `smtp-ops@${m.hostname}`, help: 'envelope and header From address' }),
  row({ key: 'relay-host', prop: 'relayHost', parse: hostOrBlank, default: '', restarts: DELIVERER, help: 'relay server host; blank = send direct by MX' }),
  row({ key: 'relay-port', prop: 'relayPort', parse: portOrBlank, default: null, restarts: DELIVERER, help: 'relay port 1-65535 (25, 587 STARTTLS, 465 implicit TLS); blank = direct' }),
  row({ key: 'sasl', prop: 'sasl', parse: bool, default: false, restarts: DELIVERER, help: 'on/off: authenticate to the relay with SASL' }),
  row({ key: 'sasl-username', prop: 'saslUsername', parse: text(), default: '', restarts: DELIVERER, help: 'SASL user name' }),
  row({ key: 'sasl-password', prop: 'saslPassword', parse: secret, default: '', secret: true, restarts: DELIVERER, help: 'SASL password (secret: typed privately, stored encrypted, never shown)' }),
  row({ key: 'tls-ca', prop: 'tlsCa', parse: pemFile(CERTIFICATE), default: '', restarts: DELIVERER, help: 'PEM file of a private CA to trust; blank = system roots' }),
  row({ key: 'tls-verify', prop: 'tlsVerify', parse: bool, default: true, restarts: DELIVERER, help: 'on/off: verify certificates (off is unsafe)' }),
  row({ key: 'timezone', prop: 'timezone', parse: timezone, default: '', help: 'IANA time zone of reports; blank = system' }),
  row({ key: 'retry-first', prop: 'retryFirst', parse: duration(1, 86400), default: 300, help: 'first retry after a deferral (default 300s)' }),
  row({ key: 'retry-max', prop: 'retryMax', parse: duration(1, 7 * 86400), default: 4000, help: 'longest wait between tries (default 4000s)' }),
  row({ key: 'max-queue-lifetime', prop: 'maxQueueLifetime', parse: duration(0, 100 * 86400), default: 5 * 86400, help: 'bounce after this long in the queue (default 5d)' }),
  // Postfix's default_destination_concurrency_limit.
  row({ key: 'concurrency', prop: 'concurrency', parse: int(1, 200), default: 20, restarts: DELIVERER, help: 'parallel deliveries and relay connections (default 20, as Postfix)' }),
  row({ key: 'listen', prop: 'listen', parse: listen, default: (m) => (m.env.SMTP_OPS_LISTEN && parseHostPort(m.env.SMTP_OPS_LISTEN) ? m.env.SMTP_OPS_LISTEN : '127.0.0.1:2525'), restarts: INTAKE, help: 'SMTP intake host:port (default 127.0.0.1:2525)' }),
  row({ key: 'intake-auth', prop: 'intakeAuth', parse: bool, default: false, restarts: INTAKE, help: 'on/off: require AUTH at intake' }),
  row({ key: 'intake-username', prop: 'intakeUsername', parse: text(), default: '', restarts: INTAKE, help: 'intake AUTH user name' }),
  row({ key: 'intake-password', prop: 'intakePassword', parse: secret, default: '', secret: true, restarts: INTAKE, help: 'intake AUTH password (secret)' }),
  row({ key: 'intake-tls-cert', prop: 'intakeTlsCert', parse: pemFile(CERTIFICATE), default: '', restarts: INTAKE, help: 'PEM certificate for intake STARTTLS; blank = no STARTTLS' }),
  row({ key: 'intake-tls-key', prop: 'intakeTlsKey', parse: pemFile(PRIVATE_KEY), default: '', restarts: INTAKE, help: 'PEM private key for intake STARTTLS' }),
  row({ key: 'intake-max-size', prop: 'intakeMaxSize', parse: bytes(1024 * 1048576), default: 10240000, restarts: INTAKE, help: 'largest message accepted, bytes (default 10240000; 0 = no limit)' }),
  row({ key: 'intake-max-recipients', prop: 'intakeMaxRecipients', parse: int(1, 100000), default: 1000, restarts: INTAKE, help: 'recipients per message (default 1000)' }),
  row({ key: 'intake-max-connections', prop: 'intakeMaxConnections', parse: int(1, 10000), default: 100, restarts: INTAKE, help: 'concurrent intake connections (default 100)' }),
  row({ key: 'intake-allow-senders', prop: 'intakeAllowSenders', parse: senders, default: '', restarts: INTAKE, help: 'addresses or @domains allowed as senders; blank = any' }),
  // The DKIM signer is built with the deliverer, so a DKIM change takes effect at the next send.
  row({ key: 'dkim-domain', prop: 'dkimDomain', parse: fqdnOrBlank, default: '', restarts: DELIVERER, help: 'DKIM signing domain (d=): mail whose From domain is it or a subdomain of it is signed; blank = no signing (README: DKIM signing)' }),
  row({ key: 'dkim-selector', prop: 'dkimSelector', parse: selector, default: '', restarts: DELIVERER, help: 'DKIM selector (s=), one or more DNS labels: the public key is published at `<selector>._domainkey.<dkim-domain>`' }),
  row({ key: 'dkim-private-key', prop: 'dkimPrivateKey', parse: privateKey, default: '', secret: true, restarts: DELIVERER, help: 'DKIM RSA private key, 1024 to 4096 bits (secret: the PEM typed privately or `--password-stdin < key.pem`, or the absolute path of a PEM file on the smtp-ops host, read once; stored encrypted, never shown); `dkim keygen` makes one' }),
  row({ key: 'dnsbl-zones', prop: 'dnsblZones', parse: zones, default: DEFAULT_DNSBL_ZONES, help: `DNS blocklist zones the doctor checks the sending IP against, comma-separated (default ${DEFAULT_DNSBL_ZONES.replace(/,/g, ', ')}); blank = none` }),
  // Read once when serve starts (SMTP_OPS_HTTP overrides it there); no running part restarts on a change.
  row({ key: 'http-listen', prop: 'httpListen', parse: listenOrBlank, default: '', help: 'metrics and health HTTP host:port (e.g. 127.0.0.1:9125); blank = off (default); read when serve starts; SMTP_OPS_HTTP overrides it' }),
  // Alertmanager's defaults for group_wait, group_interval and repeat_interval; the alert service reads these at each decision.
  row({ key: 'alert-group-wait', prop: 'alertGroupWait', parse: duration(0, 3600), default: 30, help: 'wait before the first notification of an alert group (default 30s)' }),
  row({ key: 'alert-group-interval', prop: 'alertGroupInterval', parse: duration(10, 86400), default: 300, help: 'least time between two notifications of a changing alert group (default 5m)' }),
  row({ key: 'alert-repeat-interval', prop: 'alertRepeatInterval', parse: duration(0, 7 * 86400), default: 4 * 3600, help: 'post a group still firing again after this long (default 4h; 0 = never)' }),
  row({ key: 'alert-backlog-count', prop: 'alertBacklogCount', parse: int(0, 100_000_000), default: 1000, help: 'messages waiting in the queue above which queue.backlog fires (default 1000; 0 = off)' }),
  row({ key: 'alert-backlog-age', prop: 'alertBacklogAge', parse: duration(0, 100 * 86400), default: 3600, help: 'age of the oldest waiting message above which queue.backlog fires (default 1h; 0 = off)' }),
] as const;

type Row = (typeof SETTINGS)[number];
type ValueOf<R> = R extends SettingRow<string, string, infer T> ? T : never;

/** Every setting key, as typed by users (`config set relay-port=587`). */
export type SettingKey = Row['key'];
/** The settings whose values are secrets: stored sealed, never returned. */
export type SecretKey = Extract<Row, { secret: true }>['key'];

/** Stored, typed settings. Secrets are not part of them: see `SettingsView`. */
export type Settings = { -readonly [R in Row as R['secret'] extends true ? never : R['prop']]: ValueOf<R> };
/** The properties under which secrets show, masked, in `SettingsView`. */
export type SecretProp = Extract<Row, { secret: true }>['prop'];

export const SETTING_KEYS: readonly SettingKey[] = SETTINGS.map((s) => s.key);
export const SECRET_KEYS: readonly SecretKey[] = SETTINGS.filter((s) => s.secret).map((s) => s.key as SecretKey);

export function isSettingKey(k: string): k is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(k);
}

export function isSecretKey(k: string): k is SecretKey {
  return (SECRET_KEYS as readonly string[]).includes(k);
}

/** The row of a setting key. */
export function settingOf(key: SettingKey): Row {
  return SETTINGS.find((s) => s.key === key)!;
}

/** What must restart after these settings changed. */
export function restartsFor(changed: readonly SettingKey[]): Set<Restart> {
  return new Set(changed.flatMap((k) => settingOf(k).restarts));
}

/** Defaults: TLS on, direct sending, Postfix-like retry timing. */
export function defaultSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const host = osHostname().toLowerCase();
  const machine: Machine = { hostname: isFqdn(host) ? host : 'smtp-ops.localdomain', env };
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (s.secret) continue;
    out[s.prop] = typeof s.default === 'function' ? (s.default as (m: Machine) => unknown)(machine) : s.default;
  }
  return out as Settings;
}
