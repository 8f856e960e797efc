/**
 * Monospace blocks for Discord embeds (which have no tables or charts):
 * an aligned table and the shared Unicode bar chart, each cut to a budget.
 */
import type { ChartReply, TableReply } from '../../commands/reply.js';
import { chartLines } from '../../commands/render/unicode-chart.js';
import { clip } from './limits.js';

const CELL_MAX = 40;
/** Wider code blocks wrap in Discord's chat column and lose their alignment. */
const TABLE_WIDTH = 100;
const MIN_CELL = 8;

/** Backticks inside a code block would end it early. */
function safe(s: string): string {
  return s.replace(/`/g, 'ˋ').replace(/\r?\n/g, ' ');
}

/** Column layout of a table: the columns worth showing, their widths, and whether any cell had to be cut. */
export function tableLayout(t: TableReply): { columns: TableReply['columns']; widths: number[]; cut: boolean } {
  // Columns empty in every row only cost width.
  const columns = t.columns.filter((c) => t.rows.some((r) => (r[c.key] ?? '').trim() !== ''));
  const full = columns.map((c) => Math.max(c.label.length, ...t.rows.map((r) => safe(r[c.key] ?? '').length)));
  const widths = full.map((w) => Math.min(CELL_MAX, w));
  // Narrow the widest columns (never the first: it holds the id or time people copy) until the table fits.
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > TABLE_WIDTH) {
    let widest = -1;
    for (let i = 1; i < widths.length; i++) if (widths[i] > MIN_CELL && (widest < 0 || widths[i] > widths[widest])) widest = i;
    if (widest < 0) break;
    widths[widest] -= 1;
  }
  return { columns, widths, cut: widths.some((w, i) => w < full[i]) };
}

/**
 * An aligned table in a code block that fits in `budget` characters; rows that
 * do not fit are counted in a trailing note.
 */
export function tableBlock(t: TableReply, budget: number): string {
  const { columns, widths } = tableLayout(t);
  const cells = t.rows.map((r) => columns.map((c, i) => clip(safe(r[c.key] ?? ''), widths[i])));
  const heads = columns.map((c, i) => clip(safe(c.label), widths[i]));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const header = [line(heads), widths.map((w) => '─'.repeat(w)).join('  ')];
  const fence = 8; // ```\n + \n```
  const lines = [...header];
  let size = header.join('\n').length + fence;
  let shown = 0;
  for (const row of cells) {
    const l = line(row);
    const noteRoom = 40;
    if (size + l.length + 1 + noteRoom > budget) break;
    lines.push(l);
    size += l.length + 1;
    shown += 1;
  }
  const block = '```\n' + lines.join('\n') + '\n```';
  const hidden = cells.length - shown;
  return hidden > 0 ? `${block}\n… ${hidden} more row${hidden === 1 ? '' : 's'} not shown` : block;
}

/**
 * A table as embed fields, one per row, for tables whose text would be cut in
 * a code block (doctor hints, event messages): nothing is lost this way.
 */
export function tableFields(t: TableReply): { name: string; value: string }[] {
  const { columns } = tableLayout(t);
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
