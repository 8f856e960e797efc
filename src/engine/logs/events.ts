/** System events: what happened to the mail system, by whom. */
import type { EventEntry, EventLevel, EventQuery, Page } from '../types.js';
import { EVENT_LEVELS } from '../types.js';
import { ValidationError } from '../errors.js';
import { K, type Op, type Store } from '../store.js';
import { pageKeys } from './pager.js';

export function eventOps(e: EventEntry): Op[] {
  return [
    { type: 'put', key: K.event(e.key), value: JSON.stringify(e) },
    { type: 'put', key: K.eventBy(e.level, e.key), value: '' },
  ];
}

/** An event recorded through the facade (adapters' `access.denied`, intake events): a known level and a dotted code. */
export function checkEvent(level: EventLevel, code: string): void {
  if (!EVENT_LEVELS.includes(level)) throw ValidationError.one('level', 'choice', `level must be one of ${EVENT_LEVELS.join(', ')}`);
  if (!/^[a-z][a-z0-9.-]{0,63}$/.test(code)) throw ValidationError.one('code', 'format', 'code must be a dotted lower-case name like access.denied');
}

export function levelRank(l: EventEntry['level']): number {
  return EVENT_LEVELS.indexOf(l);
}

export async function listEvents(store: Store, q: EventQuery = {}): Promise<Page<EventEntry>> {
  for (const f of ['level', 'minLevel'] as const) {
    const v = q[f];
    if (v !== undefined && !EVENT_LEVELS.includes(v)) throw ValidationError.one(f === 'minLevel' ? 'min-level' : 'level', 'choice', `level must be one of ${EVENT_LEVELS.join(', ')} (got ${JSON.stringify(v)})`);
  }
  const prefix = q.level ? `El!${q.level}!` : 'e!';
  const load = (keys: string[]) => store.getMany<EventEntry>(keys.map(K.event));
  const keep = (e: EventEntry) => !q.minLevel || levelRank(e.level) >= levelRank(q.minLevel);
  return pageKeys(store, prefix, q, load, keep);
}
