/**
 * How a table fits a width, shared by every renderer (terminal, Slack and
 * Discord code blocks). Nothing is ever cut: `wrap` columns wrap onto more
 * lines, then columns with a `drop` rank are left out (and named, so the
 * renderer can say so), and `whole` columns (ids, addresses, times) keep
 * their full width even when the line must then overflow. With no width (a
 * pipe), every row is one whole line, as `mailq` and `ls` print.
 */
import type { TableColumn } from '../reply.js';

/** A wrapping column is never made narrower than this (or its widest cell, if that is less). */
export const MIN_WRAP = 16;
const GAP = 2;

export interface TableLayout {
  /** The columns shown, in order, and their widths. */
  columns: TableColumn[];
  widths: number[];
  /** Columns left out to fit, in the table's order. */
  hidden: TableColumn[];
  /** The header as lines (a label wraps only in a wrapping column narrower than it). */
  header: string[];
  /** Each row as its lines. */
  rows: string[][];
  /** Some cell needed more than one line. */
  wrapped: boolean;
}

/** Characters as a terminal counts them (code points; good enough for ids, addresses and text). */
export function visibleLength(s: string): number {
  return [...s].length;
}

/** Whitespace (tabs, line breaks) as single spaces: a cell is one line of text. */
export function flat(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Word-wrap `text` to lines of at most `width` characters; a word longer than that is split. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = [...word];
    while (rest.length > 0) {
      const room = line ? w - visibleLength(line) - 1 : w;
      if (rest.length <= room) {
        line = line ? `${line} ${rest.join('')}` : rest.join('');
        rest = [];
      } else if (line) {
        lines.push(line);
        line = '';
      } else {
        lines.push(rest.slice(0, w).join(''));
        rest = rest.slice(w);
      }
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - visibleLength(s)));
  return right ? fill + s : s + fill;
}

/** The widths of `cols` in `width`, or null when the wrapping columns cannot get their minimum. */
function widthsIn(cols: TableColumn[], natural: Map<TableColumn, number>, width: number): number[] | null {
  const nat = cols.map((c) => natural.get(c)!);
  const gaps = GAP * Math.max(0, cols.length - 1);
  if (nat.reduce((a, b) => a + b, 0) + gaps <= width) return nat;
  const widths = cols.map((c, i) => (c.fit === 'wrap' ? Math.min(nat[i], MIN_WRAP) : nat[i]));
  let room = width - gaps - widths.reduce((a, b) => a + b, 0);
  if (room < 0) return null;
  // Share what is left among the wrapping columns, one character at a time, up to their natural width.
  for (let grew = true; room > 0 && grew; ) {
    grew = false;
    for (let i = 0; i < cols.length && room > 0; i++) {
      if (cols[i].fit !== 'wrap' || widths[i] >= nat[i]) continue;
      widths[i]++;
      room--;
      grew = true;
    }
  }
  return widths;
}

/** Lay out `rows` under `columns` in `width` characters (Infinity: no limit). */
export function layoutTable(columns: readonly TableColumn[], rows: readonly Record<string, string>[], width = Infinity): TableLayout {
  const cells = rows.map((r) => new Map(columns.map((c) => [c, flat(r[c.key] ?? '')] as const)));
  const natural = new Map(columns.map((c) => [c, Math.max(visibleLength(c.label), ...cells.map((r) => visibleLength(r.get(c)!)))] as const));
  let shown = [...columns];
  let widths: number[] | null = null;
  for (;;) {
    widths = widthsIn(shown, natural, width);
    if (widths) break;
    const droppable = shown.filter((c) => c.drop !== undefined).sort((a, b) => b.drop! - a.drop!);
    if (droppable.length === 0) {
      // Only columns that always show are left: wrap what may wrap at its minimum and let the line overflow.
      widths = shown.map((c) => (c.fit === 'wrap' ? Math.min(natural.get(c)!, MIN_WRAP) : natural.get(c)!));
      break;
    }
    shown = shown.filter((c) => c !== droppable[0]);
  }
  const w = widths;
  let wrapped = false;
  const linesOf = (values: string[]): string[] => {
    const parts = values.map((v, i) => (shown[i].fit === 'wrap' && visibleLength(v) > w[i] ? wrapText(v, w[i]) : [v]));
    const height = Math.max(1, ...parts.map((p) => p.length));
    if (height > 1) wrapped = true;
    const out: string[] = [];
    for (let k = 0; k < height; k++) out.push(parts.map((p, i) => pad(p[k] ?? '', w[i], shown[i].align === 'right')).join(' '.repeat(GAP)).trimEnd());
    return out;
  };
  const header = linesOf(shown.map((c) => c.label));
  wrapped = false;
  const body = cells.map((r) => linesOf(shown.map((c) => r.get(c)!)));
  return { columns: shown, widths: w, hidden: columns.filter((c) => !shown.includes(c)), header, rows: body, wrapped };
}
