/**
 * The alert buttons act on the alert's own group: a group about a recipient domain lists and
 * flushes that domain's mail only (postqueue -s), a group about the relay or the system the whole
 * queue. The lines, then a press through the runner on a real engine in direct mode (dnsmasq
 * sends direct.test to 127.0.0.21 and aonly.dlv.test to 127.0.0.13, where nothing listens, so
 * both domains defer and each gets its own group).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS, groupDomain } from '../../src/commands/alert-actions.js';
import { parseLine } from '../../src/commands/parse.js';
import type { ConfirmReply, MessageReply, Reply, RunContext, TableReply } from '../../src/commands/reply.js';
import { createRunner } from '../../src/commands/run.js';
import type { AlertGroup, Engine } from '../../src/engine/index.js';
import { until } from '../doubles/clock.js';
import { actor, harness, type Harness } from '../engine/integration/harness.js';
import { freePort, peersOrSkip } from '../peers/peers.js';
import { slack } from './setup.js';

const base: Omit<AlertGroup, 'code' | 'scope'> = { id: '0abcdefgh12', level: 'warning', state: 'firing', version: 1, firstAt: 0, lastAt: 0, resolvedAt: null, resolution: null, occurrences: 1, messages: 1, recipients: 1, reasons: [], examples: [], lastMessage: '', alertMail: 0, recoveredAt: null, notified: { version: 0, at: null, postedAt: null, count: 0 } };
const lines = (g: AlertGroup) => Object.fromEntries(ALERT_ACTIONS.map((a) => [a.id, a.line(g)]));

describe('the line behind each button', () => {
  it('a group about a domain: that domain deferred, flushed, muted', () => {
    const g: AlertGroup = { ...base, code: 'delivery.deferred', scope: { kind: 'domain', value: 'example.com' } };
    expect(groupDomain(g)).toBe('example.com');
    expect(lines(g)).toEqual({
      deferred: 'queue list --state deferred --domain example.com',
      flush: 'queue flush --domain example.com',
      mute1h: 'alerts mute example.com 1h',
      mute4h: 'alerts mute example.com 4h',
      log: 'log --status deferred',
    });
  });

  it('a group about the relay, the queue or the system: the whole queue', () => {
    for (const g of [
      { ...base, code: 'relay.unreachable', scope: { kind: 'relay', value: '[::1]:2525' } },
      { ...base, code: 'queue.backlog', scope: { kind: 'queue', value: '' } },
      { ...base, code: 'smtp.disabled', scope: { kind: 'system', value: '' } },
    ] as AlertGroup[]) {
      expect(groupDomain(g), g.code).toBeNull();
      expect(lines(g)).toMatchObject({ deferred: 'queue list --state deferred', flush: 'queue flush' });
    }
  });

  it('the grammar reads the domain back exactly, whatever it is made of (an IDN, a quote)', () => {
    for (const d of ['bücher.example', "o'neil.example", 'x.test']) {
      const g: AlertGroup = { ...base, code: 'auth.failed', scope: { kind: 'domain', value: d } };
      for (const id of ['deferred', 'flush'] as const) {
        const r = parseLine(lines(g)[id], { terminal: false });
        expect(r.ok && r.command.options.domain, `${id} ${d}`).toBe(d);
      }
    }
  });
});

const peers = await peersOrSkip('alert button tests (direct mode)');

describe.skipIf(!peers.ok)('a press on a domain alert, through the runner', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  const chat: RunContext = { actor: slack('UADMIN'), surface: 'chat', channel: { platform: 'slack', channel: 'C1' } };
  function kind<K extends Reply['kind']>(r: Reply, k: K): Extract<Reply, { kind: K }> {
    expect(r.kind, JSON.stringify(r)).toBe(k);
    return r as Extract<Reply, { kind: K }>;
  }

  it('lists and flushes the mail of that domain only, after a confirmation naming it and its count', async () => {
    h = harness();
    // One port for every MX, where nothing listens on 127.0.0.21 nor 127.0.0.13: connection refused, deferred.
    const engine: Engine = await h.open({ directPort: await freePort('127.0.0.21') });
    await engine.updateSettings({ hostname: 'buttons.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'relay-host': '', 'relay-port': '', 'use-tls': 'off' }, actor);
    for (const to of ['a@direct.test', 'b@direct.test', 'c@aonly.dlv.test']) await engine.submit({ to: [to], subject: to, text: 'x' }, actor);
    await until(async () => (await engine.queueCounts()).deferred === 3, 30_000, 'three deferrals');
    await until(async () => (await engine.alertGroups()).filter((g) => g.code === 'delivery.deferred').length === 2, 10_000, 'a group per domain');
    const group = (await engine.alertGroups()).find((g) => g.scope.value === 'direct.test')!;
    expect(group).toMatchObject({ code: 'delivery.deferred', scope: { kind: 'domain', value: 'direct.test' }, messages: 2 });
    const runner = createRunner(engine, { admins: ['slack:UADMIN'] });

    const list = kind(await runner.action(`alert:deferred:${group.id}`, chat), 'table') as TableReply;
    expect(list.rows.map((r) => r.to).sort()).toEqual(['a@direct.test', 'b@direct.test']);
    expect(list.title).toContain('direct.test');

    const ask = kind(await runner.action(`alert:flush:${group.id}`, chat), 'confirm') as ConfirmReply;
    expect(ask.title).toBe('Flush these messages?');
    expect(ask.text).toMatch(/retry 2 messages .*direct\.test/);
    expect(ask.yes.label).toBe('Flush 2');
    expect(ask.audience).toBe('requester');
    const before = Date.now();
    const done = kind(await runner.action(ask.yes.id, chat), 'message') as MessageReply;
    expect(done.data).toMatchObject({ count: 2 });
    // The other domain's message keeps its retry time; the event names the filter.
    const other = (await engine.queueList({ domain: 'aonly.dlv.test' })).items[0];
    expect(other.nextAttempt === null || other.nextAttempt > before).toBe(true);
    const flushed = (await engine.eventList({})).items.find((e) => e.code === 'queue.flushed')!;
    expect(flushed.data).toMatchObject({ count: 2, filter: { domain: 'direct.test' } });
  }, 60_000);
});
