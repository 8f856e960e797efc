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

/** Index keys counted for a page's total before it says "at least": a count costs at most this many keys read. */
export const COUNT_KEYS = 10_000;
/** Entries read and filtered for a total when the index alone does not decide the filter. */
export const COUNT_LOADS = 2_000;

/**
 * How many items a listing has: keys under each prefix (disjoint sets), or,
 * with a filter, the entries that pass it. Bounded (COUNT_KEYS keys, or
 * COUNT_LOADS entries read with a filter): past that the count is a lower bound.
 */
export async function countItems<T>(
  store: Store,
  prefixes: readonly string[],
  filter?: { load: (suffixes: string[]) => Promise<(T | undefined)[]>; keep: (item: T) => boolean },
): Promise<{ total: number; totalAtLeast: boolean }> {
  const bound = filter ? COUNT_LOADS : COUNT_KEYS;
  let read = 0;
  let total = 0;
  for (const prefix of prefixes) {
    let from = prefix;
    for (;;) {
      const want = Math.min(bound - read, 1000);
      if (want <= 0) return { total, totalAtLeast: true };
      const keys = await store.keys({ gt: from, lt: prefix + '\xff', limit: want });
      read += keys.length;
      if (filter) {
        const items = await filter.load(keys.map((k) => k.slice(prefix.length)));
        total += items.filter((it) => it !== undefined && filter.keep(it)).length;
      } else total += keys.length;
      if (keys.length < want) break;
      from = keys[keys.length - 1];
    }
  }
  return { total, totalAtLeast: false };
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
