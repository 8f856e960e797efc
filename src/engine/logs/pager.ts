/**
 * Cursor paging over a time-ordered key range. A cursor is `n.<key>` (the
 * next page, after key in the listing order) or `p.<key>` (the previous page),
 * so a page costs O(page), whatever the size of the log.
 */
import type { Page } from '../types.js';
import { ValidationError } from '../errors.js';
import type { Store } from '../store.js';

export interface PageRequest {
  limit?: number;
  cursor?: string;
  page?: number;
}

/** Validate paging input; returns the limit. */
export function pageLimit(q: PageRequest): number {
  const limit = q.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw ValidationError.one('limit', 'range', `limit must be a whole number from 1 to 200 (got ${q.limit})`);
  if (q.page !== undefined && (!Number.isInteger(q.page) || q.page < 1 || q.page > 100000)) throw ValidationError.one('page', 'range', `page must be a whole number from 1 to 100000 (got ${q.page})`);
  if (q.cursor !== undefined && !/^[np]\.[0-9a-z]{1,40}$/.test(q.cursor)) throw ValidationError.one('cursor', 'format', 'cursor must be a value from a previous page (next/prev)');
  return limit;
}

/**
 * Page through `prefix<key>` index keys (newest first, or oldest first),
 * resolving each key to an item with `load` and keeping those `keep` accepts.
 */
export async function pageKeys<T>(
  store: Store,
  prefix: string,
  q: PageRequest,
  load: (keys: string[]) => Promise<(T | undefined)[]>,
  keep: (item: T) => boolean = () => true,
  order: 'newest' | 'oldest' = 'newest',
): Promise<Page<T>> {
  const limit = pageLimit(q);
  const lo = prefix;
  const hi = prefix + '\xff';
  const backward = q.cursor?.startsWith('p.') ?? false;
  const ascending = (order === 'oldest') !== backward;
  let bound = q.cursor ? prefix + q.cursor.slice(2) : undefined;
  let skip = !q.cursor && q.page ? (q.page - 1) * limit : 0;
  const found: { key: string; item: T }[] = [];
  const chunk = Math.min(500, Math.max(limit + 1, 50));
  for (;;) {
    const range = ascending ? { gt: bound ?? lo, lt: hi, limit: chunk } : { gt: lo, lt: bound ?? hi, reverse: true, limit: chunk };
    const keys = await store.keys(range);
    if (keys.length === 0) break;
    const suffixes = keys.map((k) => k.slice(prefix.length));
    const items = await load(suffixes);
    for (let i = 0; i < keys.length && found.length <= limit; i++) {
      const it = items[i];
      if (it === undefined || !keep(it)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      found.push({ key: suffixes[i], item: it });
    }
    if (found.length > limit || keys.length < chunk) break;
    bound = keys[keys.length - 1];
  }
  const more = found.length > limit;
  const page = found.slice(0, limit);
  if (backward) page.reverse();
  const first = page[0]?.key;
  const last = page[page.length - 1]?.key;
  const nextExists = backward ? true : more;
  const prevExists = backward ? more : Boolean(q.cursor) || Boolean(q.page && q.page > 1);
  return {
    items: page.map((p) => p.item),
    next: nextExists && last ? `n.${last}` : null,
    prev: prevExists && first ? `p.${first}` : null,
  };
}

/** Escape a value used inside an index key (addresses may contain `!`). */
export function keyPart(v: string): string {
  return v.toLowerCase().replace(/%/g, '%25').replace(/!/g, '%21');
}
