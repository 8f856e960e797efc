/**
 * `smtp-ops` as typed in a shell: `repl`, `serve`, `sendmail`/`mailq`, or
 * one-shot grammar words. Global options: --store DIR, --json, --yes,
 * --password-stdin, --wait. Run through a link named `sendmail`, `mailq` or
 * `newaliases`, it is that command.
 */
// Everything heavy is imported on demand: sendmail run by cron or an MTA-less
// host pays only for what its path needs (no yargs, no command layer, no engine
// while a serve answers), and one-shot commands do not pay for the chat SDKs.
import path from 'node:path';
import { loadCredentials } from './credentials.js';
import { becomeStoreOwner } from './store-owner.js';
import { defaultStore } from './store-path.js';
import { invoker, sendmailCall } from './sendmail-call.js';

interface Globals {
  store: string;
  json: boolean;
  yes: boolean;
  passwordStdin: boolean;
  wait: boolean;
  words: string[];
}

async function parseGlobals(argv: string[], env: NodeJS.ProcessEnv): Promise<Globals> {
  const { default: yargs } = await import('yargs');
  const a = yargs(argv)
    .exitProcess(false)
    .help(false)
    .version(false)
    .parserConfiguration({
      // Everything that is not ours is a grammar word, passed on untouched.
      'unknown-options-as-args': true,
      'camel-case-expansion': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'populate--': true,
      'boolean-negation': false,
      'short-option-groups': false,
    })
    .option('store', { type: 'string', requiresArg: true })
    .option('json', { type: 'boolean' })
    .option('yes', { type: 'boolean', alias: 'y' })
    .option('password-stdin', { type: 'boolean' })
    .option('wait', { type: 'boolean' })
    .fail((msg: string | null, e: Error | null) => {
      throw new Error(msg ?? e?.message ?? 'bad options');
    })
    .parseSync() as Record<string, unknown>;
  const words = ((a._ as unknown[]) ?? []).map(String);
  const dashdash = ((a['--'] as unknown[]) ?? []).map(String);
  if (dashdash.length) words.push('--', ...dashdash);
  if (words[0] === '--help' || words[0] === '-h') words[0] = 'help';
  return {
    store: typeof a.store === 'string' ? path.resolve(a.store) : defaultStore(env),
    json: a.json === true,
    yes: a.yes === true,
    passwordStdin: a['password-stdin'] === true,
    wait: a.wait === true,
    words,
  };
}

/** Run `smtp-ops` with these arguments (`argv0`: the path it was run as, which may be a link named `sendmail`); resolves with the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, argv0 = process.argv[1] ?? ''): Promise<number> {
  loadCredentials(env);
  const sm = sendmailCall(argv0, argv);
  if (sm) {
    let store: string;
    try {
      store = sm.globals.length === 0 ? defaultStore(env) : (await parseGlobals(sm.globals, env)).store;
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
  try {
    g = await parseGlobals(argv, env);
  } catch (e) {
    process.stderr.write(`error (usage): ${(e as Error).message}\n  usage: smtp-ops [--store DIR] [--json] [--yes] [--password-stdin] [--wait] <command...> | repl | serve | sendmail [options] [recipient...] | mailq\n`);
    return 2;
  }
  becomeStoreOwner(g.store);
  const first = g.words[0]?.toLowerCase();
  if (first === 'serve' && g.words.length === 1) return (await import('../serve/serve.js')).runServe(g.store, env);
  if (first === 'repl' && g.words.length === 1) return (await import('./repl/repl.js')).startRepl({ storeDir: g.store, env });
  const { oneShot } = await import('./oneshot.js');
  return oneShot({ storeDir: g.store, words: g.words, json: g.json, yes: g.yes, passwordStdin: g.passwordStdin, wait: g.wait, env });
}
