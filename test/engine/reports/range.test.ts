/**
 * Reports over several days: which days a query means (across DST changes),
 * per-day rows, daily averages per hour, deferred messages counted once, and
 * the same figures from day summaries as from the slow path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReports, resolveDays } from '../../../src/engine/reports/index.js';
import { Store } from '../../../src/engine/store.js';
import type { EventEntry, LogEntry } from '../../../src/engine/index.js';
import type { Report, Reports } from '../../../src/engine/reports/types.js';
import { at, fixtureLog } from './fixtures.js';

const TZ = 'Europe/Berlin';

describe('which days a report covers', () => {
  const now = at('2026-11-24T10:00:00Z');

  it('ranges, --days and week, oldest first, each a whole calendar day of the zone', () => {
    expect(resolveDays('2026-10-01..2026-10-30', undefined, TZ, now).map((d) => d.day)).toHaveLength(30);
    expect(resolveDays('today', 7, TZ, now).map((d) => d.day)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24']);
    expect(resolveDays('week', undefined, TZ, now).map((d) => d.day)).toEqual(resolveDays('today', 7, TZ, now).map((d) => d.day));
    expect(resolveDays('2026-11-10', 3, TZ, now).map((d) => d.day)).toEqual(['2026-11-08', '2026-11-09', '2026-11-10']);
    expect(resolveDays('yesterday..today', undefined, TZ, now).map((d) => d.day)).toEqual(['2026-11-23', '2026-11-24']);
    // Month ends and leap days are calendar arithmetic.
    expect(resolveDays('2028-03-01', 2, 'UTC', at('2028-06-01T00:00:00Z')).map((d) => d.day)).toEqual(['2028-02-29', '2028-03-01']);
  });

  it('spans DST changes with 23- and 25-hour days, back to back', () => {
    const spring = resolveDays('2026-03-28..2026-03-30', undefined, TZ, now);
    expect(spring.map((d) => d.hours.length)).toEqual([24, 23, 24]);
    const autumn = resolveDays('2026-10-24..2026-10-26', undefined, TZ, now);
    expect(autumn.map((d) => d.hours.length)).toEqual([24, 25, 24]);
    expect(autumn[1].hours.map((h) => h.label).slice(1, 5)).toEqual(['01', '02', "02'", '03']);
    // Back to back: each day starts where the one before ended.
    for (const days of [spring, autumn]) for (let i = 1; i < days.length; i++) expect(days[i].start).toBe(days[i - 1].end);
    expect(autumn[2].end - autumn[0].start).toBe(73 * 3_600_000);
    // New York changes on other dates, at 02:00 local.
    expect(resolveDays('2026-03-07..2026-03-09', undefined, 'America/New_York', now).map((d) => d.hours.length)).toEqual([24, 23, 24]);
  });

  it('refuses what cannot be meant, naming the field', () => {
    const bad: [string, number | undefined, RegExp][] = [
      ['2026-10-30..2026-10-01', undefined, /start before it ends/],
      ['2026-11-01..2026-12-30', undefined, /today or earlier/],
      ['2026-11-01..', undefined, /FROM\.\.TO/],
      ['2026-11-01..2026-11-02..2026-11-03', undefined, /FROM\.\.TO/],
      ['2026-11-01..2026-11-05', 3, /days cannot be given with a range/],
      ['week', 3, /days cannot be given with week/],
      ['today', 0, /days must be a whole number from 1 to 366/],
      ['today', 367, /days must be a whole number from 1 to 366/],
      ['2024-01-01..2026-11-24', undefined, /at most 366 days/],
      ['last-week', undefined, /day must be today, yesterday, week, a date YYYY-MM-DD or a range FROM\.\.TO/],
    ];
    for (const [spec, days, msg] of bad) expect(() => resolveDays(spec, days, TZ, now), spec).toThrow(msg);
  });
});

describe('reports over several days', () => {
  let dir: string;
  let store: Store;
  let reports: Reports;

  async function open(): Promise<void> {
    store = await Store.open(dir);
    reports = createReports({ db: store.db });
    await reports.open();
  }

  async function reopen(): Promise<void> {
    await reports.settle();
    await store.close();
    await open();
  }

  async function log(entries: LogEntry[], events: EventEntry[] = []): Promise<void> {
    await store.commit(reports.collect(entries, events));
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reports-range-'));
    await open();
  });

  afterEach(async () => {
    await reports.settle();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Three days around the autumn change in Berlin (24 + 25 + 24 hours).
   * m1 is deferred on the first and the second day (one message); m2, created
   * on the second day, is deferred on the second and third (one message).
   */
  async function autumn(): Promise<void> {
    const f = fixtureLog();
    // Engine-style ids: 9 base-36 characters of the creation time, a sequence and a salt.
    const id = (t: number, n: number) => t.toString(36).padStart(9, '0') + String(n).padStart(4, '0') + 'salt1';
    const t1 = at('2026-10-24T20:00:00Z');
    const m1 = id(t1, 1);
    await log([f.entry('received', t1, { id: m1, from: 'cron@ops.test', to: ['a@x.test', 'b@y.test'], size: 1000 })]);
    await log([
      f.entry('sent', t1 + 60_000, { id: m1, to: ['a@x.test'], size: 1000, delay: 60_000, host: 'mx.x.test:25' }),
      f.entry('deferred', t1 + 60_000, { id: m1, to: ['b@y.test'], size: 1000, host: 'mx.y.test:25', response: '451 4.7.1 <b@y.test>: greylisted, try again in 300 seconds' }),
    ]);
    // 25 October, 02:30 CEST and 02:30 CET (the repeated hour).
    await log([f.entry('deferred', at('2026-10-25T00:30:00Z'), { id: m1, to: ['b@y.test'], size: 1000, host: 'mx.y.test:25', response: '451 4.7.1 <b@y.test>: greylisted, try again in 300 seconds' })]);
    const t2 = at('2026-10-25T01:30:00Z');
    const m2 = id(t2, 2);
    await log([f.entry('received', t2, { id: m2, from: 'backup@ops.test', to: ['c@z.test'], size: 500 })]);
    await log([f.entry('deferred', t2 + 1000, { id: m2, to: ['c@z.test'], size: 500, host: 'mx.z.test:25', response: 'connect to mx.z.test[192.0.2.9]:25: Connection timed out' })]);
    await log([f.entry('sent', at('2026-10-25T09:00:00Z'), { id: m1, to: ['b@y.test'], size: 1000, delay: 13 * 3_600_000, host: 'mx.y.test:25' })]);
    await log([f.entry('deferred', at('2026-10-26T08:00:00Z'), { id: m2, to: ['c@z.test'], size: 500, host: 'mx.z.test:25', response: 'connect to mx.z.test[192.0.2.10]:25: Connection timed out' })]);
    await log([f.entry('bounced', at('2026-10-26T09:00:00Z'), { id: m2, to: ['c@z.test'], size: 500, host: 'mx.z.test:25', response: '550 5.1.1 <c@z.test>: Recipient address rejected: User unknown' })]);
    await log([], [f.event(at('2026-10-26T10:00:00Z'), 'warning', 'intake.rejected', 'Refused sender <x@evil.test>', { client: '127.0.0.2', sender: 'x@evil.test', reason: 'sender', code: 550, status: '5.7.1', count: 3 })]);
  }

  const ctx = { timezone: TZ, now: at('2026-11-02T12:00:00Z') };
  const strip = (r: Report) => ({ ...r, generatedAt: 0 });

  function expectAutumn(r: Report): void {
    expect([r.day, r.lastDay, r.days, r.hours]).toEqual(['2026-10-24', '2026-10-26', 3, 73]);
    expect(r.totals).toMatchObject({ received: 2, addressed: 3, delivered: 2, deferrals: 4, deferred: 2, bounced: 1, rejected: 3, senders: 2, recipients: 3, recipientDomains: 3 });
    expect(r.perDay.map((d) => [d.day, d.hours, d.received, d.delivered, d.deferrals, d.bounced, d.rejected])).toEqual([
      ['2026-10-24', 24, 1, 1, 1, 0, 0],
      ['2026-10-25', 25, 1, 1, 2, 0, 0],
      ['2026-10-26', 24, 0, 0, 1, 1, 3],
    ]);
    // Daily averages per hour of the day; the repeated 02' hour adds to 02.
    expect(r.hourlyAverage).toBe(true);
    expect(r.hourly).toHaveLength(24);
    expect(r.hourly.find((h) => h.label === '02')).toMatchObject({ received: 0.3, deferred: 0.7 });
    expect(r.hourly.find((h) => h.label === '22')).toMatchObject({ received: 0.3, delivered: 0.3, deferred: 0.3 });
    expect(r.senders.byCount.map((p) => [p.address, p.messages])).toEqual([
      ['backup@ops.test', 1],
      ['cron@ops.test', 1],
    ]);
    expect(r.recipients.byCount.map((p) => [p.address, p.messages, p.bytes])).toEqual([
      ['a@x.test', 1, 1000],
      ['b@y.test', 1, 1000],
    ]);
    expect(r.deferralHosts.map((h) => [h.host, h.count])).toEqual([
      ['mx.y.test:25', 2],
      ['mx.z.test:25', 2],
    ]);
    expect(r.deferralReasons.map((x) => [x.reason, x.count])).toEqual([
      ['451 4.7.1 <address>: greylisted, try again in 300 seconds', 2],
      ['connect to <host>[ip]:25: Connection timed out', 2],
    ]);
    expect(r.rejects.byReason).toEqual([{ reason: 'sender', code: '550', status: '5.7.1', count: 3 }]);
    expect(r.clients.find((c) => c.client === '127.0.0.2')?.rejected).toBe(3);
  }

  it('adds the days up across a DST change, counting a message deferred on two days once', async () => {
    await autumn();
    const slow = await reports.build({ day: '2026-10-24..2026-10-26' }, ctx);
    expectAutumn(slow);
    // The same from the day summaries the first range stored, in a fresh process.
    await reopen();
    const fast = await reports.build({ day: '2026-10-24..2026-10-26' }, ctx);
    expectAutumn(fast);
    expect(strip(fast)).toEqual(strip(slow));
    const keys = await store.db.keys({ gte: 'r!d!', lt: 'r!d!\xff' }).all();
    expect(keys).toEqual(['r!d!Europe/Berlin!2026-10-24', 'r!d!Europe/Berlin!2026-10-25', 'r!d!Europe/Berlin!2026-10-26']);
    // A single day of the range is the same day as a report of its own.
    const one = await reports.build({ day: '2026-10-25' }, ctx);
    expect(one.perDay).toEqual([slow.perDay[1]]);
  });

  it('--days counts back from the day given, and a range equals the sum of its days', async () => {
    await autumn();
    const r = await reports.build({ day: '2026-10-26', days: 3 }, ctx);
    expectAutumn(r);
    let sum = 0;
    for (const day of ['2026-10-24', '2026-10-25', '2026-10-26']) sum += (await reports.build({ day }, ctx)).totals.deferrals;
    expect(sum).toBe(r.totals.deferrals);
  });

  it('a late entry stamped in a summarised day drops its summary in the same batch, and the next range counts it', async () => {
    await autumn();
    await reports.build({ day: '2026-10-24..2026-10-26' }, ctx);
    await reports.settle();
    const f = fixtureLog();
    await log([f.entry('received', at('2026-10-25T12:00:00Z'), { id: 'late1', from: 'late@ops.test', to: ['d@x.test'], size: 10 })]);
    expect(await store.db.keys({ gte: 'r!d!', lt: 'r!d!\xff' }).all()).toEqual(['r!d!Europe/Berlin!2026-10-24', 'r!d!Europe/Berlin!2026-10-26']);
    await reopen();
    const r = await reports.build({ day: '2026-10-24..2026-10-26' }, ctx);
    expect(r.totals.received).toBe(3);
    expect(r.perDay[1].received).toBe(2);
  });

  it('a summary naming ids whose dictionary chunk is gone is not trusted: the day is read from its records', async () => {
    await autumn();
    const first = await reports.build({ day: '2026-10-24..2026-10-26' }, ctx);
    await reports.settle();
    const chunks = await store.db.keys({ gte: 'r!n!', lt: 'r!n!\xff' }).all();
    expect(chunks.length).toBeGreaterThan(0);
    await store.db.batch(chunks.map((key) => ({ type: 'del' as const, key })));
    await reopen();
    const again = await reports.build({ day: '2026-10-24..2026-10-26' }, ctx);
    expect(strip(again)).toEqual(strip(first));
  });
});
