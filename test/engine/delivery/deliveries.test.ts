/**
 * Waiting on a delivery attempt (`test --wait`, chat follow-ups, tests): the
 * wait is on the attempt's outcome, whenever it lands relative to the
 * caller's look at the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptOutcome, Deliverer, DeliveryRequest, RecipientResult } from '../../../src/engine/index.js';
import { cli, openStore, type TestStore } from '../../commands/setup.js';

let t: TestStore | undefined;
afterEach(async () => t?.close());

/** The network's answers, by recipient: bounce@ bounces, defer@ defers, the rest are sent. */
const deliverer = (): Deliverer => ({
  async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
    return req.to.map((to) =>
      to.startsWith('bounce@') ? { to, status: 'bounced', response: '550 5.1.1 no such user', code: 550, failure: 'rejected' } : to.startsWith('defer@') ? { to, status: 'deferred', response: '451 4.3.0 later', code: 451, failure: 'rejected' } : { to, status: 'sent', response: '250 ok', code: 250 },
    );
  },
  async close() {},
});

describe('waitForAttempt', () => {
  // The mail log entry of an attempt is written in the batch that takes the message out of the queue;
  // a bounce's error event is written after it; the outcome is told after both. Journal listeners run
  // after each write, so asking from one asks inside those windows.
  it.each([
    ['sent@example.com', 'its mail log entry is written', 'log'],
    ['bounce@example.com', 'its mail log entry is written', 'log'],
    ['defer@example.com', 'its mail log entry is written (the message back in the queue for a later attempt)', 'log'],
    ['bounce@example.com', 'its bounce event is written (the message gone from queue and worker, the outcome not yet told)', 'event'],
  ] as const)('asked for %s when %s, answers with that attempt', async (to, _when, hook) => {
    t = await openStore({ worker: true, delivererFactory: () => deliverer() });
    const e = t.engine;
    await e.updateSettings({ 'from-address': 'ops@example.com' }, cli);
    let asked: Promise<AttemptOutcome> | undefined;
    let id = '';
    const stop = e.onJournal((log, events) => {
      const now = hook === 'log' ? log.some((l) => l.id === id && l.status !== 'received') : events.some((ev) => ev.code === 'delivery.bounced' && ev.data?.id === id);
      if (id && !asked && now) asked = e.waitForAttempt(id, 30_000);
    });
    id = (await e.submit({ to: [to], subject: 's', text: 't' }, cli)).id;
    const first = await e.waitForAttempt(id, 30_000);
    stop();
    expect(asked).toBeDefined();
    expect(await asked).toEqual(first);
    expect(first.status).toBe(to.split('@')[0] === 'bounce' ? 'bounced' : to.split('@')[0] === 'defer' ? 'deferred' : 'sent');
  });

  it('for a message that is not in the queue and has no recent attempt, says so at once', async () => {
    t = await openStore({ worker: true, delivererFactory: () => deliverer() });
    await expect(t.engine.waitForAttempt('0mx000000000000000', 30_000)).rejects.toThrow(/not found/i);
  });
});
