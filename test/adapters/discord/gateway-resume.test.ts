/**
 * A stalled event loop (a GC pause, a busy machine) makes discord.js miss a
 * heartbeat ACK and drop the connection as a zombie. It resumes the session,
 * as against Discord, and an interaction dispatched meanwhile is replayed:
 * nothing the user did is lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { VIEWER, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  // The harness announces a 1 s heartbeat.
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const ops = (op: number) => h.fake.gateway.received.filter((f) => f.op === op).length;

test('an interaction dispatched while the bot drops a zombie connection is replayed when it resumes', async () => {
  // Right after a heartbeat goes out, before its ACK is read: the stall outlasts the next heartbeat.
  const beats = ops(1);
  while (ops(1) === beats) await new Promise((r) => setImmediate(r));
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    // Busy: the event loop is stalled, as 2,500 submits at once stall it.
  }
  const payload = h.ix.command(VIEWER, ['status']);
  const from = h.fake.requests.length;
  h.fake.interact(payload);
  const callback = await h.fake.waitForRequest((r) => r.path.startsWith(`/api/v10/interactions/${String(payload.id)}/`), { from, timeoutMs: 20_000 });
  expect(callback.body.data.embeds.length).toBeGreaterThan(0);
  // It came back through Resume (op 6), not a fresh Identify (op 2).
  expect(ops(6)).toBe(1);
  expect(ops(2)).toBe(1);
});
