/**
 * System events for failures, at most one per code and host a minute: repeats
 * within the minute are counted and named in the next one, so a dead relay
 * cannot flood the event log or the alert channels. Recording never throws.
 */
import type { EventLevel } from '../types.js';
import type { Clock } from '../facade.js';
import type { Journal } from '../journal.js';

/** Repeats of the same failure event within this window are counted, not written. */
const EVENT_WINDOW_MS = 60_000;

export class RateLimitedEvents {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private closed = false;

  constructor(
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {}

  /** Record a system event unless one with this code (and `data.host`) was written within the minute. */
  async record(level: EventLevel, code: string, message: string, data?: Record<string, unknown>): Promise<void> {
    if (this.closed) return;
    const key = `${code}|${(data?.host as string) ?? ''}`;
    const now = this.clock.now();
    const w = this.windows.get(key);
    if (w && now - w.start < EVENT_WINDOW_MS) {
      w.count++;
      return;
    }
    const repeats = w?.count ?? 0;
    this.windows.set(key, { start: now, count: 0 });
    const text = repeats > 0 ? `${message} (${repeats} similar in the last minute)` : message;
    try {
      await this.journal.record(this.journal.event(level, code, text, 'system', data));
    } catch (e) {
      console.error(`smtp-ops: cannot record event ${code}: ${(e as Error).message}`);
    }
  }

  /** The store is closing: record nothing more. */
  close(): void {
    this.closed = true;
  }
}
