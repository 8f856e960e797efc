/**
 * System events of the engine (delivery failures, a stopped listener, a
 * failing worker), rate limited so a dead relay cannot flood the event log:
 * the first event of a code at a place is written at once; repeats within
 * the minute are counted and written as one summary event when the minute
 * ends, whose `data.count` says how many it stands for (the sum of `count`
 * over events is the number of occurrences). Every occurrence reaches the
 * observers at once (alert groups count each one). Recording never throws.
 */
import type { EventEntry, EventLevel } from '../types.js';
import type { Clock } from '../facade.js';
import type { Journal } from '../journal.js';
import { EventThrottle } from '../intake/event-throttle.js';

/** Repeats of one event (code and place) within this window are counted into one summary event. */
export const EVENT_WINDOW_MS = 60_000;

/** One occurrence of a system event, before rate limiting. */
export interface Occurrence {
  level: EventLevel;
  code: string;
  message: string;
  time: number;
  data: Record<string, unknown>;
  /** It is about an alert email of smtp-ops itself. */
  alertMail: boolean;
}

/** The place an event is about (`relay:smtp.example.com:587`), which keeps its rate limit apart from others of its code. */
export type PlaceOf = (code: string, data: Record<string, unknown>) => string;

export class RateLimitedEvents {
  private readonly throttle: EventThrottle;
  private readonly observers: ((o: Occurrence) => void)[] = [];
  /** Events written here (their occurrences were observed already, not again when the journal echoes them). */
  private readonly own = new WeakSet<EventEntry>();
  private closed = false;

  constructor(
    private readonly journal: Journal,
    private readonly clock: Clock,
    private readonly placeOf: PlaceOf = (_code, data) => (typeof data.host === 'string' ? data.host : ''),
  ) {
    this.throttle = new EventThrottle(EVENT_WINDOW_MS, clock);
  }

  /** Hear every occurrence as it is recorded; returns a function that stops listening. */
  observe(fn: (o: Occurrence) => void): () => void {
    this.observers.push(fn);
    return () => {
      const i = this.observers.indexOf(fn);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /** Record a system event (written now, or counted into the next summary of its code and place). */
  async record(level: EventLevel, code: string, message: string, data: Record<string, unknown> = {}, opts: { alertMail?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const occurrence: Occurrence = { level, code, message, time: this.clock.now(), data, alertMail: opts.alertMail === true };
    for (const o of this.observers) o(occurrence);
    await this.throttle.hit(`${code}|${this.placeOf(code, data)}`, async (count, summary) => {
      const text = summary ? `${message} (${count} like it in the last minute)` : message;
      const e = this.journal.event(level, code, text, 'system', { ...data, count, ...(summary ? { summary: true } : {}) });
      this.own.add(e);
      try {
        await this.journal.record(e);
      } catch (err) {
        console.error(`smtp-ops: cannot record event ${code}: ${(err as Error).message}`);
      }
    });
  }

  /** Whether this wrote `e` (its occurrences were observed when they were recorded). */
  wrote(e: EventEntry): boolean {
    return this.own.has(e);
  }

  /** The store is closing: write the summaries still pending, then record nothing more. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.throttle.flush();
    this.closed = true;
  }
}
