/** Paging buttons for list replies: Next/Prev carry the same command with the other cursor. */
import type { Page } from '../../engine/index.js';
import type { TableReply } from '../reply.js';
import type { ParsedCommand } from '../types.js';
import { lineOf } from './canonical.js';
import type { HandlerEnv } from './context.js';

/** The `page` block of a table for `page`, or undefined when there is only one page. */
export function pageBlock(page: Page<unknown>, cmd: ParsedCommand, env: HandlerEnv): TableReply['page'] {
  if (!page.next && !page.prev && !cmd.options.page) return undefined;
  const block: NonNullable<TableReply['page']> = {};
  if (typeof cmd.options.page === 'number') block.number = cmd.options.page;
  if (page.next) block.next = env.actions.page('page-next', lineOf(cmd, env.spec, { page: undefined, cursor: page.next }));
  if (page.prev) block.prev = env.actions.page('page-prev', lineOf(cmd, env.spec, { page: undefined, cursor: page.prev }));
  return block;
}

/** Page query options of a parsed command. */
export function pageQuery(cmd: ParsedCommand): { page?: number; cursor?: string } {
  const q: { page?: number; cursor?: string } = {};
  if (typeof cmd.options.page === 'number') q.page = cmd.options.page;
  if (typeof cmd.options.cursor === 'string') q.cursor = cmd.options.cursor;
  return q;
}
