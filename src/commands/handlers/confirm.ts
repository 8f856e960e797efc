/** Confirmation requests for destructive commands. */
import { actorKey } from '../../engine/index.js';
import type { ConfirmReply } from '../reply.js';
import type { ParsedCommand } from '../types.js';
import { lineOf } from './canonical.js';
import type { HandlerEnv } from './context.js';

/** A Yes/No question bound to the requester; Yes runs `cmd` again, confirmed. */
export function confirmReply(cmd: ParsedCommand, env: HandlerEnv, title: string, text: string, yesLabel: string, counts?: Record<string, unknown>): ConfirmReply {
  const requester = actorKey(env.ctx.actor);
  const line = lineOf(cmd, env.spec, {}, env.ctx.surface === 'terminal');
  const { yes, no, expiresAt } = env.actions.confirm(line, requester, yesLabel);
  return { kind: 'confirm', title, text, yes, no, requester, expiresAt, data: { confirm: line, text, expiresAt, ...counts } };
}
