import { describe, expect, it } from 'vitest';
import { dayOf, dayRange, resolveDay } from '../../../src/engine/reports/day.js';

const at = (iso: string) => Date.parse(iso);

describe('report days', () => {
  it('resolves today and yesterday in the zone, not in UTC', () => {
    const now = at('2026-06-09T22:30:00Z'); // 00:30 on 06-10 in Berlin
    expect(resolveDay('today', 'Europe/Berlin', now).day).toBe('2026-06-10');
    expect(resolveDay('yesterday', 'Europe/Berlin', now).day).toBe('2026-06-09');
    expect(resolveDay('today', 'UTC', now).day).toBe('2026-06-09');
    expect(dayOf(now, 'America/New_York')).toBe('2026-06-09');
  });

  it('gives 24, 23 and 25 hours with wall-clock labels', () => {
    expect(dayRange('2026-06-10', 'Europe/Berlin').hours.map((h) => h.label)).toEqual(Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0')));
    const spring = dayRange('2026-03-29', 'Europe/Berlin');
    expect([new Date(spring.start).toISOString(), new Date(spring.end).toISOString()]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(spring.hours.map((h) => h.label).slice(0, 3)).toEqual(['00', '01', '03']);
    const autumn = dayRange('2026-10-25', 'Europe/Berlin');
    expect(autumn.hours).toHaveLength(25);
    expect(autumn.hours[3]).toEqual({ label: "02'", start: at('2026-10-25T01:00:00Z') });
    // yesterday across the spring change is the 23-hour day
    expect(resolveDay('yesterday', 'Europe/Berlin', at('2026-03-30T10:00:00Z')).hours).toHaveLength(23);
  });

  it('starts a day whose midnight does not exist at its first instant (Chile skips 00:00 on 2026-09-06)', () => {
    const d = dayRange('2026-09-06', 'America/Santiago');
    expect(new Date(d.start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(d.hours).toHaveLength(23);
    expect(d.hours[0].label).toBe('01');
  });

  it('handles zones a quarter hour off the hour (Kathmandu +05:45)', () => {
    const d = dayRange('2026-04-05', 'Asia/Kathmandu');
    expect(new Date(d.start).toISOString()).toBe('2026-04-04T18:15:00.000Z');
    expect(d.hours).toHaveLength(24);
  });
});
