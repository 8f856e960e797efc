/** Hand-made mail log entries and events for report tests. */
import type { EventEntry, LogEntry, LogStatus } from '../../../src/engine/index.js';

/** Builds entries with unique time-ordered keys, like the engine's log. */
export function fixtureLog() {
  let n = 0;
  const key = (time: number) => time.toString(36).padStart(9, '0') + (n++).toString(36).padStart(4, '0');
  return {
    entry(status: LogStatus, time: number, f: Partial<LogEntry> & { id: string; from?: string; to: string[]; size?: number }): LogEntry {
      return { key: key(time), time, status, from: f.from ?? 'alerts@ops.test', size: f.size ?? 1000, ...f };
    },
    event(time: number, level: EventEntry['level'], code: string, message: string, data?: Record<string, unknown>): EventEntry {
      return { key: key(time), time, level, code, message, actor: 'system', data };
    },
  };
}

/** ms since epoch of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso);

/** A normal summer day in Berlin (UTC+2), hand-counted below. */
export function normalDayBatches(): [LogEntry[], EventEntry[]][] {
  const batches: [LogEntry[], EventEntry[]][] = [];
  const log = (entries: LogEntry[], events: EventEntry[] = []) => batches.push([entries, events]);
  const f = fixtureLog();
  const m1 = { id: 'm1', from: 'alerts@ops.test', size: 2000 };
  // m3 was received the day before; its delivery after midnight belongs to 06-10.
  log([f.entry('received', at('2026-06-09T21:59:00Z'), { id: 'm3', to: ['f@w.test'], size: 700 })]);
  log([f.entry('sent', at('2026-06-09T22:01:00Z'), { id: 'm3', to: ['f@w.test'], size: 700, delay: 120_000 })]);
  log([f.entry('received', at('2026-06-10T06:05:00Z'), { ...m1, to: ['a@x.test', 'B@X.test', 'c@y.test'] })]);
  log([
    f.entry('sent', at('2026-06-10T06:06:00Z'), { ...m1, to: ['a@x.test'], delay: 60_000, response: '250 2.0.0 Ok: queued as 4XyZ1' }),
    f.entry('sent', at('2026-06-10T06:06:00Z'), { ...m1, to: ['b@x.test'], delay: 60_000, response: '250 2.0.0 Ok: queued as 4XyZ2' }),
    f.entry('deferred', at('2026-06-10T06:06:00Z'), { ...m1, to: ['c@y.test'], response: '451 4.7.1 <c@y.test>: greylisted, try again in 300 seconds' }),
  ]);
  log([f.entry('deferred', at('2026-06-10T06:11:00Z'), { ...m1, to: ['c@y.test'], response: '451 4.7.1 <c@y.test>: greylisted, try again in 240 seconds' })]);
  log([f.entry('sent', at('2026-06-10T07:10:00Z'), { ...m1, to: ['c@y.test'], delay: 3_900_000 })]);
  log([f.entry('received', at('2026-06-10T07:30:00Z'), { id: 'm2', from: 'Reports@Ops.test', to: ['d@z.test'], size: 500 })]);
  log([
    f.entry('bounced', at('2026-06-10T07:31:00Z'), {
      id: 'm2',
      from: 'reports@ops.test',
      to: ['d@z.test'],
      size: 500,
      response: '550 5.1.1 <d@z.test>: Recipient address rejected: User unknown in virtual mailbox table',
    }),
  ]);
  log([], [f.event(at('2026-06-10T08:00:00Z'), 'info', 'queue.held', 'held m5', { id: 'm5' })]);
  log([], [f.event(at('2026-06-10T09:00:00Z'), 'info', 'queue.deleted', 'deleted all 5 messages', { count: 5 })]);
  log([], [f.event(at('2026-06-10T10:00:00Z'), 'error', 'relay.unreachable', 'relay 127.0.0.1:10025 unreachable')]);
  log([], [f.event(at('2026-06-10T10:30:00Z'), 'warning', 'tls.failed', 'certificate not trusted')]);
  log([], [f.event(at('2026-06-10T11:00:00Z'), 'warning', 'intake.rejected', '2 submissions refused', { count: 2 })]);
  log([f.entry('received', at('2026-06-10T21:30:00Z'), { id: 'm4', from: 'alerts@ops.test', to: ['e@x.test'], size: 300 })]);
  // A one-by-one delete: a `deleted` entry plus an event naming the id (counted once).
  log(
    [f.entry('deleted', at('2026-06-10T21:40:00Z'), { id: 'm4', from: 'alerts@ops.test', to: ['e@x.test'], size: 300 })],
    [f.event(at('2026-06-10T21:40:00Z'), 'info', 'queue.message-deleted', 'message m4 deleted', { id: 'm4', count: 1 })],
  );
  // 00:00 local on 06-11: the next day.
  log([f.entry('received', at('2026-06-10T22:00:00Z'), { id: 'm6', to: ['g@x.test'], size: 999 })]);
  return batches;
}
