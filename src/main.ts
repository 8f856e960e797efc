#!/usr/bin/env node
/**
 * smtp-ops entry: `repl`, `serve`, `sendmail`/`mailq`, or one-shot grammar words.
 * Global options: --store DIR, --json, --yes, --password-stdin, --wait.
 * Run through a link named `sendmail`, `mailq` or `newaliases`, it is that command.
 */
import os from 'node:os';
import path from 'node:path';
import { loadCredentials } from './cli/credentials.js';
import { becomeStoreOwner } from './cli/store-owner.js';
import { defaultStore } from './cli/store-path.js';

interface Globals {
  store: string;
  json: boolean;
  yes: boolean;
  passwordStdin: boolean;
  wait: boolean;
  words: string[];
}

async function parseGlobals(argv: string[], env: NodeJS.ProcessEnv): Promise<Globals> {
  // Loaded on demand: sendmail run as `sendmail` has no globals and should not pay for yargs.
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

async function serve(storeDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const log = (l: string) => process.stdout.write(`smtp-ops serve: ${l}\n`);
  // Loaded on demand: the chat SDKs take a second to import, which one-shot commands should not pay.
  const { startServe } = await import('./repl/serve.js');
  const served = await startServe(storeDir, env, log);
  log(`running on store ${storeDir}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log(`${sig} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      log(`${sig}: stopping`);
      served.stop().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log('stopped');
  return 0;
}

/** The sendmail words: the program's own name, or `[globals...] sendmail|mailq args...` (sendmail's options are not ours to parse). */
function sendmailCall(argv0: string, argv: string[]): { name: string; globals: string[]; args: string[] } | null {
  const self = path.basename(argv0);
  if (self === 'sendmail' || self === 'mailq' || self === 'newaliases') return { name: self, globals: [], args: argv };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'sendmail' || a === 'mailq') return { name: a, globals: argv.slice(0, i), args: argv.slice(i + 1) };
    if (a === '--store') i++;
    else if (!/^--(store=.*|json|yes|password-stdin|wait)$|^-y$/.test(a)) return null;
  }
  return null;
}

function invoker(): { user: string; uid: number } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { user: os.userInfo().username || String(uid), uid };
  } catch {
    return { user: process.env.USER || process.env.LOGNAME || String(uid), uid };
  }
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  loadCredentials(env);
  const sm = sendmailCall(process.argv[1] ?? '', argv);
  if (sm) {
    let store: string;
    try {
      store = sm.globals.length === 0 ? defaultStore(env) : (await parseGlobals(sm.globals, env)).store;
    } catch (e) {
      process.stderr.write(`${sm.name}: ${(e as Error).message}\n`);
      return 64;
    }
    const who = invoker();
    becomeStoreOwner(store);
    const { sendmail } = await import('./cli/sendmail.js');
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
  if (first === 'serve' && g.words.length === 1) return serve(g.store, env);
  if (first === 'repl' && g.words.length === 1) return (await import('./repl/repl.js')).startRepl({ storeDir: g.store, env });
  // Loaded on demand, like serve and repl: sendmail should not pay for the command layer.
  const { oneShot } = await import('./repl/oneshot.js');
  return oneShot({ storeDir: g.store, words: g.words, json: g.json, yes: g.yes, passwordStdin: g.passwordStdin, wait: g.wait, env });
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; a handle some library forgot must not keep a one-shot alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
