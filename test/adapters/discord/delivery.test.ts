/**
 * What arrives later: the outcome of `test` posted back in the channel it was
 * asked in, and delivery failures posted to a subscribed channel. The engine's
 * worker delivers for real through nodemailer to an smtp-server on loopback.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { textChannel } from '../../doubles/discord/wire.js';
import { OPERATOR, READ_ONLY_CHANNEL, startHarness, textOf, wireOptions, type Harness } from './harness.js';

let h: Harness;
let relay: SMTPServer;
const cli = { platform: 'cli' as const, id: 'test' };

beforeAll(async () => {
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('nobody@')) cb(Object.assign(new Error('5.1.1 <nobody@rcpt.test>: Recipient address rejected: User unknown'), { responseCode: 550 }));
      else cb();
    },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.server.address() as AddressInfo).port;
  h = await startHarness({ engine: { worker: true, pollMs: 200 } });
  // No group wait: a failure is posted at once (the default waits 30 s to gather a burst into one post).
  await h.engine.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(port), 'use-tls': 'off', hostname: 'alerts.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'alert-group-wait': '0' }, cli);
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => relay?.close(() => resolve()));
});

const channelPosts = (from: number) => (r: { method: string; path: string }) => r.method === 'POST' && r.path === `/api/v10/channels/${h.fake.identity.channelId}/messages`;

test('the outcome of test is posted in the channel it was asked in, naming the asker', async () => {
  const from = h.fake.requests.length;
  const x = await h.command(OPERATOR, ['test'], { address: 'oncall@rcpt.test' });
  expect(textOf(x.message)).toMatch(/outcome of the first attempt follows/i);
  const post = await h.fake.waitForRequest(channelPosts(from), { from, timeoutMs: 20_000 });
  expect(post.authorization).toBe(`Bot ${h.fake.identity.token}`);
  expect(post.body.content).toBe(`<@${OPERATOR.id}>`);
  expect(post.body.allowed_mentions).toEqual({ users: [OPERATOR.id] });
  expect(post.body.embeds[0].title).toBe('Test message sent');
  expect(post.body.embeds[0].description).toContain('oncall@rcpt.test');
  expect(post.body.embeds[0].description).toContain(`127.0.0.1:${(relay.server.address() as AddressInfo).port}`);
});

test('a bounce is posted to the channel subscribed with /smtp alerts subscribe', async () => {
  await h.command(OPERATOR, ['alerts', 'subscribe'], { level: 'warning' });
  const from = h.fake.requests.length;
  await h.engine.submit({ from: 'alerts@smtp-ops.test', to: ['nobody@rcpt.test'], subject: 'disk full', text: 'disk full on db1' }, cli);
  const post = await h.fake.waitForRequest((r) => channelPosts(from)(r) && /bounce/i.test(JSON.stringify(r.body.embeds)), { from, timeoutMs: 20_000 });
  expect(post.body.embeds[0].color).toBe(0xed4245);
  expect(post.body.embeds[0].title).toBe('FIRING: Mail to rcpt.test bounces');
  expect(textOf(post.body)).toContain('nobody@rcpt.test: 550');
  expect(textOf(post.body)).toContain('1 message to 1 recipient bounced');
  // Alerts ping nobody.
  expect(post.body.allowed_mentions).toEqual({ parse: [] });
});

test('where the bot may not post, the outcome of test reaches the asker as a private follow-up', async () => {
  const from = h.fake.requests.length;
  const payload = h.ix.command(OPERATOR, ['test'], wireOptions({ address: 'oncall2@rcpt.test' }), { channel_id: READ_ONLY_CHANNEL, channel: textChannel(h.fake.identity, READ_ONLY_CHANNEL) });
  await h.exchange(payload);
  const refused = await h.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/api/v10/channels/${READ_ONLY_CHANNEL}/messages`, { from, timeoutMs: 20_000 });
  expect(refused).toBeDefined();
  const followUp = await h.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/api/v10/webhooks/${h.fake.identity.applicationId}/${String(payload.token)}`, { from, timeoutMs: 20_000 });
  expect(followUp.body.flags).toBe(64);
  expect(followUp.body.embeds[0].title).toBe('Test message sent');
  expect(followUp.body.embeds[0].description).toContain('oncall2@rcpt.test');
});
