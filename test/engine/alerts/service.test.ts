/**
 * Alert groups and the outbox on the real engine: the real worker relays to an smtp-server peer
 * on loopback, time is the fake clock, and a recording sink stands where a chat platform would
 * (the adapters' tests run the same against the Slack and Discord fakes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertDeliveryError, createEngine, type AlertNotice, type AlertSink, type AlertTarget, type Engine } from '../../../src/engine/index.js';
import { FakeClock, until } from '../../doubles/clock.js';
import { startPeer, type Peer } from '../delivery/smtp-peer.js';
import { RawSmtp } from '../intake/clients.js';

const op = { platform: 'cli' as const, id: 'oncall' };
const C1: AlertTarget = { platform: 'slack', channel: 'C1' };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Recorded {
  posts: { target: string; notice: AlertNotice; ref: string }[];
  edits: { target: string; ref: string; notice: AlertNotice }[];
  /** Throw this many times before answering (an outage). */
  failures: number;
  error: () => Error;
  sink: AlertSink;
}

function recorder(): Recorded {
  const r: Recorded = {
    posts: [],
    edits: [],
    failures: 0,
    error: () => new AlertDeliveryError('Slack answered service_unavailable', { definite: true }),
    sink: {
      post: async (t, n) => {
        if (r.failures > 0) {
          r.failures--;
          throw r.error();
        }
        const ref = `m${r.posts.length + 1}`;
        r.posts.push({ target: `${t.platform}:${t.channel}`, notice: n, ref });
        return ref;
      },
      edit: async (t, ref, n) => {
        if (r.failures > 0) {
          r.failures--;
          throw r.error();
        }
        r.edits.push({ target: `${t.platform}:${t.channel}`, ref, notice: n });
      },
    },
  };
  return r;
}

async function setup(peerOpts: Parameters<typeof startPeer>[0], clock = new FakeClock()) {
  const peer: Peer = await startPeer(peerOpts);
  cleanup.push(() => peer.close());
  const dir = await mkdtemp(join(tmpdir(), 'alerts-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const open = async () => {
    const e = await createEngine({ storeDir: dir, clock, pollMs: 200 });
    cleanup.push(() => e.close());
    return e;
  };
  const e = await open();
  await e.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off', hostname: 'ops.example.test', 'from-address': 'ops@ops.example.test' }, op);
  return { e, clock, peer, dir, open };
}

async function drained(e: Engine) {
  await until(async () => (await e.queueCounts()).queued + (await e.queueCounts()).sending === 0, 30_000, 'the queue to be worked');
}

/**
 * Wait until open groups exist for these places (`relay.deferred`-style codes or scope values). The queue
 * empties before the attempt's failures reach their groups, so a test that moves the clock past
 * alert-group-wait waits for the groups first.
 */
async function grouped(e: Engine, ...places: string[]) {
  await until(async () => {
    const gs = await e.alertGroups();
    return places.every((p) => gs.some((g) => g.code === p || g.scope.value === p));
  }, 30_000, `groups for ${places.join(', ')}`);
}

/** Wait until the open group of a code has counted `n` messages. */
async function counted(e: Engine, code: string, n: number) {
  await until(async () => (await e.alertGroups()).some((g) => g.code === code && g.messages >= n), 30_000, `${n} messages counted in ${code}`);
}

/** Let timers and writes triggered by a clock step run. */
async function settle(ms = 50) {
  await new Promise((r) => setTimeout(r, ms));
}

describe('alert groups on the engine', () => {
  it('a burst of hundreds of bounces to one domain: one post after group-wait, edited with the count, resolved when quiet', async () => {
    const { e, clock } = await setup({ rcptReply: (to) => (to.endsWith('@burst.test') ? '550 5.1.1 No such user here' : undefined) });
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe(C1, 'warning', op);
    for (let i = 0; i < 300; i++) await e.submit({ to: [`u${i}@burst.test`], subject: `s${i}`, text: 'x' }, op);
    await counted(e, 'delivery.bounced', 300);
    await settle();
    expect(rec.posts).toHaveLength(0);
    clock.advance(30_000);
    await until(() => rec.posts.length === 1, 5_000, 'the first post');
    const g = rec.posts[0].notice.group!;
    expect(g).toMatchObject({ code: 'delivery.bounced', scope: { kind: 'domain', value: 'burst.test' }, messages: 300, recipients: 300, state: 'firing' });
    expect(g.reasons[0]).toMatchObject({ smtpCode: 550, enhanced: '5.1.1', stage: 'rcpt', count: 300 });
    expect(g.examples).toHaveLength(5);
    expect(rec.posts[0].notice.hint).toContain('`log --status bounced`');

    clock.advance(60_000);
    for (let i = 300; i < 350; i++) await e.submit({ to: [`u${i}@burst.test`], subject: `s${i}`, text: 'x' }, op);
    await counted(e, 'delivery.bounced', 350);
    await settle();
    expect(rec.edits).toHaveLength(0);
    clock.advance(240_000);
    await until(() => rec.edits.length === 1, 5_000, 'the edit');
    expect(rec.edits[0]).toMatchObject({ ref: 'm1', notice: { kind: 'update', group: { messages: 350, recipients: 350 } } });

    clock.advance(300_000);
    await until(() => rec.posts.length === 2 && rec.edits.length === 2, 5_000, 'the resolved notice');
    expect(rec.edits[1].notice.group).toMatchObject({ state: 'resolved', resolution: 'quiet', messages: 350 });
    expect(rec.posts[1].notice).toMatchObject({ kind: 'resolved', key: `${g.id}.r` });
    const events = (await e.eventList({ level: 'error', limit: 200 })).items.filter((x) => x.code === 'delivery.bounced');
    // Rate-limited in the log, but every bounce is counted in data.count.
    expect(events.length).toBeLessThan(10);
    expect(events.reduce((n, x) => n + Number(x.data?.count ?? 0), 0)).toBe(350);
    expect(events.every((x) => x.data?.domain === 'burst.test' && x.data?.smtpCode === 550 && x.data?.enhanced === '5.1.1')).toBe(true);
  });

  it.each([
    ['421 at the greeting', 'greeting', 421, '4.3.2', (on: () => boolean) => ({ connectReply: () => (on() ? '421 4.3.2 Service shutting down' : undefined) })],
    ['451 to RCPT TO', 'rcpt', 451, '4.3.0', (on: () => boolean) => ({ rcptReply: () => (on() ? '451 4.3.0 Temporary lookup failure' : undefined) })],
    ['451 after DATA', 'data', 451, '4.3.0', (on: () => boolean) => ({ dataReply: () => (on() ? '451 4.3.0 Queue file write error' : undefined) })],
  ] as const)('a relay answering %s for minutes: one grouped alert, edits as it grows, a resolved notice once it accepts', async (_name, stage, code, enhanced, peerOpts) => {
    let refuse = true;
    const { e, clock, peer } = await setup(peerOpts(() => refuse));
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe(C1, 'warning', op);
    for (let i = 0; i < 20; i++) await e.submit({ to: [`a${i}@far.test`], subject: `s${i}`, text: 'x' }, op);
    await counted(e, 'relay.deferred', 20);
    clock.advance(30_000);
    await until(() => rec.posts.length === 1, 5_000, 'the first post');
    expect(rec.posts[0].notice.group).toMatchObject({ code: 'relay.deferred', scope: { kind: 'relay', value: `127.0.0.1:${peer.port}` }, messages: 20, level: 'warning' });
    expect(rec.posts[0].notice.group!.reasons[0]).toMatchObject({ smtpCode: code, enhanced, stage });
    expect(rec.posts[0].notice.mailWaits).toBe(true);
    // Minutes of retries: the same group counts them, messages once each.
    clock.advance(300_000);
    await drained(e);
    await until(() => rec.edits.length === 1, 5_000, 'an edit');
    expect(rec.edits[0].notice.group).toMatchObject({ messages: 20 });
    expect(rec.edits[0].notice.group!.occurrences).toBeGreaterThan(20);
    refuse = false;
    clock.advance(600_000);
    await drained(e);
    await until(async () => (await e.queueCounts()).total === 0, 10_000, 'delivery after the relay accepts');
    clock.advance(300_000);
    await until(() => rec.posts.length === 2, 5_000, 'the resolved notice');
    expect(rec.posts[1].notice).toMatchObject({ kind: 'resolved', group: { state: 'resolved', resolution: 'recovered' } });
    expect(rec.posts.filter((p) => p.notice.kind !== 'resolved')).toHaveLength(1);
  });

  it('intake refusals from the real listener: one group per reason, with the reply code and status the client got', async () => {
    const { e, clock } = await setup({});
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe(C1, 'warning', op);
    await e.updateSettings({ 'intake-max-recipients': '1' }, op);
    const intake = await e.startIntake({ listen: '127.0.0.1:0' });
    cleanup.push(() => intake.close());
    const c = await RawSmtp.open(intake.port);
    expect(await c.reply()).toMatch(/^220/);
    expect(await c.cmd('EHLO client.example.test')).toMatch(/^250/);
    expect(await c.cmd('MAIL FROM:<app@ops.example.test>')).toMatch(/^250/);
    expect(await c.cmd('RCPT TO:<no-domain>')).toMatch(/^501 5\.1\.3/);
    expect(await c.cmd('RCPT TO:<no-domain-either>')).toMatch(/^501 5\.1\.3/);
    expect(await c.cmd('RCPT TO:<a@example.com>')).toMatch(/^250/);
    expect(await c.cmd('RCPT TO:<b@example.com>')).toMatch(/^452 4\.5\.3/);
    await c.cmd('QUIT');
    await until(async () => (await e.alertGroups()).filter((g) => g.code === 'intake.rejected').length === 2, 10_000, 'a group per refusal reason');
    clock.advance(30_000);
    await until(() => rec.posts.length === 2, 5_000, 'one post per group');
    const byReason = new Map(rec.posts.map((p) => [p.notice.group!.scope.value, p.notice]));
    // The listener writes the first refusal of a kind from a client at once; the second comes in its summary event a minute later.
    expect(byReason.get('address')).toMatchObject({ title: 'Senders or recipients with bad addresses are refused at intake', group: { scope: { kind: 'reason', value: 'address' }, occurrences: 1 } });
    expect(byReason.get('address')!.group!.reasons[0]).toMatchObject({ smtpCode: 501, enhanced: '5.1.3' });
    expect(byReason.get('recipients')).toMatchObject({ title: 'Messages with more than intake-max-recipients recipients are refused at intake', group: { occurrences: 1 } });
    expect(byReason.get('recipients')!.group!.reasons[0]).toMatchObject({ smtpCode: 452, enhanced: '4.5.3' });
    expect(byReason.get('recipients')!.hint).toContain('`events --level warning`');
  });

  it('a chat outage delays notices but loses none and duplicates none, across a restart', async () => {
    const { e, clock, open } = await setup({ rcptReply: () => '550 5.7.1 Relaying denied' });
    let rec = recorder();
    rec.failures = 1000;
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe(C1, 'warning', op);
    await e.submit({ to: ['a@deny.test'], subject: 's', text: 'x' }, op);
    await drained(e);
    await grouped(e, 'deny.test');
    clock.advance(30_000);
    for (let i = 0; i < 12; i++) {
      clock.advance(5_000);
      await settle(20);
    }
    expect(rec.posts).toHaveLength(0);
    expect((await e.alertStatus()).targets).toEqual([expect.objectContaining({ target: 'slack:C1', pending: 1, connected: true, lastError: 'Slack answered service_unavailable' })]);
    // What /metrics reports as smtp_ops_alert_outbox_messages.
    expect(await e.alertBacklog()).toBe(1);
    // serve restarts in the middle of the outage: the notice is on disk.
    await e.close();
    const again = await open();
    rec = recorder();
    again.addAlertSink('slack', rec.sink);
    clock.advance(300_000);
    await until(() => rec.posts.length === 1, 5_000, 'the post after the outage');
    expect(rec.posts[0].notice.group).toMatchObject({ code: 'delivery.bounced', messages: 1 });
    await until(async () => (await again.alertBacklog()) === 0, 5_000, 'the outbox to empty');
    clock.advance(600_000);
    await settle();
    expect(rec.posts.filter((p) => p.notice.kind === 'firing')).toHaveLength(1);
  });

  it('a post whose answer was lost is found by its key, not posted twice', async () => {
    const { e, clock } = await setup({ rcptReply: () => '550 5.7.1 Relaying denied' });
    const posted = new Map<string, string>();
    let lose = 1;
    let calls = 0;
    const sink: AlertSink = {
      post: async (_t, n) => {
        calls++;
        posted.set(n.key, `ts${calls}`);
        if (lose-- > 0) throw new AlertDeliveryError('connection reset');
        return `ts${calls}`;
      },
      find: async (_t, n) => posted.get(n.key) ?? null,
      edit: async () => undefined,
    };
    e.addAlertSink('slack', sink);
    await e.alertSubscribe(C1, 'warning', op);
    await e.submit({ to: ['a@deny.test'], subject: 's', text: 'x' }, op);
    await drained(e);
    await grouped(e, 'deny.test');
    clock.advance(30_000);
    await until(() => calls === 1, 5_000, 'the first try');
    clock.advance(10_000);
    await until(async () => (await e.alertStatus()).targets.length === 0, 5_000, 'the outbox to settle');
    expect(calls).toBe(1);
    expect(posted.size).toBe(1);
  });

  it('mute holds a group back (still counted); unmute posts it', async () => {
    const { e, clock } = await setup({ rcptReply: () => '550 5.1.1 Unknown' });
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe(C1, 'warning', op);
    await e.alertMute('quiet.test', '1h', op);
    await e.submit({ to: ['a@quiet.test'], subject: 's', text: 'x' }, op);
    await e.submit({ to: ['b@loud.test'], subject: 's', text: 'x' }, op);
    await drained(e);
    await grouped(e, 'quiet.test', 'loud.test');
    clock.advance(30_000);
    await until(() => rec.posts.length === 1, 5_000, 'the unmuted group');
    expect(rec.posts[0].notice.group!.scope.value).toBe('loud.test');
    clock.advance(60_000);
    await settle();
    expect(rec.posts).toHaveLength(1);
    expect((await e.alertGroups()).find((g) => g.scope.value === 'quiet.test')).toMatchObject({ messages: 1, notified: { version: 0 } });
    expect((await e.alertStatus()).muted).toBe(1);
    expect(await e.alertUnmute('quiet.test', op)).toMatchObject({ match: 'quiet.test' });
    await until(() => rec.posts.length === 2, 5_000, 'the held group');
    expect(rec.posts[1].notice.group!.scope.value).toBe('quiet.test');
  });

  it('filters: level and event codes', async () => {
    const { e, clock } = await setup({ rcptReply: (to) => (to.startsWith('temp') ? '450 4.2.0 Mailbox busy' : '550 5.1.1 Unknown') });
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe({ platform: 'slack', channel: 'CERR' }, 'error', op);
    await e.alertSubscribe({ platform: 'slack', channel: 'CRELAY' }, 'info', op, ['relay.deferred']);
    await expect(e.alertSubscribe({ platform: 'slack', channel: 'CX' }, 'info', op, ['relay.unreachble'])).rejects.toThrow(/did you mean relay.unreachable/);
    await e.submit({ to: ['temp@x.test'], subject: 's', text: 'x' }, op);
    await e.submit({ to: ['gone@y.test'], subject: 's', text: 'x' }, op);
    await drained(e);
    await grouped(e, 'relay.deferred', 'delivery.bounced');
    clock.advance(30_000);
    await until(() => rec.posts.length === 2, 5_000, 'two posts');
    expect(rec.posts.map((p) => `${p.target} ${p.notice.group!.code}`).sort()).toEqual(['slack:CERR delivery.bounced', 'slack:CRELAY relay.deferred']);
  });

  it('a target failing for over an hour records alerts.undeliverable, shows in status, and tells the other targets', async () => {
    const { e, clock } = await setup({ rcptReply: () => '550 5.1.1 Unknown' });
    const dead = recorder();
    dead.failures = 100_000;
    dead.error = () => new AlertDeliveryError('Discord answered 403 50013: Missing Permissions', { definite: true });
    const ok = recorder();
    e.addAlertSink('discord', dead.sink);
    e.addAlertSink('slack', ok.sink);
    await e.alertSubscribe({ platform: 'discord', channel: '1300000000000000077' }, 'warning', op);
    await e.alertSubscribe(C1, 'error', op);
    await e.submit({ to: ['a@gone.test'], subject: 's', text: 'x' }, op);
    await counted(e, 'delivery.bounced', 1);
    clock.advance(30_000);
    await until(() => ok.posts.length === 1, 5_000, 'the bounce alert in Slack');
    for (let t = 0; t < 65 * 60_000; t += 60_000) {
      clock.advance(60_000);
      await settle(10);
    }
    await until(async () => (await e.eventList({ level: 'error' })).items.some((x) => x.code === 'alerts.undeliverable'), 5_000, 'alerts.undeliverable');
    const ev = (await e.eventList({ level: 'error' })).items.find((x) => x.code === 'alerts.undeliverable')!;
    expect(ev.data).toMatchObject({ target: 'discord:1300000000000000077', lastError: expect.stringContaining('Missing Permissions') });
    const st = await e.alertStatus();
    expect(st.targets.find((t) => t.target === 'discord:1300000000000000077')).toMatchObject({ failingSince: expect.any(Number), lastError: expect.stringContaining('Missing Permissions') });
    clock.advance(30_000);
    await until(() => ok.posts.some((p) => p.notice.group?.code === 'alerts.undeliverable'), 5_000, 'the undeliverable alert in Slack');
    expect(ok.posts.find((p) => p.notice.group?.code === 'alerts.undeliverable')!.notice.title).toBe('Alerts cannot reach discord:1300000000000000077');
  });

  it('backlog over alert-backlog-count fires queue.backlog; the drained queue resolves it', async () => {
    let hold = true;
    const { e, clock } = await setup({ rcptReply: () => (hold ? '451 4.3.0 Busy' : undefined) });
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    await e.alertSubscribe(C1, 'warning', op, ['queue.backlog']);
    await e.updateSettings({ 'alert-backlog-count': '5' }, op);
    for (let i = 0; i < 8; i++) await e.submit({ to: [`q${i}@wait.test`], subject: 's', text: 'x' }, op);
    await drained(e);
    clock.advance(30_000);
    await until(async () => (await e.alertGroups()).some((g) => g.code === 'queue.backlog'), 5_000, 'queue.backlog');
    clock.advance(30_000);
    await until(() => rec.posts.length === 1, 5_000, 'the backlog alert');
    expect(rec.posts[0].notice.title).toBe('Mail is piling up in the queue');
    expect(rec.posts[0].notice.group!.lastMessage).toMatch(/8 messages wait \(alert-backlog-count 5\)/);
    hold = false;
    await e.queueFlush(op);
    await until(async () => (await e.queueCounts()).total === 0, 10_000, 'the queue to drain');
    clock.advance(30_000);
    await until(async () => (await e.eventList({ limit: 50 })).items.some((x) => x.code === 'queue.backlog-cleared'), 5_000, 'queue.backlog-cleared');
    clock.advance(300_000);
    await until(() => rec.posts.length === 2, 5_000, 'the resolved notice');
    expect(rec.posts[1].notice).toMatchObject({ kind: 'resolved', group: { code: 'queue.backlog', resolution: 'recovered' } });
  });

  it("a daily report subscription posts yesterday's report at its hour in the report time zone, once a day, also after downtime", async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 24, 5, 0, 0));
    const { e, open } = await setup({}, clock);
    await e.updateSettings({ timezone: 'Europe/Berlin' }, op);
    const rec = recorder();
    e.addAlertSink('slack', rec.sink);
    const sub = await e.alertReportSubscribe(C1, '08:00', op);
    // 06:00 in Berlin: the first report comes at 08:00 (yesterday's, 2026-11-23).
    expect(sub).toMatchObject({ at: '08:00', lastDay: '2026-11-22' });
    clock.advance(60 * 60_000);
    await settle();
    expect(rec.posts).toHaveLength(0);
    clock.advance(60 * 60_000);
    await until(() => rec.posts.length === 1, 5_000, 'the report');
    expect(rec.posts[0].notice).toMatchObject({ kind: 'report', title: 'SMTP report 2026-11-23', report: { day: '2026-11-23', timezone: 'Europe/Berlin' } });
    clock.advance(60 * 60_000);
    await settle();
    expect(rec.posts).toHaveLength(1);
    // Down over the next 08:00: the missed day comes when it starts again, once.
    await e.close();
    clock.advance(24 * 60 * 60_000);
    const again = await open();
    const rec2 = recorder();
    again.addAlertSink('slack', rec2.sink);
    await until(() => rec2.posts.length === 1, 5_000, 'the missed report');
    expect(rec2.posts[0].notice.report!.day).toBe('2026-11-24');
    await settle(200);
    expect(rec2.posts).toHaveLength(1);
  });
});
