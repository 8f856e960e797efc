/**
 * Daily report subscriptions: at `HH:MM` in the report time zone, yesterday's report is queued
 * for the target. A day missed while smtp-ops was down is sent when it starts (once).
 */
import { TZDate } from '@date-fns/tz';
import { addDays, format, subDays } from 'date-fns';
import type { Clock } from '../facade.js';
import { dayOf, resolveZone } from '../reports/day.js';
import type { ReportSubscription } from './types.js';

/** The instant of `HH:MM` on `day` (YYYY-MM-DD) in `tz`. */
function instant(day: string, at: string, tz: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = at.split(':').map(Number);
  return new TZDate(y, m - 1, d, hh, mm, tz).getTime();
}

function shift(day: string, days: number, tz: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const noon = new TZDate(y, m - 1, d, 12, tz);
  return format(days >= 0 ? addDays(noon, days) : subDays(noon, -days), 'yyyy-MM-dd');
}

/** The latest `at` slot not after `now`, and the day its report covers (the day before the slot's day). */
export function lastSlot(at: string, now: number, zone: string): { slot: number; day: string } {
  const tz = resolveZone(zone);
  const today = dayOf(now, tz);
  const t = instant(today, at, tz);
  const slotDay = t <= now ? today : shift(today, -1, tz);
  return { slot: t <= now ? t : instant(slotDay, at, tz), day: shift(slotDay, -1, tz) };
}

/** The first `at` slot after `now`. */
export function nextSlot(at: string, now: number, zone: string): number {
  const tz = resolveZone(zone);
  const today = dayOf(now, tz);
  const t = instant(today, at, tz);
  return t > now ? t : instant(shift(today, 1, tz), at, tz);
}

export interface ScheduleDeps {
  clock: Clock;
  zone(): string;
  list(): ReportSubscription[];
  /** Queue the report of `day` for a subscription (and record the day as sent, in one write). */
  fire(sub: ReportSubscription, day: string): Promise<void>;
  log(message: string): void;
}

export class ReportSchedule {
  private timer: unknown = null;
  private running = false;
  private again = false;
  private stopped = true;

  constructor(private readonly d: ScheduleDeps) {}

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Subscriptions or the zone changed. */
  reschedule(): void {
    if (!this.stopped) void this.tick();
  }

  /** The day a new subscription counts as already sent (the latest slot passed), so it starts with the next slot. */
  currentDay(at: string): string {
    return lastSlot(at, this.d.clock.now(), this.d.zone()).day;
  }

  private async tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const now = this.d.clock.now();
        const zone = this.d.zone();
        let next = Infinity;
        for (const sub of this.d.list()) {
          try {
            const { day } = lastSlot(sub.at, now, zone);
            if (sub.lastDay === null || sub.lastDay < day) await this.d.fire(sub, day);
            next = Math.min(next, nextSlot(sub.at, now, zone));
          } catch (e) {
            this.d.log(`report for ${sub.platform}:${sub.channel} not queued: ${(e as Error).message}`);
          }
        }
        if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
        this.timer = null;
        if (next !== Infinity && !this.stopped) {
          this.timer = this.d.clock.setTimeout(() => {
            this.timer = null;
            void this.tick();
          }, Math.max(1000, next - this.d.clock.now()));
        }
      } while (this.again);
    } finally {
      this.running = false;
    }
  }
}
