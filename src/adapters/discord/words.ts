/**
 * An interaction's options back into a grammar line (`smtp queue list --state
 * deferred`), so Discord runs exactly what the REPL would run.
 */
import { ApplicationCommandOptionType, type CommandInteractionOption } from 'discord.js';
import { quoteWords } from '../../commands/tokenize.js';
import type { Route } from './register.js';

/** An option value as discord.js resolves it. */
export type OptionValue = string | number | boolean | undefined;

/**
 * The grammar's word for an option as discord.js resolved it: a user or a
 * role picked (USER, ROLE, MENTIONABLE) becomes the access subject
 * `discord:<id>` or `discord-role:<id>`, from the interaction's resolved
 * data; anything else is its value.
 */
export function optionWord(o: CommandInteractionOption | null | undefined): OptionValue {
  if (!o) return undefined;
  const picked = o.type === ApplicationCommandOptionType.Mentionable || o.type === ApplicationCommandOptionType.User || o.type === ApplicationCommandOptionType.Role;
  if (!picked) return o.value;
  // Discord sends what was picked in `resolved`; an id it did not resolve names nothing we can trust.
  if (o.role) return `discord-role:${o.role.id}`;
  if (o.user) return `discord:${o.user.id}`;
  return undefined;
}

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
