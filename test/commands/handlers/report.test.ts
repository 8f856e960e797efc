import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReports } from '../../../src/engine/reports/index.js';
import type { DailyReport } from '../../../src/engine/index.js';
import type { ChartReply, FieldsReply, FileReply, GroupReply, MessageReply, TableReply } from '../../../src/commands/reply.js';
import { reportReply } from '../../../src/commands/handlers/report.js';
import { at, normalDayBatches } from '../../engine/reports/fixtures.js';

let dir: string;
let day: DailyReport;
let dayFull: DailyReport;
let empty: DailyReport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-reply-'));
  const db = new Level<string, string>(dir);
  await db.open();
  const reports = createReports({ db });
  await reports.open();
  for (const [entries, events] of normalDayBatches()) await db.batch(reports.collect(entries, events) as { type: 'put'; key: string; value: string }[]);
  const ctx = { timezone: 'Europe/Berlin', now: at('2026-06-11T08:00:00Z') };
  day = await reports.build({ day: 'yesterday' }, ctx);
  dayFull = await reports.build({ day: 'yesterday', full: true }, ctx);
  empty = await reports.build({ day: '2026-03-29' }, ctx);
  await db.close();
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const part = <T>(g: GroupReply, kind: string, title?: string) => g.parts.find((p) => p.kind === kind && (title === undefined || ('title' in p && p.title === title))) as T;

describe('report reply', () => {
  it('summarises a day: totals, per-hour chart, top 5s and problems, with the report as data', () => {
    const g = reportReply(day, { full: false }) as GroupReply;
    expect(g.kind).toBe('group');
    expect(g.title).toBe('SMTP report 2026-06-10 (Europe/Berlin)');
    expect(g.data).toBe(day);
    const totals = part<FieldsReply>(g, 'fields');
    const v = (label: string) => totals.fields.find((f) => f.label === label)?.value;
    expect(v('Received')).toBe('3 (5 recipients)');
    expect(v('Delivered')).toBe('4');
    expect(v('Deferred')).toBe('1 message (2 deferrals)');
    expect(v('Deleted by operators')).toBe('6');
    expect(v('Bytes delivered')).toBe('6.5 KB');
    expect(totals.footer).toMatch(/counts once as received .* once per recipient/);
    const chart = part<ChartReply>(g, 'chart');
    expect(chart.labels).toHaveLength(24);
    expect(chart.series.map((s) => s.name)).toEqual(['received', 'delivered', 'deferred', 'bounced', 'rejected']);
    expect(chart.series.map((s) => s.unit)).toEqual(['messages', 'recipients', 'recipients', 'recipients', 'submissions']);
    expect(chart.series.filter((s) => s.panel === 'problems').map((s) => s.name)).toEqual(['deferred', 'bounced', 'rejected']);
    expect(chart.series[4].values[13]).toBe(2);
    expect(chart.series[0].values[8]).toBe(1);
    const senders = part<TableReply>(g, 'table', 'Top senders');
    expect(senders.rows).toEqual([
      { address: 'alerts@ops.test', messages: '2', bytes: '2.2 KB' },
      { address: 'reports@ops.test', messages: '1', bytes: '500 B' },
    ]);
    expect(part<TableReply>(g, 'table', 'Top recipients').rows).toHaveLength(4);
    const domains = part<TableReply>(g, 'table', 'Recipient domains');
    expect(domains.rows[1]).toMatchObject({ domain: 'y.test', deferrals: '2', avg: '1h 5m', max: '1h 5m' });
    const prob = part<MessageReply>(g, 'message');
    expect(prob.tone).toBe('error');
    expect(prob.text).toContain('2 submissions rejected at intake: other ×2');
    expect(prob.text).toContain('2 deferrals, mostly: 451 4.7.1 <address>: greylisted, try again in 240 seconds (1); most at (none) (2)');
    expect(prob.text).toContain('1 error and 2 warnings');
    expect(g.parts.some((p) => p.kind === 'file')).toBe(false);
  });

  it('gives every section with --full and attaches the whole report as text when long', () => {
    const g = reportReply(dayFull, { full: true }) as GroupReply;
    const titles = g.parts.map((p) => ('title' in p ? p.title : p.kind));
    expect(titles).toEqual([
      'Totals',
      'Full report 2026-06-10',
      'Traffic per hour, 2026-06-10 (Europe/Berlin)',
      'Per hour',
      'Recipient domains',
      'Sender domains',
      'Clients',
      'Senders by message count',
      'Recipients by message count',
      'Senders by size',
      'Recipients by size',
      'Rejected at intake (2)',
      'Deferral reasons',
      'Deferrals by relay/MX host',
      'Bounce reasons',
      'Bounces by relay/MX host',
      'Warnings and errors',
    ]);
    const first = reportReply(dayFull, { full: true, problemsFirst: true }) as GroupReply;
    expect(first.parts.map((p) => ('title' in p ? p.title : p.kind)).slice(0, 4)).toEqual(['Totals', 'Full report 2026-06-10', 'Rejected at intake (2)', 'Deferral reasons']);
    const text = part<FileReply>(first, 'file').content;
    expect(text.indexOf('Message Reject Detail')).toBeLessThan(text.indexOf('Per-Hour Traffic'));
    const file = part<FileReply>(g, 'file');
    expect(file.filename).toBe('smtp-report-2026-06-10.txt');
    expect(file.mime).toBe('text/plain');
    expect(file.content).toContain('           3  received (5 recipients)');
    expect(file.content).toContain('550 5.1.1 <address>: Recipient address rejected: User unknown in virtual mailbox table');
    expect(file.content).toContain('relay.unreachable');
    expect(part<TableReply>(g, 'table', 'Warnings and errors').rows.map((r) => r.code)).toEqual(['relay.unreachable', 'tls.failed', 'intake.rejected']);
  });

  it('says a quiet 23-hour day had no traffic and no problems', () => {
    const g = reportReply(empty, { full: false }) as GroupReply;
    expect(g.title).toBe('SMTP report 2026-03-29 (Europe/Berlin, 23-hour day)');
    expect(part<ChartReply>(g, 'chart').labels).toHaveLength(23);
    expect(part<TableReply>(g, 'table', 'Top senders').rows).toEqual([]);
    expect(part<TableReply>(g, 'table', 'Top senders').empty).toBe('No senders this day.');
    expect(part<MessageReply>(g, 'message')).toMatchObject({ tone: 'success', text: 'No rejects, deferrals, bounces, warnings or errors, and the queue is empty.' });
  });
});
