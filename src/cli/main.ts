/**
 * `smtp-ops` as typed in a shell: one-shot grammar words, `repl`, `serve`,
 * `sendmail`/`mailq`, `completion`, and yargs' `--help` and `--version`.
 * Global options (see args.ts) may stand anywhere; the rest goes to the
 * grammar untouched. Run through a link named `sendmail`, `mailq` or
 * `newaliases`, it is that command.
 */
// Everything heavy is imported on demand: sendmail run by cron or an MTA-less
// host pays only for what its path needs (no yargs, no command layer, no engine
// while a serve answers), and one-shot commands do not pay for the chat SDKs.
import path from 'node:path';
import { UsageError, splitArgs, type Globals } from './args.js';
import { loadCredentials } from './credentials.js';
import { becomeStoreOwner } from './store-owner.js';
import { defaultStore } from './store-path.js';
import { invoker, sendmailCall } from './sendmail-call.js';
import { packageVersion } from './version.js';

/** yargs handles help, the version and completion; it prints on stdout. */
async function viaYargs(args: string[], completionWords?: string[]): Promise<number> {
  const { program } = await import('./program.js');
  const width = process.stdout.isTTY ? (process.stdout.columns ?? 100) : 100;
  await program({ version: packageVersion(), width, completionWords }).parseAsync(args);
  return 0;
}

/** yargs' completion script (it logs it), taught what it does not know (completion-script.ts). */
async function completionScript(): Promise<number> {
  const { teachScript } = await import('./completion-script.js');
  const printed: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void printed.push(a.map(String).join(' '));
  try {
    await viaYargs(['completion']);
  } finally {
    console.log = log;
  }
  process.stdout.write(`${teachScript(printed.join('\n'))}\n`);
  return 0;
}

function usage(message: string): number {
  process.stderr.write(`error (usage): ${message}\n  usage: smtp-ops [--store DIR] [--json] [--yes] [--password-stdin] [--wait] <command...> | repl | serve | sendmail [options] [recipient...] | mailq | completion [bash|zsh]\n  smtp-ops --help lists the commands and options\n`);
  return 2;
}

/** The store of these globals: --store, else the default (SMTP_OPS_STORE, systemd's state directory, ./store in a checkout). */
function storeOf(g: Globals, env: NodeJS.ProcessEnv): string {
  return g.store !== undefined ? path.resolve(g.store) : defaultStore(env);
}

/** Run `smtp-ops` with these arguments (`argv0`: the path it was run as, which may be a link named `sendmail`); resolves with the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, argv0 = process.argv[1] ?? ''): Promise<number> {
  const ask = argv.indexOf('--get-yargs-completions');
  if (ask >= 0) return viaYargs(argv.slice(0, ask + 1), argv.slice(ask + 1));
  loadCredentials(env);
  const sm = sendmailCall(argv0, argv);
  if (sm) {
    let store: string;
    try {
      store = storeOf(splitArgs(sm.globals).globals, env);
    } catch (e) {
      process.stderr.write(`${sm.name}: ${(e as Error).message}\n`);
      return 64;
    }
    const who = invoker(env);
    becomeStoreOwner(store);
    const { sendmail } = await import('./sendmail.js');
    return sendmail({ argv0: sm.name, args: sm.args, storeDir: store, env, invoker: who });
  }
  let g: Globals;
  let words: string[];
  try {
    ({ globals: g, words } = splitArgs(argv));
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const first = words[0]?.toLowerCase();
  const program = first === 'repl' || first === 'serve' || first === 'completion';
  if (g.version) return viaYargs(['--version']);
  if (first === 'completion') {
    const shell = words[1]?.toLowerCase();
    if (words.length > 2 || (shell !== undefined && shell !== 'bash' && shell !== 'zsh')) return usage('completion takes bash or zsh (default: your $SHELL)');
    // yargs picks the script by $SHELL; a shell named here wins.
    if (shell) process.env.SHELL = `/bin/${shell}`;
    return completionScript();
  }
  if (g.help && (words.length === 0 || program)) return viaYargs([...(program ? [first] : []), '--help']);
  if (words.length === 0) return viaYargs(['--help']);
  if (program && words.length > 1) return usage(`${first} takes no arguments besides the global options (got "${words[1]}")`);
  const store = storeOf(g, env);
  becomeStoreOwner(store);
  // Loaded on demand: the chat SDKs take a second to import, which one-shot commands should not pay.
  if (first === 'serve') return (await import('../serve/serve.js')).runServe(store, env);
  if (first === 'repl') return (await import('./repl/repl.js')).startRepl({ storeDir: store, env });
  // `smtp-ops queue list --help`: the grammar's own help of those words.
  const line = g.help ? ['help', ...words.filter((w) => !w.startsWith('-'))] : words;
  const { oneShot } = await import('./oneshot.js');
  return oneShot({ storeDir: store, words: line, json: g.json, yes: g.yes, passwordStdin: g.passwordStdin, wait: g.wait, env });
}
