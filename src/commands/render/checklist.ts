/**
 * A {@link ChecksReply} as plain text for every renderer that needs text: word-wrapped to a width,
 * nothing cut (a word longer than the line, such as a DKIM key, is broken, never dropped).
 */
import type { CheckItem, ChecksReply } from '../reply.js';

/** The word and the mark of each status, for text without colour. */
export const STATUS_WORD: Record<CheckItem['status'] | 'running', string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip', running: '…' };
export const STATUS_MARK: Record<CheckItem['status'] | 'running', string> = { ok: '✓', warn: '!', fail: '✗', skip: '-', running: '…' };

/** Lines of at most `width` characters; words longer than that are split. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(10, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      let rest = word;
      while ([...rest].length > w) {
        if (line) {
          out.push(line);
          line = '';
        }
        const chars = [...rest];
        out.push(chars.slice(0, w).join(''));
        rest = chars.slice(w).join('');
      }
      if (!rest) continue;
      if (!line) line = rest;
      else if ([...line].length + 1 + [...rest].length <= w) line += ` ${rest}`;
      else {
        out.push(line);
        line = rest;
      }
    }
    out.push(line);
  }
  return out;
}

/** Counts by status, for a footer. */
export function tally(r: Pick<ChecksReply, 'sections'>): Record<CheckItem['status'], number> {
  const t = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const s of r.sections) for (const i of s.items) t[i.status]++;
  return t;
}

/** The whole checklist as plain lines (no colour), `width` wide. */
export function checklistLines(r: ChecksReply, width = 100): string[] {
  const out = [r.title];
  if (r.subtitle) out.push(...wrap(r.subtitle, width));
  const indent = '          ';
  for (const s of r.sections) {
    out.push('', s.title);
    for (const i of s.items) {
      out.push(`  ${STATUS_MARK[i.status]} ${STATUS_WORD[i.status].padEnd(4)}  ${i.title}`);
      for (const l of wrap(i.detail, width - indent.length)) out.push(indent + l);
      if (i.hint) wrap(`fix: ${i.hint}`, width - indent.length).forEach((l) => out.push(indent + l));
    }
  }
  if (r.footer) out.push('', ...wrap(r.footer, width));
  return out;
}
