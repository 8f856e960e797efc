/**
 * Alert groups in Discord through discord.js's REST against the fake Discord: one post per
 * subscribed channel (with a nonce), edited in place (PATCH) as the group grows; 5xx and 429
 * outages delay but lose and duplicate nothing; a post whose answer was lost is not posted twice
 * (enforce_nonce); the buttons answer the presser privately and respect roles. The real worker
 * relays to a loopback smtp-server peer; alert timing runs on the fake clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startPeer, type Peer } from '../../engine/delivery/smtp-peer.js';
import { FakeClock, until } from '../../doubles/clock.js';
import type { StoredMessage } from '../../doubles/discord/fake-discord.js';
import type { Engine } from '../../../src/engine/index.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import { PEERS, freePort, peersOrSkip } from '../../peers/peers.js';
import { ALERT_CHANNEL, CB, OPERATOR, STRANGER, VIEWER, startHarness, textOf, type Harness } from './harness.js';

const cli = { platform: 'cli' as const, id: 'test' };
const refuse = new Map<string, string>();
const peers = await peersOrSkip('Discord alert buttons on a domain (direct mode)');
let peer: Peer;

beforeAll(async () => {
  peer = await startPeer({ rcptReply: (to) => refuse.get(to.split('@')[1]) });
});
afterAll(() => peer?.close());

let h: Harness;
let clock: FakeClock;
afterEach(async () => {
  h.fake.state.outage = null;
  await h?.close();
});

async function fresh(): Promise<Harness> {
  clock = new FakeClock();
  h = await startHarness({ engine: { worker: true, pollMs: 200, clock } });
  await h.engine.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off', hostname: 'ops.example.test' }, cli);
  return h;
}

async function submit(e: Engine, n: number, domain: string, from = 0) {
  for (let i = from; i < from + n; i++) await e.submit({ to: [`u${i}@${domain}`], subject: `s${i}`, text: 'x' }, cli);
}

async function counted(e: Engine, place: string, n: number) {
  await until(async () => (await e.alertGroups()).some((g) => g.scope.value === place && g.messages >= n), 30_000, `${n} messages counted for ${place}`);
}

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));
const cards = (channel: string): StoredMessage[] => h.fake.channelMessages(channel).filter((m) => /^(FIRING|STILL FIRING|RESOLVED): /.test(m.embeds[0]?.title ?? ''));
const describeOf = (m: StoredMessage) => `${m.embeds[0]?.description ?? ''}\n${(m.embeds[0]?.fields ?? []).map((f: { value: string }) => f.value).join('\n')}`;

describe('alert groups in Discord', () => {
  test('a burst of bounces: one post per subscribed channel with a nonce, edited in place, stating the count', async () => {
    await fresh();
    refuse.set('burst.test', '550 5.1.1 User unknown');
    const sub = await h.command(OPERATOR, ['alerts', 'subscribe'], {});
    expect(textOf(sub.message)).toMatch(/This channel now receives alerts/);
    await h.engine.alertSubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, 'error', cli);
    const home = h.fake.identity.channelId;
    await submit(h.engine, 200, 'burst.test');
    await counted(h.engine, 'burst.test', 200);
    clock.advance(30_000);
    await until(() => cards(home).length === 1 && cards(ALERT_CHANNEL).length === 1, 10_000, 'one post per channel');
    const post = h.fake.requests.find((r) => r.method === 'POST' && r.path === `/api/v10/channels/${home}/messages` && r.body?.embeds?.[0]?.title?.startsWith('FIRING'))!;
    expect(post.body).toMatchObject({ enforce_nonce: true, allowed_mentions: { parse: [] } });
    expect(String(post.body.nonce).length).toBeLessThanOrEqual(25);
    expect(post.authorization).toBe(`Bot ${h.fake.identity.token}`);
    expect(describeOf(cards(home)[0])).toContain('200 messages to 200 recipients bounced');
    expect(cards(home)[0].components[0].components.map((b: { label: string }) => b.label)).toEqual(['Mute 1h', 'Mute 4h', 'Open log']);

    clock.advance(60_000);
    await submit(h.engine, 100, 'burst.test', 200);
    await counted(h.engine, 'burst.test', 300);
    clock.advance(240_000);
    await until(() => cards(home)[0].history.length === 1 && cards(ALERT_CHANNEL)[0].history.length === 1, 10_000, 'the edits');
    for (const ch of [home, ALERT_CHANNEL]) {
      expect(cards(ch)).toHaveLength(1);
      expect(describeOf(cards(ch)[0])).toContain('300 messages to 300 recipients bounced');
    }
    expect(h.fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/api/v10/channels/${home}/messages/${cards(home)[0].id}`)).toHaveLength(1);
    refuse.delete('burst.test');
  });

  test.each([
    ['HTTP 502', (x: Harness): void => void (x.fake.state.outage = { status: 502 }), (x: Harness): void => void (x.fake.state.outage = null)],
    // discord.js's REST also holds back requests to a limited bucket until the reset (real time): a short retry_after keeps the test quick.
    ['429 Too Many Requests', (x: Harness): void => x.fake.rateLimit(/\/channels\/\d+\/messages$/, 3, 0.3), (): void => undefined],
  ] as const)('a Discord outage (%s) delays the alert; none lost, none duplicated', async (_name, down, up) => {
    await fresh();
    refuse.set('out.test', '550 5.7.1 Relaying denied');
    await h.engine.alertSubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, 'warning', cli);
    await submit(h.engine, 2, 'out.test');
    await counted(h.engine, 'out.test', 2);
    down(h);
    const path = `/api/v10/channels/${ALERT_CHANNEL}/messages`;
    clock.advance(30_000);
    await until(() => h.fake.requests.some((r) => r.path === path), 10_000, 'the first attempt');
    for (let t = 0; t < 60_000; t += 5_000) {
      clock.advance(5_000);
      await settle(30);
    }
    expect(cards(ALERT_CHANNEL)).toHaveLength(0);
    expect(h.fake.requests.filter((r) => r.path === path).length).toBeGreaterThanOrEqual(2);
    up(h);
    for (let t = 0; t < 200_000; t += 10_000) {
      clock.advance(10_000);
      await settle(30);
    }
    await until(() => cards(ALERT_CHANNEL).length >= 1, 10_000, 'the post');
    await settle(200);
    expect(cards(ALERT_CHANNEL).filter((m) => m.embeds[0].title.startsWith('FIRING'))).toHaveLength(1);
    refuse.delete('out.test');
  });

  test('a post whose answer was lost is not posted twice (the nonce, or the footer key)', async () => {
    await fresh();
    refuse.set('lost.test', '550 5.7.1 Relaying denied');
    await h.engine.alertSubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, 'warning', cli);
    await submit(h.engine, 1, 'lost.test');
    await counted(h.engine, 'lost.test', 1);
    h.fake.state.loseAnswers = 1;
    clock.advance(30_000);
    await until(() => cards(ALERT_CHANNEL).length === 1, 10_000, 'the post (answer lost)');
    for (let t = 0; t < 60_000; t += 5_000) {
      clock.advance(5_000);
      await settle(30);
    }
    await until(async () => (await h.engine.alertStatus()).targets.length === 0, 10_000, 'the outbox to settle');
    expect(cards(ALERT_CHANNEL)).toHaveLength(1);
    refuse.delete('lost.test');
  });

  test('buttons answer the presser privately and respect roles; the alert stays as it is', async () => {
    await fresh();
    refuse.set('slow.test', '451 4.3.0 Try later');
    await h.engine.alertSubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, 'warning', cli);
    await submit(h.engine, 2, 'slow.test');
    await counted(h.engine, `127.0.0.1:${peer.port}`, 2);
    clock.advance(30_000);
    await until(() => cards(ALERT_CHANNEL).length === 1, 10_000, 'the alert');
    const alert = cards(ALERT_CHANNEL)[0];
    const buttons = alert.components[0].components as { custom_id: string; label: string }[];
    expect(buttons.map((b) => b.label)).toEqual(['Show deferred mail', 'Flush', 'Mute 1h', 'Mute 4h', 'Open log']);
    expect(buttons.every((b) => b.custom_id.length <= 100)).toBe(true);
    const id = (label: string) => buttons.find((b) => b.label === label)!.custom_id;

    const look = await h.press(VIEWER, id('Show deferred mail'));
    expect(look.callback.body.type).toBe(CB.reply);
    expect(look.ephemeral).toBe(true);
    expect(textOf(look.message)).toContain('u0@slow.test');
    const denied = await h.press(VIEWER, id('Flush'));
    expect(denied.ephemeral).toBe(true);
    expect(denied.message.embeds[0].title).toBe('Not allowed');
    const stranger = await h.press(STRANGER, id('Mute 4h'));
    expect(stranger.message.embeds[0].title).toBe('Not allowed');
    const ask = await h.press(OPERATOR, id('Flush'));
    expect(ask.ephemeral).toBe(true);
    expect(ask.message.embeds[0].title).toBe('Flush the mail queue?');
    const muted = await h.press(OPERATOR, id('Mute 4h'));
    expect(textOf(muted.message)).toContain('are muted until');
    expect((await h.engine.alertSilences()).map((s) => s.match)).toEqual([`127.0.0.1:${peer.port}`]);
    expect(alert.history).toHaveLength(0);
    refuse.delete('slow.test');
  });

  test.skipIf(!peers.ok)("a domain's alert: its buttons list and flush that domain's mail only; Flush asks first, naming it and the count", async () => {
    clock = new FakeClock();
    // Direct mode: dnsmasq sends direct.test to 127.0.0.21 and aonly.dlv.test to 127.0.0.13; nothing listens on this port there, so both defer, each in its own group.
    h = await startHarness({ engine: { worker: true, pollMs: 200, clock, resolver: resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns }), directPort: await freePort('127.0.0.21') } });
    await h.engine.updateSettings({ hostname: 'ops.example.test', 'relay-host': '', 'relay-port': '', 'use-tls': 'off' }, cli);
    await h.engine.alertSubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, 'warning', cli);
    await submit(h.engine, 2, 'direct.test');
    await submit(h.engine, 1, 'aonly.dlv.test', 2);
    await counted(h.engine, 'direct.test', 2);
    await counted(h.engine, 'aonly.dlv.test', 1);
    clock.advance(30_000);
    // Discord takes about one post per second per channel: the second waits its turn on the clock.
    for (let t = 0; t < 10 && cards(ALERT_CHANNEL).length < 2; t++) {
      await settle(100);
      clock.advance(1_000);
    }
    await until(() => cards(ALERT_CHANNEL).length === 2, 10_000, 'an alert per domain');
    const alert = cards(ALERT_CHANNEL).find((m) => m.embeds[0].title.includes('Mail to direct.test is deferred'))!;
    const buttons = alert.components[0].components as { custom_id: string; label: string }[];
    expect(buttons.map((b) => b.label)).toEqual(['Show deferred mail', 'Flush', 'Mute 1h', 'Mute 4h', 'Open log']);
    const id = (label: string) => buttons.find((b) => b.label === label)!.custom_id;

    const look = await h.press(VIEWER, id('Show deferred mail'));
    expect(look.ephemeral).toBe(true);
    expect(textOf(look.message)).toContain('u0@direct.test');
    expect(textOf(look.message)).toContain('u1@direct.test');
    expect(textOf(look.message)).not.toContain('u2@aonly.dlv.test');

    const ask = await h.press(OPERATOR, id('Flush'));
    expect(ask.ephemeral).toBe(true);
    expect(ask.message.embeds[0].title).toBe('Flush these messages?');
    expect(textOf(ask.message)).toMatch(/retry 2 messages .*direct\.test/);
    const yes = (ask.message.components[0].components as { custom_id: string; label: string }[]).find((b) => b.label === 'Flush 2')!;
    const done = await h.press(OPERATOR, yes.custom_id);
    expect(textOf(done.message)).toMatch(/2 messages .*direct\.test/);
    const flushed = (await h.engine.eventList({})).items.find((e) => e.code === 'queue.flushed')!;
    expect(flushed.data).toMatchObject({ count: 2, filter: { domain: 'direct.test' } });
    expect(alert.history).toHaveLength(0);
  });
});
