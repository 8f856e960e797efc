/**
 * Rate limiting of repeated intake events, so a misbehaving client (a storm of
 * refused senders or wrong passwords) cannot flood the event log.
 */

/** Writes one event; `count` is how many occurrences it stands for. */
export type EmitFn = (count: number, summary: boolean) => Promise<unknown>;

/** Timers as the throttle uses them (tests may pass fakes). */
export interface ThrottleTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Window {
  suppressed: number;
  /** The latest occurrence's emitter: the summary describes the last sender seen. */
  last: EmitFn;
  timer: unknown;
}

/** Above this many distinct keys in one window, further keys share one window (bounded memory). */
const MAX_KEYS = 1000;
const OVERFLOW_KEY = '*';

/**
 * Per key (e.g. `intake.rejected` + client address), the first occurrence is
 * recorded at once; later ones within `windowMs` are only counted, and one
 * summary event carrying the count is written when the window ends. While the
 * storm lasts that is one event per key per window.
 */
export class EventThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly timers: ThrottleTimers = {
      setTimeout: (fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return t;
      },
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    },
  ) {}

  /** Count one occurrence under `key`; `emit` writes the event when one is due. Resolves once that write (if any) is done. */
  hit(key: string, emit: EmitFn): Promise<void> {
    const k = this.windows.has(key) || this.windows.size < MAX_KEYS ? key : OVERFLOW_KEY;
    const w = this.windows.get(k);
    if (w) {
      w.suppressed += 1;
      w.last = emit;
      return Promise.resolve();
    }
    const written = this.run(emit, 1, false);
    this.windows.set(k, { suppressed: 0, last: emit, timer: this.arm(k) });
    return written;
  }

  /** Write the summaries still pending and wait for every event write. */
  async flush(): Promise<void> {
    for (const [k, w] of this.windows) {
      this.timers.clearTimeout(w.timer);
      if (w.suppressed > 0) this.run(w.last, w.suppressed, true);
      this.windows.delete(k);
    }
    await Promise.all([...this.pending]);
  }

  private arm(key: string): unknown {
    return this.timers.setTimeout(() => {
      const w = this.windows.get(key);
      if (!w) return;
      if (w.suppressed === 0) {
        this.windows.delete(key);
        return;
      }
      this.run(w.last, w.suppressed, true);
      w.suppressed = 0;
      w.timer = this.arm(key);
    }, this.windowMs);
  }

  private run(emit: EmitFn, count: number, summary: boolean): Promise<void> {
    // Events are best effort: a closed or failing store must not break an SMTP session.
    const p: Promise<void> = emit(count, summary).then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }
}
