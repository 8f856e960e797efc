/** The filter options of the queue commands (`--domain`, `--to`, `--from`, `--state`, `--older-than`) as an engine QueueFilter, and in words. */
import type { QueueFilter, QueueState } from '../../engine/index.js';
import type { ErrorReply } from '../reply.js';
import type { ParsedCommand } from '../types.js';
import { formatDuration } from './format.js';

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** `30m`, `2h`, `1d`, `2w`, or seconds: milliseconds, or undefined when it is none of these. */
export function parseAge(raw: string): number | undefined {
  const m = /^(\d{1,9})\s*([smhdw]?)$/i.exec(raw.trim());
  return m ? Number(m[1]) * UNITS[m[2].toLowerCase()] * 1000 : undefined;
}

/** The filter a command's options give, or the error naming the option and the rule. */
export function filterOf(cmd: ParsedCommand): { ok: true; filter: QueueFilter } | { ok: false; error: ErrorReply } {
  const f: QueueFilter = {};
  const o = cmd.options;
  if (typeof o.domain === 'string') f.domain = o.domain;
  if (typeof o.to === 'string') f.to = o.to;
  if (typeof o.from === 'string') f.from = o.from;
  if (typeof o.state === 'string') f.state = o.state as QueueState;
  if (typeof o['older-than'] === 'string') {
    const age = parseAge(o['older-than']);
    if (age === undefined) {
      const message = `--older-than must be a duration such as 30m, 2h or 1d, or seconds (got "${o['older-than'].slice(0, 40)}")`;
      return { ok: false, error: { kind: 'error', code: 'validation', ok: false, message, issues: [{ field: 'older-than', rule: 'duration', message }] } };
    }
    f.olderThan = age;
  }
  return { ok: true, filter: f };
}

/** Whether any filter option was given. */
export function hasFilter(f: QueueFilter): boolean {
  return Object.values(f).some((v) => v !== undefined);
}

/** `with a recipient at example.com, from a@b.c, deferred, queued more than 2h ago`; '' for none. */
export function filterWords(f: QueueFilter): string {
  const parts: string[] = [];
  if (f.domain !== undefined) parts.push(`with a recipient at ${f.domain}`);
  if (f.to !== undefined) parts.push(`to ${f.to}`);
  if (f.from !== undefined) parts.push(`from ${f.from}`);
  if (f.state !== undefined) parts.push(f.state);
  if (f.olderThan !== undefined) parts.push(`queued more than ${formatDuration(f.olderThan)} ago`);
  return parts.join(', ');
}

/** `(domain example.com, deferred, older than 2h)` for a title; '' for none. */
export function filterTitle(f: QueueFilter): string {
  const parts: string[] = [];
  if (f.domain !== undefined) parts.push(`domain ${f.domain}`);
  if (f.to !== undefined) parts.push(`to ${f.to}`);
  if (f.from !== undefined) parts.push(`from ${f.from}`);
  if (f.state !== undefined) parts.push(f.state);
  if (f.olderThan !== undefined) parts.push(`older than ${formatDuration(f.olderThan)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
