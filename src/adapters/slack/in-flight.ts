/** Work acknowledged to Slack but not finished yet, so stopping can wait for it (nothing acknowledged is lost). */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Follow `p` until it settles; returns it. `p` must not reject (callers attach their own catch). */
  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => void this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolve when everything tracked (including work started meanwhile) settled, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, left)));
      await Promise.race([Promise.allSettled([...this.pending]), timeout]);
      clearTimeout(timer);
    }
  }
}
