/**
 * Retry timing like Postfix: the first retry after `retryFirst` seconds, then
 * doubling, never more than `retryMax` between tries; a message older than
 * `maxQueueLifetime` bounces instead of being deferred again.
 */
export interface RetryPolicy {
  retryFirst: number;
  retryMax: number;
  maxQueueLifetime: number;
}

/** Seconds to wait after the `attempts`-th failed attempt (1-based). */
export function backoffSeconds(attempts: number, p: RetryPolicy): number {
  const n = Math.max(1, attempts);
  const s = p.retryFirst * 2 ** Math.min(n - 1, 30);
  return Math.min(p.retryMax, s);
}

/** Whether a message created at `createdAt` has outlived the queue lifetime at `now` (ms). */
export function expired(createdAt: number, now: number, p: RetryPolicy): boolean {
  return now - createdAt >= p.maxQueueLifetime * 1000;
}
