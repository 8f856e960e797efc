import { describe, it, expect } from 'vitest';
import { backoffSeconds, expired } from '../../../src/engine/queue/backoff.js';

const policy = { retryFirst: 300, retryMax: 4000, maxQueueLifetime: 5 * 86400 };

describe('backoff', () => {
  it('doubles from retry-first and caps at retry-max, like Postfix', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffSeconds(n, policy))).toEqual([300, 600, 1200, 2400, 4000, 4000, 4000]);
  });
  it('bounces after the queue lifetime', () => {
    const t0 = 0;
    expect(expired(t0, 5 * 86400 * 1000 - 1, policy)).toBe(false);
    expect(expired(t0, 5 * 86400 * 1000, policy)).toBe(true);
  });
});
