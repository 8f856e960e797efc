/**
 * The `/smtp` application command, generated from the grammar: one-word
 * commands become subcommands, two-word commands a subcommand in a group
 * (`/smtp queue flush`). Arguments and chat-usable options become typed
 * options. The same table maps an interaction back to its command spec.
 */
import { ApplicationCommandOptionType, ApplicationCommandType, InteractionContextType, type APIApplicationCommandBasicOption, type APIApplicationCommandSubcommandGroupOption, type APIApplicationCommandSubcommandOption, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';
import type { ArgSpec, CommandSpec, Completion, OptionSpec } from '../../commands/types.js';
import { clip } from './limits.js';

/** The top-level command name. */
export const COMMAND_NAME = 'smtp';
/** Added to every subcommand: post the reply visibly instead of ephemerally. */
export const SHARE_OPTION = 'share';

const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;
/** Completions the adapter answers with autocomplete (the rest are free text or fixed choices). */
export const AUTOCOMPLETED: ReadonlySet<Completion> = new Set<Completion>(['setting', 'setting-assignment', 'queue-id', 'domain', 'day', 'alert-code']);
/** An access subject is picked with Discord's own user and role picker (MENTIONABLE); the adapter turns the pick into `discord:<id>` or `discord-role:<id>`. */
export const PICKED: ReadonlySet<Completion> = new Set<Completion>(['subject']);

/** How one Discord option maps back to the grammar. */
export type OptionRoute = { name: string; from: 'arg'; arg: ArgSpec } | { name: string; from: 'option'; option: OptionSpec };

/** A subcommand and the grammar command it stands for. */
export interface Route {
  group: string | null;
  subcommand: string;
  spec: CommandSpec;
  options: OptionRoute[];
}

/** The generated registration: the JSON to PUT and the routes to map interactions back. */
export interface Registration {
  body: RESTPutAPIApplicationCommandsJSONBody;
  routes: Route[];
  /** Find the route of an interaction's (group, subcommand). */
  find(group: string | null, subcommand: string): Route | undefined;
}

/** A Discord-side problem of the grammar (name too long, too many options...). */
export class RegistrationError extends Error {
  constructor(message: string) {
    super(`Discord command registration: ${message}`);
    this.name = 'RegistrationError';
  }
}

function checkName(name: string, what: string): string {
  if (!NAME.test(name) || name !== name.toLowerCase()) throw new RegistrationError(`${what} "${name}" must be 1-32 lowercase letters, digits, - or _`);
  return name;
}

function description(text: string, what: string): string {
  const d = clip(text.trim(), 100);
  if (!d) throw new RegistrationError(`${what} needs a description (1-100 characters)`);
  return d;
}

function basicOption(name: string, type: 'string' | 'number' | 'boolean', desc: string, required: boolean, choices: readonly string[] | undefined, complete: Completion | undefined, what: string): APIApplicationCommandBasicOption {
  const common = { name: checkName(name, what), description: description(desc, what), required };
  if (type === 'boolean') return { ...common, type: ApplicationCommandOptionType.Boolean };
  if (type === 'number') return { ...common, type: ApplicationCommandOptionType.Integer };
  if (complete !== undefined && PICKED.has(complete)) return { ...common, description: description('A member or a role (pick one)', what), type: ApplicationCommandOptionType.Mentionable };
  if (choices && choices.length > 0 && choices.length <= MAX_CHOICES) {
    return { ...common, type: ApplicationCommandOptionType.String, choices: choices.map((c) => ({ name: c, value: c })) };
  }
  const autocomplete = (choices && choices.length > MAX_CHOICES) || (complete !== undefined && AUTOCOMPLETED.has(complete));
  return { ...common, type: ApplicationCommandOptionType.String, ...(autocomplete ? { autocomplete: true } : {}) };
}

function subcommand(spec: CommandSpec, name: string): { json: APIApplicationCommandSubcommandOption; options: OptionRoute[] } {
  const what = `/${COMMAND_NAME} ${spec.path.join(' ')}`;
  const routes: OptionRoute[] = [];
  const json: APIApplicationCommandBasicOption[] = [];
  for (const arg of spec.args) {
    json.push(basicOption(arg.name, 'string', arg.description, arg.required, arg.choices, arg.complete, `${what} argument`));
    routes.push({ name: arg.name, from: 'arg', arg });
  }
  for (const option of spec.options) {
    if (option.terminalOnly || option.internal) continue;
    json.push(basicOption(option.name, option.type, option.description, false, option.choices, option.complete, `${what} option`));
    routes.push({ name: option.name, from: 'option', option });
  }
  json.push({ type: ApplicationCommandOptionType.Boolean, name: SHARE_OPTION, description: 'Show the reply to the whole channel (default: only you)', required: false });
  const names = json.map((o) => o.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new RegistrationError(`${what} has two options named "${dup}"`);
  if (json.length > MAX_OPTIONS) throw new RegistrationError(`${what} has ${json.length} options (Discord allows ${MAX_OPTIONS})`);
  // Discord requires required options before optional ones; positional order is kept in `routes`.
  json.sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
  return {
    json: { type: ApplicationCommandOptionType.Subcommand, name: checkName(name, `${what} subcommand`), description: description(spec.summary, what), options: json },
    options: routes,
  };
}

/** Generate the `/smtp` command and its routes from the grammar. Throws {@link RegistrationError} naming the rule a command breaks. */
export function buildRegistration(commands: readonly CommandSpec[]): Registration {
  const routes: Route[] = [];
  const top: (APIApplicationCommandSubcommandOption | APIApplicationCommandSubcommandGroupOption)[] = [];
  const groups = new Map<string, APIApplicationCommandSubcommandGroupOption>();
  for (const spec of commands) {
    if (spec.path.length === 0) throw new RegistrationError('a command has an empty path');
    const [head, ...tail] = spec.path;
    if (tail.length === 0) {
      if (groups.has(head)) throw new RegistrationError(`"${head}" is both a command and a group of commands`);
      const sub = subcommand(spec, head);
      top.push(sub.json);
      routes.push({ group: null, subcommand: head, spec, options: sub.options });
      continue;
    }
    // Discord nests at most group -> subcommand; deeper paths join their tail words.
    const name = tail.join('-');
    let group = groups.get(head);
    if (!group) {
      if (routes.some((r) => r.group === null && r.subcommand === head)) throw new RegistrationError(`"${head}" is both a command and a group of commands`);
      group = { type: ApplicationCommandOptionType.SubcommandGroup, name: checkName(head, 'group'), description: '', options: [] };
      groups.set(head, group);
      top.push(group);
    }
    const sub = subcommand(spec, name);
    if (group.options!.some((o) => o.name === name)) throw new RegistrationError(`/${COMMAND_NAME} ${head} ${name} is declared twice`);
    group.options!.push(sub.json);
    routes.push({ group: head, subcommand: name, spec, options: sub.options });
  }
  for (const [name, group] of groups) {
    const subs = group.options ?? [];
    if (subs.length > MAX_OPTIONS) throw new RegistrationError(`group "${name}" has ${subs.length} subcommands (Discord allows ${MAX_OPTIONS})`);
    group.description = description(`${name}: ${subs.map((s) => s.name).join(', ')}`, `group "${name}"`);
  }
  if (top.length > MAX_OPTIONS) throw new RegistrationError(`/${COMMAND_NAME} has ${top.length} subcommands and groups (Discord allows ${MAX_OPTIONS})`);
  const body: RESTPutAPIApplicationCommandsJSONBody = [
    {
      type: ApplicationCommandType.ChatInput,
      name: COMMAND_NAME,
      description: 'Run smtp-ops: outbound mail settings, queue, logs, reports and alerts',
      contexts: [InteractionContextType.Guild],
      options: top,
    },
  ];
  return {
    body,
    routes,
    find: (group, sub) => routes.find((r) => r.group === group && r.subcommand === sub),
  };
}

/** Where the command is registered: a guild (instant) or globally. */
export function commandsRoute(applicationId: string, guildId?: string): `/${string}` {
  return guildId ? `/applications/${applicationId}/guilds/${guildId}/commands` : `/applications/${applicationId}/commands`;
}
