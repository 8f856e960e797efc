/** Outcomes of delivery attempts, for whoever waits on one (`test --wait`, a chat follow-up). */
import type { AttemptOutcome } from '../types.js';
import { ErrorCode, SmtpOpsError } from '../errors.js';

/** Outcomes remembered for a late waiter. */
const RECENT_OUTCOMES = 1000;

export class AttemptOutcomes {
  private readonly waiters = new Map<string, ((o: AttemptOutcome) => void)[]>();
  private readonly recent = new Map<string, AttemptOutcome>();

  /** The outcome of the last attempt of `id`, if it was recent. */
  last(id: string): AttemptOutcome | undefined {
    return this.recent.get(id);
  }

  /** The outcome of the next attempt of `id`; rejects after `timeoutMs`. */
  next(id: string, timeoutMs: number): Promise<AttemptOutcome> {
    return new Promise<AttemptOutcome>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      const timer = setTimeout(() => {
        const l = this.waiters.get(id) ?? [];
        const i = l.indexOf(waiter);
        if (i >= 0) l.splice(i, 1);
        reject(new SmtpOpsError(ErrorCode.Timeout, `no delivery attempt of ${id} within ${Math.round(timeoutMs / 1000)}s (is the engine disabled, or the message held?)`));
      }, timeoutMs);
      const waiter = (o: AttemptOutcome) => {
        clearTimeout(timer);
        resolve(o);
      };
      list.push(waiter);
      this.waiters.set(id, list);
    });
  }

  /** An attempt finished: remember it and answer its waiters. */
  settle(outcome: AttemptOutcome): void {
    this.recent.set(outcome.id, outcome);
    if (this.recent.size > RECENT_OUTCOMES) this.recent.delete(this.recent.keys().next().value as string);
    for (const w of this.waiters.get(outcome.id) ?? []) w(outcome);
    this.waiters.delete(outcome.id);
  }
}
