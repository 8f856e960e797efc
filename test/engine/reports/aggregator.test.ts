import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReports } from '../../../src/engine/reports/index.js';
import { Store } from '../../../src/engine/store.js';
import type { DailyReport, Reports } from '../../../src/engine/reports/types.js';
import type { EventEntry, LogEntry } from '../../../src/engine/index.js';
import { at, fixtureLog, normalDayBatches } from './fixtures.js';

const TZ = 'Europe/Berlin';
let dir: string;
let store: Store;
let db: Level<string, string>;
let reports: Reports;

/**
 * What the engine does: collect, then queue the returned ops on the engine's
 * store, which writes batches in the order they were queued. (Separate
 * concurrent `db.batch` calls may land in any order: a compaction could land
 * before the record it replaces, which would then count twice.)
 */
async function log(entries: LogEntry[], events: EventEntry[] = []): Promise<void> {
  await store.commit(reports.collect(entries, events));
}

async function openStore(): Promise<void> {
  store = await Store.open(dir);
  db = store.db;
  reports = createReports({ db });
  await reports.open();
}

async function reopen(): Promise<void> {
  await store.close();
  await openStore();
}

async function recordKeys(): Promise<string[]> {
  return db.keys({ gte: 'r!a!', lt: 'r!a!\xff' }).all();
}

const pad = (t: number) => String(t).padStart(13, '0');

async function snapshotKeys(zone: string, day: string): Promise<string[]> {
  return db.keys({ gte: `r!s!${zone}!${day}!`, lt: `r!s!${zone}!${day}!\xff` }).all();
}

/** Delete the slot records of [start, end): only a snapshot can still give those slots. */
async function dropRecords(start: number, end: number): Promise<number> {
  const keys = await db.keys({ gte: `r!a!${pad(start)}`, lt: `r!a!${pad(end)}` }).all();
  await db.batch(keys.map((key) => ({ type: 'del' as const, key })));
  return keys.length;
}

/** Make UTC the zone reports are asked in (kept across restarts), then restart. */
async function reportInUtc(): Promise<void> {
  await reports.build({ day: '2026-06-01' }, { timezone: 'UTC', now: at('2026-06-09T12:00:00Z') });
  await new Promise((r) => setTimeout(r, 20));
  await reopen();
}

const SLOT = 15 * 60_000;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reports-'));
  await openStore();
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function normalDay(): Promise<void> {
  for (const [entries, events] of normalDayBatches()) await log(entries, events);
}

function expectNormalDay(r: DailyReport): void {
  expect(r.day).toBe('2026-06-10');
  expect(r.start).toBe(at('2026-06-09T22:00:00Z'));
  expect(r.end).toBe(at('2026-06-10T22:00:00Z'));
  expect(r.hours).toBe(24);
  expect(r.totals).toEqual({
    received: 3,
    addressed: 5,
    delivered: 4,
    deferred: 1,
    deferrals: 2,
    bounced: 1,
    expired: 0,
    held: 1,
    deleted: 6,
    rejected: 2,
    bytesReceived: 2800,
    bytesDelivered: 6700,
    senders: 2,
    recipients: 6,
    recipientDomains: 4,
    senderDomains: 1,
    clients: 1,
    connections: 0,
    connectMs: 0,
  });
  expect(r.senderDomains).toEqual([{ domain: 'ops.test', messages: 3, bytes: 2800 }]);
  expect(r.clients).toEqual([
    { client: 'local (api)', messages: 3, bytes: 2800, connections: 0, avgConnectMs: 0, maxConnectMs: 0, rejected: 0, helo: [] },
    { client: '(unknown)', messages: 0, bytes: 0, connections: 0, avgConnectMs: 0, maxConnectMs: 0, rejected: 2, helo: [] },
  ]);
  // The fixture's refusal event predates reason and client in its data.
  expect(r.rejects).toEqual({ total: 2, byReason: [{ reason: 'other', code: '', status: '', count: 2 }] });
  expect(r.hourly.find((h) => h.label === '13')).toMatchObject({ rejected: 2 });
  expect(r.perDay).toEqual([{ day: '2026-06-10', hours: 24, received: 3, addressed: 5, delivered: 4, deferrals: 2, bounced: 1, expired: 0, rejected: 2, bytesReceived: 2800, bytesDelivered: 6700, complete: r.complete }]);
  const hour = (label: string) => r.hourly.find((h) => h.label === label);
  expect(hour('00')).toMatchObject({ received: 0, delivered: 1, deferred: 0, bounced: 0 });
  expect(hour('08')).toMatchObject({ received: 1, delivered: 2, deferred: 2, bounced: 0 });
  expect(hour('09')).toMatchObject({ received: 1, delivered: 1, deferred: 0, bounced: 1 });
  expect(hour('23')).toMatchObject({ received: 1, delivered: 0, deferred: 0, bounced: 0 });
  expect(r.hourly.reduce((s, h) => s + h.received, 0)).toBe(3);
  expect(r.senders.byCount).toEqual([
    { address: 'alerts@ops.test', messages: 2, bytes: 2300 },
    { address: 'reports@ops.test', messages: 1, bytes: 500 },
  ]);
  expect(r.recipients.byCount.map((p) => p.address)).toEqual(['a@x.test', 'b@x.test', 'c@y.test', 'f@w.test']);
  expect(r.recipients.bySize.at(-1)).toEqual({ address: 'f@w.test', messages: 1, bytes: 700 });
  expect(r.domains).toEqual([
    { domain: 'x.test', delivered: 2, bytes: 4000, deferrals: 0, bounced: 0, avgDelayMs: 60_000, maxDelayMs: 60_000 },
    { domain: 'y.test', delivered: 1, bytes: 2000, deferrals: 2, bounced: 0, avgDelayMs: 3_900_000, maxDelayMs: 3_900_000 },
    { domain: 'w.test', delivered: 1, bytes: 700, deferrals: 0, bounced: 0, avgDelayMs: 120_000, maxDelayMs: 120_000 },
    { domain: 'z.test', delivered: 0, bytes: 0, deferrals: 0, bounced: 1, avgDelayMs: 0, maxDelayMs: 0 },
  ]);
  expect(r.deferralReasons).toEqual([
    { reason: '451 4.7.1 <address>: greylisted, try again in 240 seconds', count: 1, example: '451 4.7.1 <c@y.test>: greylisted, try again in 240 seconds' },
    { reason: '451 4.7.1 <address>: greylisted, try again in 300 seconds', count: 1, example: '451 4.7.1 <c@y.test>: greylisted, try again in 300 seconds' },
  ]);
  expect(r.deferralHosts).toEqual([{ host: '(none)', count: 2, reasons: [{ reason: '451 4.7.1 <address>: greylisted, try again in 240 seconds', count: 1 }, { reason: '451 4.7.1 <address>: greylisted, try again in 300 seconds', count: 1 }] }]);
  expect(r.bounceReasons.map((x) => [x.reason, x.count])).toEqual([['550 5.1.1 <address>: Recipient address rejected: User unknown in virtual mailbox table', 1]]);
  expect(r.events.warnings).toBe(2);
  expect(r.events.errors).toBe(1);
  expect(r.events.list.map((e) => e.code)).toEqual(['relay.unreachable', 'tls.failed', 'intake.rejected']);
  expect(r.events.omitted).toBe(0);
}

describe('daily report aggregates', () => {
  it('counts a normal day as hand-checked, in memory and after a restart', async () => {
    await normalDay();
    const warm = await reports.build({ day: 'today' }, { timezone: TZ, now: at('2026-06-10T20:00:00Z') });
    expectNormalDay(warm);
    expect(warm.complete).toBe(false);
    expect(warm.counting).toMatch(/once as received/);

    await reopen();
    const cold = await reports.build({ day: '2026-06-10' }, { timezone: TZ, now: at('2026-06-11T08:00:00Z') });
    expectNormalDay(cold);
    expect(cold.complete).toBe(true);
    const yesterday = await reports.build({ day: 'yesterday' }, { timezone: TZ, now: at('2026-06-11T08:00:00Z') });
    expect(yesterday.totals).toEqual(cold.totals);
  });

  it('gives the same day in another zone from the same slots', async () => {
    await normalDay();
    const utc = await reports.build({ day: '2026-06-10' }, { timezone: 'UTC', now: at('2026-06-11T08:00:00Z') });
    // In UTC, m3's 21:59Z reception is on 06-09 but m6 (22:00Z) is on 06-10.
    expect(utc.totals.received).toBe(4);
    expect(utc.totals.bytesReceived).toBe(2800 + 999);
    expect(utc.hourly[6]).toMatchObject({ label: '06', received: 1, delivered: 2, deferred: 2 });
  });

  it('counts a message to several recipients once as received and once per recipient as delivered', async () => {
    const f = fixtureLog();
    const to = ['one@a.test', 'two@a.test', 'three@b.test', 'four@c.test'];
    const t = at('2026-06-10T12:00:00Z');
    await log([f.entry('received', t, { id: 'mm', to, size: 1234 })]);
    await log(to.map((addr) => f.entry('sent', t + 1000, { id: 'mm', to: [addr], size: 1234, delay: 1000 })));
    const r = await reports.build({ day: 'today' }, { timezone: 'UTC', now: t + 5000 });
    expect(r.totals).toMatchObject({ received: 1, addressed: 4, delivered: 4, bytesReceived: 1234, bytesDelivered: 4 * 1234, recipients: 4, recipientDomains: 3 });
    expect(r.senders.byCount).toEqual([{ address: 'alerts@ops.test', messages: 1, bytes: 1234 }]);
  });

  it('reports a day with no traffic as zeros with every hour present', async () => {
    const r = await reports.build({ day: '2026-01-05' }, { timezone: TZ, now: at('2026-06-10T12:00:00Z') });
    expect(r.hours).toBe(24);
    expect(r.hourly).toHaveLength(24);
    expect(r.hourly.every((h) => h.received + h.delivered + h.deferred + h.bounced === 0)).toBe(true);
    expect(Object.values(r.totals).every((v) => v === 0)).toBe(true);
    expect([r.senders.byCount, r.recipients.bySize, r.domains, r.deferralReasons, r.bounceReasons, r.events.list]).toEqual([[], [], [], [], [], []]);
  });

  it('buckets a 23-hour DST day (Berlin 2026-03-29) by wall-clock hour', async () => {
    const f = fixtureLog();
    await log([f.entry('received', at('2026-03-28T22:59:59Z'), { id: 'before', to: ['x@a.test'] })]); // 23:59:59 CET, previous day
    await log([f.entry('received', at('2026-03-28T23:30:00Z'), { id: 'a', to: ['x@a.test'] })]); // 00:30 CET
    await log([f.entry('received', at('2026-03-29T00:59:59Z'), { id: 'b', to: ['x@a.test'] })]); // 01:59:59 CET
    await log([f.entry('received', at('2026-03-29T01:00:00Z'), { id: 'c', to: ['x@a.test'] })]); // 03:00 CEST
    await log([f.entry('received', at('2026-03-29T21:59:59Z'), { id: 'd', to: ['x@a.test'] })]); // 23:59:59 CEST
    await log([f.entry('received', at('2026-03-29T22:00:00Z'), { id: 'after', to: ['x@a.test'] })]); // next day
    const r = await reports.build({ day: '2026-03-29' }, { timezone: TZ, now: at('2026-04-01T00:00:00Z') });
    expect(r.hours).toBe(23);
    expect(r.end - r.start).toBe(23 * 3_600_000);
    expect(r.hourly.map((h) => h.label)).toEqual(['00', '01', ...Array.from({ length: 21 }, (_, i) => String(i + 3).padStart(2, '0'))]);
    expect(r.totals.received).toBe(4);
    expect(r.hourly.filter((h) => h.received > 0).map((h) => [h.label, h.received])).toEqual([
      ['00', 1],
      ['01', 1],
      ['03', 1],
      ['23', 1],
    ]);
  });

  it('buckets a 25-hour DST day (Berlin 2026-10-25) with the repeated hour twice', async () => {
    const f = fixtureLog();
    await log([f.entry('received', at('2026-10-24T22:00:00Z'), { id: 'a', to: ['x@a.test'] })]); // 00:00 CEST
    await log([f.entry('received', at('2026-10-25T00:30:00Z'), { id: 'b', to: ['x@a.test'] })]); // 02:30 CEST
    await log([f.entry('received', at('2026-10-25T01:30:00Z'), { id: 'c', to: ['x@a.test'] })]); // 02:30 CET
    await log([f.entry('received', at('2026-10-25T01:45:00Z'), { id: 'd', to: ['x@a.test'] })]); // 02:45 CET
    await log([f.entry('received', at('2026-10-25T22:59:00Z'), { id: 'e', to: ['x@a.test'] })]); // 23:59 CET
    const r = await reports.build({ day: '2026-10-25' }, { timezone: TZ, now: at('2026-11-01T00:00:00Z') });
    expect(r.hours).toBe(25);
    expect(r.end - r.start).toBe(25 * 3_600_000);
    expect(r.hourly.slice(0, 5).map((h) => h.label)).toEqual(['00', '01', '02', "02'", '03']);
    expect(r.hourly.filter((h) => h.received > 0).map((h) => [h.label, h.received])).toEqual([
      ['00', 1],
      ['02', 1],
      ["02'", 2],
      ['23', 1],
    ]);
  });

  it('compacts a slot into one record once traffic moves on, and keeps counting after a restart', async () => {
    const f = fixtureLog();
    const t0 = at('2026-06-10T12:00:00Z');
    for (let i = 0; i < 20; i++) await log([f.entry('received', t0 + i * 1000, { id: `a${i}`, to: ['x@a.test'] })]);
    expect((await recordKeys()).length).toBe(20);
    await log([f.entry('received', t0 + 15 * 60_000, { id: 'next', to: ['x@a.test'] })]);
    const keys = await recordKeys();
    expect(keys.length).toBe(2);
    await reopen();
    await log([f.entry('received', t0 + 16 * 60_000, { id: 'more', to: ['x@a.test'] })]);
    const r = await reports.build({ day: 'today' }, { timezone: 'UTC', now: t0 + 20 * 60_000 });
    expect(r.totals.received).toBe(22);
    expect((await recordKeys()).length).toBe(3);
    // The next start compacts the slot the previous run left with two records.
    await reopen();
    expect((await recordKeys()).length).toBe(2);
    const again = await reports.build({ day: 'today' }, { timezone: 'UTC', now: t0 + 20 * 60_000 });
    expect(again.totals.received).toBe(22);
  });

  it('bounds the records of a burst within one slot', async () => {
    const f = fixtureLog();
    const t0 = at('2026-06-10T12:00:00Z');
    for (let i = 0; i < 1100; i++) await log([f.entry('received', t0 + i * 10, { id: `b${i}`, to: ['x@a.test'], size: 1 })]);
    // Compacted at the 500th and 999th record, then 101 more journal records.
    expect((await recordKeys()).length).toBe(102);
    const warm = await reports.build({ day: 'today' }, { timezone: 'UTC', now: t0 + 60_000 });
    await reopen();
    const cold = await reports.build({ day: 'today' }, { timezone: 'UTC', now: t0 + 60_000 });
    expect([warm.totals.received, cold.totals.received, cold.totals.bytesReceived]).toEqual([1100, 1100, 1100]);
  });

  it('counts nothing twice or never when a day loads while batches are being written', async () => {
    const f = fixtureLog();
    const t0 = at('2026-06-10T00:00:00Z');
    let n = 0;
    const batch = () => {
      const t = t0 + n * 97_000; // crosses many 15-minute slots, so compactions happen mid-load
      n++;
      return log([f.entry('received', t, { id: `r${n}`, to: [`u${n % 7}@d${n % 3}.test`], size: 10 })]);
    };
    for (let i = 0; i < 50; i++) await batch();
    await reopen();
    for (let i = 0; i < 30; i++) await batch();
    const now = t0 + 23 * 3_600_000;
    const loading = reports.build({ day: 'today' }, { timezone: 'UTC', now });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) writes.push(batch());
    await Promise.all(writes);
    await loading;
    const warm = await reports.build({ day: 'today' }, { timezone: 'UTC', now });
    expect(warm.totals.received).toBe(120);
    expect(warm.totals.bytesReceived).toBe(1200);
    await reopen();
    const cold = await reports.build({ day: 'today' }, { timezone: 'UTC', now });
    expect(cold.totals).toEqual(warm.totals);
    expect(cold.hourly).toEqual(warm.hourly);
  });

  it('stores a snapshot of the closed part of a day, which a fresh process reads instead of the slots', async () => {
    await normalDay();
    const ctx = { timezone: TZ, now: at('2026-06-11T08:00:00Z') };
    const first = await reports.build({ day: '2026-06-10' }, ctx);
    await new Promise((r) => setTimeout(r, 50)); // the snapshot is written after the reply
    const snaps = await db.keys({ gte: 'r!s!Europe/Berlin!', lt: 'r!s!Europe/Berlin!\xff' }).all();
    expect(snaps).toEqual([`r!s!Europe/Berlin!2026-06-10!${String(at('2026-06-10T22:00:00Z')).padStart(13, '0')}`]);
    // Remove the day's slot records: only the snapshot can still give the day.
    const dayRecords = await db.keys({ gte: `r!a!${String(at('2026-06-09T22:00:00Z')).padStart(13, '0')}`, lt: `r!a!${String(at('2026-06-10T22:00:00Z')).padStart(13, '0')}` }).all();
    expect(dayRecords.length).toBeGreaterThan(5);
    await db.batch(dayRecords.map((key) => ({ type: 'del' as const, key })));
    await reopen();
    const fromSnapshot = await reports.build({ day: '2026-06-10' }, ctx);
    expect(fromSnapshot.totals).toEqual(first.totals);
    expect(fromSnapshot.hourly).toEqual(first.hourly);
    expect(fromSnapshot.domains).toEqual(first.domains);
    expect(fromSnapshot.events).toEqual(first.events);
  });

  it('drops a snapshot in the same batch when an entry lands in a slot it covers', async () => {
    await normalDay();
    const ctx = { timezone: TZ, now: at('2026-06-11T08:00:00Z') };
    await reports.build({ day: '2026-06-10' }, ctx);
    await new Promise((r) => setTimeout(r, 50));
    expect(await db.keys({ gte: 'r!s!Europe/Berlin!', lt: 'r!s!Europe/Berlin!\xff' }).all()).toHaveLength(1);
    await reopen();
    const f = fixtureLog();
    // An entry stamped in the past (a clock set back): it belongs to 06-10 at 12:00 Berlin.
    await log([f.entry('received', at('2026-06-10T10:00:00Z'), { id: 'late', to: ['late@x.test'], size: 5 })]);
    expect(await db.keys({ gte: 'r!s!Europe/Berlin!', lt: 'r!s!Europe/Berlin!\xff' }).all()).toHaveLength(0);
    const r = await reports.build({ day: '2026-06-10' }, ctx);
    expect(r.totals.received).toBe(4);
    expect(r.hourly.find((h) => h.label === '12')?.received).toBe(1);
  });

  it('starts the day of the report zone at its first write, so a running engine never loads today', async () => {
    await reports.build({ day: '2026-06-01' }, { timezone: TZ, now: at('2026-06-09T12:00:00Z') });
    await new Promise((r) => setTimeout(r, 20));
    await reopen(); // the zone reports were asked in is kept
    await normalDay();
    // Without the slot records, only the day started in memory can answer.
    const keys = await recordKeys();
    await db.batch(keys.map((key) => ({ type: 'del' as const, key })));
    expectNormalDay(await reports.build({ day: 'today' }, { timezone: TZ, now: at('2026-06-10T20:00:00Z') }));
  });

  it('stores a finished day as its snapshot in the batch a slot after it ends', async () => {
    await reports.build({ day: '2026-06-01' }, { timezone: TZ, now: at('2026-06-09T12:00:00Z') });
    await new Promise((r) => setTimeout(r, 20));
    await reopen();
    await normalDay();
    const warm = await reports.build({ day: '2026-06-10' }, { timezone: TZ, now: at('2026-06-11T08:00:00Z') });
    const f = fixtureLog();
    await log([f.entry('received', at('2026-06-10T22:20:00Z'), { id: 'next', to: ['n@x.test'] })]);
    expect(await db.keys({ gte: 'r!s!Europe/Berlin!2026-06-10!', lt: 'r!s!Europe/Berlin!2026-06-10!\xff' }).all()).toEqual([
      `r!s!Europe/Berlin!2026-06-10!${String(at('2026-06-10T22:00:00Z')).padStart(13, '0')}`,
    ]);
    const keys = await db.keys({ gte: `r!a!${String(at('2026-06-09T22:00:00Z')).padStart(13, '0')}`, lt: `r!a!${String(at('2026-06-10T22:00:00Z')).padStart(13, '0')}` }).all();
    await db.batch(keys.map((key) => ({ type: 'del' as const, key })));
    await reopen();
    const cold = await reports.build({ day: 'yesterday' }, { timezone: TZ, now: at('2026-06-11T08:00:00Z') });
    expect(cold.totals).toEqual(warm.totals);
    expect(cold.hourly).toEqual(warm.hourly);
  });

  it("rewrites the running day's snapshot at the newest slot in the engine's batches, so a fresh process reads it plus one slot", async () => {
    await reportInUtc();
    const f = fixtureLog();
    const t0 = at('2026-06-10T00:00:00Z');
    for (let i = 0; i < 60; i++) await log([f.entry('received', t0 + i * 7 * 60_000, { id: `m${i}`, to: [`u${i % 5}@d${i % 3}.test`], size: 10 + i })]);
    const newest = t0 + 27 * SLOT; // 59 x 7 min = 6:53
    expect(await snapshotKeys('UTC', '2026-06-10')).toEqual([`r!s!UTC!2026-06-10!${pad(newest)}`]);
    const ctx = { timezone: 'UTC', now: newest + 60_000 };
    const warm = await reports.build({ day: 'today' }, ctx);
    expect(warm.totals.received).toBe(60);
    expect(await dropRecords(t0, newest)).toBeGreaterThan(20);
    await reopen();
    const cold = await reports.build({ day: 'today' }, ctx);
    expect(cold.totals).toEqual(warm.totals);
    expect(cold.hourly).toEqual(warm.hourly);
    expect([cold.senders, cold.recipients, cold.domains]).toEqual([warm.senders, warm.recipients, warm.domains]);
  });

  it('picks the day up in a process started mid-day at its first write, and keeps its snapshot from then on', async () => {
    await reportInUtc();
    const f = fixtureLog();
    const t0 = at('2026-06-10T00:00:00Z');
    let n = 0;
    const next = (t: number) => log([f.entry('received', t, { id: `m${n}`, to: [`u${n % 4}@x.test`], size: 1 + n++ })]);
    for (let i = 0; i < 30; i++) await next(t0 + i * 7 * 60_000);
    await reopen(); // the day is no longer in memory
    let t = t0 + 30 * 7 * 60_000;
    for (let i = 0; i < 10; i++) await next((t += 7 * 60_000));
    // No report asked: the first writes load the day in the background; once loaded, each new slot moves the snapshot.
    await vi.waitFor(async () => {
      await next((t += SLOT));
      expect(await snapshotKeys('UTC', '2026-06-10')).toEqual([`r!s!UTC!2026-06-10!${pad(Math.floor(t / SLOT) * SLOT)}`]);
    });
    const ctx = { timezone: 'UTC', now: t + 60_000 };
    const warm = await reports.build({ day: 'today' }, ctx);
    expect(warm.totals.received).toBe(n);
    expect(warm.totals.bytesReceived).toBe((n * (n + 1)) / 2);
    await dropRecords(t0, Math.floor(t / SLOT) * SLOT);
    await reopen();
    const cold = await reports.build({ day: 'today' }, ctx);
    expect(cold.totals).toEqual(warm.totals);
    expect(cold.hourly).toEqual(warm.hourly);
  });

  it("drops the running day's snapshot when an entry lands in a closed slot, and rewrites it with that entry at the next slot", async () => {
    await reportInUtc();
    const f = fixtureLog();
    const t0 = at('2026-06-10T08:00:00Z');
    for (let i = 0; i < 12; i++) await log([f.entry('received', t0 + i * 10 * 60_000, { id: `m${i}`, to: ['a@x.test'], size: 10 })]);
    expect(await snapshotKeys('UTC', '2026-06-10')).toHaveLength(1);
    // Stamped an hour in the past (a clock set back): it belongs to a closed slot.
    await log([f.entry('received', t0 + 30 * 60_000, { id: 'late', to: ['late@x.test'], size: 1000 })]);
    expect(await snapshotKeys('UTC', '2026-06-10')).toHaveLength(0);
    const newest = t0 + 9 * SLOT;
    await log([f.entry('received', newest + 60_000, { id: 'next', to: ['a@x.test'], size: 10 })]);
    expect(await snapshotKeys('UTC', '2026-06-10')).toEqual([`r!s!UTC!2026-06-10!${pad(newest)}`]);
    await dropRecords(t0 - SLOT, newest);
    await reopen();
    const cold = await reports.build({ day: 'today' }, { timezone: 'UTC', now: newest + 2 * 60_000 });
    expect(cold.totals).toMatchObject({ received: 14, bytesReceived: 13 * 10 + 1000 });
    expect(cold.hourly[8]).toMatchObject({ received: 7 });
  });

  it('refuses an unknown zone, a malformed day and a future day, naming the field', async () => {
    const now = at('2026-06-10T12:00:00Z');
    await expect(reports.build({ day: 'today' }, { timezone: 'Mars/Olympus', now })).rejects.toMatchObject({ code: 'E_VALIDATION', issues: [{ field: 'timezone', rule: 'iana-zone' }] });
    await expect(reports.build({ day: '2026-02-30' }, { timezone: TZ, now })).rejects.toMatchObject({ issues: [{ field: 'day', rule: 'day' }] });
    await expect(reports.build({ day: 'tomorrow' }, { timezone: TZ, now })).rejects.toMatchObject({ issues: [{ field: 'day', rule: 'day' }] });
    await expect(reports.build({ day: '2026-06-11' }, { timezone: TZ, now })).rejects.toMatchObject({ issues: [{ field: 'day', rule: 'not-future' }] });
  });
});
