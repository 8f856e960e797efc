/**
 * The one write path for anything that lands in the mail log or the event
 * log: a state change and the entries that report it go in one batch, with
 * their indexes and report aggregates. Listeners hear about entries after
 * they are on disk.
 */
import type { Actor, EventEntry, EventLevel, LogEntry } from './types.js';
import { actorKey } from './types.js';
import type { Clock } from './facade.js';
import type { ReportAggregator } from './reports/types.js';
import { KeyMaker, type Op, type Store } from './store.js';
import { logOps } from './logs/maillog.js';
import { eventOps } from './logs/events.js';

export type JournalListener = (log: readonly LogEntry[], events: readonly EventEntry[]) => void;

/** One atomic write: the ops of a state change, and the mail log entries and events that report it. */
export interface Batch {
  ops?: readonly Op[];
  log?: readonly LogEntry[];
  events?: readonly EventEntry[];
  /** Resolve only once the batch is synced to disk (the caller acknowledges durability). */
  sync?: boolean;
}

export class Journal {
  private readonly keys = new KeyMaker();
  private readonly listeners: JournalListener[] = [];
  private reports: ReportAggregator | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  useReports(r: ReportAggregator): void {
    this.reports = r;
  }

  /** Returns a function that removes the listener. */
  listen(l: JournalListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  entry(e: Omit<LogEntry, 'key' | 'time'>, time = this.clock.now()): LogEntry {
    return { key: this.keys.next(time), time, ...e };
  }

  event(level: EventLevel, code: string, message: string, actor: Actor | 'system', data?: Record<string, unknown>): EventEntry {
    const time = this.clock.now();
    const who = actor === 'system' ? 'system' : `${actorKey(actor)}${actor.name ? ` (${actor.name})` : ''}`;
    return { key: this.keys.next(time), time, level, code, message, actor: who, ...(data ? { data } : {}) };
  }

  /** Record one event, and the ops of the change it reports, in one batch. */
  record(event: EventEntry, ops: readonly Op[] = [], opts: { sync?: boolean } = {}): Promise<void> {
    return this.commit({ ops, events: [event], sync: opts.sync });
  }

  /** Write a batch atomically. */
  async commit({ ops = [], log = [], events = [], sync = false }: Batch): Promise<void> {
    const all = ops.slice();
    for (const e of log) for (const op of logOps(e)) all.push(op);
    for (const e of events) for (const op of eventOps(e)) all.push(op);
    // Also with nothing logged: the reports may hold counts from outside the log (intake connections).
    if (this.reports) for (const op of this.reports.collect(log, events)) all.push(op);
    await this.store.commit(all, sync);
    if (log.length > 0 || events.length > 0) for (const l of this.listeners) l(log, events);
  }
}
