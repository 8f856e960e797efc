/**
 * The text renderer: every Reply kind as plain lines, coloured with
 * node:util styleText when the output is a colour terminal. Terminals print
 * it; chat adapters attach it when a reply is too long for a message.
 */
import { styleText } from 'node:util';
import type { Action, ChecksReply, ProgressReply, Reply, TableReply } from '../reply.js';
import { chartLines } from './unicode-chart.js';
import { STATUS_MARK, STATUS_WORD, wrap } from './checklist.js';

type Style = Parameters<typeof styleText>[0];

export interface RenderOptions {
  /** Use ANSI colours. */
  color: boolean;
  /** Terminal width for tables and bars (default 100). */
  width?: number;
  /** How to tell the user about a paging button (REPL: `.next`; CLI: nothing). */
  pageHint?: (a: Action) => string | undefined;
  /** How to tell the user about a confirmation (REPL asks y/N itself; CLI: `--yes`). */
  confirmHint?: string;
}

/** Colours on when writing to a TTY and NO_COLOR is not set (https://no-color.org). */
export function wantColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
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
      return [...(r.steps ?? []).map((st) => stepLine(st, opts.color)), progressLine(r.label, r.done, r.total, width, opts.color)];
    case 'checks':
      return renderChecks(r, paint, width, heading, opts.color);
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

/** Visible width of a string (ANSI codes removed; wide characters count as one: good enough for ids and addresses). */
function visible(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

function clip(s: string, w: number): string {
  const chars = [...s];
  return chars.length > w ? `${chars.slice(0, Math.max(1, w - 1)).join('')}…` : s;
}

function renderTable(r: TableReply, opts: RenderOptions, paint: (s: Style, t: string) => string, width: number, heading: (t: string) => string): string[] {
  const out = [heading(r.title)];
  if (!r.rows.length) out.push(paint('dim', `  ${r.empty}`));
  else {
    const cols = r.columns;
    const natural = cols.map((c) => Math.max(visible(c.label), ...r.rows.map((row) => visible(row[c.key] ?? ''))));
    // Shrink the widest columns until the table fits the terminal.
    const widths = [...natural];
    const budget = width - 2 - 2 * (cols.length - 1);
    while (widths.reduce((a, b) => a + b, 0) > budget) {
      const i = widths.indexOf(Math.max(...widths));
      if (widths[i] <= 8) break;
      widths[i]--;
    }
    const cell = (s: string, i: number) => {
      const t = clip(s, widths[i]);
      const pad = ' '.repeat(Math.max(0, widths[i] - visible(t)));
      return cols[i].align === 'right' ? pad + t : t + pad;
    };
    out.push(`  ${paint('bold', cols.map((c, i) => cell(c.label, i)).join('  ').trimEnd())}`);
    for (const row of r.rows) out.push(`  ${cols.map((c, i) => cell((row[c.key] ?? '').replace(/\s+/g, ' '), i)).join('  ').trimEnd()}`);
  }
  const paging: string[] = [];
  if (r.page?.number) paging.push(`page ${r.page.number}`);
  for (const a of [r.page?.prev, r.page?.next]) {
    const hint = a && opts.pageHint?.(a);
    if (hint) paging.push(hint);
  }
  if (paging.length) out.push(paint('dim', `  ${paging.join(' · ')}`));
  if (r.footer) out.push(paint('dim', `  ${r.footer}`));
  return out;
}

const STATUS_STYLE: Record<keyof typeof STATUS_MARK, Style> = { ok: 'green', warn: 'yellow', fail: 'red', skip: 'dim', running: 'cyan' };

/** `  ✗ FAIL  Relay permission`: one step of a progress, or the head line of a check. */
export function stepLine(st: { status: keyof typeof STATUS_MARK; title: string }, color: boolean): string {
  const mark = `${STATUS_MARK[st.status]} ${STATUS_WORD[st.status].padEnd(4)}`;
  return `  ${color ? styleText(STATUS_STYLE[st.status], mark, { validateStream: false }) : mark}  ${st.title}`;
}

/**
 * Steps of a progress that finished and were not printed yet (the REPL prints them as they come).
 * Steps arrive in report order, not in the order they finished, so what was printed is tracked by
 * step, in `printed` (step -> how many times).
 */
export function newSteps(p: ProgressReply, printed: Map<string, number>): NonNullable<ProgressReply['steps']> {
  const seen = new Map<string, number>();
  const out: NonNullable<ProgressReply['steps']> = [];
  for (const st of p.steps ?? []) {
    if (st.status === 'running') continue;
    const key = `${st.status}\u0000${st.title}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > (printed.get(key) ?? 0)) {
      printed.set(key, n);
      out.push(st);
    }
  }
  return out;
}

/** Every check with its detail and fix wrapped under it: nothing is cut. */
function renderChecks(r: ChecksReply, paint: (s: Style, t: string) => string, width: number, heading: (t: string) => string, color: boolean): string[] {
  const out = [heading(r.title)];
  if (r.subtitle) out.push(...wrap(r.subtitle, width - 2).map((l) => paint('dim', `  ${l}`)));
  const indent = ' '.repeat(10);
  const room = width - indent.length;
  for (const s of r.sections) {
    out.push(paint('bold', s.title));
    for (const i of s.items) {
      out.push(stepLine(i, color));
      for (const l of wrap(i.detail, room)) out.push(indent + (i.status === 'ok' || i.status === 'skip' ? paint('dim', l) : l));
      if (i.hint) wrap(`fix: ${i.hint}`, room).forEach((l) => out.push(indent + paint('cyan', l)));
    }
  }
  if (r.footer) out.push(...wrap(r.footer, width).map((l) => paint('bold', l)));
  return out;
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
