/**
 * Alerts and follow-ups: the `test` outcome posted back where the command came
 * from, and delivery failures posted with chat.postMessage to a channel
 * subscribed with `/smtp alerts subscribe`. Delivery is real: the engine's
 * worker relays to a loopback smtp-server peer that accepts or rejects.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blockProblems } from '../../doubles/slack/block-rules.js';
import { Harness, OPERATOR, textOf } from './harness.js';

let h: Harness;
let peer: SMTPServer;
const received: string[] = [];

beforeAll(async () => {
  peer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('bounce')) cb(Object.assign(new Error('5.1.1 <bounce@sink.test>: Recipient address rejected: User unknown'), { responseCode: 550 }));
      else cb();
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
  const port = (peer.server.address() as AddressInfo).port;
  h = await Harness.start({ mode: 'http', engine: { worker: true, pollMs: 200 } });
  await h.engine.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(port), 'use-tls': 'off', hostname: 'ops.example.test' }, { platform: 'cli', id: 'setup' });
  await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', { platform: 'cli', id: 'setup' });
});

afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => (peer ? peer.close(() => resolve()) : resolve()));
});

describe('test follow-up', () => {
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
});

describe('alerts', () => {
  test('a bounce reaches the channel subscribed with /smtp alerts subscribe', async () => {
    const sub = await h.command(OPERATOR, 'alerts subscribe', 'C0ALERTS');
    expect(textOf(sub)).toMatch(/now receives alerts/);
    expect((await h.engine.alertList()).some((s) => s.platform === 'slack' && s.channel === 'C0ALERTS')).toBe(true);

    const { responseUrl } = await h.slash(OPERATOR, 'test bounce@sink.test');
    const outcome = await h.posted(responseUrl, 2);
    expect(textOf(outcome)).toContain('bounced');

    const alert = await h.fake.waitFor(() => h.fake.calls('chat.postMessage').find((r) => r.body.channel === 'C0ALERTS'), 10_000, 'the bounce alert');
    expect(blockProblems(alert.body.blocks)).toEqual([]);
    expect(JSON.stringify(alert.body.blocks)).toContain('bounce@sink.test');
    expect(alert.body.text.length).toBeGreaterThan(0);
  });

  test('an engine alert to one target is posted there with chat.postMessage', async () => {
    await h.engine.alert({ level: 'warning', title: 'relay.unreachable', text: 'Relay <!channel> 127.0.0.1:1 refused the connection', target: { platform: 'slack', channel: 'C0ONE' } });
    const post = await h.fake.waitFor(() => h.fake.calls('chat.postMessage').find((r) => r.body.channel === 'C0ONE'), 5000, 'the alert');
    const blocks = JSON.stringify(post.body.blocks);
    expect(blocks).toContain('relay.unreachable');
    // User or server text cannot ping the channel.
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).toContain('&lt;!channel&gt;');
  });
});

describe('files', () => {
  test('a shared full report uploads the whole text file and the chart to the channel', async () => {
    // Some traffic, so the full report is long enough to come as a file.
    for (let i = 0; i < 12; i++) await h.engine.submit({ from: `app${i}@ops.example.test`, to: [`user${i}@d${i}.sink.test`], subject: `s${i}`, text: 'hello' });
    for (let i = 0; i < 100 && (await h.engine.queueCounts()).total > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await h.engine.queueCounts()).total).toBe(0);

    const m = await h.command(OPERATOR, 'report --full --share', 'C0FILE');
    expect(m.visibleTo).toBeUndefined();
    expect(textOf(m)).toContain('Attached as');
    await h.fake.waitFor(() => h.fake.calls('files.completeUploadExternal').filter((r) => r.body.channel_id === 'C0FILE').length >= 2, 10_000, 'two uploads');
    const files = [...h.fake.uploads.values()].filter((u) => u.channel === 'C0FILE');
    const txt = files.find((f) => f.filename.endsWith('.txt'))!;
    expect(txt.data!.toString('utf8')).toContain('d11.sink.test');
    expect(txt.data!.length).toBe(txt.length);
    expect(files.some((f) => f.filename.endsWith('.png'))).toBe(true);
  });
});

