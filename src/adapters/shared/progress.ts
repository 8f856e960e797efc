/**
 * Progress updates of one message, throttled. Chat platforms rate-limit
 * message edits (and a Slack `response_url` takes at most 5 posts in 30
 * minutes), so only the latest progress is sent, at most once per interval
 * and at most `maxUpdates` times; the final reply always goes out after the
 * last update.
 */
import type { ProgressReply } from '../../commands/reply.js';

export interface ProgressOptions {
  /** Least ms between two updates. */
  intervalMs: number;
  /** Most updates sent through this channel (the final reply not counted). */
  maxUpdates: number;
  /** Where errors of an update go (an update that fails is not retried). */
  onError: (e: unknown) => void;
}

export class ProgressUpdater<T = ProgressReply> {
  private pending: T | null = null;
  private sent = 0;
  private lastAt = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly send: (p: T) => Promise<void>,
    private readonly opts: ProgressOptions,
  ) {}

  /** How many updates went out (a later final reply replaces the last one). */
  get sentCount(): number {
    return this.sent;
  }

  /** Record the latest progress; it is sent when the interval allows. */
  push(p: T): void {
    if (this.closed || this.sent >= this.opts.maxUpdates) return;
    this.pending = p;
    if (this.timer) return;
    const wait = this.lastAt + this.opts.intervalMs - Date.now();
    // The first update goes out at once, so even short work shows it started.
    if (wait <= 0) this.fire();
    else this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (!p || this.closed || this.sent >= this.opts.maxUpdates) return;
    this.sent++;
    this.lastAt = Date.now();
    this.chain = this.chain.then(() => this.send(p)).catch(this.opts.onError);
  }

  /** Stop sending progress and wait for an update in flight, so the final reply lands last. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    await this.chain;
  }
}
