import { describe, expect, it } from 'vitest';
import { AGE_LABELS, summarizeQueue } from '../../../src/engine/queue/summary.js';
import type { Page, QueueItem, QueueQuery } from '../../../src/engine/index.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const MIN = 60_000;

function item(n: number, ageMin: number, to: string[], state: QueueItem['state'] = 'deferred'): QueueItem {
  return { id: `m${String(n).padStart(4, '0')}`, state, from: 'a@ops.test', to, size: 100, createdAt: NOW - ageMin * MIN, attempts: 1, nextAttempt: null, lastError: null, source: 'api' };
}

/** The queue's listing API over a list (oldest first, cursors as offsets), counting the pages asked for. */
function lister(items: QueueItem[]) {
  const calls: QueueQuery[] = [];
  const list = async (q: QueueQuery): Promise<Page<QueueItem>> => {
    calls.push(q);
    const from = q.cursor ? Number(q.cursor) : 0;
    const limit = q.limit ?? 20;
    const page = items.slice(from, from + limit);
    return { items: page, next: from + limit < items.length ? String(from + limit) : null, prev: null };
  };
  return { list, calls };
}

describe('queue summary (qshape)', () => {
  it('counts recipients by domain and age bucket, messages by state', async () => {
    const items = [
      item(1, 0, ['a@x.test', 'b@x.test', 'c@y.test'], 'queued'),
      item(2, 4.99, ['d@x.test']),
      item(3, 5, ['e@X.test']),
      item(4, 700, ['f@y.test'], 'held'),
      item(5, 1280, ['g@z.test']),
      item(6, 10_000, ['h@z.test']),
    ];
    const { list, calls } = lister(items);
    const q = await summarizeQueue(list, NOW);
    expect(q.ages).toEqual(['5', '10', '20', '40', '80', '160', '320', '640', '1280', '1280+']);
    expect(q.ages).toEqual(AGE_LABELS);
    expect(q.total).toEqual({ domain: 'TOTAL', recipients: 8, messages: 6, byAge: [4, 1, 0, 0, 0, 0, 0, 0, 1, 2] });
    expect(q.domains.map((d) => [d.domain, d.recipients, d.messages, d.byAge])).toEqual([
      ['x.test', 4, 3, [3, 1, 0, 0, 0, 0, 0, 0, 0, 0]],
      ['y.test', 2, 2, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0]],
      ['z.test', 2, 2, [0, 0, 0, 0, 0, 0, 0, 0, 0, 2]],
    ]);
    expect(q.states).toEqual({ queued: 1, sending: 0, deferred: 4, held: 1 });
    expect(q.truncated).toBe(false);
    expect(calls[0].order).toBe('oldest');
  });

  it('reads at most the bound, a page at a time, and says it was cut', async () => {
    const items = Array.from({ length: 950 }, (_, i) => item(i, i, [`u${i}@d${i % 3}.test`]));
    const { list, calls } = lister(items);
    const q = await summarizeQueue(list, NOW, 500);
    expect(q.scanned).toBe(500);
    expect(q.truncated).toBe(true);
    expect(q.total.messages).toBe(500);
    expect(calls.every((c) => (c.limit ?? 0) <= 200)).toBe(true);
    const whole = await summarizeQueue(lister(items).list, NOW, 5000);
    expect([whole.scanned, whole.truncated]).toEqual([950, false]);
  });

  it('refuses a bound that is not a whole number from 1 to 1,000,000, naming limit, and reads nothing', async () => {
    for (const bad of [0, -1, 1.5, 1_000_001, Number.NaN]) {
      const { list, calls } = lister([item(1, 0, ['a@x.test'])]);
      await expect(summarizeQueue(list, NOW, bad)).rejects.toMatchObject({ code: 'E_VALIDATION', issues: [{ field: 'limit', rule: 'range' }] });
      expect(calls).toEqual([]);
    }
  });
});
