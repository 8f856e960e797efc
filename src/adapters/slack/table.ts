/** Tables as aligned monospace lines (Slack has no table block in messages we can rely on). */
import type { TableColumn, TableReply } from '../../commands/reply.js';
import { layoutTable } from '../../commands/render/table-layout.js';

/** About what a code block shows on a laptop before Slack wraps it: free text wraps to fit, ids and addresses are never cut. */
const TABLE_WIDTH = 100;

/** Header line, a rule, then each row's lines; right-aligned columns pad on the left. `hidden`: columns left out to fit. */
export function tableLines(t: Pick<TableReply, 'columns' | 'rows'>): { lines: string[]; hidden: TableColumn[] } {
  const l = layoutTable(t.columns, t.rows, TABLE_WIDTH);
  return { lines: [...l.header, l.widths.map((w) => '─'.repeat(w)).join('  '), ...l.rows.flat()], hidden: l.hidden };
}
