/**
 * Selecting messages by shape, as Postfix's tools do (`postqueue -s site`,
 * `postsuper -d` fed by a filter, `qshape`): by recipient domain, recipient,
 * sender, state and age. Every field narrows; none selects the whole queue.
 *
 * This reads the queue only through its public listing (`Queue.list`, by
 * state index when a state is given, oldest first), so it works on any key
 * layout; a layout with a recipient-domain index and counts per domain
 * answers a domain filter without reading the other messages.
 */
import type { Page, QueueFilter, QueueItem, QueueQuery, QueueState } from '../types.js';
import { QUEUE_STATES } from '../types.js';
import { ValidationError } from '../errors.js';
import { pageLimit } from '../logs/pager.js';

/** Listing of the queue as `Queue.list` answers it (cursors `n.<id>` / `p.<id>`). */
export type QueueLister = (q: QueueQuery) => Promise<Page<QueueItem>>;

const PAGE = 200;
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\s]/u;
const MAX_AGE_MS = 100 * 365 * 86_400_000;

/** The domain of an address, lower case (`(none)` without an `@`). */
export function domainOfAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '(none)' : address.slice(at + 1).toLowerCase();
}

/** Check a filter; throws ValidationError naming the field and the rule. Returns it normalised (lower case, no leading `@` or trailing dot on a domain). */
export function checkFilter(f: QueueFilter): QueueFilter {
  const out: QueueFilter = {};
  const text = (field: 'domain' | 'to' | 'from', v: unknown, max: number): string => {
    if (typeof v !== 'string' || v.length === 0 || v.length > max || CONTROL_OR_FORMAT.test(v)) {
      throw ValidationError.one(field, field === 'domain' ? 'domain' : 'address', `${field} must be ${field === 'domain' ? 'a domain such as example.com' : 'an address'} without spaces, control or format characters, at most ${max} characters (got ${JSON.stringify(String(v).slice(0, 60))})`);
    }
    return v.toLowerCase();
  };
  if (f.domain !== undefined) {
    const d = text('domain', f.domain, 253).replace(/^@/, '').replace(/\.$/, '');
    if (!d || d.includes('@')) throw ValidationError.one('domain', 'domain', `domain must be a domain such as example.com, not an address (got ${JSON.stringify(f.domain.slice(0, 60))}); use --to for one address`);
    out.domain = d;
  }
  if (f.to !== undefined) out.to = text('to', f.to, 254);
  if (f.from !== undefined) out.from = f.from === '' ? '<>' : text('from', f.from, 254);
  if (f.state !== undefined) {
    if (!QUEUE_STATES.includes(f.state)) throw ValidationError.one('state', 'choice', `state must be one of ${QUEUE_STATES.join(', ')} (got ${JSON.stringify(f.state)})`);
    out.state = f.state;
  }
  if (f.olderThan !== undefined) {
    if (!Number.isInteger(f.olderThan) || f.olderThan < 0 || f.olderThan > MAX_AGE_MS) throw ValidationError.one('older-than', 'duration', 'older-than must be a duration such as 30m, 2h or 1d');
    out.olderThan = f.olderThan;
  }
  return out;
}

/** Whether a filter selects anything less than the whole queue. */
export function isFiltered(f: QueueFilter): boolean {
  return f.domain !== undefined || f.to !== undefined || f.from !== undefined || f.state !== undefined || f.olderThan !== undefined;
}

/** Whether `m` is selected by `f` (checked) at time `now`. */
export function matches(m: QueueItem, f: QueueFilter, now: number): boolean {
  if (f.state !== undefined && m.state !== f.state) return false;
  if (f.olderThan !== undefined && now - m.createdAt <= f.olderThan) return false;
  if (f.from !== undefined && (m.from === '' ? '<>' : m.from.toLowerCase()) !== f.from) return false;
  if (f.to !== undefined && !m.to.some((t) => t.toLowerCase() === f.to)) return false;
  if (f.domain !== undefined && !m.to.some((t) => domainOfAddress(t) === f.domain)) return false;
  return true;
}

/**
 * Every message `f` selects, oldest first, in batches (at most PAGE each).
 * `each` may return false to stop. Messages that change meanwhile are seen
 * as the listing finds them; with `upTo` (an id), none newer than it: a bulk
 * action takes what was queued when it started, not mail arriving meanwhile.
 */
export async function scanMatching(list: QueueLister, f: QueueFilter, now: number, each: (batch: QueueItem[], read: number) => Promise<boolean | void>, upTo?: string): Promise<void> {
  let cursor: string | undefined;
  for (;;) {
    const page = await list({ order: 'oldest', limit: PAGE, ...(f.state ? { state: f.state } : {}), ...(cursor ? { cursor } : {}) });
    const past = upTo !== undefined && page.items.some((m) => m.id > upTo);
    const hits = page.items.filter((m) => (upTo === undefined || m.id <= upTo) && matches(m, f, now));
    // Called for every page read, matches or not: `read` is how many messages it looked at.
    if ((await each(hits, page.items.length)) === false) return;
    if (past || !page.next || page.items.length === 0) return;
    cursor = page.next;
  }
}

/** How many messages `f` selects, by state, and how many of them also go to recipients the filter did not name. */
export interface QueueMatch {
  count: number;
  byState: Record<QueueState, number>;
  /** Messages selected by domain or recipient that have other recipients too (a delete takes the whole message). */
  withOtherRecipients: number;
}

export async function countMatching(list: QueueLister, f: QueueFilter, now: number): Promise<QueueMatch> {
  const m: QueueMatch = { count: 0, byState: { queued: 0, sending: 0, deferred: 0, held: 0 }, withOtherRecipients: 0 };
  await scanMatching(list, f, now, async (batch) => {
    for (const item of batch) {
      m.count++;
      m.byState[item.state]++;
      if ((f.domain !== undefined || f.to !== undefined) && item.to.some((t) => (f.to !== undefined ? t.toLowerCase() !== f.to : domainOfAddress(t) !== f.domain))) m.withOtherRecipients++;
    }
  });
  return m;
}

/**
 * One page of the messages `f` selects, with the paging of `Queue.list`
 * (20 a page, newest first unless asked; `n.<id>`/`p.<id>` cursors; a page
 * number counts matches from the start).
 */
export async function pageMatching(list: QueueLister, q: QueueQuery, now: number): Promise<Page<QueueItem>> {
  const f = checkFilter(q);
  const limit = pageLimit(q);
  const order = q.order ?? 'newest';
  const backward = q.cursor?.startsWith('p.') ?? false;
  let skip = !q.cursor && q.page ? (q.page - 1) * limit : 0;
  const found: QueueItem[] = [];
  let cursor = q.cursor;
  // Walk the listing away from the cursor; a `p.` cursor walks towards the start, so its pages arrive last match first.
  for (;;) {
    const page = await list({ order, limit: PAGE, ...(f.state ? { state: f.state } : {}), ...(cursor ? { cursor } : {}) });
    const items = backward ? [...page.items].reverse() : page.items;
    for (const m of items) {
      if (!matches(m, f, now)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      found.push(m);
      if (found.length > limit) break;
    }
    const onward = backward ? page.prev : page.next;
    if (found.length > limit || !onward || page.items.length === 0) break;
    cursor = onward;
  }
  const more = found.length > limit;
  const items = found.slice(0, limit);
  if (backward) items.reverse();
  const first = items[0]?.id;
  const last = items[items.length - 1]?.id;
  const nextExists = backward ? true : more;
  const prevExists = backward ? more : Boolean(q.cursor) || Boolean(q.page && q.page > 1);
  return { items, next: nextExists && last ? `n.${last}` : null, prev: prevExists && first ? `p.${first}` : null };
}

/** The filter in a few words for events and logs: `domain example.com, deferred, older than 7200s`; `all` for none. */
export function filterText(f: QueueFilter): string {
  const parts: string[] = [];
  if (f.domain !== undefined) parts.push(`domain ${f.domain}`);
  if (f.to !== undefined) parts.push(`to ${f.to}`);
  if (f.from !== undefined) parts.push(`from ${f.from}`);
  if (f.state !== undefined) parts.push(f.state);
  if (f.olderThan !== undefined) parts.push(`older than ${Math.round(f.olderThan / 1000)}s`);
  return parts.length ? parts.join(', ') : 'all';
}
