/**
 * `smtp-ops` as typed in a shell: `repl`, `serve`, or one-shot grammar words.
 * Global options: --store DIR, --json, --yes, --password-stdin, --wait.
 */
import path from 'node:path';
import yargs from 'yargs';
import { oneShot } from './oneshot.js';

interface Globals {
  store: string;
  json: boolean;
  yes: boolean;
  passwordStdin: boolean;
  wait: boolean;
  words: string[];
}

function parseGlobals(argv: string[], env: NodeJS.ProcessEnv): Globals {
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
    store: path.resolve(typeof a.store === 'string' ? a.store : env.SMTP_OPS_STORE || './store'),
    json: a.json === true,
    yes: a.yes === true,
    passwordStdin: a['password-stdin'] === true,
    wait: a.wait === true,
    words,
  };
}

/** Run `smtp-ops` with these arguments; resolves with the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let g: Globals;
  try {
    g = parseGlobals(argv, env);
  } catch (e) {
    process.stderr.write(`error (usage): ${(e as Error).message}\n  usage: smtp-ops [--store DIR] [--json] [--yes] [--password-stdin] [--wait] <command...> | repl | serve\n`);
    return 2;
  }
  const first = g.words[0]?.toLowerCase();
  // Loaded on demand: the chat SDKs take a second to import, which one-shot commands should not pay.
  if (first === 'serve' && g.words.length === 1) return (await import('../serve/serve.js')).runServe(g.store, env);
  if (first === 'repl' && g.words.length === 1) return (await import('./repl/repl.js')).startRepl({ storeDir: g.store, env });
  return oneShot({ storeDir: g.store, words: g.words, json: g.json, yes: g.yes, passwordStdin: g.passwordStdin, wait: g.wait, env });
}
