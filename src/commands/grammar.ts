/**
 * The `/smtp` grammar as data. Parsing, help, access checks, REPL completion,
 * Discord command registration, the handlers' keys and the README's command
 * table (`npm run docs:tables`) all read this table; nothing else declares a
 * command.
 */
import { EVENT_LEVELS, LOG_STATUSES, QUEUE_STATES, ROLES } from '../engine/index.js';
import type { CommandSpec, OptionSpec } from './types.js';

const page: OptionSpec = { name: 'page', type: 'number', description: 'Page number, 1 = newest', alias: 'p' };
const cursor: OptionSpec = { name: 'cursor', type: 'string', description: 'Opaque paging cursor (a `next` or `prev` of a previous page)', internal: true };
const yes: OptionSpec = { name: 'yes', type: 'boolean', description: 'Do it without asking', alias: 'y', terminalOnly: true };
/** Which messages a queue command acts on, as postqueue -s and postsuper take them (handlers/queue-filter.ts reads them). */
function filters(state: readonly string[] = QUEUE_STATES, what = 'Only messages'): OptionSpec[] {
  return [
    { name: 'domain', type: 'string', description: `${what} with a recipient at this domain`, complete: 'domain' },
    { name: 'to', type: 'string', description: `${what} to this recipient`, complete: 'address' },
    { name: 'from', type: 'string', description: `${what} from this sender (<> for bounces)`, complete: 'address' },
    { name: 'state', type: 'string', description: `${what} in this state`, choices: state, alias: 's', complete: 'state' },
    { name: 'older-than', type: 'string', description: `${what} queued longer ago than this (30m, 2h, 1d; seconds without a unit)` },
  ];
}
const all = (what: string): OptionSpec => ({ name: 'all', type: 'boolean', description: what });

/** Wait for the delivery attempts a command starts (the one-shot CLI always does when it holds the store itself). */
const waitAttempts: OptionSpec = { name: 'wait', type: 'boolean', description: 'Wait for the delivery attempts and report them (exit 0 only if all were delivered)', alias: 'w', terminalOnly: true };

/** The grammar. Order is the order of `help`. */
const GRAMMAR = [
  {
    path: ['status'],
    aliases: [['dashboard']],
    summary: 'The SMTP dashboard: settings, the mail queue (counts, newest entries), the latest mail log entries and events',
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
    summary: 'List the mail queue, or the messages a filter selects',
    args: [],
    options: [
      ...filters(),
      page,
      cursor,
      { name: 'order', type: 'string', description: 'newest (default) or oldest first', choices: ['newest', 'oldest'] },
      { name: 'all', type: 'boolean', description: 'Every message, not one page (with --json: one JSON object per line, as postqueue -j)', terminalOnly: true },
    ],
    examples: ['queue', 'queue list --state deferred', 'queue list --domain example.com --older-than 1h', 'queue list --page 2 --order oldest'],
    role: 'viewer',
  },
  {
    path: ['queue', 'summary'],
    aliases: [['queue', 'shape']],
    summary: 'The queue by recipient domain and age (as qshape), and by last error',
    args: [],
    options: filters(),
    examples: ['queue summary', 'queue summary --state deferred', 'queue summary --older-than 1h'],
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
    summary: 'Retry every queued and deferred message now, or those a filter selects (nothing is deleted)',
    args: [],
    options: [...filters(['queued', 'deferred'], 'Only messages'), yes, waitAttempts],
    examples: ['queue flush', 'queue flush --domain example.com', 'queue flush --state deferred --older-than 2h'],
    role: 'operator',
    destructive: true,
  },
  {
    path: ['queue', 'delete'],
    aliases: [['queue', 'rm']],
    summary: 'Delete one message, those a filter selects, or the whole queue with --all (not regenerated)',
    args: [{ name: 'id', description: 'Queue id (or --all, or filters)', required: false, complete: 'queue-id' }],
    options: [all('Delete every message in the queue'), ...filters(), yes],
    examples: ['queue delete 01JD3K2M4N', 'queue delete --domain example.com --older-than 1d', 'queue delete --all'],
    role: 'admin',
    destructive: true,
  },
  {
    path: ['queue', 'hold'],
    summary: 'Hold a message, those a filter selects, or all with --all: not attempted until released',
    args: [{ name: 'id', description: 'Queue id (or --all, or filters)', required: false, complete: 'queue-id' }],
    options: [all('Hold every queued and deferred message'), ...filters(['queued', 'deferred']), yes],
    examples: ['queue hold 01JD3K2M4N', 'queue hold --domain example.com'],
    role: 'operator',
  },
  {
    path: ['queue', 'release'],
    summary: 'Release a held message, the held messages a filter selects, or all with --all: attempted now',
    args: [{ name: 'id', description: 'Queue id (or --all, or filters)', required: false, complete: 'queue-id' }],
    options: [all('Release every held message'), ...filters(['held']).filter((o) => o.name !== 'state'), yes, waitAttempts],
    examples: ['queue release 01JD3K2M4N', 'queue release --domain example.com'],
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
      { name: 'level', type: 'string', description: 'Only events at or above this level (as journalctl -p)', choices: EVENT_LEVELS, alias: 'l', complete: 'level' },
      page,
      cursor,
    ],
    examples: ['events', 'events --level error'],
    role: 'viewer',
  },
  {
    path: ['report'],
    summary: 'Traffic summary of a day or a range of days, like pflogsumm: totals, per day and hour, senders, recipients, domains, clients, rejects, deferrals, bounces, the queue',
    args: [{ name: 'day', description: 'today (default), yesterday, week (7 days to today), YYYY-MM-DD, or FROM..TO', required: false, complete: 'day' }],
    options: [
      { name: 'days', type: 'number', description: 'This many days, ending with the day given (default today)', alias: 'd' },
      { name: 'full', type: 'boolean', description: 'Every section in full' },
      { name: 'problems-first', type: 'boolean', description: 'Rejects, deferrals, bounces and warnings before the traffic' },
      { name: 'png', type: 'string', description: 'Write the chart to this PNG file', terminalOnly: true },
    ],
    examples: ['report', 'report yesterday', 'report 2026-11-23 --full', 'report 2026-11-01..2026-11-30', 'report --days 7 --problems-first', 'report week --png week.png'],
    role: 'viewer',
  },
  {
    path: ['doctor'],
    summary: "Run the admin guide's troubleshooting checks (connection, TLS, login, relay permission, SPF/DKIM/DMARC, reverse DNS, blocklists, queue) within 10 s",
    args: [],
    options: [{ name: 'to', type: 'string', description: 'Test recipient address or domain (RCPT TO; direct mode: its MX); default postmaster@ the from-address domain', complete: 'address' }],
    examples: ['doctor', 'doctor --to oncall@example.com', 'doctor --to example.com'],
    role: 'viewer',
  },
  {
    path: ['dkim', 'keygen'],
    summary: 'Make a DKIM key pair, store the private key (sealed) and print the DNS TXT record to publish',
    args: [],
    options: [
      { name: 'selector', type: 'string', description: 'Selector to publish the key under (default smtp-ops-YYYYMMDD)' },
      { name: 'bits', type: 'number', description: 'RSA key size: 1024, 2048 (default), 3072 or 4096' },
      yes,
    ],
    examples: ['dkim keygen', 'dkim keygen --selector alerts2026 --bits 2048'],
    role: 'admin',
    destructive: true,
  },
  {
    path: ['dkim', 'show'],
    aliases: [['dkim']],
    summary: 'Print the DNS TXT record of the current DKIM key (never the private key)',
    args: [],
    options: [],
    examples: ['dkim show'],
    role: 'viewer',
  },
  {
    path: ['alerts', 'subscribe'],
    summary: 'Send alert groups (and with --report the daily report) to a channel or an email address',
    args: [{ name: 'target', description: 'slack:<channel>, discord:<channel> or email:<address>; in chat: this channel', required: false, complete: 'target' }],
    options: [
      { name: 'level', type: 'string', description: 'Forward events at or above this level (default warning)', choices: EVENT_LEVELS, alias: 'l', complete: 'level' },
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
] as const satisfies readonly CommandSpec[];

export const COMMANDS: readonly CommandSpec[] = GRAMMAR;

type Joined<P> = P extends readonly [infer A extends string] ? A : P extends readonly [infer A extends string, ...infer R] ? `${A} ${Joined<R>}` : never;

/** A command's canonical path as one string (`queue flush`): the key of its handler. */
export type CommandPath = Joined<(typeof GRAMMAR)[number]['path']>;

/** The canonical path of a command of the grammar. */
export function pathOf(spec: CommandSpec): CommandPath {
  return spec.path.join(' ') as CommandPath;
}

/** The usage line of a command, e.g. `queue list [--state <queued|…>] [--page N]`. */
export function usageOf(spec: CommandSpec, opts: { terminal?: boolean } = {}): string {
  const parts: string[] = [...spec.path];
  for (const a of spec.args) {
    const name = a.choices ? a.choices.join('|') : a.name;
    const body = a.variadic ? `${name}...` : name;
    parts.push(a.required ? `<${body}>` : `[${body}]`);
  }
  for (const o of spec.options) {
    if ((o.terminalOnly && opts.terminal === false) || o.internal) continue;
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
