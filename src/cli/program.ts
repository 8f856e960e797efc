/**
 * The program as yargs describes it: `--help` (of the program, of `repl`, of
 * `serve`), `--version` and `completion`. The grammar's commands are listed
 * from the grammar, the environment variables from their table; running a
 * grammar line is not yargs' business (see main.ts).
 */
import yargs, { type Argv } from 'yargs';
import { COMMANDS, usageOf } from '../commands/grammar.js';
import { layoutTable } from '../commands/render/table-layout.js';
import { GLOBAL_OPTIONS } from './args.js';
import { shellCandidates } from './completion.js';
import { envVarsOf, type Reader } from './env-vars.js';

/** Two columns wrapped to `width` (yargs would re-wrap a longer line of an epilogue). */
function twoColumns(rows: [string, string][], width: number, wrapFirst = false): string {
  const t = layoutTable([{ key: 'a', label: '', ...(wrapFirst ? { fit: 'wrap' as const } : {}) }, { key: 'b', label: '', fit: 'wrap' }], rows.map(([a, b]) => ({ a, b })), width - 2);
  return t.rows.map((r) => r.map((l) => `  ${l}`).join('\n')).join('\n');
}

/** The environment variables `reader` reads, as a help section. */
export function envHelp(reader: Reader | undefined, width: number): string {
  return `Environment:\n${twoColumns(envVarsOf(reader).map((v) => [v.name, v.meaning]), width)}`;
}

function grammarHelp(width: number): string {
  const rows = COMMANDS.map((c): [string, string] => [usageOf(c), c.summary]);
  return `Mail commands (the same words as in the REPL, Slack and Discord; \`smtp-ops help <command>\` explains one):\n${twoColumns(rows, width, true)}`;
}

const EXIT = 'Exit status: 0 ok; 1 the operation failed (a message not delivered, a failed doctor check, a store that cannot be opened, an unknown id); 2 usage or validation error, or a confirmation not given.';

export interface ProgramOptions {
  version: string;
  /** Terminal width for help text. */
  width: number;
  /** The words a shell asks completions for (program name first). */
  completionWords?: readonly string[];
}

/** The yargs program. Parse `['--help']`, `['serve', '--help']`, `['--version']`, `['completion']` or a completion request with it. */
export function program(o: ProgramOptions): Argv {
  const width = Math.max(60, Math.min(o.width, 120));
  // As yargs picks its script: by the shell's name.
  const zsh = /zsh/.test(process.env.SHELL ?? '');
  let y = yargs()
    .scriptName('smtp-ops')
    .usage(
      '$0 [options] <command...>     run one mail command and exit\n$0 [options] repl|serve       the interactive shell, the daemon\n$0 sendmail [options] [rcpt]  queue a message from stdin; mailq: the queue, as Postfix prints it\n$0 completion [bash|zsh]      a shell completion script\n\n' +
        'Outbound mail for alerts and notifications, run from Slack, Discord and a terminal.',
    )
    .command('repl', 'An interactive shell on the store: Tab completion, y/N confirmations, .next/.prev paging, a JavaScript escape', (c) =>
      c.usage('$0 [--store DIR] repl\n\nAn interactive shell on the store. Fed from a pipe it runs the lines in order and exits with the code of the first line that failed (0 if none did).').epilogue(envHelp('repl', width)),
    )
    .command('serve', 'The daemon: delivery worker, SMTP intake listener, control socket, Slack and Discord adapters', (c) =>
      c.usage('$0 [--store DIR] serve\n\nThe long-running process: the engine and its delivery worker, the SMTP intake listener, the control socket terminals talk to, and the Slack and Discord adapters whose variables are set. SIGINT/SIGTERM stop it.').epilogue(envHelp('serve', width)),
    )
    .command('sendmail', "Queue a message read from stdin as sendmail does (-t, -f, -F, -i, -oi, -bs…; also through a link named sendmail)", (c) => c.epilogue(envHelp('sendmail', width)))
    .command('mailq', 'List the queue as Postfix\'s mailq prints it (also through a link named mailq)')
    .completion('completion', 'Print the bash or zsh completion script (`source <(smtp-ops completion)`, or add it to ~/.bashrc or ~/.zshrc)', () => shellCandidates(o.completionWords ?? [], { zsh }))
    .parserConfiguration({ 'camel-case-expansion': false, 'boolean-negation': false, 'parse-numbers': false })
    .exitProcess(false)
    .wrap(width)
    .help('help')
    .alias('help', 'h')
    .version('version', 'Show the version', o.version);
  for (const opt of GLOBAL_OPTIONS) {
    if (opt.flag === '--help' || opt.flag === '--version') continue;
    const name = opt.flag.slice(2);
    y = y.option(name, {
      describe: opt.describe,
      ...('value' in opt ? { type: 'string' as const, requiresArg: true } : { type: 'boolean' as const }),
      ...('alias' in opt ? { alias: opt.alias.slice(1) } : {}),
      global: true,
    });
  }
  return y.group(GLOBAL_OPTIONS.map((g) => g.flag.slice(2)), 'Global options:').epilogue(`${grammarHelp(width)}\n\n${envHelp(undefined, width)}\n\n${EXIT}`);
}
