/**
 * Intake connections for the report (pflogsumm's smtpd connection
 * statistics). The listener says when a connection opens and closes; a closed
 * connection is counted (per client, with its duration and HELO name) in the
 * slot of its close, in the next batch the journal writes. When no mail is
 * logged for a while, the engine is asked for a batch so the counts reach
 * the disk within {@link FLUSH_MS}; the module asks for one when it closes too.
 */
import { addConnection } from './aggregate.js';
import type { SlotAggregator } from './aggregator.js';
import type { ConnectionEvent } from './types.js';

/** Longest a counted connection waits for a batch. */
const FLUSH_MS = 2000;
/** Open connections tracked at most (smtp-server closes every one it opens; this only bounds a leak). */
const MAX_OPEN = 10_000;

export class ConnectionCounter {
  private readonly open = new Map<string, { client: string; at: number }>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly slots: SlotAggregator,
    private readonly now: () => number,
    private readonly requestBatch?: () => Promise<void> | void,
  ) {}

  on(ev: ConnectionEvent): void {
    if (ev.kind === 'open') {
      if (this.open.size >= MAX_OPEN) this.open.delete(this.open.keys().next().value as string);
      this.open.set(ev.session, { client: ev.client ?? '(unknown)', at: this.now() });
      return;
    }
    const o = this.open.get(ev.session);
    // A connection refused before the greeting (too many clients) never reached onConnect: no client to count it under.
    if (!o) return;
    this.open.delete(ev.session);
    const end = this.now();
    this.slots.addPending(end, (agg) => addConnection(agg, o.client, ev.helo, end - o.at));
    if (this.requestBatch && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        // A failed write leaves the counts pending: the next batch, or close, carries them.
        if (this.slots.hasPending) void Promise.resolve(this.requestBatch?.()).catch(() => undefined);
      }, FLUSH_MS);
      this.timer.unref?.();
    }
  }

  /** No more batches asked for by the timer (the store is closing). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
