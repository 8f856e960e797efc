/**
 * Shell completion candidates. `smtp-ops completion` prints yargs' bash or
 * zsh script; the script asks `smtp-ops --get-yargs-completions <words>` and
 * this answers from the grammar, as the REPL's Tab does: commands,
 * subcommands, options, setting names, states, levels, roles.
 */
import { COMMANDS } from '../commands/grammar.js';
import { quoteWords } from '../commands/tokenize.js';
import { GLOBAL_OPTIONS, isGlobalOption } from './args.js';
import { complete } from './repl/complete.js';

/** Words of the program itself besides the grammar's. */
const PROGRAM_COMMANDS = ['repl', 'serve', 'completion', 'sendmail', 'mailq'];
const SHELLS = ['bash', 'zsh'];

function globalFlags(): string[] {
  return GLOBAL_OPTIONS.map((o) => o.flag);
}

/**
 * Candidates for the last of `words` (the word being completed, '' after a
 * space); `words` are the shell's, the program name first. Empty: let the
 * shell complete file names (after `--store`).
 */
export function shellCandidates(words: readonly string[], opts: { zsh?: boolean } = {}): string[] {
  const rest = words.slice(1);
  const current = rest.pop() ?? '';
  const grammar: string[] = [];
  let prev = '';
  for (let i = 0; i < rest.length; i++) {
    prev = rest[i];
    if (rest[i] === '--store') {
      i++;
      prev = rest[i] ?? '--store';
      continue;
    }
    if (!isGlobalOption(rest[i])) grammar.push(rest[i]);
  }
  if (rest[rest.length - 1] === '--store' || prev === '--store') return [];
  const first = grammar[0]?.toLowerCase();
  let out: string[];
  if (first === undefined) {
    const [cmds] = complete(current, COMMANDS);
    out = current.startsWith('-') ? globalFlags() : [...PROGRAM_COMMANDS, ...cmds];
  } else if (first === 'sendmail' || first === 'mailq') {
    // sendmail's options are its own: let the shell complete file names.
    out = [];
  } else if (first === 'repl' || first === 'serve') {
    out = current.startsWith('-') ? ['--store', '--help'] : [];
  } else if (first === 'completion') {
    out = grammar.length === 1 ? SHELLS : [];
  } else {
    const [hits] = complete(`${quoteWords(grammar)} ${current}`, COMMANDS);
    out = current.startsWith('-') ? [...hits, ...globalFlags()] : hits;
  }
  const unique = [...new Set(out)].filter((c) => c.startsWith(current)).sort();
  // zsh's _describe reads `name:description`; a colon in a value (`slack:`) must be escaped.
  return opts.zsh ? unique.map((c) => c.replace(/:/g, '\\:')) : unique;
}
