/**
 * The grammar as data and the runner contract. `grammar.ts` declares every
 * command as a {@link CommandSpec}; help, REPL completion, Discord command
 * registration and the README's command table (`npm run docs:tables`) are
 * generated from it.
 */
import type { Actor, Role } from '../engine/index.js';
import type { Reply, RunContext } from './reply.js';

/** What completion offers for an argument. */
export type Completion = 'setting' | 'setting-assignment' | 'queue-id' | 'address' | 'domain' | 'day' | 'role' | 'subject' | 'state' | 'status' | 'level' | 'target' | 'alert-code';

export interface ArgSpec {
  name: string;
  description: string;
  required: boolean;
  /** Takes the rest of the words (e.g. `config set a=1 b=2`). */
  variadic?: boolean;
  choices?: readonly string[];
  complete?: Completion;
}

export interface OptionSpec {
  /** Long name without dashes, e.g. `state`. */
  name: string;
  type: 'string' | 'number' | 'boolean';
  description: string;
  choices?: readonly string[];
  alias?: string;
  complete?: Completion;
  /** Terminal-only options (`--yes`, `--password-stdin`, `--wait`) are not offered in chat. */
  terminalOnly?: boolean;
  /** Carried by buttons (the paging `--cursor`): accepted everywhere, left out of usage lines and of Discord's option list. */
  internal?: boolean;
}

export interface CommandSpec {
  /** Words that name the command: `['queue', 'flush']`. */
  path: readonly string[];
  /** Other word paths that mean the same, e.g. `[['queue']]` for `queue list`. */
  aliases?: readonly (readonly string[])[];
  summary: string;
  args: readonly ArgSpec[];
  options: readonly OptionSpec[];
  /** Full example lines without the `/smtp` prefix. */
  examples: readonly string[];
  /** Least role allowed to run it. */
  role: Role;
  /** Asks for confirmation before acting. */
  destructive?: boolean;
}

/** A parsed command line: the spec's path plus typed arguments and options. Same object whatever the prefix or adapter. */
export interface ParsedCommand {
  path: readonly string[];
  args: Record<string, string | string[] | undefined>;
  options: Record<string, string | number | boolean | undefined>;
}

/** One runner serves every adapter. Every reply it returns (and every follow-up and progress update) has its `audience` set. */
export interface Runner {
  /** Parse and run a line (`/smtp queue list`, `smtp queue list` or `queue list`). Never throws. */
  run(text: string, ctx: RunContext): Promise<Reply>;
  /** A button was pressed (paging, confirm, cancel). Checks the presser is allowed. Never throws. */
  action(token: string, ctx: RunContext): Promise<Reply>;
  /** A secret typed privately after a `secret-prompt` reply. Never throws. */
  secret(field: string, value: string, ctx: RunContext): Promise<Reply>;
  /** The role of an actor (grants, bootstrap admins, Discord roles); null = none. */
  roleOf(actor: Actor): Promise<Role | null>;
  /** The grammar. */
  readonly commands: readonly CommandSpec[];
}
