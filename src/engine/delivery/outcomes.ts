/** Outcomes of delivery attempts, for whoever waits on one (`test --wait`, a chat follow-up). */
import type { AttemptOutcome } from '../types.js';
import { ErrorCode, SmtpOpsError } from '../errors.js';

/** Outcomes remembered for a late waiter. */
const RECENT_OUTCOMES = 1000;

export class AttemptOutcomes {
  private readonly waiters = new Map<string, ((o: AttemptOutcome) => void)[]>();
  private readonly recent = new Map<string, AttemptOutcome>();
  private readonly listeners = new Set<(o: AttemptOutcome) => void>();

  /** Hear every outcome from now on (a flush waiting for its messages); returns the unsubscribe. */
  subscribe(fn: (o: AttemptOutcome) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The outcome of the last attempt of `id`, if it was recent. */
  last(id: string): AttemptOutcome | undefined {
    return this.recent.get(id);
  }

  /** The outcome of the next attempt of `id` (rejects after `timeoutMs`), and a way to stop waiting. */
  next(id: string, timeoutMs: number): { outcome: Promise<AttemptOutcome>; cancel(): void } {
    let waiter: (o: AttemptOutcome) => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    const forget = () => {
      clearTimeout(timer);
      const l = this.waiters.get(id) ?? [];
      const i = l.indexOf(waiter);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.waiters.delete(id);
    };
    const outcome = new Promise<AttemptOutcome>((resolve, reject) => {
      timer = setTimeout(() => {
        forget();
        reject(new SmtpOpsError(ErrorCode.Timeout, `no delivery attempt of ${id} within ${Math.round(timeoutMs / 1000)}s (is the engine disabled, or the message held?)`));
      }, timeoutMs);
      waiter = (o: AttemptOutcome) => {
        clearTimeout(timer);
        resolve(o);
      };
      const list = this.waiters.get(id) ?? [];
      list.push(waiter);
      this.waiters.set(id, list);
    });
    return { outcome, cancel: forget };
  }

  /** An attempt finished: remember it and answer its waiters. */
  settle(outcome: AttemptOutcome): void {
    this.recent.set(outcome.id, outcome);
    if (this.recent.size > RECENT_OUTCOMES) this.recent.delete(this.recent.keys().next().value as string);
    for (const w of this.waiters.get(outcome.id) ?? []) w(outcome);
    this.waiters.delete(outcome.id);
    for (const l of this.listeners) l(outcome);
  }
}
