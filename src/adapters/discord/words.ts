/**
 * An interaction's options back into a grammar line (`smtp queue list --state
 * deferred`), so Discord runs exactly what the REPL would run.
 */
import { quoteWords } from '../../commands/tokenize.js';
import type { Route } from './register.js';

/** An option value as discord.js resolves it. */
export type OptionValue = string | number | boolean | undefined;

/**
 * Build the line for `route` from option values by name. Variadic arguments
 * (`config set a=1 b="x y"`) pass through as typed, so their quoting is the
 * REPL's; every other value is quoted into one word.
 */
export function lineOf(route: Route, value: (name: string) => OptionValue): string {
  const parts: string[] = ['smtp', quoteWords(route.spec.path)];
  for (const o of route.options) {
    const v = value(o.name);
    if (v === undefined || v === '') continue;
    if (o.from === 'arg') {
      parts.push(o.arg.variadic ? String(v) : quoteWords([String(v)]));
    } else if (o.option.type === 'boolean') {
      if (v === true) parts.push(`--${o.name}`);
    } else {
      parts.push(`--${o.name}`, quoteWords([String(v)]));
    }
  }
  return parts.join(' ');
}
