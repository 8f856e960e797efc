/**
 * Reports through the real engine: messages submitted, delivered by the real
 * relay deliverer to an in-process SMTP peer, deferred and bounced by it, held
 * and deleted by an operator, on the 25-hour DST day of Europe/Berlin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { FakeClock, until } from '../../doubles/clock.js';
import { startPeer, type Peer } from '../delivery/smtp-peer.js';

const op = { platform: 'cli' as const, id: 'oncall' };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('reports through the engine', () => {
  it('counts a DST day of real deliveries, deferrals, bounces, holds and deletes, warm and after a restart', async () => {
    let greyTries = 0;
    const peer: Peer = await startPeer({
      rcptReply: (to) => {
        if (to === 'soft@grey.test' && greyTries++ === 0) return '450 4.2.0 <soft@grey.test>: Recipient address rejected: Greylisted, see http://x.test/1';
        if (to === 'hard@nope.test') return '550 5.1.1 <hard@nope.test>: Recipient address rejected: User unknown';
        return undefined;
      },
    });
    cleanup.push(() => peer.close());
    const storeDir = await mkdtemp(join(tmpdir(), 'reports-engine-'));
    cleanup.push(() => rm(storeDir, { recursive: true, force: true }));
    // 02:30 CEST on 2026-10-25, the first of the two 02:xx hours.
    const clock = new FakeClock(Date.parse('2026-10-25T00:30:00Z'));
    let e: Engine = await createEngine({ storeDir, clock });
    cleanup.push(() => e.close());
    await e.updateSettings(
      { 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off', hostname: 'ops.example.com', 'from-address': 'alerts@example.com', timezone: 'Europe/Berlin', enabled: 'off' },
      op,
    );

    // Operators, while SMTP is off so the messages stay queued: one held, one deleted alone, two deleted together.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await e.submit({ from: 'cron@example.com', to: [`later${i}@sink.test`], subject: `m${i}`, text: 'later' }, op)).id);
    await e.queueHold(ids[0], op);
    await e.queueDelete(ids[1], op);
    await e.queueDeleteAll(op);
    await e.recordEvent('error', 'relay.unreachable', 'relay 127.0.0.1:1 unreachable: connection refused', 'system');
    await e.updateSettings({ enabled: 'on' }, op);

    const first = await e.submit({ to: ['ok1@sink.test', 'ok2@sink.test', 'soft@grey.test', 'hard@nope.test'], subject: 'disk full', text: 'host db1: 95%' }, op);
    const firstTry = await e.waitForAttempt(first.id, 10_000);
    expect(firstTry.results.map((r) => r.status).sort()).toEqual(['bounced', 'deferred', 'sent', 'sent']);
    const firstSize = (await e.logList({ status: 'received' })).items[0].size;

    // An hour later the clock shows 02:30 again (CET); the greylisted recipient is retried and delivered.
    clock.advance(3_600_000);
    await e.queueFlush(op);
    await until(async () => (await e.logList({ status: 'sent' })).items.length === 3, 10_000, 'the retry');

    const check = async (engine: Engine) => {
      const r = await engine.report({ day: 'today' });
      expect(r.day).toBe('2026-10-25');
      expect(r.timezone).toBe('Europe/Berlin');
      expect(r.hours).toBe(25);
      expect(r.totals).toMatchObject({
        received: 5,
        addressed: 8,
        delivered: 3,
        deferred: 1,
        deferrals: 1,
        bounced: 1,
        held: 1,
        deleted: 4,
        bytesDelivered: 3 * firstSize,
        senders: 2,
        recipientDomains: 3,
      });
      const byLabel = Object.fromEntries(r.hourly.map((h) => [h.label, h]));
      expect(byLabel['02']).toMatchObject({ received: 5, delivered: 2, deferred: 1, bounced: 1 });
      expect(byLabel["02'"]).toMatchObject({ received: 0, delivered: 1, deferred: 0, bounced: 0 });
      expect(r.deferralReasons[0]).toMatchObject({ count: 1, reason: expect.stringContaining('Greylisted') });
      expect(r.bounceReasons[0]).toMatchObject({ count: 1, reason: expect.stringContaining('5.1.1 <address>: Recipient address rejected: User unknown') });
      expect(r.domains.find((d) => d.domain === 'grey.test')).toMatchObject({ delivered: 1, deferrals: 1, avgDelayMs: 3_600_000, maxDelayMs: 3_600_000 });
      expect(r.senders.byCount[0]).toMatchObject({ address: 'cron@example.com', messages: 4 });
      expect(r.events.list.map((x) => x.code)).toContain('relay.unreachable');
      expect(r.events.list.map((x) => x.code)).toContain('queue.deleted');
      return r;
    };
    const warm = await check(e);
    await e.close();
    cleanup.pop();
    e = await createEngine({ storeDir, clock, worker: false });
    cleanup.push(() => e.close());
    const cold = await check(e);
    expect(cold.totals).toEqual(warm.totals);
    expect(cold.hourly).toEqual(warm.hourly);
  });
});
