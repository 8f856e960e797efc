/**
 * Alerts and follow-ups over real Bolt and the Slack fake: the `test` outcome posted back where
 * the command came from; alert groups posted once per channel and edited in place; Web API
 * outages (HTTP 5xx, `ok:false`, 429 with Retry-After) and a restart in the middle delay alerts
 * but lose and duplicate none; a post whose answer was lost is found again by its metadata; the
 * buttons run commands through the grammar and the presser's role. Delivery is real: the
 * engine's worker relays to a loopback smtp-server peer; alert timing runs on the fake clock.
 */
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { blockProblems } from '../../doubles/slack/block-rules.js';
import { FakeSlack, type FakeMessage, type SlackOutage } from '../../doubles/slack/fake-slack.js';
import { FakeClock, until } from '../../doubles/clock.js';
import { ADMIN, Harness, OPERATOR, STRANGER, VIEWER, textOf } from './harness.js';
import type { Engine } from '../../../src/engine/index.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import { PEERS, freePort, peersOrSkip } from '../../peers/peers.js';

const peers = await peersOrSkip('Slack alert buttons on a domain (direct mode)');
let peer: SMTPServer;
let peerPort = 0;
const received: string[] = [];
/** Domains whose recipients the peer refuses: 5xx bounces, 4xx defers. */
const refuse = new Map<string, string>();

function reply(text: string): Error {
  return Object.assign(new Error(text.slice(4)), { responseCode: Number(text.slice(0, 3)) });
}

beforeAll(async () => {
  peer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const domain = address.address.split('@')[1];
      const r = address.address.startsWith('bounce') ? '550 5.1.1 <bounce@sink.test>: Recipient address rejected: User unknown' : refuse.get(domain);
      cb(r ? reply(r) : undefined);
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  peerPort = (peer.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (peer ? peer.close(() => resolve()) : resolve()));
});

const setupActor = { platform: 'cli' as const, id: 'setup' };

async function relay(e: Engine) {
  await e.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(peerPort), 'use-tls': 'off', hostname: 'ops.example.test' }, setupActor);
}

/** Wait until the open group of a place (a domain, or the relay) has counted `n` messages. */
async function counted(e: Engine, place: string, n: number) {
  await until(async () => (await e.alertGroups()).some((g) => g.scope.value === place && g.messages >= n), 30_000, `${n} messages counted for ${place}`);
}

async function submit(e: Engine, n: number, domain: string, from = 0) {
  for (let i = from; i < from + n; i++) await e.submit({ to: [`u${i}@${domain}`], subject: `s${i}`, text: 'x' }, setupActor);
}

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

/** Alert posts (not replies) in a channel. */
function alertPosts(fake: FakeSlack, channel: string): FakeMessage[] {
  return fake.messages.filter((m) => m.channel === channel && m.via === 'chat.postMessage' && m.metadata?.event_type === 'smtp_ops_alert');
}

describe('test follow-up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ mode: 'http', engine: { worker: true, pollMs: 200 } });
    await relay(h.engine);
    await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', setupActor);
  });
  afterAll(() => h?.close());

  test('the outcome of the first attempt follows privately on the same response_url', async () => {
    const { responseUrl } = await h.slash(OPERATOR, 'test me@sink.test');
    const first = await h.posted(responseUrl, 1);
    expect(textOf(first)).toContain('on its way');
    const outcome = await h.posted(responseUrl, 2);
    expect(outcome.visibleTo).toBe(OPERATOR.id);
    expect(textOf(outcome)).toContain('Test message sent');
    expect(received).toContain('me@sink.test');
  });

  test('with --share the outcome is posted to the channel with chat.postMessage, mentioning the requester', async () => {
    const before = h.fake.calls('chat.postMessage').length;
    await h.slash(OPERATOR, 'test --share you@sink.test', 'C0SHARE');
    const post = await h.fake.waitFor(() => h.fake.calls('chat.postMessage')[before], 10_000, 'chat.postMessage');
    expect(post.body.channel).toBe('C0SHARE');
    expect(post.body.text).toContain('<@UOPER>');
    expect(JSON.stringify(post.body.blocks)).toContain('Test message sent');
    expect(post.headers.authorization).toBe(`Bearer ${h.fake.botToken}`);
    expect(post.headers['content-type']).toContain('application/x-www-form-urlencoded');
  });

  test('when the app is not in the channel the outcome falls back to the response_url', async () => {
    h.fake.failures.set('chat.postMessage', 'not_in_channel');
    try {
      const { responseUrl } = await h.slash(OPERATOR, 'test --share them@sink.test', 'C0PRIVATE');
      const outcome = await h.posted(responseUrl, 2);
      expect(outcome.visibleTo).toBe(OPERATOR.id);
      expect(textOf(outcome)).toContain('Test message sent');
    } finally {
      h.fake.failures.delete('chat.postMessage');
    }
  });

  test('a one-off engine alert to one target is posted there, escaped', async () => {
    await h.engine.alert({ level: 'warning', title: 'relay.unreachable', text: 'Relay <!channel> 127.0.0.1:1 refused the connection', target: { platform: 'slack', channel: 'C0ONE' } });
    const post = await h.fake.waitFor(() => h.fake.calls('chat.postMessage').find((r) => r.body.channel === 'C0ONE'), 5000, 'the alert');
    const blocks = JSON.stringify(post.body.blocks);
    expect(blocks).toContain('relay.unreachable');
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).toContain('&lt;!channel&gt;');
  });
});

describe('alert groups in Slack', () => {
  let h: Harness;
  let clock: FakeClock;
  let fake: FakeSlack;
  const extra: Harness[] = [];

  beforeAll(async () => {
    fake = await FakeSlack.start();
  });
  afterAll(() => fake?.stop());

  const dirs: string[] = [];

  afterEach(async () => {
    fake.outage = null;
    for (const x of extra.splice(0)) await x.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  /** A Slack app and engine on `storeDir`; closing them keeps the store (as a restarted serve finds it). */
  async function start(storeDir: string) {
    const x = await Harness.start({ mode: 'http', fake, storeDir, engine: { worker: true, pollMs: 200, clock } });
    extra.push(x);
    return x;
  }

  async function fresh() {
    clock = new FakeClock();
    const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-slack-alerts-'));
    dirs.push(dir);
    h = await start(dir);
    await relay(h.engine);
    await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', setupActor);
    await h.engine.accessGrant(`slack:${VIEWER.id}`, 'viewer', setupActor);
    return h;
  }

  test('a burst of hundreds of bounces: one post per subscribed channel, edited in place, the final text states the count', async () => {
    await fresh();
    refuse.set('burst.test', '550 5.1.1 Recipient address rejected: User unknown');
    expect(textOf(await h.command(OPERATOR, 'alerts subscribe', 'C0BURST1'))).toMatch(/now receives alerts/);
    await h.command(OPERATOR, 'alerts subscribe --level error', 'C0BURST2');
    await submit(h.engine, 300, 'burst.test');
    await counted(h.engine, 'burst.test', 300);
    expect(alertPosts(fake, 'C0BURST1')).toHaveLength(0);
    clock.advance(30_000);
    await fake.waitFor(() => alertPosts(fake, 'C0BURST1').length === 1 && alertPosts(fake, 'C0BURST2').length === 1, 10_000, 'one post per channel');
    const first = alertPosts(fake, 'C0BURST1')[0];
    expect(blockProblems(first.blocks)).toEqual([]);
    expect(textOf(first)).toContain('300 messages to 300 recipients bounced');
    expect(textOf(first)).toContain('550 5.1.1 at RCPT TO');
    expect(first.text).toContain('Mail to burst.test bounces');

    clock.advance(60_000);
    await submit(h.engine, 200, 'burst.test', 300);
    await counted(h.engine, 'burst.test', 500);
    clock.advance(240_000);
    await fake.waitFor(() => alertPosts(fake, 'C0BURST1')[0].history.length >= 1 && alertPosts(fake, 'C0BURST2')[0].history.length >= 1, 10_000, 'the edits');
    for (const ch of ['C0BURST1', 'C0BURST2']) {
      const posts = alertPosts(fake, ch);
      expect(posts).toHaveLength(1);
      expect(textOf(posts[0])).toContain('500 messages to 500 recipients bounced');
      expect(blockProblems(posts[0].blocks)).toEqual([]);
    }
    expect(fake.calls('chat.update').filter((c) => c.body.ts === first.ts)).toHaveLength(1);
    refuse.delete('burst.test');
  });

  test.each<[string, SlackOutage]>([
    ['HTTP 503', { kind: 'http', status: 503 }],
    ['ok:false service_unavailable', { kind: 'ok-false', error: 'service_unavailable' }],
    ['429 with Retry-After', { kind: 'rate-limit', retryAfterSec: 20 }],
  ])('a 60 s Web API outage (%s) delays the alert; none is lost, none duplicated', async (_name, outage) => {
    await fresh();
    const domain = `out-${outage.kind}.test`;
    const channel = `C0OUT${outage.kind.toUpperCase().replace(/[^A-Z]/g, '')}`;
    refuse.set(domain, '550 5.7.1 Relaying denied');
    await h.command(OPERATOR, 'alerts subscribe', channel);
    await submit(h.engine, 3, domain);
    await counted(h.engine, domain, 3);
    // Each attempt is a post, or (after a 5xx, whose outcome is unknown) a look for the post first.
    const calls = () => fake.requests.filter((c) => c.kind === 'api' && (c.name === 'chat.postMessage' || c.name === 'conversations.history') && c.body.channel === channel).length;
    fake.outage = outage;
    clock.advance(30_000);
    await fake.waitFor(() => calls() >= 1, 10_000, 'the first attempt');
    for (let t = 0; t < 60_000; t += 5_000) {
      clock.advance(5_000);
      await settle(30);
    }
    expect(alertPosts(fake, channel)).toHaveLength(0);
    expect(calls()).toBeGreaterThanOrEqual(outage.kind === 'rate-limit' ? 3 : 4);
    const status = await h.engine.alertStatus();
    expect(status.targets).toEqual([expect.objectContaining({ target: `slack:${channel}`, pending: 1 })]);
    expect(status.targets[0].lastError).toMatch(outage.kind === 'http' ? /HTTP 503/ : outage.kind === 'rate-limit' ? /rate limit/ : /service_unavailable/);
    fake.outage = null;
    for (let t = 0; t < 120_000; t += 10_000) {
      clock.advance(10_000);
      await settle(30);
    }
    await fake.waitFor(() => alertPosts(fake, channel).length === 1, 10_000, 'the post after the outage');
    clock.advance(300_000);
    await settle(200);
    expect(alertPosts(fake, channel)).toHaveLength(1);
    expect(textOf(alertPosts(fake, channel)[0])).toContain('3 messages to 3 recipients bounced');
    refuse.delete(domain);
  });

  test('serve restarts in the middle of an outage: the alert is posted once after it', async () => {
    await fresh();
    refuse.set('restart.test', '550 5.7.1 Relaying denied');
    await h.command(OPERATOR, 'alerts subscribe', 'C0RESTART');
    await submit(h.engine, 2, 'restart.test');
    await counted(h.engine, 'restart.test', 2);
    fake.outage = { kind: 'http', status: 500 };
    clock.advance(30_000);
    await fake.waitFor(() => fake.calls('chat.postMessage').some((c) => c.body.channel === 'C0RESTART'), 10_000, 'an attempt');
    clock.advance(20_000);
    await settle();
    const dir = h.storeDir;
    await h.close();
    extra.splice(extra.indexOf(h), 1);
    clock.advance(30_000);
    h = await start(dir);
    await settle(200);
    expect((await h.engine.alertStatus()).targets).toEqual([expect.objectContaining({ target: 'slack:C0RESTART', pending: 1 })]);
    fake.outage = null;
    for (let t = 0; t < 600_000; t += 30_000) {
      clock.advance(30_000);
      await settle(30);
    }
    await fake.waitFor(() => alertPosts(fake, 'C0RESTART').length >= 1, 10_000, 'the post');
    await settle(300);
    // One card; by now the group also resolved (nothing new for the interval): its notice is the only other post.
    expect(alertPosts(fake, 'C0RESTART').map((m) => m.metadata?.event_payload.kind)).toEqual(['firing', 'resolved']);
    refuse.delete('restart.test');
  });

  test('a post whose answer was lost is found by its metadata (conversations.history), not posted twice', async () => {
    await fresh();
    refuse.set('lost.test', '550 5.7.1 Relaying denied');
    await h.command(OPERATOR, 'alerts subscribe', 'C0LOST');
    await submit(h.engine, 1, 'lost.test');
    await counted(h.engine, 'lost.test', 1);
    fake.lostAnswers.set('chat.postMessage', 1);
    const historyBefore = fake.calls('conversations.history').length;
    clock.advance(30_000);
    await fake.waitFor(() => alertPosts(fake, 'C0LOST').length === 1, 10_000, 'the post (answer lost)');
    for (let t = 0; t < 60_000; t += 5_000) {
      clock.advance(5_000);
      await settle(30);
    }
    await until(async () => (await h.engine.alertStatus()).targets.length === 0, 10_000, 'the outbox to settle');
    expect(fake.calls('conversations.history').length).toBeGreaterThan(historyBefore);
    expect(fake.calls('conversations.history').at(-1)!.body).toMatchObject({ channel: 'C0LOST', include_all_metadata: 'true' });
    expect(alertPosts(fake, 'C0LOST')).toHaveLength(1);
    // Later notices edit the message that was found.
    await submit(h.engine, 1, 'lost.test', 1);
    await counted(h.engine, 'lost.test', 2);
    clock.advance(300_000);
    await fake.waitFor(() => alertPosts(fake, 'C0LOST')[0].history.length === 1, 10_000, 'the edit of the found post');
    refuse.delete('lost.test');
  });

  test('buttons run through the grammar and the presser role, answer privately, and survive a restart', async () => {
    await fresh();
    refuse.set('slow.test', '451 4.3.0 Temporary lookup failure');
    await h.command(OPERATOR, 'alerts subscribe', 'C0BTN');
    await submit(h.engine, 2, 'slow.test');
    // Deferrals through a relay are about the relay.
    await counted(h.engine, `127.0.0.1:${peerPort}`, 2);
    clock.advance(30_000);
    await fake.waitFor(() => alertPosts(fake, 'C0BTN').length === 1, 10_000, 'the alert');
    const alert = alertPosts(fake, 'C0BTN')[0];
    const labels = alert.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: { text: { text: string } }) => e.text.text));
    expect(labels).toEqual(['Show deferred mail', 'Flush', 'Mute 1h', 'Mute 4h', 'Open log']);
    const byLabel = (l: string) => (b: Record<string, any>) => b.text?.text === l;

    // A viewer may look.
    const look = await h.press(VIEWER, alert, byLabel('Show deferred mail'));
    const list = await h.posted(look.payload.response_url, 1);
    expect(list.visibleTo).toBe(VIEWER.id);
    expect(textOf(list)).toContain('u0@slow.test');
    // A viewer may not flush; a stranger may not mute.
    const denied = await h.posted((await h.press(VIEWER, alert, byLabel('Flush'))).payload.response_url, 1);
    expect(textOf(denied)).toMatch(/needs the operator role/);
    const stranger = await h.posted((await h.press(STRANGER, alert, byLabel('Mute 1h'))).payload.response_url, 1);
    expect(textOf(stranger)).toMatch(/needs the operator role/);
    expect(await h.engine.alertSilences()).toEqual([]);
    // An operator flushes after confirming.
    const ask = await h.posted((await h.press(OPERATOR, alert, byLabel('Flush'))).payload.response_url, 1);
    expect(ask.visibleTo).toBe(OPERATOR.id);
    expect(textOf(ask)).toContain('Flush the mail queue?');
    const yes = await h.press(OPERATOR, ask, (b) => String(b.action_id).startsWith('smtp.action.confirm.'));
    await fake.waitFor(() => textOf(ask).includes('Queue flushed'), 5000, 'the flush');
    expect(yes.delivered.status).toBe(200);
    // The alert itself is untouched by all of this.
    expect(alert.history).toHaveLength(0);

    // After a restart (new runner, no in-memory tokens) the same button still works.
    const dir = h.storeDir;
    await h.close();
    extra.splice(extra.indexOf(h), 1);
    h = await start(dir);
    const muted = await h.posted((await h.press(OPERATOR, alert, byLabel('Mute 1h'))).payload.response_url, 1);
    expect(textOf(muted)).toContain(`127.0.0.1:${peerPort} are muted until`);
    expect((await h.engine.alertSilences()).map((s) => s.match)).toEqual([`127.0.0.1:${peerPort}`]);
    const events = (await h.engine.eventList({ level: 'warning' })).items.filter((e) => e.code === 'access.denied');
    expect(events.length).toBeGreaterThanOrEqual(2);
    refuse.delete('slow.test');
  });

  test.skipIf(!peers.ok)("a domain's alert: its buttons list and flush that domain's mail only; Flush asks first, naming it and the count", async () => {
    clock = new FakeClock();
    const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-slack-alerts-'));
    dirs.push(dir);
    // Direct mode: dnsmasq sends direct.test to 127.0.0.21 and aonly.dlv.test to 127.0.0.13; nothing listens on this port there, so both defer, each in its own group.
    h = await Harness.start({ mode: 'http', fake, storeDir: dir, engine: { worker: true, pollMs: 200, clock, resolver: resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns }), directPort: await freePort('127.0.0.21') } });
    extra.push(h);
    await h.engine.updateSettings({ hostname: 'ops.example.test', 'relay-host': '', 'relay-port': '', 'use-tls': 'off' }, setupActor);
    await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', setupActor);
    await h.command(OPERATOR, 'alerts subscribe', 'C0DOMAIN');
    await submit(h.engine, 2, 'direct.test');
    await submit(h.engine, 1, 'aonly.dlv.test', 2);
    await counted(h.engine, 'direct.test', 2);
    await counted(h.engine, 'aonly.dlv.test', 1);
    clock.advance(30_000);
    // Slack takes about one post per second per channel: the second waits its turn on the clock.
    for (let t = 0; t < 10 && alertPosts(fake, 'C0DOMAIN').length < 2; t++) {
      await settle(100);
      clock.advance(1_000);
    }
    await fake.waitFor(() => alertPosts(fake, 'C0DOMAIN').length === 2, 10_000, 'an alert per domain');
    const alert = alertPosts(fake, 'C0DOMAIN').find((m) => m.text.includes('Mail to direct.test is deferred'))!;
    const labels = alert.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements.map((e: { text: { text: string } }) => e.text.text));
    expect(labels).toEqual(['Show deferred mail', 'Flush', 'Mute 1h', 'Mute 4h', 'Open log']);
    const byLabel = (l: string) => (b: Record<string, any>) => b.text?.text === l;

    const list = await h.posted((await h.press(OPERATOR, alert, byLabel('Show deferred mail'))).payload.response_url, 1);
    expect(textOf(list)).toContain('u0@direct.test');
    expect(textOf(list)).toContain('u1@direct.test');
    expect(textOf(list)).not.toContain('u2@aonly.dlv.test');

    const ask = await h.posted((await h.press(OPERATOR, alert, byLabel('Flush'))).payload.response_url, 1);
    expect(ask.visibleTo).toBe(OPERATOR.id);
    expect(textOf(ask)).toContain('Flush these messages?');
    expect(textOf(ask)).toMatch(/retry 2 messages .*direct\.test/);
    // Yes carries Slack's own confirm dialog, naming the count.
    const yesButton = ask.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e: Record<string, any>) => String(e.action_id).startsWith('smtp.action.confirm.'));
    expect(yesButton).toMatchObject({ text: { text: 'Flush 2' }, confirm: { confirm: { text: 'Flush 2' } } });
    await h.press(OPERATOR, ask, (b) => String(b.action_id).startsWith('smtp.action.confirm.'));
    await fake.waitFor(() => textOf(ask).includes('Queue flushed'), 5000, 'the flush');
    expect(textOf(ask)).toMatch(/2 messages .*direct\.test/);
    const flushed = (await h.engine.eventList({})).items.find((e) => e.code === 'queue.flushed')!;
    expect(flushed.data).toMatchObject({ count: 2, filter: { domain: 'direct.test' } });
  });

  test('mute from chat suppresses; unmute posts what was held back', async () => {
    await fresh();
    refuse.set('hush.test', '550 5.1.1 Unknown');
    await h.command(OPERATOR, 'alerts subscribe', 'C0MUTE');
    expect(textOf(await h.command(OPERATOR, 'alerts mute hush.test 1h', 'C0MUTE'))).toContain('muted until');
    await submit(h.engine, 2, 'hush.test');
    await counted(h.engine, 'hush.test', 2);
    clock.advance(60_000);
    await settle(200);
    expect(alertPosts(fake, 'C0MUTE')).toHaveLength(0);
    const list = await h.command(VIEWER, 'alerts list', 'C0MUTE');
    expect(textOf(list)).toContain('place hush.test');
    expect(textOf(await h.command(OPERATOR, 'alerts unmute hush.test', 'C0MUTE'))).toContain('no longer muted');
    await fake.waitFor(() => alertPosts(fake, 'C0MUTE').length === 1, 10_000, 'the held alert');
    expect(textOf(alertPosts(fake, 'C0MUTE')[0])).toContain('2 messages to 2 recipients bounced');
    refuse.delete('hush.test');
  });

  test('subscribe another target from chat: an email address, with level and codes', async () => {
    await fresh();
    const m = await h.command(OPERATOR, 'alerts subscribe email:oncall@example.com --level error --code relay.unreachable,auth.failed', 'C0SUB');
    expect(textOf(m)).toContain('email:oncall@example.com now receives alerts of relay.unreachable, auth.failed at level error');
    expect(await h.engine.alertList()).toEqual([expect.objectContaining({ platform: 'email', channel: 'oncall@example.com', minLevel: 'error', codes: ['relay.unreachable', 'auth.failed'] })]);
    const bad = await h.command(OPERATOR, 'alerts subscribe --code relay.unreachble', 'C0SUB');
    expect(textOf(bad)).toContain('did you mean relay.unreachable');
    expect(textOf(await h.command(ADMIN, 'alerts unsubscribe email:oncall@example.com', 'C0SUB'))).toContain('no longer receives alerts');
  });

  test("alerts subscribe --report posts yesterday's report with its chart at that hour", async () => {
    await fresh();
    await h.engine.updateSettings({ timezone: 'UTC' }, setupActor);
    const m = await h.command(OPERATOR, 'alerts subscribe --report 13:00', 'C0REPORT');
    expect(textOf(m)).toContain("gets yesterday's report every day at 13:00 (UTC)");
    clock.advance(60 * 60_000);
    const post = await fake.waitFor(() => fake.messages.find((x) => x.channel === 'C0REPORT' && x.metadata?.event_payload.kind === 'report'), 10_000, 'the report');
    expect(textOf(post)).toContain('SMTP report 2026-11-23 (UTC)');
    expect(blockProblems(post.blocks)).toEqual([]);
    await fake.waitFor(() => fake.calls('files.completeUploadExternal').find((c) => c.body.channel_id === 'C0REPORT'), 10_000, 'the chart upload');
    const png = [...fake.uploads.values()].find((u) => u.channel === 'C0REPORT')!;
    expect(png.filename).toMatch(/\.png$/);
    expect(png.data!.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });
});
