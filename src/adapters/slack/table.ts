/** Tables as aligned monospace lines (Slack has no table block in messages we can rely on). */
import type { TableReply } from '../../commands/reply.js';

/** Widest a column may get; longer cells are cut so rows stay readable on a laptop screen. */
const MAX_CELL = 48;

function cell(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? flat.slice(0, MAX_CELL - 1) + '…' : flat;
}

/** Header line, a rule, then one line per row; right-aligned columns pad on the left. */
export function tableLines(t: Pick<TableReply, 'columns' | 'rows'>): string[] {
  const cells = t.rows.map((r) => t.columns.map((c) => cell(r[c.key] ?? '')));
  const heads = t.columns.map((c) => cell(c.label));
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((v, i) => (t.columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(heads), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)];
}
