/**
 * The command line split into smtp-ops's global options and the grammar's
 * words. Global options may stand anywhere (`smtp-ops queue list --json`);
 * every other word goes to the grammar exactly as typed (`--page -1` stays
 * `--page -1`, for the grammar to explain). After `--` everything is words.
 */

export interface Globals {
  /** `--store DIR` as given (not resolved), if given. */
  store?: string;
  json: boolean;
  yes: boolean;
  passwordStdin: boolean;
  wait: boolean;
  help: boolean;
  version: boolean;
}

/** The global options, as `--help` and completion offer them. */
export const GLOBAL_OPTIONS = [
  { flag: '--store', value: 'DIR', describe: 'Store directory (default: $SMTP_OPS_STORE, else $STATE_DIRECTORY, else ./store in a checkout, else /var/lib/smtp-ops)' },
  { flag: '--json', describe: "Print the reply's data as one JSON object (queue list --all: one object per message per line, as postqueue -j)" },
  { flag: '--yes', alias: '-y', describe: 'Confirm a destructive command (without a terminal to ask, nothing is done without it: exit 2)' },
  { flag: '--password-stdin', describe: 'Read the secret asked for by `config set sasl-password` (or intake-password, dkim-private-key: a whole PEM file) from stdin; one trailing newline is dropped' },
  { flag: '--wait', describe: 'test, queue flush, queue release: wait for the delivery attempts and report them (always so when no serve runs)' },
  { flag: '--help', alias: '-h', describe: 'Show help (with words: the help of that command)' },
  { flag: '--version', describe: 'Show the version' },
] as const;

const BOOLEANS: ReadonlyMap<string, Exclude<keyof Globals, 'store'>> = new Map([
  ['--json', 'json'],
  ['--yes', 'yes'],
  ['-y', 'yes'],
  ['--password-stdin', 'passwordStdin'],
  ['--wait', 'wait'],
  ['--help', 'help'],
  ['-h', 'help'],
  ['--version', 'version'],
]);

/** Whether `word` is a global option (`--store=DIR` too); `--store` alone also takes the next word. */
export function isGlobalOption(word: string): boolean {
  return BOOLEANS.has(word) || word === '--store' || word.startsWith('--store=');
}

export class UsageError extends Error {}

export function splitArgs(argv: readonly string[]): { globals: Globals; words: string[] } {
  const g: Globals = { json: false, yes: false, passwordStdin: false, wait: false, help: false, version: false };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      words.push(...argv.slice(i));
      break;
    }
    const flag = BOOLEANS.get(a);
    if (flag) g[flag] = true;
    else if (a === '--store' || a.startsWith('--store=')) {
      const v = a === '--store' ? argv[++i] : a.slice('--store='.length);
      if (v === undefined || v === '' || (a === '--store' && v.startsWith('-'))) throw new UsageError('--store needs a directory: --store DIR');
      if (g.store !== undefined) throw new UsageError('--store was given more than once');
      g.store = v;
    } else words.push(a);
  }
  return { globals: g, words };
}
