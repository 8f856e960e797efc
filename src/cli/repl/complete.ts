/** Tab completion for the REPL, generated from the grammar. */
import { ALERT_CODES, EVENT_LEVELS, LOG_STATUSES, QUEUE_STATES, ROLES, SETTING_KEYS } from '../../engine/index.js';
import { commandPaths, findCommand } from '../../commands/grammar.js';
import { tokenize } from '../../commands/tokenize.js';
import type { CommandSpec, Completion } from '../../commands/types.js';

/** Dynamic values (queue ids) the REPL may know about. */
export interface CompletionSource {
  queueIds?: () => readonly string[];
  /** Recipient domains seen in the last queue listing or summary. */
  queueDomains?: () => readonly string[];
}

function valuesFor(c: Completion | undefined, choices: readonly string[] | undefined, src: CompletionSource): readonly string[] {
  if (choices) return choices;
  switch (c) {
    case 'setting':
      return SETTING_KEYS;
    case 'setting-assignment':
      return SETTING_KEYS.map((k) => `${k}=`);
    case 'state':
      return QUEUE_STATES;
    case 'status':
      return LOG_STATUSES;
    case 'level':
      return EVENT_LEVELS;
    case 'role':
      return ROLES;
    case 'day':
      return ['today', 'yesterday', 'week'];
    case 'subject':
      return ['slack:', 'discord:', 'discord-role:'];
    case 'target':
      return ['slack:', 'discord:', 'email:'];
    case 'alert-code':
      return ALERT_CODES;
    case 'queue-id':
      return src.queueIds?.() ?? [];
    case 'domain':
      return src.queueDomains?.() ?? [];
    default:
      return [];
  }
}

/** node:repl completer result: candidates and the part of the line they complete. */
export function complete(line: string, commands: readonly CommandSpec[], src: CompletionSource = {}): [string[], string] {
  // Complete against what is typed so far: the last word is the partial one.
  const endsWithSpace = /\s$/.test(line) || line === '';
  const t = tokenize(line);
  if (!t.ok) return [[], line];
  const words = [...t.words];
  if (words.length && (words[0].toLowerCase() === 'smtp' || words[0].toLowerCase() === '/smtp') && (words.length > 1 || endsWithSpace)) words.shift();
  const partial = endsWithSpace ? '' : (words.pop() ?? '');
  const done = words.map((w) => w.toLowerCase());
  const pick = (cands: readonly string[]) => {
    const hits = [...new Set(cands)].filter((c) => c.startsWith(partial)).sort();
    return [hits, partial] as [string[], string];
  };

  // Still naming the command: offer the next word of every path that fits.
  const paths = commandPaths(commands);
  const longest = paths.filter((p) => p.words.length <= done.length && p.words.every((w, i) => w === done[i])).sort((a, b) => b.words.length - a.words.length)[0];
  const next = paths.filter((p) => p.words.length > done.length && done.every((w, i) => p.words[i] === w)).map((p) => p.words[done.length]);
  if (!longest || (next.length && !partial.startsWith('-') && done.length < 2)) {
    if (next.length) return pick(next);
    if (!longest) return [[], partial];
  }
  const spec = findCommand(longest.words, commands) ?? longest.spec;
  const rest = done.slice(longest.words.length);

  // After an option that takes a value: offer its values.
  const prev = rest[rest.length - 1];
  if (prev?.startsWith('-')) {
    const name = prev.replace(/^-+/, '');
    const opt = spec.options.find((o) => o.name === name || o.alias === name);
    if (opt && opt.type !== 'boolean') return pick(valuesFor(opt.complete, opt.choices, src));
  }
  if (partial.startsWith('-')) return pick(spec.options.filter((o) => !o.internal).map((o) => `--${o.name}`));

  // Otherwise the next positional argument.
  const positionals = rest.filter((w, i) => !w.startsWith('-') && !(rest[i - 1]?.startsWith('-') && spec.options.find((o) => `--${o.name}` === rest[i - 1] && o.type !== 'boolean')));
  const arg = spec.args.find((a) => a.variadic) && positionals.length >= spec.args.length - 1 ? spec.args[spec.args.length - 1] : spec.args[positionals.length];
  const values = arg ? valuesFor(arg.complete, arg.choices, src) : [];
  if (arg?.variadic && arg.complete === 'setting-assignment') {
    const used = new Set(positionals.map((w) => w.split('=')[0]));
    return pick(values.filter((v) => !used.has(v.slice(0, -1))));
  }
  if (spec.path[0] === 'help') {
    const under = paths.filter((p) => positionals.every((w, i) => p.words[i] === w));
    return pick(under.map((p) => p.words[positionals.length] ?? '').filter(Boolean));
  }
  return pick(values.length ? values : spec.options.filter((o) => !o.internal).map((o) => `--${o.name}`));
}
