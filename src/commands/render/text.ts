/**
 * The text renderer: every Reply kind as plain lines, coloured with
 * node:util styleText when the output is a colour terminal. Terminals print
 * it; chat adapters attach it when a reply is too long for a message.
 */
import { styleText } from 'node:util';
import type { Action, Reply, TableReply } from '../reply.js';
import { layoutTable, wrapText } from './table-layout.js';
import { chartLines } from './unicode-chart.js';

type Style = Parameters<typeof styleText>[0];

export interface RenderOptions {
  /** Use ANSI colours. */
  color: boolean;
  /** Width for tables and bars (default 100); Infinity (a pipe) prints every row whole on one line. */
  width?: number;
  /** How to tell the user about a paging button (REPL: `.next`; CLI: the command line), given the line that shows that page. */
  pageHint?: (a: Action, line?: string) => string | undefined;
  /** How to tell the user about a confirmation (REPL asks y/N itself; CLI: `--yes`). */
  confirmHint?: string;
}

/** Colours on when writing to a TTY and NO_COLOR is not set (https://no-color.org). */
export function wantColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/**
 * The width to lay tables out in: `COLUMNS` when set (as ls and mailq honour
 * it), else the terminal's, else none (a pipe or a file: whole lines).
 */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = /^\d{1,5}$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : 0;
  if (fromEnv > 0) return fromEnv;
  if (stream.isTTY && stream.columns) return stream.columns;
  return Infinity;
}

/** Render a reply to text (no trailing newline). */
export function renderReply(r: Reply, opts: RenderOptions): string {
  // We decide about colour ourselves (TTY, NO_COLOR); styleText must not second-guess it.
  const paint = (style: Style, s: string) => (opts.color ? styleText(style, s, { validateStream: false }) : s);
  const width = Math.max(40, opts.width ?? 100);
  const lines = renderInto(r, opts, paint, width, 0);
  return lines.join('\n');
}

function renderInto(r: Reply, opts: RenderOptions, paint: (s: Style, t: string) => string, width: number, depth: number): string[] {
  const heading = (t: string) => paint(['bold', depth ? 'underline' : 'cyan'], t);
  switch (r.kind) {
    case 'message': {
      const style: Record<typeof r.tone, Style> = { info: 'blue', success: 'green', warning: 'yellow', error: 'red' };
      const mark = { info: 'i', success: '✓', warning: '!', error: '✗' }[r.tone];
      const out = [`${paint(style[r.tone], mark)} ${r.title ? `${paint('bold', r.title)}: ` : ''}${r.text}`];
      return out;
    }
    case 'fields': {
      const out = [heading(r.title)];
      const labelW = Math.min(24, Math.max(0, ...r.fields.map((f) => f.label.length)));
      for (const f of r.fields) {
        const [first, ...more] = f.value.split('\n');
        out.push(`  ${paint('dim', f.label.padEnd(labelW))}  ${first}`);
        for (const m of more) out.push(`  ${' '.repeat(labelW)}  ${m}`);
      }
      if (r.footer) out.push(paint('dim', r.footer));
      return out;
    }
    case 'table':
      return renderTable(r, opts, paint, width, heading);
    case 'confirm': {
      const out = [`${paint('yellow', '?')} ${paint('bold', r.title)}`, `  ${r.text}`];
      if (opts.confirmHint) out.push(paint('dim', `  ${opts.confirmHint}`));
      return out;
    }
    case 'error': {
      const out = [`${paint('red', 'error')}${paint('dim', ` (${r.code})`)}: ${r.message}`];
      for (const i of r.issues ?? []) if (i.message !== r.message) out.push(`  ${paint('red', '-')} ${i.message}`);
      if (r.suggestion) out.push(`  ${paint('yellow', r.suggestion)}`);
      if (r.usage) out.push(`  ${paint('dim', 'usage:')} ${r.usage}`);
      return out;
    }
    case 'progress':
      return [progressLine(r.label, r.done, r.total, width, opts.color)];
    case 'secret-prompt':
      return [`${paint('yellow', '?')} ${paint('bold', r.title)}: ${r.text}`];
    case 'chart':
      // Wide terminals get two characters per column; the shared text layout does the drawing.
      return [heading(r.title), ...chartLines(r, { columnWidth: r.labels.length * 2 + 20 <= width ? 2 : 1 }).map((l) => `  ${l}`)];
    case 'file':
      return [heading(`${r.title} (${r.filename})`), r.content.replace(/\n$/, '')];
    case 'group': {
      const out = [paint('bold', r.title)];
      for (const p of r.parts) out.push('', ...renderInto(p, opts, paint, width, depth + 1));
      return out;
    }
  }
}

function renderTable(r: TableReply, opts: RenderOptions, paint: (s: Style, t: string) => string, width: number, heading: (t: string) => string): string[] {
  const out = [heading(r.title)];
  if (!r.rows.length) out.push(paint('dim', `  ${r.empty}`));
  else {
    const t = layoutTable(r.columns, r.rows, width - 2);
    for (const l of t.header) out.push(`  ${paint('bold', l)}`);
    for (const row of t.rows) for (const l of row) out.push(`  ${l}`);
    if (t.hidden.length) {
      const note = `(not shown at ${width} columns: ${t.hidden.map((c) => c.label).join(', ')}; --json or a pipe shows every column)`;
      for (const l of wrapText(note, width - 2)) out.push(paint('dim', `  ${l}`));
    }
  }
  out.push(...pageLines(r, opts).map((l) => paint('dim', l)));
  if (r.footer) out.push(paint('dim', `  ${r.footer}`));
  return out;
}

/** `page 2 of 5 · .prev for newer · .next for older`. */
function pageLines(r: TableReply, opts: RenderOptions): string[] {
  const p = r.page;
  if (!p) return [];
  const paging: string[] = [];
  if (p.number) paging.push(`page ${p.number}${p.of ? ` of ${p.of}${p.ofAtLeast ? '+' : ''}` : ''}`);
  for (const [a, line] of [[p.prev, p.prevLine], [p.next, p.nextLine]] as const) {
    const hint = a && opts.pageHint?.(a, line);
    if (hint) paging.push(hint);
  }
  return paging.length ? [`  ${paging.join(' · ')}`] : [];
}

/** `[██████░░░░] 60% deleting 600/1,000`. */
export function progressLine(label: string, done: number, total: number, width = 100, color = false): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const barW = Math.max(10, Math.min(40, width - label.length - 30));
  const fill = Math.round(frac * barW);
  const bar = '█'.repeat(fill) + '░'.repeat(barW - fill);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const line = `[${bar}] ${pct} ${label} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
  return color ? styleText('cyan', line, { validateStream: false }) : line;
}
