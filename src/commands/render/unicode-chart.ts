/**
 * A {@link ChartReply} as lines of Unicode block characters, for every text
 * renderer (terminal, Slack and Discord code blocks). Two layouts:
 * - `columns` (default): one strip of vertical bars per series, a column per
 *   label, with the axis labels below; compact (a 24-hour day is 48 columns).
 * - `rows`: one line per label with a horizontal bar and the value of every
 *   series; longer, for full reports.
 * Output is plain text (no colour, no trailing spaces) so it fits code blocks.
 */
import type { ChartReply } from '../reply.js';

export interface ChartTextOptions {
  style?: 'columns' | 'rows';
  /** `columns`: text rows per series (each row is 8 levels). Default 2. */
  height?: number;
  /** `columns`: characters per label. Default 2. */
  columnWidth?: number;
  /** `rows`: characters of the longest bar. Default 20. */
  barWidth?: number;
}

type Chart = Pick<ChartReply, 'labels' | 'series'>;

const UP = ['', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const RIGHT = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/** Eighths of a bar for `value` of `max` over `cells` cells; any non-zero value shows at least one eighth. */
function units(value: number, max: number, cells: number): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.max(1, Math.round((value / max) * cells * 8));
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function columns(c: Chart, height: number, colW: number): string[] {
  const nameW = Math.max(...c.series.map((s) => s.name.length), 1);
  const out: string[] = [];
  for (const s of c.series) {
    const max = Math.max(0, ...s.values);
    const total = s.values.reduce((a, b) => a + b, 0);
    const u = c.labels.map((_, i) => units(s.values[i] ?? 0, max, height));
    for (let row = height - 1; row >= 0; row--) {
      const cells = u
        .map((n) => {
          const here = Math.min(8, Math.max(0, n - row * 8));
          const ch = here > 0 ? UP[here] : row === 0 ? '·' : ' ';
          return ch.repeat(colW);
        })
        .join('');
      const name = row === height - 1 ? s.name : '';
      const note = row === height - 1 ? ` max ${num(max)}` : row === 0 ? ` total ${num(total)}` : '';
      out.push(`${name.padEnd(nameW)} │${cells}│${height === 1 ? ` max ${num(max)}, total ${num(total)}` : note}`.trimEnd());
    }
  }
  // Axis labels where they fit, starting with the first.
  const labelW = Math.max(...c.labels.map((l) => l.length), 1);
  const step = Math.max(1, Math.ceil((labelW + 1) / colW));
  let axis = '';
  c.labels.forEach((l, i) => {
    if (i % step !== 0) return;
    axis = axis.padEnd(i * colW) + l;
  });
  out.push(`${' '.repeat(nameW)}  ${axis}`.trimEnd());
  return out;
}

function rows(c: Chart, barW: number): string[] {
  const labelW = Math.max(...c.labels.map((l) => l.length), 1);
  const first = c.series[0];
  const max = Math.max(0, ...first.values);
  const valW = c.series.map((s) => Math.max(s.name.length, ...s.values.map((v) => num(v).length)));
  const head = c.series.map((s, k) => s.name.padStart(valW[k])).join('  ');
  // The bar draws the first series; every series' value follows it.
  const out = [`${''.padEnd(labelW)} │${`(${first.name})`.padEnd(barW)} ${head}`.trimEnd()];
  c.labels.forEach((l, i) => {
    const n = units(first.values[i] ?? 0, max, barW);
    const bar = ('█'.repeat(Math.floor(n / 8)) + RIGHT[n % 8]).padEnd(barW);
    const vals = c.series.map((s, k) => num(s.values[i] ?? 0).padStart(valW[k]));
    out.push(`${l.padStart(labelW)} │${bar} ${vals.join('  ')}`.trimEnd());
  });
  return out;
}

/** The chart as text lines (no title; renderers add their own heading). */
export function chartLines(chart: Chart, opts: ChartTextOptions = {}): string[] {
  if (chart.labels.length === 0 || chart.series.length === 0) return ['(no data)'];
  if (opts.style === 'rows') return rows(chart, Math.max(4, opts.barWidth ?? 20));
  return columns(chart, Math.max(1, Math.min(8, opts.height ?? 2)), Math.max(1, opts.columnWidth ?? 2));
}
