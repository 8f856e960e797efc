/**
 * The `/smtp` grammar as data. Parsing, help, access checks, REPL completion,
 * Discord command registration and the README's command list all read this
 * table; nothing else declares a command.
 */
import { EVENT_LEVELS, QUEUE_STATES, ROLES } from '../engine/index.js';
import type { LogStatus, SettingKey } from '../engine/index.js';
import type { CommandSpec, OptionSpec } from './types.js';

/**
 * Every setting key users may type, with its meaning (for `help config set`
 * and completion). A Record so that a key added to the engine's SettingKey
 * fails to compile here until it is described.
 */
export const SETTING_HELP: Readonly<Record<SettingKey, string>> = {
  enabled: 'on/off: off queues mail but sends nothing',
  'use-tls': 'on/off: TLS to the relay (465 implicit, else STARTTLS required); direct: require STARTTLS',
  'tls-implicit': 'auto/on/off: implicit TLS (auto = on port 465 only)',
  hostname: 'FQDN used as EHLO name and Message-ID domain',
  'from-name': 'display name in From',
  'from-address': 'envelope and header From address',
  'relay-host': 'relay server host; blank = send direct by MX',
  'relay-port': 'relay port 1-65535 (25, 587 STARTTLS, 465 implicit TLS); blank = direct',
  sasl: 'on/off: authenticate to the relay with SASL',
  'sasl-username': 'SASL user name',
  'sasl-password': 'SASL password (secret: typed privately, stored encrypted, never shown)',
  'tls-ca': 'PEM file of a private CA to trust; blank = system roots',
  'tls-verify': 'on/off: verify certificates (off is unsafe)',
  timezone: 'IANA time zone of reports; blank = system',
  'retry-first': 'first retry after a deferral (default 300s)',
  'retry-max': 'longest wait between tries (default 4000s)',
  'max-queue-lifetime': 'bounce after this long in the queue (default 5d)',
  concurrency: 'parallel deliveries (default 20)',
  listen: 'SMTP intake host:port (default 127.0.0.1:2525)',
  'intake-auth': 'on/off: require AUTH at intake',
  'intake-username': 'intake AUTH user name',
  'intake-password': 'intake AUTH password (secret)',
  'intake-tls-cert': 'PEM certificate for intake STARTTLS; blank = no STARTTLS',
  'intake-tls-key': 'PEM private key for intake STARTTLS',
  'intake-max-size': 'largest message accepted, bytes (0 = no limit)',
  'intake-max-recipients': 'recipients per message',
  'intake-max-connections': 'concurrent intake connections',
  'intake-allow-senders': 'addresses or @domains allowed as senders; blank = any',
  'alert-group-wait': 'wait before the first notification of an alert group (default 30s)',
  'alert-group-interval': 'least time between two notifications of a changing alert group (default 5m)',
  'alert-repeat-interval': 'post a group still firing again after this long (default 4h; 0 = never)',
  'alert-backlog-count': 'messages waiting in the queue above which queue.backlog fires (default 1000; 0 = off)',
  'alert-backlog-age': 'age of the oldest waiting message above which queue.backlog fires (default 1h; 0 = off)',
};

/** Every setting key, in the order of the admin guide. */
export const SETTING_KEYS: readonly SettingKey[] = Object.keys(SETTING_HELP) as SettingKey[];

/** Settings whose values are secrets: never echoed, never typed inline in chat. */
export const SECRET_KEYS: readonly SettingKey[] = ['sasl-password', 'intake-password'];

/** Mail log statuses, for `log --status`. */
export const LOG_STATUSES: readonly LogStatus[] = ['received', 'sent', 'deferred', 'bounced', 'deleted', 'expired'];

const page: OptionSpec = { name: 'page', type: 'number', description: 'Page number, 1 = newest', alias: 'p' };
const cursor: OptionSpec = { name: 'cursor', type: 'string', description: 'Opaque paging cursor (from a previous page)' };
const yes: OptionSpec = { name: 'yes', type: 'boolean', description: 'Do it without asking', alias: 'y', terminalOnly: true };

/** The grammar. Order is the order of `help`. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ['status'],
    aliases: [['dashboard']],
    summary: 'The SMTP dashboard: settings, queue counts, latest mail log entries and events',
    args: [],
    options: [],
    examples: ['status'],
    role: 'viewer',
  },
  {
    path: ['config', 'show'],
    aliases: [['config']],
    summary: 'Show every setting (secrets masked)',
    args: [],
    options: [],
    examples: ['config', 'config show'],
    role: 'viewer',
  },
  {
    path: ['config', 'set'],
    summary: 'Change settings, several at once, all or nothing; a password alone asks for it privately',
    args: [
      { name: 'assignments', description: 'key=value pairs, or a password key alone', required: true, variadic: true, complete: 'setting-assignment' },
    ],
    options: [],
    examples: ['config set relay-host=smtp.example.com relay-port=587 use-tls=on', 'config set sasl=on sasl-username=alerts@example.com', 'config set sasl-password'],
    role: 'admin',
  },
  {
    path: ['test'],
    summary: 'Send a test message and report the outcome of its first delivery attempt',
    args: [{ name: 'address', description: 'Recipient address', required: true, complete: 'address' }],
    options: [{ name: 'wait', type: 'boolean', description: 'Wait for the outcome (exit 0 only if sent)', alias: 'w', terminalOnly: true }],
    examples: ['test oncall@example.com', 'test oncall@example.com --wait'],
    role: 'operator',
  },
  {
    path: ['queue', 'list'],
    aliases: [['queue'], ['queue', 'ls']],
    summary: 'List the mail queue',
    args: [],
    options: [
      { name: 'state', type: 'string', description: 'Only messages in this state', choices: QUEUE_STATES, alias: 's', complete: 'state' },
      page,
      cursor,
      { name: 'order', type: 'string', description: 'newest (default) or oldest first', choices: ['newest', 'oldest'] },
    ],
    examples: ['queue', 'queue list --state deferred', 'queue list --page 2 --order oldest'],
    role: 'viewer',
  },
  {
    path: ['queue', 'show'],
    summary: 'Show one queued message (envelope, headers, attempts)',
    args: [{ name: 'id', description: 'Queue id', required: true, complete: 'queue-id' }],
    options: [],
    examples: ['queue show 01JD3K2M4N'],
    role: 'viewer',
  },
  {
    path: ['queue', 'flush'],
    summary: 'Retry every queued and deferred message now (nothing is deleted)',
    args: [],
    options: [yes],
    examples: ['queue flush'],
    role: 'operator',
    destructive: true,
  },
  {
    path: ['queue', 'delete'],
    aliases: [['queue', 'rm']],
    summary: 'Delete one message, or the whole queue with --all (not regenerated)',
    args: [{ name: 'id', description: 'Queue id (or --all)', required: false, complete: 'queue-id' }],
    options: [{ name: 'all', type: 'boolean', description: 'Delete every message in the queue' }, yes],
    examples: ['queue delete 01JD3K2M4N', 'queue delete --all'],
    role: 'admin',
    destructive: true,
  },
  {
    path: ['queue', 'hold'],
    summary: 'Hold a message: it is not attempted until released',
    args: [{ name: 'id', description: 'Queue id', required: true, complete: 'queue-id' }],
    options: [],
    examples: ['queue hold 01JD3K2M4N'],
    role: 'operator',
  },
  {
    path: ['queue', 'release'],
    summary: 'Release a held message: it is attempted now',
    args: [{ name: 'id', description: 'Queue id', required: true, complete: 'queue-id' }],
    options: [],
    examples: ['queue release 01JD3K2M4N'],
    role: 'operator',
  },
  {
    path: ['log'],
    aliases: [['logs'], ['mail-log']],
    summary: 'The mail log: messages received, sent, deferred, bounced',
    args: [],
    options: [
      { name: 'to', type: 'string', description: 'Only entries to this address', complete: 'address' },
      { name: 'from', type: 'string', description: 'Only entries from this address', complete: 'address' },
      { name: 'status', type: 'string', description: 'Only entries with this status', choices: LOG_STATUSES, complete: 'status' },
      page,
      cursor,
    ],
    examples: ['log', 'log --status bounced', 'log --to oncall@example.com --page 2'],
    role: 'viewer',
  },
  {
    path: ['events'],
    aliases: [['event']],
    summary: 'System events (configuration changes, failures, access denials)',
    args: [],
    options: [
      { name: 'level', type: 'string', description: 'Only events at this level', choices: EVENT_LEVELS, alias: 'l', complete: 'level' },
      page,
      cursor,
    ],
    examples: ['events', 'events --level error'],
    role: 'viewer',
  },
  {
    path: ['report'],
    summary: "A day's summary: messages, bytes, recipients, senders, warnings and errors",
    args: [{ name: 'day', description: 'today (default), yesterday or YYYY-MM-DD', required: false, complete: 'day' }],
    options: [{ name: 'full', type: 'boolean', description: 'Every section in full' }],
    examples: ['report', 'report yesterday', 'report 2026-11-23 --full'],
    role: 'viewer',
  },
  {
    path: ['doctor'],
    summary: 'Run the troubleshooting checks of the admin guide',
    args: [],
    options: [],
    examples: ['doctor'],
    role: 'viewer',
  },
  {
    path: ['alerts', 'subscribe'],
    summary: 'Send alert groups (and with --report the daily report) to a channel or an email address',
    args: [{ name: 'target', description: 'slack:<channel>, discord:<channel> or email:<address>; in chat: this channel', required: false, complete: 'target' }],
    options: [
      { name: 'level', type: 'string', description: 'Least level forwarded (default warning)', choices: EVENT_LEVELS, alias: 'l', complete: 'level' },
      { name: 'code', type: 'string', description: 'Only these event codes, comma-separated (e.g. relay.unreachable,auth.failed)', complete: 'alert-code' },
      { name: 'report', type: 'string', description: "Post yesterday's report daily at this time, HH:MM in the report time zone" },
    ],
    examples: ['alerts subscribe', 'alerts subscribe --level error', 'alerts subscribe email:oncall@example.com --level error', 'alerts subscribe slack:C0123ABCD --code relay.unreachable,auth.failed', 'alerts subscribe --report 08:00'],
    role: 'operator',
  },
  {
    path: ['alerts', 'unsubscribe'],
    summary: 'Stop sending alerts (or with --report the daily report) to a channel or an email address',
    args: [{ name: 'target', description: 'slack:<channel>, discord:<channel> or email:<address>; in chat: this channel', required: false, complete: 'target' }],
    options: [{ name: 'report', type: 'boolean', description: 'Stop the daily report instead of the alerts' }],
    examples: ['alerts unsubscribe', 'alerts unsubscribe email:oncall@example.com', 'alerts unsubscribe --report'],
    role: 'operator',
  },
  {
    path: ['alerts', 'list'],
    aliases: [['alerts']],
    summary: 'Subscriptions, daily reports, silences and the alert groups now open',
    args: [],
    options: [],
    examples: ['alerts list'],
    role: 'viewer',
  },
  {
    path: ['alerts', 'mute'],
    summary: 'Hold back alerts of an event code, or of a domain or relay, for a while',
    args: [
      { name: 'match', description: 'An event code (relay.deferred) or a domain or relay (example.com, smtp.example.com:587)', required: true, complete: 'alert-code' },
      { name: 'duration', description: 'How long: 30m, 1h, 4h, 2d (at most 7d)', required: true },
    ],
    options: [],
    examples: ['alerts mute example.com 1h', 'alerts mute relay.deferred 4h'],
    role: 'operator',
  },
  {
    path: ['alerts', 'unmute'],
    summary: 'End a silence; what it held back is posted',
    args: [{ name: 'match', description: 'The code, domain or relay given to alerts mute', required: true, complete: 'alert-code' }],
    options: [],
    examples: ['alerts unmute example.com'],
    role: 'operator',
  },
  {
    path: ['access', 'grant'],
    summary: 'Give a user (or a Discord role) a role',
    args: [
      { name: 'subject', description: 'slack:U123, discord:456 or discord-role:789', required: true, complete: 'subject' },
      { name: 'role', description: 'viewer, operator or admin', required: true, choices: ROLES, complete: 'role' },
    ],
    options: [],
    examples: ['access grant slack:U024BE7LH operator', 'access grant discord-role:1100223344 viewer'],
    role: 'admin',
  },
  {
    path: ['access', 'revoke'],
    summary: "Remove a subject's role",
    args: [{ name: 'subject', description: 'slack:U123, discord:456 or discord-role:789', required: true, complete: 'subject' }],
    options: [],
    examples: ['access revoke slack:U024BE7LH'],
    role: 'admin',
  },
  {
    path: ['access', 'list'],
    aliases: [['access']],
    summary: 'Who has which role (grants and bootstrap admins)',
    args: [],
    options: [],
    examples: ['access list'],
    role: 'admin',
  },
  {
    path: ['help'],
    aliases: [['?']],
    summary: 'Commands, or one command in detail',
    args: [{ name: 'command', description: 'A command, e.g. "queue flush"', required: false, variadic: true }],
    options: [],
    examples: ['help', 'help queue delete'],
    role: 'viewer',
  },
];

/** The usage line of a command, e.g. `queue list [--state <queued|…>] [--page N]`. */
export function usageOf(spec: CommandSpec, opts: { terminal?: boolean } = {}): string {
  const parts: string[] = [...spec.path];
  for (const a of spec.args) {
    const name = a.choices ? a.choices.join('|') : a.name;
    const body = a.variadic ? `${name}...` : name;
    parts.push(a.required ? `<${body}>` : `[${body}]`);
  }
  for (const o of spec.options) {
    if (o.terminalOnly && opts.terminal === false) continue;
    const value = o.type === 'boolean' ? '' : o.choices ? ` <${o.choices.join('|')}>` : o.type === 'number' ? ' N' : ` <${o.name}>`;
    parts.push(`[--${o.name}${value}]`);
  }
  return parts.join(' ');
}

/** Every word path that names a command (its path and its aliases), with the spec. */
export function commandPaths(commands: readonly CommandSpec[] = COMMANDS): { words: readonly string[]; spec: CommandSpec }[] {
  const out: { words: readonly string[]; spec: CommandSpec }[] = [];
  for (const spec of commands) {
    out.push({ words: spec.path, spec });
    for (const a of spec.aliases ?? []) out.push({ words: a, spec });
  }
  return out;
}

/** Find a command by its canonical path or an alias (`['queue']` finds `queue list`). */
export function findCommand(words: readonly string[], commands: readonly CommandSpec[] = COMMANDS): CommandSpec | undefined {
  const key = words.join(' ');
  return commandPaths(commands).find((p) => p.words.join(' ') === key)?.spec;
}
