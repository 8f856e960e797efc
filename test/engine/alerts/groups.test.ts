/** Alertmanager's timing as pure decisions: group_wait, group_interval, repeat_interval, resolution. */
import { describe, expect, it } from 'vitest';
import { addSignal, decide, markNotified, markResolved, newGroup, type AlertSignal, type Timing } from '../../../src/engine/alerts/groups.js';

const T: Timing = { wait: 30_000, interval: 300_000, repeat: 4 * 3_600_000, retryMax: 4_000_000 };
const sig = (time: number, id?: string, over: Partial<AlertSignal> = {}): AlertSignal => ({
  level: 'warning',
  code: 'relay.deferred',
  message: 'relay deferred',
  time,
  scope: { kind: 'relay', value: 'r:25' },
  count: 1,
  ...(id ? { messageId: id, recipients: 2 } : {}),
  reasons: [{ smtpCode: 451, enhanced: '4.3.0', stage: 'rcpt', text: `451 4.3.0 <${id}@x.test>: try later`, count: 2 }],
  ...over,
});

function firing(t0 = 0) {
  const g = newGroup('g1', sig(t0, 'm1'));
  addSignal(g, sig(t0, 'm1'), true);
  return g;
}

describe('groups', () => {
  it('counts messages once however often they fail, recipients with them, and merges reasons that differ only in addresses', () => {
    const g = firing();
    addSignal(g, sig(1000, 'm1'), false);
    addSignal(g, sig(2000, 'm2'), true);
    expect(g).toMatchObject({ occurrences: 3, messages: 2, recipients: 4, examples: ['m1', 'm2'], lastAt: 2000 });
    expect(g.reasons).toEqual([{ smtpCode: 451, enhanced: '4.3.0', stage: 'rcpt', text: '451 4.3.0 <address>: try later', count: 6 }]);
  });

  it('waits group_wait before the first notification', () => {
    const g = firing(0);
    expect(decide(g, 10_000, 'recovery', T, false)).toEqual({ action: 'none', at: 30_000 });
    expect(decide(g, 30_000, 'recovery', T, false)).toEqual({ action: 'notify', kind: 'firing' });
  });

  it('sends changes at most every group_interval, and nothing when nothing changed', () => {
    const g = firing(0);
    markNotified(g, 'firing', 30_000);
    expect(decide(g, 100_000, 'recovery', T, false).action).toBe('none');
    addSignal(g, sig(100_000, 'm2'), true);
    expect(decide(g, 100_000, 'recovery', T, false)).toEqual({ action: 'none', at: 330_000 });
    expect(decide(g, 330_000, 'recovery', T, false)).toEqual({ action: 'notify', kind: 'update' });
  });

  it('repeats as a new post every repeat_interval while firing (edits do not postpone it)', () => {
    const g = firing(0);
    markNotified(g, 'firing', 30_000);
    addSignal(g, sig(40_000, 'm2'), true);
    markNotified(g, 'update', 330_000);
    addSignal(g, sig(3_000_000, 'm3'), true);
    markNotified(g, 'update', 3_000_000);
    const at = 30_000 + T.repeat;
    addSignal(g, sig(at - 100_000, 'm4'), true);
    expect(decide(g, at - 1, 'recovery', T, false)).toMatchObject({ action: 'notify', kind: 'update' });
    markNotified(g, 'update', at - 1);
    expect(decide(g, at + T.interval, 'recovery', T, false)).toEqual({ action: 'notify', kind: 'repeat' });
  });

  it('a recovery resolves at the next notification time; never told means dropped', () => {
    const g = firing(0);
    g.recoveredAt = 5_000;
    expect(decide(g, 6_000, 'recovery', T, false)).toEqual({ action: 'drop', resolution: 'recovered' });
    const h = firing(0);
    markNotified(h, 'firing', 30_000);
    h.recoveredAt = 60_000;
    expect(decide(h, 60_000, 'recovery', T, false)).toEqual({ action: 'none', at: 330_000 });
    expect(decide(h, 330_000, 'recovery', T, false)).toEqual({ action: 'resolve', resolution: 'recovered' });
    // A failure after the recovery cancels it.
    addSignal(h, sig(100_000, 'm9'), true);
    expect(h.recoveredAt).toBeNull();
  });

  it('quiet kinds resolve when nothing new came for group_interval; recovery kinds after retry-max + interval', () => {
    const b = newGroup('b', sig(0, 'm1', { code: 'delivery.bounced' }));
    addSignal(b, sig(0, 'm1', { code: 'delivery.bounced' }), true);
    markNotified(b, 'firing', 30_000);
    expect(decide(b, 299_000, 'quiet', T, false).action).toBe('none');
    expect(decide(b, 330_000, 'quiet', T, false)).toEqual({ action: 'resolve', resolution: 'quiet' });
    const r = firing(0);
    markNotified(r, 'firing', 30_000);
    expect(decide(r, 400_000, 'recovery', T, false).action).toBe('none');
    expect(decide(r, T.retryMax + T.interval, 'recovery', T, false)).toEqual({ action: 'resolve', resolution: 'quiet' });
  });

  it('a silence holds back firing, updates and repeats, not the resolution', () => {
    const g = firing(0);
    expect(decide(g, 30_000, 'recovery', T, true).action).toBe('none');
    markNotified(g, 'firing', 30_000);
    addSignal(g, sig(40_000, 'm2'), true);
    expect(decide(g, 400_000, 'recovery', T, true).action).toBe('none');
    g.recoveredAt = 500_000;
    expect(decide(g, 500_000, 'recovery', T, true)).toEqual({ action: 'resolve', resolution: 'recovered' });
    markResolved(g, 'recovered', 500_000);
    expect(g).toMatchObject({ state: 'resolved', resolvedAt: 500_000, resolution: 'recovered' });
    expect(decide(g, 600_000, 'recovery', T, false)).toEqual({ action: 'none', at: null });
  });
});
