/** The mail log: one entry per message received and per recipient outcome. */
import type { LogEntry, LogQuery, LogStatus, Page } from '../types.js';
import { LOG_STATUSES } from '../types.js';
import { ValidationError } from '../errors.js';
import { K, type Op, type Store } from '../store.js';
import { keyPart, pageKeys } from './pager.js';

/**
 * Statuses with an index of their own. `sent` and `received` are most of the
 * log, so a filter on them finds its matches by walking the log itself; the
 * rare ones (what an operator looks for at 3 a.m.) are indexed.
 */
const INDEXED_STATUSES: ReadonlySet<LogStatus> = new Set(['deferred', 'bounced', 'deleted', 'expired']);

/** The batch ops that store one entry and its indexes. */
export function logOps(e: LogEntry): Op[] {
  const ops: Op[] = [
    { type: 'put', key: K.log(e.key), value: JSON.stringify(e) },
    { type: 'put', key: K.logBy('f', keyPart(e.from || '<>'), e.key), value: '' },
  ];
  if (INDEXED_STATUSES.has(e.status)) ops.push({ type: 'put', key: K.logBy('s', e.status, e.key), value: '' });
  for (const to of new Set(e.to.map((t) => t.toLowerCase()))) ops.push({ type: 'put', key: K.logBy('t', keyPart(to), e.key), value: '' });
  return ops;
}

export async function listLog(store: Store, q: LogQuery = {}): Promise<Page<LogEntry>> {
  if (q.status !== undefined && !LOG_STATUSES.includes(q.status)) {
    throw ValidationError.one('status', 'choice', `status must be one of ${LOG_STATUSES.join(', ')} (got ${JSON.stringify(q.status)})`);
  }
  for (const f of ['to', 'from'] as const) {
    const v = q[f];
    if (v !== undefined && (v.length === 0 || v.length > 254 || /[\s\x00-\x1f]/.test(v))) throw ValidationError.one(f, 'address', `${f} must be an address without spaces, at most 254 characters`);
  }
  // Use the most selective index; check the other filters on the entries.
  const prefix = q.to ? `Lt!${keyPart(q.to)}!` : q.from ? `Lf!${keyPart(q.from)}!` : q.status && INDEXED_STATUSES.has(q.status) ? `Ls!${q.status}!` : 'l!';
  const load = (keys: string[]) => store.getMany<LogEntry>(keys.map(K.log));
  const keep = (e: LogEntry) =>
    (!q.to || e.to.some((t) => t.toLowerCase() === q.to!.toLowerCase())) &&
    (!q.from || e.from.toLowerCase() === q.from.toLowerCase()) &&
    (!q.status || e.status === q.status);
  return pageKeys(store, prefix, q, load, keep);
}
