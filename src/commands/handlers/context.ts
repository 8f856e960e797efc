/** What every handler gets: the engine, the request context and the runner's helpers. */
import type { Engine } from '../../engine/index.js';
import type { ActionStore } from '../actions.js';
import type { Reply, RunContext } from '../reply.js';
import type { CommandSpec, ParsedCommand } from '../types.js';

export interface HandlerEnv {
  engine: Engine;
  ctx: RunContext;
  actions: ActionStore;
  now: () => number;
  commands: readonly CommandSpec[];
  spec: CommandSpec;
  /** Bootstrap admin subjects (from `SMTP_OPS_ADMINS`), for `access list`. */
  admins: readonly string[];
}

/** Turns a parsed command into reply data. May throw engine errors; the runner maps them. */
export type Handler = (cmd: ParsedCommand, env: HandlerEnv) => Promise<Reply>;
