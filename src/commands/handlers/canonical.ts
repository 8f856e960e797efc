/** A parsed command back to a canonical line (what action tokens carry). */
import { quoteWords } from '../tokenize.js';
import type { CommandSpec, ParsedCommand } from '../types.js';

/**
 * Canonical words of `cmd`, with `overrides` applied to its options (undefined
 * removes one). Terminal-only options are left out (chat would refuse them),
 * except with `terminal` (a confirmation asked on a terminal keeps `--wait`);
 * `--yes` never travels: a token is pressed to confirm.
 */
export function lineOf(cmd: ParsedCommand, spec: CommandSpec, overrides: Record<string, string | number | boolean | undefined> = {}, terminal = false): string {
  const words: string[] = [...cmd.path];
  for (const a of spec.args) {
    const v = cmd.args[a.name];
    if (v === undefined) continue;
    words.push(...(Array.isArray(v) ? v : [v]));
  }
  const options = { ...cmd.options, ...overrides };
  for (const o of spec.options) {
    const v = options[o.name];
    if (v === undefined || v === false || (o.terminalOnly && (!terminal || o.name === 'yes'))) continue;
    words.push(`--${o.name}`);
    if (v !== true) words.push(String(v));
  }
  return quoteWords(words);
}
