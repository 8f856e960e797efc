import { afterEach, describe, expect, it } from 'vitest';
import { peersOrSkip, startSmtpSink, type SmtpSink } from '../../peers/peers.js';
import { actor, harness, marker, until, type Harness } from './harness.js';

// Direct mode: dnsmasq says mail for direct.test goes to mx.direct.test = 127.0.0.21, where a
// private smtp-sink listens on the direct port (SMTP_OPS_DIRECT_PORT in production terms).
const peers = await peersOrSkip('direct-mode integration tests');

let h: Harness | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await h?.dispose();
  await sink?.stop();
  h = undefined;
  sink = undefined;
});

describe.skipIf(!peers.ok)('engine -> DNS (dnsmasq) -> MX smtp-sink', () => {
  it('delivers by MX, one transaction per domain; bounces a null-MX domain at once', async () => {
    sink = await startSmtpSink('127.0.0.21');
    h = harness();
    const engine = await h.open({ directPort: sink.port });
    const view = await engine.updateSettings({ hostname: 'direct-it.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'relay-host': '', 'relay-port': '', 'use-tls': 'off' }, actor);
    expect(view.route).toBe('direct (MX)');
    expect(view.tlsMode).toBe('opportunistic');

    const m = marker('direct');
    const { id } = await engine.submit({ to: ['a@direct.test', 'b@direct.test', 'c@null.dlv.test'], subject: m, text: 'direct' }, actor);
    const outcome = await engine.waitForAttempt(id, 30_000);
    const by = Object.fromEntries(outcome.results.map((r) => [r.to, r]));
    expect(by['a@direct.test']).toMatchObject({ status: 'sent', host: `mx.direct.test:${sink.port}` });
    expect(by['b@direct.test']).toMatchObject({ status: 'sent', host: `mx.direct.test:${sink.port}` });
    expect(by['c@null.dlv.test']).toMatchObject({ status: 'bounced', failure: 'dns' });

    const got = await until('sink dump', async () => (sink!.messages(m).length > 0 ? sink!.messages(m) : undefined));
    expect(got).toHaveLength(1);
    expect(got[0]).toContain('X-Helo-Args: direct-it.smtp-ops.test');
    expect(got[0].match(/X-Rcpt-Args: <[^>]+>/g)).toEqual(['X-Rcpt-Args: <a@direct.test>', 'X-Rcpt-Args: <b@direct.test>']);
    expect((await engine.queueCounts()).total).toBe(0);
    const bounced = await engine.logList({ status: 'bounced' });
    expect(bounced.items.find((e) => e.id === id)).toMatchObject({ to: ['c@null.dlv.test'] });
  });

  it('a dead MX defers and keeps the message; once the MX listens, a flush delivers it exactly once', async () => {
    h = harness();
    // Same port as the sink will use, before the sink exists: connection refused at 127.0.0.21.
    const probe = await startSmtpSink('127.0.0.21');
    const port = probe.port;
    await probe.stop();
    const engine = await h.open({ directPort: port });
    await engine.updateSettings({ hostname: 'direct-it.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'relay-host': '', 'relay-port': '', 'use-tls': 'off' }, actor);
    const m = marker('mxdown');
    const { id } = await engine.submit({ to: ['later@direct.test'], subject: m, text: 'later' }, actor);
    const first = await engine.waitForAttempt(id, 30_000);
    expect(first).toMatchObject({ status: 'deferred', queued: true });
    expect(first.results[0]).toMatchObject({ failure: 'connection' });

    sink = await startSmtpSink('127.0.0.21', port);
    expect((await engine.queueFlush(actor)).count).toBe(1);
    await until('delivery', async () => sink!.messages(m).length === 1);
    await until('queue empty', async () => (await engine.queueCounts()).total === 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sink.messages(m)).toHaveLength(1);
  });
});
