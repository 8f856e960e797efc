/** Progress throttling shared by the chat adapters. */
import { describe, expect, test } from 'vitest';
import { ProgressUpdater } from '../../../src/adapters/shared/progress.js';
import type { ProgressReply } from '../../../src/commands/reply.js';

describe('progress updates', () => {
  const p = (done: number): ProgressReply => ({ kind: 'progress', label: 'deleting', done, total: 100 });

  test('the first goes out at once, later ones at most once per interval, latest wins', async () => {
    const sent: number[] = [];
    const u = new ProgressUpdater(async (x) => void sent.push(x.done), { intervalMs: 50, maxUpdates: 10, onError: () => undefined });
    u.push(p(0));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([0]);
    u.push(p(10));
    u.push(p(20));
    u.push(p(30));
    await new Promise((r) => setTimeout(r, 80));
    expect(sent).toEqual([0, 30]);
    u.push(p(40));
    await u.close();
    // close() drops what is pending: the final reply comes next and must land last.
    expect(sent).toEqual([0, 30]);
  });

  test('never more than the budget (a response_url takes 5 posts)', async () => {
    const sent: number[] = [];
    const u = new ProgressUpdater(async (x) => void sent.push(x.done), { intervalMs: 0, maxUpdates: 3, onError: () => undefined });
    for (let i = 0; i < 10; i++) {
      u.push(p(i));
      await new Promise((r) => setTimeout(r, 2));
    }
    await u.close();
    expect(sent).toHaveLength(3);
  });

  test('close() waits for an update in flight', async () => {
    let finished = false;
    const u = new ProgressUpdater(() => new Promise<void>((r) => setTimeout(() => ((finished = true), r()), 30)), { intervalMs: 0, maxUpdates: 3, onError: () => undefined });
    u.push(p(1));
    await u.close();
    expect(finished).toBe(true);
  });
});
