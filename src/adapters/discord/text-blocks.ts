/**
 * Monospace blocks for Discord embeds (which have no tables or charts):
 * an aligned table and the shared Unicode bar chart, each cut to a budget.
 */
import type { ChartReply, TableReply } from '../../commands/reply.js';
import { chartLines } from '../../commands/render/unicode-chart.js';
import { layoutTable, type TableLayout } from '../../commands/render/table-layout.js';
import { clip } from './limits.js';

/** Wider code blocks wrap in Discord's chat column and lose their alignment. */
const TABLE_WIDTH = 100;

/** Backticks inside a code block would end it early. */
function safe(s: string): string {
  return s.replace(/`/g, 'ˋ').replace(/\r?\n/g, ' ');
}

/** The table as laid out in a code block; `cut` when a cell wraps or a column is left out (then rows as fields keep every word). */
export function tableLayout(t: TableReply): TableLayout & { cut: boolean } {
  // Columns empty in every row only cost width.
  const columns = t.columns.filter((c) => t.rows.some((r) => (r[c.key] ?? '').trim() !== ''));
  const l = layoutTable(columns.map((c) => ({ ...c, label: safe(c.label) })), t.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, safe(v)]))), TABLE_WIDTH);
  return { ...l, cut: l.wrapped || l.hidden.length > 0 };
}

/**
 * An aligned table in a code block that fits in `budget` characters; rows that
 * do not fit are counted in a trailing note, as are columns left out.
 */
export function tableBlock(t: TableReply, budget: number): string {
  const l = tableLayout(t);
  const header = [...l.header, l.widths.map((w) => '─'.repeat(w)).join('  ')];
  const fence = 8; // ```\n + \n```
  const lines = [...header];
  let size = header.join('\n').length + fence;
  let shown = 0;
  for (const row of l.rows) {
    const text = row.join('\n');
    const noteRoom = 120;
    if (size + text.length + 1 + noteRoom > budget) break;
    lines.push(text);
    size += text.length + 1;
    shown += 1;
  }
  const block = '```\n' + lines.join('\n') + '\n```';
  const notes: string[] = [];
  const hidden = l.rows.length - shown;
  if (hidden > 0) notes.push(`… ${hidden} more row${hidden === 1 ? '' : 's'} not shown`);
  if (l.hidden.length) notes.push(`not shown to fit: ${l.hidden.map((c) => c.label).join(', ')}`);
  return notes.length ? `${block}\n${notes.join('; ')}` : block;
}

/**
 * A table as embed fields, one per row, for tables whose text would be cut in
 * a code block (doctor hints, event messages): nothing is lost this way.
 */
export function tableFields(t: TableReply): { name: string; value: string }[] {
  const columns = t.columns.filter((c) => t.rows.some((r) => (r[c.key] ?? '').trim() !== ''));
  const [a, b, ...rest] = columns;
  return t.rows.map((r) => ({
    name: [a, b].filter(Boolean).map((c) => r[c.key] ?? '').filter(Boolean).join(' · ') || '\u200b',
    value: rest.map((c) => (r[c.key] ? `${c.label}: ${r[c.key]}` : '')).filter(Boolean).join('\n') || '\u200b',
  }));
}

/** The chart as the shared Unicode bars (one strip per series), in a code block cut to `budget`. */
export function chartBlock(c: ChartReply, budget: number): string {
  return '```\n' + clip(chartLines(c).join('\n'), budget - 8) + '\n```';
}
