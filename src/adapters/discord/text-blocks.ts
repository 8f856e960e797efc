/**
 * Monospace blocks for Discord embeds (which have no tables or charts):
 * an aligned table and horizontal Unicode bar charts, each cut to a budget.
 */
import type { ChartReply, TableReply } from '../../commands/reply.js';
import { clip } from './limits.js';

const CELL_MAX = 40;

/** Backticks inside a code block would end it early. */
function safe(s: string): string {
  return s.replace(/`/g, 'ˋ').replace(/\r?\n/g, ' ');
}

/**
 * An aligned table in a code block that fits in `budget` characters; rows that
 * do not fit are counted in a trailing note.
 */
export function tableBlock(t: TableReply, budget: number): string {
  const cells = t.rows.map((r) => t.columns.map((c) => clip(safe(r[c.key] ?? ''), CELL_MAX)));
  const heads = t.columns.map((c) => clip(safe(c.label), CELL_MAX));
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (t.columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
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

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `value/max` over `width` cells, in eighth-block resolution. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.round((value / max) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** One horizontal bar chart per series, labels down the side, in a code block. */
export function chartBlock(c: ChartReply, budget: number): string {
  const labelWidth = Math.max(1, ...c.labels.map((l) => l.length));
  const sections = c.series.map((s) => {
    const max = Math.max(0, ...s.values);
    const numWidth = String(max).length;
    const rows = c.labels.map((l, i) => {
      const v = s.values[i] ?? 0;
      return `${l.padStart(labelWidth)} │${bar(v, max, 24).padEnd(24)} ${String(v).padStart(numWidth)}`;
    });
    return (c.series.length > 1 ? [s.name, ...rows] : rows).join('\n');
  });
  return '```\n' + clip(sections.join('\n\n'), budget - 8) + '\n```';
}
