/**
 * The backlog watch: every 30 seconds, how many messages wait in the queue (queued, sending,
 * deferred; held ones are parked on purpose) and how old the oldest is. Over
 * `alert-backlog-count` or `alert-backlog-age` it records `queue.backlog` (again every 10 minutes
 * while it lasts, with the current figures); back under both, `queue.backlog-cleared` resolves it.
 */
import type { Clock } from '../facade.js';
import { idOf, prefixRange, type Store } from '../store.js';
import type { QueueCounts, Settings } from '../types.js';

export const BACKLOG_CHECK_MS = 30_000;
const BACKLOG_REPEAT_MS = 10 * 60_000;

export interface BacklogDeps {
  store: Store;
  clock: Clock;
  settings(): Settings;
  counts(): QueueCounts;
  /** Whether a `queue.backlog` group is firing (after a restart the watch continues it). */
  firing(): boolean;
  record(level: 'warning' | 'info', code: string, message: string, data: Record<string, unknown>): Promise<void>;
}

/** Queue ids start with their creation time (9 base-36 digits of ms). */
function createdAt(id: string): number {
  return parseInt(id.slice(0, 9), 36);
}

export class BacklogWatch {
  private timer: unknown = null;
  private lastRecorded = 0;
  private over: boolean | null = null;
  private checking = false;

  constructor(private readonly d: BacklogDeps) {}

  start(): void {
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The oldest waiting message's creation time: the first id of each waiting state's index. */
  async oldestWaiting(): Promise<number | null> {
    let oldest: number | null = null;
    for (const state of ['queued', 'sending', 'deferred']) {
      const [k] = await this.d.store.keys({ ...prefixRange(`s!${state}!`), limit: 1 });
      if (!k) continue;
      const t = createdAt(idOf(k));
      if (Number.isFinite(t) && (oldest === null || t < oldest)) oldest = t;
    }
    return oldest;
  }

  /** One look at the queue (also called by tests). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const s = this.d.settings();
      const c = this.d.counts();
      const now = this.d.clock.now();
      const waiting = c.queued + c.sending + c.deferred;
      const oldest = waiting > 0 ? await this.oldestWaiting() : null;
      const ageSec = oldest === null ? 0 : Math.max(0, Math.round((now - oldest) / 1000));
      const byCount = s.alertBacklogCount > 0 && waiting > s.alertBacklogCount;
      const byAge = s.alertBacklogAge > 0 && oldest !== null && ageSec > s.alertBacklogAge;
      const over = byCount || byAge;
      this.over ??= this.d.firing();
      const data = { waiting, deferred: c.deferred, oldestAgeSec: ageSec, countThreshold: s.alertBacklogCount, ageThresholdSec: s.alertBacklogAge };
      if (over && (!this.over || now - this.lastRecorded >= BACKLOG_REPEAT_MS)) {
        const why = [byCount ? `${waiting} messages wait (alert-backlog-count ${s.alertBacklogCount})` : '', byAge ? `the oldest has waited ${Math.round(ageSec / 60)} min (alert-backlog-age ${Math.round(s.alertBacklogAge / 60)} min)` : ''].filter(Boolean).join(' and ');
        this.lastRecorded = now;
        this.over = true;
        await this.d.record('warning', 'queue.backlog', `mail is piling up: ${why}; ${c.deferred} deferred`, data);
      } else if (!over && this.over) {
        this.over = false;
        await this.d.record('info', 'queue.backlog-cleared', `the queue drained: ${waiting} messages wait, the oldest for ${Math.round(ageSec / 60)} min`, data);
      }
    } finally {
      this.checking = false;
    }
  }

  private arm(): void {
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      void this.check()
        .catch(() => undefined)
        .finally(() => this.arm());
    }, BACKLOG_CHECK_MS);
  }
}
