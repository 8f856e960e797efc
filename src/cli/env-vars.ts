/**
 * Every environment variable smtp-ops reads, once: `--help` of the program,
 * of `serve` and of `repl` list them from here, and so does the README
 * (`npm run docs:tables`). A test fails when the code reads one not listed.
 */

/** Who reads a variable: the daemon, the REPL, the one-shot CLI, `smtp-ops sendmail`/`mailq`. */
export type Reader = 'serve' | 'repl' | 'cli' | 'sendmail';

export interface EnvVar {
  name: string;
  /** One line: what it does, its default. */
  meaning: string;
  readBy: readonly Reader[];
}

const ALL: readonly Reader[] = ['serve', 'repl', 'cli', 'sendmail'];
const TERMINALS: readonly Reader[] = ['repl', 'cli'];
const SERVE: readonly Reader[] = ['serve'];

export const ENV_VARS: readonly EnvVar[] = [
  { name: 'SMTP_OPS_STORE', meaning: 'store directory when --store is not given (precedence: --store, SMTP_OPS_STORE, STATE_DIRECTORY, ./store in a checkout, /var/lib/smtp-ops when installed)', readBy: ALL },
  { name: 'STATE_DIRECTORY', meaning: "set by systemd from the unit's StateDirectory= (/var/lib/smtp-ops); the store when neither --store nor SMTP_OPS_STORE is given (the first entry when it lists several)", readBy: ALL },
  { name: 'CREDENTIALS_DIRECTORY', meaning: 'set by systemd for LoadCredential=: SMTP_OPS_SECRET_KEY, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET and DISCORD_TOKEN are read from the file of that name there when the variable itself is not set (one trailing newline dropped)', readBy: ALL },
  { name: 'SMTP_OPS_SECRET_KEY', meaning: '32-byte key (64 hex characters or base64) sealing sasl-password, intake-password and dkim-private-key at rest; default <store>/secret.key, created mode 0600. Changing it makes stored passwords unreadable (set them again)', readBy: ALL },
  { name: 'SMTP_OPS_ADMINS', meaning: 'bootstrap admins, comma-separated subjects (slack:U123,discord:456,discord-role:789); admin whatever the stored grants say', readBy: ALL },
  { name: 'SMTP_OPS_DNS', meaning: 'host:port of the DNS server for direct delivery and doctor (MX, SPF, DKIM, DMARC, PTR and blocklist lookups) (default: the system resolver)', readBy: ALL },
  { name: 'SMTP_OPS_DIRECT_PORT', meaning: 'port for direct (MX) delivery (default 25; tests use a sink port)', readBy: ALL },
  { name: 'SMTP_OPS_LISTEN', meaning: 'intake listener host:port; when set it overrides the listen setting (default 127.0.0.1:2525; port 0 = ephemeral)', readBy: SERVE },
  { name: 'SMTP_OPS_INTAKE_THREAD', meaning: 'on (default): the intake listener runs on a thread of its own, beside the store and delivery; off: on the engine\'s thread (less memory and CPU per message, for a one-core host); any other value stops the listener with an error naming the variable', readBy: SERVE },
  { name: 'SMTP_OPS_HTTP', meaning: 'host:port of the metrics and health listener of serve (e.g. 127.0.0.1:9125); overrides the http-listen setting; off or empty turns it off', readBy: SERVE },
  { name: 'NOTIFY_SOCKET', meaning: 'set by systemd for Type=notify: serve runs systemd-notify --ready once it is up', readBy: SERVE },
  { name: 'NAME', meaning: "sendmail: the sender's full name when -F is not given (used only for a message without From)", readBy: ['sendmail'] },
  { name: 'SLACK_BOT_TOKEN', meaning: 'Slack bot token xoxb-…; unset: the Slack adapter does not start', readBy: SERVE },
  { name: 'SLACK_APP_TOKEN', meaning: 'Slack app-level token xapp-… (connections:write): Socket Mode; unset: the HTTP receiver', readBy: SERVE },
  { name: 'SLACK_SIGNING_SECRET', meaning: 'Slack signing secret; required for the HTTP receiver', readBy: SERVE },
  { name: 'SLACK_PORT', meaning: 'Slack HTTP receiver port (default 3000; 0 = any free port)', readBy: SERVE },
  { name: 'SLACK_HOST', meaning: 'Slack HTTP receiver bind address (default all interfaces)', readBy: SERVE },
  { name: 'SLACK_API_URL', meaning: "Slack Web API base URL (default https://slack.com/api/; a proxy, or the test double)", readBy: SERVE },
  { name: 'DISCORD_TOKEN', meaning: 'Discord bot token; unset or blank: the Discord adapter does not start', readBy: SERVE },
  { name: 'DISCORD_APPLICATION_ID', meaning: 'Discord application id; required with DISCORD_TOKEN', readBy: SERVE },
  { name: 'DISCORD_GUILD_ID', meaning: 'Discord server id: /smtp registered in that server (instant); unset: globally', readBy: SERVE },
  { name: 'DISCORD_API_URL', meaning: "Discord REST base (default Discord's; a proxy, or the test double)", readBy: SERVE },
  { name: 'NO_COLOR', meaning: 'any value turns terminal colours off (they are off anyway when the output is not a terminal)', readBy: TERMINALS },
  { name: 'TERM', meaning: 'dumb turns terminal colours off', readBy: TERMINALS },
  { name: 'SHELL', meaning: '`smtp-ops completion` prints the zsh script when it names zsh, else the bash one', readBy: ['cli'] },
  { name: 'USER', meaning: "who you are in events and grants when the OS has no entry for the process's uid (terminal users are cli:<user> or repl:<user>; sendmail's default sender)", readBy: [...TERMINALS, 'sendmail'] },
  { name: 'LOGNAME', meaning: 'as USER, when USER is not set either', readBy: [...TERMINALS, 'sendmail'] },
  { name: 'COLUMNS', meaning: 'width tables are laid out in (default: the terminal\'s; through a pipe, none: whole lines)', readBy: TERMINALS },
];

/** The variables `reader` reads. */
export function envVarsOf(reader?: Reader): readonly EnvVar[] {
  return reader ? ENV_VARS.filter((v) => v.readBy.includes(reader)) : ENV_VARS;
}
