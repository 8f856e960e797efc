/** A bar chart as Unicode text lines, one bar per label, for a code block. */
import type { ChartReply } from '../../commands/reply.js';

const WIDTH = 30;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(value: number, max: number): string {
  if (max <= 0 || value <= 0) return '';
  const units = Math.max(1, Math.round((value / max) * WIDTH * 8));
  return '█'.repeat(Math.floor(units / 8)) + EIGHTHS[units % 8];
}

/** One block of lines per series: `label │bar value`. */
export function chartLines(c: Pick<ChartReply, 'labels' | 'series'>): string[] {
  const labelWidth = Math.max(0, ...c.labels.map((l) => l.length));
  const out: string[] = [];
  for (const s of c.series) {
    if (c.series.length > 1) out.push(s.name);
    const max = Math.max(0, ...s.values);
    const valueWidth = Math.max(...s.values.map((v) => String(v).length), 1);
    c.labels.forEach((label, i) => {
      const v = s.values[i] ?? 0;
      out.push(`${label.padStart(labelWidth)} │${bar(v, max).padEnd(WIDTH + 1)} ${String(v).padStart(valueWidth)}`);
    });
  }
  return out;
}
