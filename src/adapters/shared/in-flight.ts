/** Work a chat platform was told about but that is not finished yet (replies, follow-ups), so stopping can wait for it: nothing acknowledged is lost. */
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

  /** Resolve when everything tracked (including work started meanwhile) settled, or after `timeoutMs` if given. */
  async drain(timeoutMs?: number): Promise<void> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = left === Infinity ? null : new Promise<void>((r) => (timer = setTimeout(r, left)));
      await Promise.race([Promise.allSettled([...this.pending]), ...(timeout ? [timeout] : [])]);
      clearTimeout(timer);
    }
  }
}
