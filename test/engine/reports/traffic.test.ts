/**
 * The report against real traffic: swaks clients from three loopback
 * addresses submit through the intake listener, the worker relays to the
 * Postfix peer, which accepts mail for sink.test, defers defer.test (450) and
 * refuses bounce.test (550) itself; the listener refuses a sender outside
 * intake-allow-senders and a message over intake-max-size. Every section's
 * counts are checked against the engine's mail log and events, and the
 * relay's side against Postfix's own /var/log/mail.log.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, EventEntry, LogEntry, Report } from '../../../src/engine/index.js';
import { dayOf } from '../../../src/engine/reports/index.js';
import { PEERS, peersOrSkip } from '../../peers/peers.js';
import { actor, harness, marker, relaySettings, type Harness } from '../integration/harness.js';
import { missingTools, swaks } from '../intake/clients.js';

const missing = missingTools('swaks');
const peers = await peersOrSkip('report of real traffic');
const POSTFIX_LOG = '/var/log/mail.log';

async function all<T>(list: (q: { limit: number; cursor?: string }) => Promise<{ items: T[]; next: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await list({ limit: 200, cursor });
    out.push(...page.items);
    if (!page.next) return out;
    cursor = page.next;
  }
}

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Postfix's log lines that mention the run's marker. */
async function postfixLines(m: string): Promise<string[]> {
  return (await readFile(POSTFIX_LOG, 'utf8')).split('\n').filter((l) => l.includes(m));
}

describe.skipIf(missing.length > 0 || !peers.ok)(`report of real traffic${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`, () => {
  let h: Harness;
  let e: Engine;
  let port: number;
  const m = marker('rpt');
  const sessions = new Map<string, number>();
  const helo = { '127.0.0.1': 'app-a.ok.test', '127.0.0.2': 'app-b.ok.test', '127.0.0.3': 'cron.ok.test' } as const;
  let report: Report;
  let log: LogEntry[];
  let events: EventEntry[];
  const replies: Record<string, string> = {};

  async function send(name: string, client: keyof typeof helo, from: string, to: string[], extra: string[] = []): Promise<void> {
    sessions.set(client, (sessions.get(client) ?? 0) + 1);
    const r = await swaks(port, ['--local-interface', client, '--helo', helo[client], '--from', from, '--to', to.join(','), '--header', `Subject: ${m} ${name}`, ...extra]).catch((err: Error) => ({ code: -1, out: err.message }));
    replies[name] = r.out;
  }

  beforeAll(async () => {
    h = harness();
    e = await h.open();
    await e.updateSettings(
      { ...relaySettings(PEERS.relayPlainPort), 'use-tls': 'off', timezone: 'UTC', 'retry-first': '3600', 'intake-max-size': '20000', 'intake-allow-senders': '@ok.test' },
      actor,
    );
    port = (await e.startIntake({ listen: '127.0.0.1:0' })).port;
    const started = Date.now();
    await send('two', '127.0.0.1', `alerts@ok.test`, [`a-${m}@sink.test`, `b-${m}@sink.test`]);
    await send('deferred', '127.0.0.1', `alerts@ok.test`, [`c-${m}@defer.test`]);
    await send('bounced', '127.0.0.2', `backup@ok.test`, [`d-${m}@bounce.test`, `e-${m}@sink.test`]);
    await send('policy', '127.0.0.2', `intruder@evil.test`, [`f-${m}@sink.test`]);
    await send('oversize', '127.0.0.2', `backup@ok.test`, [`g-${m}@sink.test`], ['--body', 'x'.repeat(30_000)]);
    await send('cron', '127.0.0.3', `cron@ok.test`, [`h-${m}@sink.test`]);
    // The worker's outcomes: 4 delivered, 1 deferred, 1 bounced (the relay's own replies).
    await until(async () => (await e.logList({ status: 'sent' })).items.length === 4 && (await e.logList({ status: 'deferred' })).items.length === 1 && (await e.logList({ status: 'bounced' })).items.length === 1, 'the deliveries');
    // The relay's side, as Postfix logged it (its delivery to the sink follows its 250 to us).
    await until(async () => (await postfixLines(m)).filter((l) => /status=sent/.test(l) && l.includes('relay=127.0.0.1[127.0.0.1]:10026')).length === 4, 'Postfix to deliver to the sink');
    // Closed intake connections reach the store with the next batch, at the latest 2 s later.
    await new Promise((r) => setTimeout(r, 2500));
    const [from, to] = [dayOf(started, 'UTC'), dayOf(Date.now(), 'UTC')];
    report = await e.report({ day: from === to ? from : `${from}..${to}`, full: true });
    log = await all((q) => e.logList(q));
    events = await all((q) => e.eventList(q));
  }, 120_000);

  afterAll(async () => {
    await h?.dispose();
  });

  it('the clients got what the listener and the relay decided', () => {
    expect(replies.two).toMatch(/<-\s+250 2\.0\.0 Ok: queued as/);
    expect(replies.policy).toMatch(/550 5\.7\.1 Sender address rejected/);
    expect(replies.oversize).toMatch(/552 .*exceeds fixed maximum message size/);
  });

  it('totals, per day and per hour equal the mail log', () => {
    const count = (s: LogEntry['status']) => log.filter((x) => x.status === s).reduce((n, x) => n + x.to.length, 0);
    const received = log.filter((x) => x.status === 'received');
    expect(report.totals).toMatchObject({
      received: received.length,
      addressed: count('received'),
      delivered: count('sent'),
      deferrals: count('deferred'),
      deferred: new Set(log.filter((x) => x.status === 'deferred').map((x) => x.id)).size,
      bounced: count('bounced'),
      bytesReceived: received.reduce((n, x) => n + x.size, 0),
      senders: new Set(received.map((x) => x.from)).size,
      clients: 3,
    });
    expect(report.totals).toMatchObject({ received: 4, delivered: 4, deferrals: 1, bounced: 1 });
    const sum = (k: 'received' | 'delivered' | 'deferrals' | 'bounced' | 'rejected') => report.perDay.reduce((n, d) => n + d[k], 0);
    expect([sum('received'), sum('delivered'), sum('deferrals'), sum('bounced'), sum('rejected')]).toEqual([report.totals.received, report.totals.delivered, report.totals.deferrals, report.totals.bounced, report.totals.rejected]);
    if (report.days === 1) {
      const hours = (k: 'received' | 'delivered' | 'deferred' | 'bounced' | 'rejected') => report.hourly.reduce((n, x) => n + x[k], 0);
      expect([hours('received'), hours('delivered'), hours('deferred'), hours('bounced'), hours('rejected')]).toEqual([4, 4, 1, 1, report.totals.rejected]);
    }
  });

  it("the relay side equals Postfix's own log: its 450 and 550 replies, its deliveries", async () => {
    const lines = await postfixLines(m);
    const rejects = (code: string) => lines.filter((l) => /NOQUEUE: reject: RCPT/.test(l) && l.includes(`: ${code} `)).length;
    expect(report.totals.deferrals).toBe(rejects('450'));
    expect(report.totals.bounced).toBe(rejects('550'));
    expect(report.totals.delivered).toBe(lines.filter((l) => /status=sent/.test(l) && l.includes('relay=127.0.0.1[127.0.0.1]:10026')).length);
    expect(report.deferralHosts).toEqual([{ host: '127.0.0.1:10025', count: 1, reasons: [expect.objectContaining({ count: 1 })] }]);
    expect(report.deferralHosts[0].reasons[0].reason).toMatch(/^450 4\.2\.0 .*Greylisted by the smtp-ops test relay/);
    expect(report.bounceHosts.map((x) => [x.host, x.count])).toEqual([['127.0.0.1:10025', 1]]);
    expect(report.bounceReasons[0].reason).toMatch(/^550 5\.1\.1 <address>: Recipient address rejected: User unknown at the smtp-ops test relay/);
  });

  it('sender domains and clients equal the mail log; connections and HELO names equal the sessions opened', () => {
    const received = log.filter((x) => x.status === 'received');
    const byDomain = new Map<string, number>();
    for (const x of received) byDomain.set(x.from.split('@')[1], (byDomain.get(x.from.split('@')[1]) ?? 0) + 1);
    expect(report.senderDomains.map((d) => [d.domain, d.messages])).toEqual([...byDomain]);
    for (const c of ['127.0.0.1', '127.0.0.2', '127.0.0.3'] as const) {
      const stat = report.clients.find((x) => x.client === c);
      expect(stat, c).toBeDefined();
      expect(stat!.messages).toBe(received.filter((x) => x.client === c).length);
      expect(stat!.bytes).toBe(received.filter((x) => x.client === c).reduce((n, x) => n + x.size, 0));
      expect(stat!.connections).toBe(sessions.get(c));
      expect(stat!.helo).toEqual([helo[c]]);
    }
    expect(report.connections.total).toBe([...sessions.values()].reduce((a, b) => a + b, 0));
    expect(report.totals.connections).toBe(report.connections.total);
    expect(report.connections.clients).toBe(3);
  });

  it('rejects by reason and per client equal the intake.rejected events', () => {
    const refusals = events.filter((x) => x.code === 'intake.rejected');
    const n = (reason: string) => refusals.filter((x) => x.data?.reason === reason).reduce((s, x) => s + Number(x.data?.count ?? 1), 0);
    expect(report.rejects.total).toBe(refusals.reduce((s, x) => s + Number(x.data?.count ?? 1), 0));
    expect(n('sender')).toBe(1);
    const sender = report.rejects.byReason.find((x) => x.reason === 'sender');
    expect(sender?.count).toBe(1);
    expect(sender?.code).toBe(String(refusals.find((x) => x.data?.reason === 'sender')?.data?.code ?? ''));
    // The oversized message: the listener's 552 is an intake.rejected event with reason size, counted as a reject.
    expect(n('size')).toBe(1);
    const size = report.rejects.byReason.find((x) => x.reason === 'size');
    expect(size).toMatchObject({ count: 1, code: '552', status: '5.3.4' });
    expect(report.rejects.total).toBe(2);
    expect(report.clients.find((x) => x.client === '127.0.0.2')?.rejected).toBe(2);
    expect(report.clients.find((x) => x.client === '127.0.0.2')?.rejected).toBe(refusals.filter((x) => x.data?.client === '127.0.0.2').reduce((s, x) => s + Number(x.data?.count ?? 1), 0));
  });

  it('the queue snapshot shows the deferred message by domain and age', async () => {
    const q = await e.queueSummary();
    expect(q.total).toMatchObject({ messages: 1, recipients: 1 });
    expect(q.domains.map((d) => [d.domain, d.recipients, d.byAge[0]])).toEqual([['defer.test', 1, 1]]);
    expect(q.states.deferred).toBe(1);
    expect(q.truncated).toBe(false);
  });
});
