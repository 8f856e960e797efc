/**
 * Waiting for the delivery attempts of a set of messages, as `sendmail -q`
 * does in the foreground: a one-shot `queue flush` or `queue release` with no
 * `serve` running, or `--wait`. The watch hears outcomes from the moment it
 * is made, so the caller makes it before it lists and flushes the messages,
 * and no attempt can slip between the two. It ends when each message had its
 * first attempt, or when none will come (nothing in flight and nothing due,
 * SMTP disabled, the message deleted or held meanwhile), or when the caller
 * gives up (Ctrl-C): whatever happened is counted, never guessed.
 */
import type { AttemptOutcome, AttemptTally, ProgressFn } from '../types.js';
import type { AttemptOutcomes } from './outcomes.js';

/** What the watch asks about messages not attempted yet. */
export interface WatchProbe {
  /** Whether the worker can still attempt anything now (running, SMTP enabled, something in flight or due). */
  busy(): Promise<boolean>;
  /** Of these ids, the ones that will not be attempted: gone from the queue or held. */
  unattemptable(ids: string[]): Promise<string[]>;
}

/** How often the watch looks again when no attempt ended meanwhile. */
const TICK_MS = 500;
/** Ids looked up per tick for "deleted or held meanwhile". */
const PROBE_IDS = 200;

export class AttemptWatch {
  private readonly seen = new Map<string, AttemptOutcome>();
  /** Ids found held or gone twice in a row: no attempt is coming for them. */
  private readonly given = new Set<string>();
  private targets: ReadonlySet<string> | null = null;
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(outcomes: AttemptOutcomes) {
    this.unsubscribe = outcomes.subscribe((o) => {
      if (this.seen.has(o.id) || (this.targets && !this.targets.has(o.id))) return;
      this.seen.set(o.id, o);
      this.given.delete(o.id);
      this.wake?.();
    });
  }

  /**
   * Wait for the first attempt of each of `ids` (after this watch was made).
   * Resolves with the tally; `signal` stops waiting early (the rest count as
   * not attempted, and `interrupted` says so).
   */
  async until(ids: ReadonlySet<string>, probe: WatchProbe, opts: { onProgress?: ProgressFn; signal?: AbortSignal; label?: string } = {}): Promise<AttemptTally> {
    this.targets = ids;
    for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
    const given = this.given;
    // Found gone or held once: an attempt that just ended leaves the queue a moment before its outcome is told.
    const suspects = new Set<string>();
    const label = opts.label ?? 'delivering';
    const done = () => this.seen.size + given.size;
    let reported = -1;
    const progress = () => {
      if (done() === reported) return;
      reported = done();
      opts.onProgress?.({ done: reported, total: ids.size, label });
    };
    let interrupted = false;
    const onAbort = () => {
      interrupted = true;
      this.wake?.();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) interrupted = true;
    try {
      let quiet = 0;
      while (done() < ids.size && !interrupted) {
        progress();
        const before = done();
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, TICK_MS);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
        if (done() > before) {
          quiet = 0;
          continue;
        }
        quiet++;
        // Nothing ended for a while: is anything left that could still be attempted?
        const pending = [...ids].filter((id) => !this.seen.has(id) && !given.has(id));
        const found = new Set(await probe.unattemptable(pending.slice(0, PROBE_IDS)));
        for (const id of found) if (suspects.has(id) && !this.seen.has(id)) given.add(id);
        for (const id of suspects) if (!found.has(id)) suspects.delete(id);
        for (const id of found) suspects.add(id);
        if (quiet >= 3 && !(await probe.busy())) {
          // Nothing in flight, nothing due: what is left will not be attempted now.
          for (const id of pending) if (!this.seen.has(id)) given.add(id);
        }
      }
      progress();
      return tallyOf([...ids].map((id) => this.seen.get(id)), interrupted);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.close();
    }
  }

  /** Stop hearing outcomes. */
  close(): void {
    this.unsubscribe();
    this.wake = null;
  }
}

/** Count outcomes by message and by recipient; undefined entries were not attempted. */
export function tallyOf(outcomes: readonly (AttemptOutcome | undefined)[], interrupted = false): AttemptTally {
  const t: AttemptTally = { messages: outcomes.length, delivered: 0, deferred: 0, bounced: 0, notAttempted: 0, recipients: { sent: 0, deferred: 0, bounced: 0 }, interrupted };
  for (const o of outcomes) {
    if (!o) {
      t.notAttempted++;
      continue;
    }
    const sent = o.results.filter((r) => r.status === 'sent').length;
    const deferred = o.queued ? o.results.filter((r) => r.status === 'deferred').length : 0;
    t.recipients.sent += sent;
    t.recipients.deferred += deferred;
    t.recipients.bounced += o.results.length - sent - deferred;
    if (o.queued) t.deferred++;
    else if (sent === o.results.length) t.delivered++;
    else t.bounced++;
  }
  return t;
}
