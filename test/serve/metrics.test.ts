/** The metrics registry on a real engine: counters from the journal, bounded domain labels, a text-format round trip. */
import { afterEach, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Deliverer, DeliveryRequest, RecipientResult } from '../../src/engine/index.js';
import { createMetrics, OTHER_DOMAIN } from '../../src/serve/metrics.js';
import { cli, openStore, type TestStore } from '../commands/setup.js';

let t: TestStore | undefined;
afterEach(async () => t?.close());

/** A deliverer standing in for the network: bounce@ bounces, defer@ defers, the rest are sent. */
const deliverer = (): Deliverer => ({
  async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
    return req.to.map((to) =>
      to.startsWith('bounce@') ? { to, status: 'bounced', response: '550 5.1.1 no such user', code: 550, failure: 'rejected' } : to.startsWith('defer@') ? { to, status: 'deferred', response: '451 4.3.0 later', code: 451, failure: 'rejected' } : { to, status: 'sent', response: '250 ok', code: 250 },
    );
  },
  async close() {},
});

function values(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const fam = parsePrometheusTextFormat(text).find((f) => f.name === name);
  return (fam?.metrics ?? []).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

describe('metrics', () => {
  it('counts outcomes per recipient with at most N domain labels ("other" for the rest), received by source, and reads gauges from the engine', async () => {
    t = await openStore({ worker: true, delivererFactory: () => deliverer() });
    const e = t.engine;
    await e.updateSettings({ 'from-address': 'ops@example.com' }, cli);
    const m = await createMetrics(e, { topDomains: 2 });
    // One at a time: labels go to domains in the order their first outcome lands.
    for (const to of ['a@one.test', 'b@two.test', 'c@three.test', 'd@four.test', 'bounce@one.test', 'defer@five.test']) {
      await e.waitForAttempt((await e.submit({ to: [to], subject: 's', text: 't' }, cli)).id, 10_000);
    }
    const { body, contentType } = await m.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const d = values(body, 'smtp_ops_deliveries_total').filter((x) => x.value > 0);
    expect(d.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)))).toEqual([
      { labels: { outcome: 'bounced', domain: 'one.test' }, value: 1 },
      { labels: { outcome: 'deferred', domain: OTHER_DOMAIN }, value: 1 },
      { labels: { outcome: 'sent', domain: 'one.test' }, value: 1 },
      { labels: { outcome: 'sent', domain: OTHER_DOMAIN }, value: 2 },
      { labels: { outcome: 'sent', domain: 'two.test' }, value: 1 },
    ]);
    expect(values(body, 'smtp_ops_messages_received_total')).toContainEqual({ labels: { source: 'api' }, value: 6 });
    const counts = await e.queueCounts();
    expect(values(body, 'smtp_ops_queue_messages')).toContainEqual({ labels: { state: 'deferred' }, value: counts.deferred });
    expect(counts.deferred).toBe(1);
    expect(values(body, 'smtp_ops_queue_oldest_message_age_seconds')[0].value).toBeGreaterThanOrEqual(0);
    const last = (await e.logList({ status: 'sent', limit: 1 })).items[0];
    expect(values(body, 'smtp_ops_last_delivery_timestamp_seconds')[0].value).toBe(last.time / 1000);
    expect(values(body, 'smtp_ops_alert_outbox_messages')[0].value).toBe(0);
    expect(values(body, 'process_cpu_user_seconds_total')[0].value).toBeGreaterThan(0);
    m.close();
  });

  it('a new registry starts from the mail log: last delivery time and the busiest domains of the reports keep their labels', async () => {
    t = await openStore({ worker: true, delivererFactory: () => deliverer() });
    const e = t.engine;
    await e.updateSettings({ 'from-address': 'ops@example.com' }, cli);
    for (const to of ['x@busy.test', 'y@busy.test', 'z@quiet.test']) await e.waitForAttempt((await e.submit({ to: [to], subject: 's', text: 't' }, cli)).id, 10_000);
    const m = await createMetrics(e, { topDomains: 1 });
    const before = values((await m.render()).body, 'smtp_ops_last_delivery_timestamp_seconds')[0].value;
    expect(before).toBeGreaterThan(0);
    await e.waitForAttempt((await e.submit({ to: ['n@new.test'], subject: 's', text: 't' }, cli)).id, 10_000);
    await e.waitForAttempt((await e.submit({ to: ['w@busy.test'], subject: 's', text: 't' }, cli)).id, 10_000);
    const d = values((await m.render()).body, 'smtp_ops_deliveries_total').filter((x) => x.labels.outcome === 'sent' && x.value > 0);
    // busy.test had the most deliveries today: it keeps the one label; new.test counts as other.
    expect(d).toEqual([
      { labels: { outcome: 'sent', domain: OTHER_DOMAIN }, value: 1 },
      { labels: { outcome: 'sent', domain: 'busy.test' }, value: 1 },
    ]);
    m.close();
  });

  it('intake refusals count by reason, summary events by their count', async () => {
    t = await openStore();
    const m = await createMetrics(t.engine);
    await t.engine.recordEvent('warning', 'intake.rejected', 'refused sender', 'system', { client: '127.0.0.1', sender: 'x@y', reason: 'sender', count: 1 });
    await t.engine.recordEvent('warning', 'intake.rejected', 'refused 4 more', 'system', { client: '10.0.0.1', sender: null, reason: 'client', count: 4 });
    await t.engine.recordEvent('warning', 'intake.auth-failed', 'failed login', 'system', { client: '127.0.0.1', username: 'u', count: 2 });
    // The listener's other refusals (address rules, parameters, size, recipient limit, too many connections) keep their reason.
    for (const reason of ['connections', 'address', 'parameter', 'size', 'recipients']) {
      await t.engine.recordEvent('warning', 'intake.rejected', `refused: ${reason}`, 'system', { client: '127.0.0.1', sender: null, reason, count: 3 });
    }
    // A reason the registry does not know counts as other: never a new label per value.
    await t.engine.recordEvent('warning', 'intake.rejected', 'refused: new kind', 'system', { client: '127.0.0.1', sender: null, reason: 'greylisted', count: 1 });
    const r = values((await m.render()).body, 'smtp_ops_intake_rejected_total');
    expect(r).toEqual([
      { labels: { reason: 'client' }, value: 4 },
      { labels: { reason: 'connections' }, value: 3 },
      { labels: { reason: 'sender' }, value: 1 },
      { labels: { reason: 'address' }, value: 3 },
      { labels: { reason: 'parameter' }, value: 3 },
      { labels: { reason: 'size' }, value: 3 },
      { labels: { reason: 'recipients' }, value: 3 },
      { labels: { reason: 'auth' }, value: 2 },
      { labels: { reason: 'other' }, value: 1 },
    ]);
    m.close();
  });
});
