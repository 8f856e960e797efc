/**
 * Paging of list replies: where the page is ("page 2 of 5"), Next/Prev
 * buttons that run the same command from the other cursor, and the command
 * lines a terminal can type for the other pages. Buttons carry the page
 * number beside the cursor, so the page pressed to still knows its number.
 */
import type { Page } from '../../engine/index.js';
import type { TableReply } from '../reply.js';
import type { ParsedCommand } from '../types.js';
import { lineOf } from './canonical.js';
import type { HandlerEnv } from './context.js';

/** Items per page of every list. */
export const PAGE_SIZE = 20;

/** The `page` block of a table for `page`, or undefined when the whole list is this one page. */
export function pageBlock(page: Page<unknown>, cmd: ParsedCommand, env: HandlerEnv, limit: number = PAGE_SIZE): TableReply['page'] {
  const cursor = typeof cmd.options.cursor === 'string' ? cmd.options.cursor : undefined;
  const asked = typeof cmd.options.page === 'number' ? cmd.options.page : undefined;
  // Without a cursor the page is the one asked for (1 by default); with one, only a number carried along says it.
  const number = asked ?? (cursor ? undefined : 1);
  const of = page.total !== undefined ? Math.max(1, Math.ceil(page.total / limit)) : undefined;
  if (!page.next && !page.prev && number === 1 && (of ?? 1) <= 1) return undefined;
  const block: NonNullable<TableReply['page']> = {};
  if (number !== undefined) block.number = number;
  if (of !== undefined) {
    block.of = Math.max(of, number ?? 1);
    if (page.totalAtLeast) block.ofAtLeast = true;
  }
  // A terminal's page buttons keep its terminal-only options (`queue list --all`).
  const terminal = env.ctx.surface === 'terminal';
  const other = (delta: 1 | -1, to: string) => {
    const n = number !== undefined ? number + delta : undefined;
    const valid = n !== undefined && n >= 1 ? n : undefined;
    return {
      action: env.actions.page(delta > 0 ? 'page-next' : 'page-prev', lineOf(cmd, env.spec, { page: valid, cursor: to }, terminal)),
      // A terminal types the page number when it is known (short, and what `--page` means); else the cursor.
      line: lineOf(cmd, env.spec, valid !== undefined ? { page: valid, cursor: undefined } : { page: undefined, cursor: to }, terminal),
    };
  };
  if (page.next) {
    const o = other(1, page.next);
    block.next = o.action;
    block.nextLine = o.line;
  }
  if (page.prev) {
    const o = other(-1, page.prev);
    block.prev = o.action;
    block.prevLine = o.line;
  }
  return block;
}

/** Page query options of a parsed command; lists are counted so a page can say "of N". */
export function pageQuery(cmd: ParsedCommand): { page?: number; cursor?: string; count: true } {
  const q: { page?: number; cursor?: string; count: true } = { count: true };
  if (typeof cmd.options.page === 'number') q.page = cmd.options.page;
  if (typeof cmd.options.cursor === 'string') q.cursor = cmd.options.cursor;
  return q;
}

/** The `--json` of a list page: its items, the cursors, and the count when there is one. */
export function listData<T, U = T>(page: Page<T>, item: (t: T) => U = (t) => t as unknown as U): { items: U[]; next: string | null; prev: string | null; total?: number; totalAtLeast?: boolean } {
  return {
    items: page.items.map(item),
    next: page.next,
    prev: page.prev,
    ...(page.total !== undefined ? { total: page.total } : {}),
    ...(page.totalAtLeast ? { totalAtLeast: true } : {}),
  };
}
