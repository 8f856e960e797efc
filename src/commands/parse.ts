/**
 * Parse a `/smtp` line into a {@link ParsedCommand}. Command words are matched
 * against the grammar (longest path wins, aliases map to the canonical path);
 * the remaining words go through a headless yargs instance built from the
 * command's options. Every problem comes back as an ErrorReply with the
 * closest usage; nothing here throws.
 */
import yargs from 'yargs';
import type { ErrorReply } from './reply.js';
import type { CommandSpec, ParsedCommand } from './types.js';
import { COMMANDS, commandPaths, usageOf } from './grammar.js';
import { tokenize } from './tokenize.js';
import { SECRET_KEYS, closest } from '../engine/index.js';

/** A parsed line with its spec, or the usage error to answer. */
export type ParseResult = { ok: true; command: ParsedCommand; spec: CommandSpec } | { ok: false; error: ErrorReply };

const PREFIXES = new Set(['/smtp', 'smtp']);

/** Mask inline secret values (`sasl-password=...`) in any text we might show back. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const k of SECRET_KEYS) out = out.replace(new RegExp(`(${k}\\s*=\\s*)\\S+`, 'gi'), '$1********');
  return out;
}

function usageError(message: string, spec?: CommandSpec, suggestion?: string, terminal?: boolean): ErrorReply {
  const r: ErrorReply = { kind: 'error', code: 'usage', ok: false, message: redactSecrets(message) };
  if (spec) r.usage = usageOf(spec, { terminal });
  if (suggestion) r.suggestion = suggestion;
  r.data = { error: 'usage', message: r.message, usage: r.usage, suggestion: r.suggestion };
  return r;
}

/** Match the longest command path at the start of `words`. */
function matchPath(words: string[], commands: readonly CommandSpec[]): { spec: CommandSpec; used: number } | null {
  const lower = words.map((w) => w.toLowerCase());
  let best: { spec: CommandSpec; used: number } | null = null;
  for (const p of commandPaths(commands)) {
    if (p.words.length > lower.length) continue;
    if (p.words.every((w, i) => w === lower[i]) && (!best || p.words.length > best.used)) best = { spec: p.spec, used: p.words.length };
  }
  return best;
}

/** The error for words that name no command: "did you mean" by edit distance. */
function unknownCommand(words: string[], commands: readonly CommandSpec[]): ErrorReply {
  const paths = commandPaths(commands);
  const first = words[0].toLowerCase();
  const groups = new Set(paths.map((p) => p.words[0]));
  if (groups.has(first)) {
    // Known group, unknown subcommand: `queue flsh` -> `queue flush`.
    const subs = paths.filter((p) => p.words[0] === first && p.words.length > 1);
    const second = (words[1] ?? '').toLowerCase();
    const hit = closest(second, subs.map((p) => p.words[1]));
    const spec = hit ? subs.find((p) => p.words[1] === hit)!.spec : subs[0].spec;
    return usageError(`unknown ${first} command "${words[1] ?? ''}"`, spec, hit ? `did you mean \`${spec.path.join(' ')}\`?` : `try \`help ${first}\``);
  }
  const candidates = [...new Set([...paths.map((p) => p.words.join(' ')), ...groups])];
  const tryTwo = words.slice(0, 2).join(' ').toLowerCase();
  const hit = closest(tryTwo, candidates) ?? closest(first, [...groups]);
  const spec = hit ? (paths.find((p) => p.words.join(' ') === hit) ?? paths.find((p) => p.words[0] === hit))?.spec : undefined;
  return usageError(`unknown command "${words[0]}"`, spec, spec ? `did you mean \`${spec.path.join(' ')}\`?` : 'try `help`');
}

class ParseFailure extends Error {}

/** Parse a line. `terminal` enables terminal-only options (`--yes`, `--wait`). */
export function parseLine(text: string, opts: { terminal?: boolean; commands?: readonly CommandSpec[] } = {}): ParseResult {
  const commands = opts.commands ?? COMMANDS;
  const terminal = opts.terminal ?? true;
  const t = tokenize(text);
  if (!t.ok) return { ok: false, error: usageError(t.message, undefined, 'try `help`') };
  const words = t.words;
  if (words.length && PREFIXES.has(words[0].toLowerCase())) words.shift();
  if (!words.length) words.push('help');
  const m = matchPath(words, commands);
  if (!m) return { ok: false, error: unknownCommand(words, commands) };
  const spec = m.spec;
  const rest = words.slice(m.used);
  // `queue lst`: the group alias matched, but the next word was meant as a subcommand.
  const matched = words.slice(0, m.used).map((w) => w.toLowerCase());
  const hasLonger = commandPaths(commands).some((p) => p.words.length > m.used && matched.every((w, i) => p.words[i] === w));
  if (hasLonger && !spec.args.length && rest.length && !rest[0].startsWith('-')) return { ok: false, error: unknownCommand(words, commands) };

  const specOptions = spec.options.filter((o) => terminal || !o.terminalOnly);
  let argv: Record<string, unknown>;
  try {
    let y = yargs()
      .exitProcess(false)
      .help(false)
      .version(false)
      .locale('en')
      .strictOptions()
      .parserConfiguration({
        'camel-case-expansion': false,
        'parse-positional-numbers': false,
        'parse-numbers': false,
        'dot-notation': false,
        'boolean-negation': false,
        'duplicate-arguments-array': true,
        'short-option-groups': false,
      })
      .fail((msg: string | null, err: Error | null) => {
        throw new ParseFailure(msg ?? err?.message ?? 'bad arguments');
      });
    for (const o of specOptions) {
      y = y.option(o.name, {
        // Numbers are checked below so the message can name the value typed.
        type: o.type === 'boolean' ? 'boolean' : 'string',
        requiresArg: o.type !== 'boolean',
        ...(o.alias ? { alias: o.alias } : {}),
      });
    }
    argv = y.parseSync(rest) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, error: usageError(`${spec.path.join(' ')}: ${yargsMessage(msg)}`, spec, undefined, terminal) };
  }

  const options: ParsedCommand['options'] = {};
  for (const o of specOptions) {
    const v = argv[o.name];
    if (v === undefined) continue;
    if (Array.isArray(v)) return { ok: false, error: usageError(`--${o.name} was given more than once`, spec, undefined, terminal) };
    if (o.type === 'boolean') {
      options[o.name] = Boolean(v);
      continue;
    }
    const s = String(v);
    if (o.type === 'number') {
      if (!/^\d{1,9}$/.test(s) || Number(s) < 1) return { ok: false, error: usageError(`--${o.name} must be a whole number of at least 1 (got "${s}")`, spec, undefined, terminal) };
      options[o.name] = Number(s);
      continue;
    }
    if (o.choices && !o.choices.includes(s.toLowerCase())) {
      const hit = closest(s.toLowerCase(), o.choices);
      return { ok: false, error: usageError(`--${o.name} must be one of ${o.choices.join(', ')} (got "${s}")`, spec, hit ? `did you mean \`--${o.name} ${hit}\`?` : undefined, terminal) };
    }
    options[o.name] = o.choices ? s.toLowerCase() : s;
  }

  const positional = ((argv._ as unknown[]) ?? []).map(String);
  const args: ParsedCommand['args'] = {};
  let i = 0;
  for (const a of spec.args) {
    if (a.variadic) {
      const vals = positional.slice(i);
      i = positional.length;
      if (a.required && !vals.length) return { ok: false, error: usageError(`${spec.path.join(' ')} needs <${a.name}>`, spec, undefined, terminal) };
      if (vals.length) args[a.name] = vals;
      continue;
    }
    const v = positional[i++];
    if (v === undefined) {
      if (a.required) return { ok: false, error: usageError(`${spec.path.join(' ')} needs <${a.name}>`, spec, undefined, terminal) };
      continue;
    }
    if (a.choices && !a.choices.includes(v.toLowerCase())) {
      const hit = closest(v.toLowerCase(), a.choices);
      return { ok: false, error: usageError(`${a.name} must be one of ${a.choices.join(', ')} (got "${v}")`, spec, hit ? `did you mean \`${hit}\`?` : undefined, terminal) };
    }
    args[a.name] = a.choices ? v.toLowerCase() : v;
  }
  if (i < positional.length) return { ok: false, error: usageError(`${spec.path.join(' ')}: unexpected argument "${positional[i]}"`, spec, undefined, terminal) };

  return { ok: true, spec, command: { path: spec.path, args, options } };
}

/** yargs messages, shortened to one line in our words. */
function yargsMessage(msg: string): string {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown) return `unknown option ${unknown[1].split(', ').map((o) => (o.length === 1 ? `-${o}` : `--${o}`)).join(', ')}`;
  const missing = /^Not enough arguments following: (.*)$/.exec(msg);
  if (missing) return `--${missing[1]} needs a value`;
  return msg.replace(/\s+/g, ' ').trim();
}
