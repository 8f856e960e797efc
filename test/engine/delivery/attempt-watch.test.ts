/** The watch behind `queue flush --wait`: every first attempt counted once, nothing guessed. */
import { describe, expect, it } from 'vitest';
import { AttemptWatch, tallyOf, type WatchProbe } from '../../../src/engine/delivery/attempt-watch.js';
import { AttemptOutcomes } from '../../../src/engine/delivery/outcomes.js';
import type { AttemptOutcome } from '../../../src/engine/types.js';

const sent = (id: string): AttemptOutcome => ({ id, status: 'sent', queued: false, results: [{ to: `${id}@x.test`, status: 'sent', response: '250 ok' }] });
const deferred = (id: string): AttemptOutcome => ({ id, status: 'deferred', queued: true, results: [{ to: `${id}@x.test`, status: 'deferred', response: '451 later' }] });

function probe(over: Partial<WatchProbe> = {}): WatchProbe {
  return { busy: async () => true, unattemptable: async () => [], ...over };
}

describe('AttemptWatch', () => {
  it('counts outcomes heard from its making on, once per message, and ignores other messages', async () => {
    const outcomes = new AttemptOutcomes();
    const watch = new AttemptWatch(outcomes);
    outcomes.settle(sent('a'));
    const waiting = watch.until(new Set(['a', 'b']), probe());
    outcomes.settle(sent('zz'));
    outcomes.settle(deferred('b'));
    outcomes.settle(sent('b'));
    const t = await waiting;
    expect(t).toMatchObject({ messages: 2, delivered: 1, deferred: 1, bounced: 0, notAttempted: 0, interrupted: false });
  });

  it('a message found gone or held on two looks in a row will not be attempted; found once, it may be an attempt just ending', async () => {
    const outcomes = new AttemptOutcomes();
    const watch = new AttemptWatch(outcomes);
    let looks = 0;
    const t0 = Date.now();
    const waiting = watch.until(new Set(['gone', 'late']), probe({
      unattemptable: async (ids) => {
        looks++;
        // 'late' is gone from the queue once, then its outcome arrives.
        if (looks === 1) setTimeout(() => outcomes.settle(sent('late')), 100);
        return ids;
      },
    }));
    const t = await waiting;
    expect(t).toMatchObject({ delivered: 1, notAttempted: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('when nothing is in flight or due any more, what is left is not attempted', async () => {
    const outcomes = new AttemptOutcomes();
    const watch = new AttemptWatch(outcomes);
    const t = await watch.until(new Set(['x', 'y']), probe({ busy: async () => false }));
    expect(t).toMatchObject({ messages: 2, notAttempted: 2, interrupted: false });
  });

  it('the signal ends the wait at once and says so', async () => {
    const outcomes = new AttemptOutcomes();
    const watch = new AttemptWatch(outcomes);
    const ac = new AbortController();
    const waiting = watch.until(new Set(['x']), probe(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect(await waiting).toMatchObject({ notAttempted: 1, interrupted: true });
  });

  it('tallies recipients: a message can be delivered to two and bounce one', () => {
    const mixed: AttemptOutcome = { id: 'm', status: 'sent', queued: false, results: [{ to: 'a', status: 'sent', response: '' }, { to: 'b', status: 'sent', response: '' }, { to: 'c', status: 'bounced', response: '550' }] };
    expect(tallyOf([mixed, undefined])).toMatchObject({ messages: 2, delivered: 0, bounced: 1, notAttempted: 1, recipients: { sent: 2, deferred: 0, bounced: 1 } });
  });
});
