/** A parsed command back to a canonical line (what action tokens carry). */
import { quoteWords } from '../tokenize.js';
import type { CommandSpec, ParsedCommand } from '../types.js';

/** Canonical words of `cmd`, with `overrides` applied to its options (undefined removes one). */
export function lineOf(cmd: ParsedCommand, spec: CommandSpec, overrides: Record<string, string | number | boolean | undefined> = {}): string {
  const words: string[] = [...cmd.path];
  for (const a of spec.args) {
    const v = cmd.args[a.name];
    if (v === undefined) continue;
    words.push(...(Array.isArray(v) ? v : [v]));
  }
  const options = { ...cmd.options, ...overrides };
  for (const o of spec.options) {
    const v = options[o.name];
    if (v === undefined || v === false || o.terminalOnly) continue;
    words.push(`--${o.name}`);
    if (v !== true) words.push(String(v));
  }
  return quoteWords(words);
}
