/**
 * The queue's shape, as Postfix's qshape prints it: recipients still to be
 * delivered, by recipient domain and by age in geometrically growing buckets
 * (5, 10, 20, … 1280 minutes, then older). Read through the queue's listing
 * API, oldest first, a page at a time and bounded, so a huge queue costs a
 * known amount and says it was cut.
 */
import type { Page, QueueItem, QueueQuery, QueueState } from '../types.js';
import { QUEUE_STATES } from '../types.js';
import { ValidationError } from '../errors.js';

/** Upper bounds of the age buckets, minutes (qshape's defaults: 10 buckets from 5 minutes, doubling); the last bucket is everything older. */
export const AGE_BUCKETS_MIN: readonly number[] = [5, 10, 20, 40, 80, 160, 320, 640, 1280];
/** Bucket labels: `5`..`1280` (age up to that many minutes), then `1280+`. */
export const AGE_LABELS: readonly string[] = [...AGE_BUCKETS_MIN.map(String), `${AGE_BUCKETS_MIN[AGE_BUCKETS_MIN.length - 1]}+`];

/** One row of the queue's shape: recipients per age bucket (`byAge[i]` for `AGE_LABELS[i]`). */
export interface QueueShapeRow {
  domain: string;
  /** Recipients still to deliver. */
  recipients: number;
  /** Messages with at least one of them. */
  messages: number;
  byAge: number[];
}

/** A snapshot of the queue (like `qshape`, with message counts per state). Plain JSON data. */
export interface QueueSummary {
  /** ms since epoch. */
  generatedAt: number;
  /** Labels of `byAge` columns: the upper bound of each bucket in minutes, the last `1280+`. */
  ages: string[];
  total: QueueShapeRow;
  /** Recipient domains, most recipients first. */
  domains: QueueShapeRow[];
  /** Messages per state. */
  states: Record<QueueState, number>;
  /** Messages read; `truncated` when the queue had more than the bound (the oldest are read first). */
  scanned: number;
  truncated: boolean;
}

/** Default bound: messages read for a summary. */
export const SUMMARY_LIMIT = 20_000;
const PAGE = 200;

function bucketOf(ageMs: number): number {
  const min = ageMs / 60_000;
  for (let i = 0; i < AGE_BUCKETS_MIN.length; i++) if (min < AGE_BUCKETS_MIN[i]) return i;
  return AGE_BUCKETS_MIN.length;
}

function emptyRow(domain: string): QueueShapeRow {
  return { domain, recipients: 0, messages: 0, byAge: new Array<number>(AGE_LABELS.length).fill(0) };
}

/**
 * Summarise the queue. `list` is the queue's listing API (the engine's
 * `queueList`); at most `limit` messages are read, oldest first. A limit that
 * is not a whole number from 1 to 1,000,000 is a `ValidationError` naming `limit`.
 */
export async function summarizeQueue(list: (q: QueueQuery) => Promise<Page<QueueItem>>, now: number, limit = SUMMARY_LIMIT): Promise<QueueSummary> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) throw ValidationError.one('limit', 'range', 'limit must be a whole number from 1 to 1,000,000');
  const total = emptyRow('TOTAL');
  const domains = new Map<string, QueueShapeRow>();
  const states = Object.fromEntries(QUEUE_STATES.map((s) => [s, 0])) as Record<QueueState, number>;
  let scanned = 0;
  let truncated = false;
  let cursor: string | undefined;
  for (;;) {
    const page = await list({ order: 'oldest', limit: Math.min(PAGE, limit - scanned), ...(cursor ? { cursor } : {}) });
    for (const m of page.items) {
      scanned++;
      states[m.state]++;
      const b = bucketOf(Math.max(0, now - m.createdAt));
      total.messages++;
      const seen = new Set<string>();
      for (const to of m.to) {
        const at = to.lastIndexOf('@');
        const domain = at < 0 ? '(none)' : to.slice(at + 1).toLowerCase();
        let row = domains.get(domain);
        if (!row) domains.set(domain, (row = emptyRow(domain)));
        row.recipients++;
        row.byAge[b]++;
        if (!seen.has(domain)) row.messages++;
        seen.add(domain);
        total.recipients++;
        total.byAge[b]++;
      }
    }
    if (!page.next || page.items.length === 0) break;
    if (scanned >= limit) {
      truncated = true;
      break;
    }
    cursor = page.next;
  }
  return {
    generatedAt: now,
    ages: [...AGE_LABELS],
    total,
    domains: [...domains.values()].sort((a, b) => b.recipients - a.recipients || a.domain.localeCompare(b.domain)),
    states,
    scanned,
    truncated,
  };
}
