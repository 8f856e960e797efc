/**
 * The queue's shape, as Postfix's `qshape` prints it: recipients still to be
 * delivered by recipient domain and age, in buckets that double from 5
 * minutes (5, 10, 20, … 1280, then older), and the messages by last error,
 * so an operator sees which domains are stuck and since when, and why.
 * Built from the messages a filter selects (filter.ts), oldest first, up to a
 * bound: a huge queue costs a known amount and the summary says it was cut.
 */
import type { QueueFilter, QueueState } from '../types.js';
import { normReason } from '../reports/normalize.js';
import { domainOfAddress, scanMatching, type QueueLister } from './filter.js';

/** Upper bounds of the age buckets in minutes (qshape's defaults: -t 5 -b 10); the last bucket is everything older. */
export const AGE_BUCKETS_MIN: readonly number[] = [5, 10, 20, 40, 80, 160, 320, 640, 1280];
/** Labels of the buckets: `5` … `1280` (younger than that many minutes), then `1280+`. */
export const AGE_LABELS: readonly string[] = [...AGE_BUCKETS_MIN.map(String), `${AGE_BUCKETS_MIN[AGE_BUCKETS_MIN.length - 1]}+`];
/** Messages read for one summary at most. */
export const SUMMARY_LIMIT = 100_000;
/** Error groups kept (most messages first). */
const ERRORS_KEPT = 50;

/** One row of the shape: recipients of a domain still to deliver, by age (`byAge[i]` for `AGE_LABELS[i]`). */
export interface QueueShapeRow {
  domain: string;
  recipients: number;
  /** Messages with at least one such recipient. */
  messages: number;
  byAge: number[];
}

/** Messages whose last attempt failed the same way (reasons normalised as the reports group them). */
export interface QueueErrorRow {
  /** The reply with addresses, ids and numbers stripped, e.g. `451 4.7.1 <address>: greylisted, try again in N seconds`. */
  reason: string;
  messages: number;
  /** Recipient domains of those messages. */
  domains: number;
  /** One reply as it was. */
  example: string;
}

/** A snapshot of the queue's shape. Plain JSON data (`queue summary --json`). */
export interface QueueSummary {
  /** ms since epoch. */
  generatedAt: number;
  /** The filter it was built from (`{}`: the whole queue). */
  filter: QueueFilter;
  /** Labels of `byAge`: the bucket's upper bound in minutes, the last `1280+`. */
  ages: string[];
  /** Every domain together (`domain: "TOTAL"`). */
  total: QueueShapeRow;
  /** Recipient domains, most recipients first. */
  domains: QueueShapeRow[];
  /** Messages by last error; `(not tried yet)` for messages without one. */
  errors: QueueErrorRow[];
  /** Messages per state. */
  states: Record<QueueState, number>;
  /** Messages read; `truncated` when more matched than SUMMARY_LIMIT (the oldest are read first). */
  scanned: number;
  truncated: boolean;
}

export function bucketOf(ageMs: number): number {
  const min = ageMs / 60_000;
  for (let i = 0; i < AGE_BUCKETS_MIN.length; i++) if (min < AGE_BUCKETS_MIN[i]) return i;
  return AGE_BUCKETS_MIN.length;
}

const row = (domain: string): QueueShapeRow => ({ domain, recipients: 0, messages: 0, byAge: new Array<number>(AGE_LABELS.length).fill(0) });

/** Summarise the messages `filter` (checked) selects. */
export async function summarizeQueue(list: QueueLister, filter: QueueFilter, now: number, limit = SUMMARY_LIMIT): Promise<QueueSummary> {
  const total = row('TOTAL');
  const domains = new Map<string, QueueShapeRow>();
  const errors = new Map<string, { messages: number; domains: Set<string>; example: string }>();
  const states: Record<QueueState, number> = { queued: 0, sending: 0, deferred: 0, held: 0 };
  let scanned = 0;
  let truncated = false;
  await scanMatching(list, filter, now, async (batch) => {
    for (const m of batch) {
      if (scanned >= limit) {
        truncated = true;
        return false;
      }
      scanned++;
      states[m.state]++;
      const b = bucketOf(Math.max(0, now - m.createdAt));
      total.messages++;
      const seen = new Set<string>();
      for (const to of m.to) {
        const d = domainOfAddress(to);
        let r = domains.get(d);
        if (!r) domains.set(d, (r = row(d)));
        r.recipients++;
        r.byAge[b]++;
        if (!seen.has(d)) r.messages++;
        seen.add(d);
        total.recipients++;
        total.byAge[b]++;
      }
      const reason = m.lastError ? normReason(m.lastError) : '(not tried yet)';
      let e = errors.get(reason);
      if (!e) errors.set(reason, (e = { messages: 0, domains: new Set(), example: m.lastError ?? '' }));
      e.messages++;
      for (const d of seen) e.domains.add(d);
    }
  });
  return {
    generatedAt: now,
    filter,
    ages: [...AGE_LABELS],
    total,
    domains: [...domains.values()].sort((a, b) => b.recipients - a.recipients || a.domain.localeCompare(b.domain)),
    errors: [...errors.entries()]
      .map(([reason, e]) => ({ reason, messages: e.messages, domains: e.domains.size, example: e.example }))
      .sort((a, b) => b.messages - a.messages || a.reason.localeCompare(b.reason))
      .slice(0, ERRORS_KEPT),
    states,
    scanned,
    truncated,
  };
}
