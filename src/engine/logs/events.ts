/** System events: what happened to the mail system, by whom. */
import type { EventEntry, EventQuery, Page } from '../types.js';
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
