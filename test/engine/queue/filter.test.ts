/**
 * The queue by shape, on a real engine and store: filters by domain, recipient, sender, state and age
 * (lists and their paging, counts, the qshape summary), and the bulk actions on what a filter selects.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Actor, type Engine, type QueueItem } from '../../../src/engine/index.js';
import { checkFilter, matches, scanMatching } from '../../../src/engine/queue/filter.js';
import { AGE_LABELS, bucketOf } from '../../../src/engine/queue/summary.js';
import { FakeClock, until } from '../../doubles/clock.js';

const op: Actor = { platform: 'cli', id: 'tester' };
const MIN = 60_000;
let dir: string;
let clock: FakeClock;
let e: Engine;
/** id by name. */
const ids: Record<string, string> = {};

async function submit(name: string, to: string[], from = 'alerts@ops.test') {
  ids[name] = (await e.submit({ from, to, raw: `From: ${from}\r\nTo: ${to.join(', ')}\r\nSubject: ${name}\r\n\r\nx\r\n` }, op)).id;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-filter-'));
  clock = new FakeClock();
  e = await createEngine({ storeDir: dir, secretKey: randomBytes(32).toString('hex'), worker: false, clock });
  await e.updateSettings({ enabled: 'off' }, op);
  // Ages at the end: old1/old2 a day, mid 2 h, multi 30 min, new1/new2 2 min, app 1 min.
  await submit('old1', ['a@example.com']);
  await submit('old2', ['b@Example.COM'], 'app@apps.test');
  clock.advance(22 * 60 * MIN);
  await submit('mid', ['c@other.org']);
  clock.advance(90 * MIN);
  await submit('multi', ['d@example.com', 'e@other.org', 'f@other.org']);
  clock.advance(28 * MIN);
  await submit('new1', ['g@example.com']);
  await submit('new2', ['h@third.net']);
  clock.advance(MIN);
  await submit('app', ['i@example.com'], 'app@apps.test');
  clock.advance(MIN);
});
afterEach(async () => {
  await e.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = (items: QueueItem[]) => items.map((m) => Object.entries(ids).find(([, v]) => v === m.id)?.[0]);

describe('filters', () => {
  it('select by recipient domain (any remaining recipient, case-insensitive), recipient, sender, state and age', async () => {
    const list = async (q: Parameters<Engine['queueList']>[0]) => names((await e.queueList({ ...q, order: 'oldest' })).items);
    expect(await list({ domain: 'example.com' })).toEqual(['old1', 'old2', 'multi', 'new1', 'app']);
    expect(await list({ domain: 'OTHER.org.' })).toEqual(['mid', 'multi']);
    expect(await list({ domain: '@third.net' })).toEqual(['new2']);
    expect(await list({ to: 'B@example.com' })).toEqual(['old2']);
    expect(await list({ from: 'app@apps.test' })).toEqual(['old2', 'app']);
    expect(await list({ olderThan: 60 * MIN })).toEqual(['old1', 'old2', 'mid']);
    expect(await list({ domain: 'example.com', olderThan: 20 * MIN, from: 'alerts@ops.test' })).toEqual(['old1', 'multi']);
    await e.queueHold(ids.mid, op);
    expect(await list({ state: 'held' })).toEqual(['mid']);
    expect(await list({ state: 'held', domain: 'example.com' })).toEqual([]);
  });

  it('page like the whole queue: cursors both ways and page numbers agree, and count the matches', async () => {
    const all = (await e.queueList({ domain: 'example.com', limit: 200 })).items.map((m) => m.id);
    expect(all).toHaveLength(5);
    const walk: string[] = [];
    let p = await e.queueList({ domain: 'example.com', limit: 2, count: true });
    expect(p.total).toBe(5);
    const pages = [p];
    for (;;) {
      walk.push(...p.items.map((m) => m.id));
      if (!p.next) break;
      p = await e.queueList({ domain: 'example.com', limit: 2, cursor: p.next });
      pages.push(p);
    }
    expect(walk).toEqual(all);
    for (let n = 1; n <= 3; n++) expect((await e.queueList({ domain: 'example.com', limit: 2, page: n })).items).toEqual(pages[n - 1].items);
    const back = await e.queueList({ domain: 'example.com', limit: 2, cursor: pages[2].prev! });
    expect(back.items).toEqual(pages[1].items);
    const first = await e.queueList({ domain: 'example.com', limit: 2, cursor: back.prev! });
    expect(first.items).toEqual(pages[0].items);
    expect(first.prev).toBeNull();
  });

  it('count for a confirmation: by state, and how many also go to recipients the filter did not name', async () => {
    await e.queueHold(ids.new1, op);
    expect(await e.queueMatch({ domain: 'example.com' })).toEqual({ count: 5, byState: { queued: 4, sending: 0, deferred: 0, held: 1 }, withOtherRecipients: 1 });
    expect(await e.queueMatch({ to: 'e@other.org' })).toMatchObject({ count: 1, withOtherRecipients: 1 });
    expect(await e.queueMatch({})).toMatchObject({ count: 7, withOtherRecipients: 0 });
  });

  it('refuse bad input naming the field and the rule', async () => {
    await expect(e.queueList({ domain: 'a b.com' })).rejects.toMatchObject({ code: 'E_VALIDATION', issues: [{ field: 'domain', rule: 'domain' }] });
    await expect(e.queueList({ domain: 'x@example.com' })).rejects.toMatchObject({ issues: [{ field: 'domain', rule: 'domain' }] });
    await expect(e.queueList({ to: 'evil\u202e@example.com' })).rejects.toMatchObject({ issues: [{ field: 'to', rule: 'address' }] });
    await expect(e.queueList({ from: 'a\tb' })).rejects.toMatchObject({ issues: [{ field: 'from', rule: 'address' }] });
    await expect(e.queueList({ olderThan: -1 })).rejects.toMatchObject({ issues: [{ field: 'older-than', rule: 'duration' }] });
    await expect(e.queueMatch({ state: 'gone' as never })).rejects.toMatchObject({ issues: [{ field: 'state', rule: 'choice' }] });
    expect(checkFilter({ from: '' })).toEqual({ from: '<>' });
  });

  it('a bulk action takes what was queued when it started, not mail arriving meanwhile', async () => {
    const now = clock.now();
    const seen: string[] = [];
    const items = (await e.queueList({ limit: 200, order: 'oldest' })).items;
    const upTo = items[3].id;
    await scanMatching(async () => ({ items, next: null, prev: null }), {}, now, async (batch) => void seen.push(...batch.map((m) => m.id)), upTo);
    expect(seen).toEqual(items.slice(0, 4).map((m) => m.id));
    expect(matches(items[0], { from: '<>' }, now)).toBe(false);
  });
});

describe('queue summary (qshape)', () => {
  it('counts recipients by domain and age bucket, messages by state and by last error', async () => {
    await e.queueHold(ids.new2, op);
    const s = await e.queueSummary();
    expect(s.ages).toEqual(['5', '10', '20', '40', '80', '160', '320', '640', '1280', '1280+']);
    expect(s.total).toMatchObject({ domain: 'TOTAL', recipients: 9, messages: 7 });
    // 1-2 minutes: new1, new2, app; 30 min: multi (3 recipients); 2 h: mid; a day: old1, old2.
    expect(s.total.byAge).toEqual([3, 0, 0, 3, 0, 1, 0, 0, 0, 2]);
    expect(s.domains.map((d) => [d.domain, d.recipients, d.messages])).toEqual([
      ['example.com', 5, 5],
      ['other.org', 3, 2],
      ['third.net', 1, 1],
    ]);
    expect(s.domains[1].byAge).toEqual([0, 0, 0, 2, 0, 1, 0, 0, 0, 0]);
    expect(s.states).toEqual({ queued: 6, sending: 0, deferred: 0, held: 1 });
    expect(s.errors).toEqual([{ reason: '(not tried yet)', messages: 7, domains: 3, example: '' }]);
    expect(s).toMatchObject({ scanned: 7, truncated: false, filter: {} });
    const d = await e.queueSummary({ domain: 'other.org' });
    expect(d.total).toMatchObject({ messages: 2, recipients: 4 });
    const cut = await e.queueSummary({ limit: 3 });
    expect(cut).toMatchObject({ scanned: 3, truncated: true });
  });

  it('buckets double from 5 minutes as qshape does', () => {
    expect(AGE_LABELS).toHaveLength(10);
    expect([0, 4.9, 5, 9.9, 10, 1279, 1280, 10_000].map((m) => bucketOf(m * MIN))).toEqual([0, 0, 1, 1, 2, 8, 9, 9]);
  });
});

describe('bulk actions on a selection', () => {
  it('hold and release what a filter selects; a release makes them due now', async () => {
    expect(await e.queueHoldAll({ domain: 'other.org' }, op)).toEqual({ count: 2 });
    expect((await e.queueCounts()).held).toBe(2);
    expect(await e.queueHoldAll({ domain: 'other.org' }, op)).toEqual({ count: 0 });
    clock.advance(MIN);
    const r = await e.queueReleaseAll({ domain: 'other.org', olderThan: 60 * MIN }, op);
    expect(r).toEqual({ count: 1, disabled: true });
    expect(await e.queueShow(ids.mid)).toMatchObject({ state: 'queued', nextAttempt: clock.now() });
    expect((await e.queueShow(ids.multi)).state).toBe('held');
    const events = (await e.eventList({ limit: 20 })).items.filter((x) => x.code === 'queue.held' || x.code === 'queue.released');
    expect(events.map((x) => x.message)).toEqual(['queue released (domain other.org, held, older than 3600s): 1 message(s) due now', 'queue held (domain other.org): 0 message(s) held', 'queue held (domain other.org): 2 message(s) held']);
  });

  it('delete what a filter selects: one deleted mail-log entry per message, with who and why, and one event', async () => {
    const { count } = await e.queueDeleteAll(op, undefined, { from: 'app@apps.test' });
    expect(count).toBe(2);
    expect(await e.queueCounts()).toMatchObject({ total: 5 });
    const deleted = (await e.logList({ status: 'deleted', limit: 20 })).items;
    expect(deleted.map((x) => x.id).sort()).toEqual([ids.old2, ids.app].sort());
    expect(deleted[0].response).toBe('deleted by cli:tester (queue delete: from app@apps.test)');
    const ev = (await e.eventList({ limit: 20 })).items.filter((x) => x.code === 'queue.deleted');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ level: 'warning', data: { count: 2, filter: { from: 'app@apps.test' } } });
    // The report counts them once, from the log entries.
    expect((await e.report({ day: 'today' })).totals.deleted).toBe(2);
    await e.queueHoldAll({ domain: 'other.org' }, op);
    expect((await e.report({ day: 'today' })).totals.held).toBe(2);
  });

  it('a filtered flush makes only the selected deferred messages due now; the others keep their backoff', async () => {
    // Every attempt defers (a deliverer standing in for a relay answering 451): each message waits retry-first.
    const deferring = () => ({ deliver: async (req: { to: string[] }) => req.to.map((to) => ({ to, status: 'deferred' as const, response: '451 4.3.0 try later' })), close: async () => {} });
    const d2 = mkdtempSync(join(tmpdir(), 'smtp-ops-filter-'));
    const e2 = await createEngine({ storeDir: d2, secretKey: randomBytes(32).toString('hex'), worker: true, clock, delivererFactory: deferring });
    try {
      for (const to of ['a@example.com', 'b@example.com', 'c@third.net']) await e2.submit({ to: [to], subject: 's', text: 'x' }, op);
      await until(async () => (await e2.queueCounts()).deferred === 3, 10_000, 'three deferrals');
      await e2.updateSettings({ enabled: 'off' }, op);
      const backoff = (await e2.queueList({ domain: 'example.com' })).items.map((m) => m.nextAttempt);
      expect(backoff.every((t) => t === clock.now() + 300_000)).toBe(true);
      const r = await e2.queueFlush(op, undefined, { filter: { domain: 'third.net' } });
      expect(r).toEqual({ count: 1, disabled: true });
      expect((await e2.queueList({ domain: 'third.net' })).items[0].nextAttempt).toBe(clock.now());
      expect((await e2.queueList({ domain: 'example.com' })).items.map((m) => m.nextAttempt)).toEqual(backoff);
      const ev = (await e2.eventList({ limit: 5 })).items.find((x) => x.code === 'queue.flushed');
      expect(ev?.message).toBe('queue flushed (domain third.net): 1 message(s) due now (SMTP is disabled: nothing will be sent until enabled=on)');
    } finally {
      await e2.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});
