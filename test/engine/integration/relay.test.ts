import { afterEach, describe, expect, it } from 'vitest';
import { freePort, PEERS, peersOrSkip, sinkMessages, waitForSink } from '../../peers/peers.js';
import { actor, forward, harness, marker, relaySettings, until, type Harness } from './harness.js';

// Engine + real Postfix (test/peers/peers.sh): mail to @sink.test is relayed on to smtp-sink,
// whose dump files let us count every delivery.
const peers = await peersOrSkip('relay integration tests');

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const sasl = (pass: string = PEERS.saslPassword) => ({ 'use-tls': 'on', sasl: 'on', 'sasl-username': PEERS.saslUser, 'sasl-password': pass, 'tls-ca': PEERS.caPath });

describe.skipIf(!peers.ok)('engine -> Postfix relay -> smtp-sink', () => {
  it('STARTTLS + SASL on the submission port (10587): delivered once, authenticated and encrypted', async () => {
    h = harness();
    const engine = await h.open();
    const view = await engine.updateSettings(relaySettings(PEERS.relaySubmissionPort, sasl()), actor);
    expect(view.tlsMode).toBe('starttls');
    const m = marker('submission');
    const { id } = await engine.submit({ to: ['one@sink.test'], subject: m, text: 'via 10587' }, actor);
    const outcome = await engine.waitForAttempt(id, 30_000);
    expect(outcome.status).toBe('sent');
    expect(outcome.results[0]).toMatchObject({ to: 'one@sink.test', status: 'sent', tls: true, host: `127.0.0.1:${PEERS.relaySubmissionPort}` });
    expect(outcome.results[0].response).toMatch(/^250 .*queued as/);

    const got = await waitForSink(m, 1);
    expect(got).toHaveLength(1);
    // Postfix's Received header: our EHLO name, and ESMTPSA = TLS + SASL.
    expect(got[0]).toMatch(/Received: from it\.smtp-ops\.test \(localhost \[127\.0\.0\.1\]\)\s+by relay\.smtp-ops\.test \(Postfix\) with ESMTPSA/);
    expect(got[0]).toContain('From: Integration <alerts@smtp-ops.test>');
    const log = await engine.logList({ status: 'sent' });
    expect(log.items.find((e) => e.id === id)).toMatchObject({ host: `127.0.0.1:${PEERS.relaySubmissionPort}`, to: ['one@sink.test'] });
  });

  it('implicit TLS + SASL on the smtps port (10465)', async () => {
    h = harness();
    // The peer's smtps port is 10465, not 465: implicit TLS is asked for with tls-implicit=on.
    const engine = await h.open();
    await engine.updateSettings({ ...relaySettings(PEERS.relaySmtpsPort, sasl()), 'tls-implicit': 'on' }, actor);
    expect((await engine.getSettings()).tlsMode).toBe('implicit');
    const m = marker('smtps');
    const { id } = await engine.submit({ to: ['a@sink.test', 'b@sink.test'], subject: m, text: 'via 10465' }, actor);
    const outcome = await engine.waitForAttempt(id, 30_000);
    expect(outcome.results.map((r) => [r.to, r.status, r.tls])).toEqual([
      ['a@sink.test', 'sent', true],
      ['b@sink.test', 'sent', true],
    ]);
    const got = await waitForSink(m, 1);
    expect(got[0]).toMatch(/with ESMTPSA/);
    // Postfix delivers both recipients of the domain in one transaction to the sink.
    expect(got.join('\n').match(/X-Rcpt-Args: <[ab]@sink\.test>/g)?.sort()).toEqual(['X-Rcpt-Args: <a@sink.test>', 'X-Rcpt-Args: <b@sink.test>']);
  });

  it('a wrong password: 535, an auth.failed error event, the message stays queued; fixed password + flush delivers it once', async () => {
    h = harness();
    const engine = await h.open();
    const wrong = 'not-the-Relay-secret';
    await engine.updateSettings(relaySettings(PEERS.relaySubmissionPort, sasl(wrong)), actor);
    const m = marker('badpass');
    const { id } = await engine.submit({ to: ['auth@sink.test'], subject: m, text: 'after the password is fixed' }, actor);
    const outcome = await engine.waitForAttempt(id, 30_000);
    expect(outcome).toMatchObject({ status: 'deferred', queued: true });
    expect(outcome.results[0]).toMatchObject({ failure: 'auth', code: 535 });

    // The failure event is on disk before the attempt's outcome is handed out.
    const auth = (await engine.eventList({ level: 'error' })).items.find((e) => e.code === 'auth.failed')!;
    expect(auth.message).toMatch(/535/);
    const events = await engine.eventList({ limit: 200 });
    expect(JSON.stringify(events.items)).not.toContain(wrong);
    expect(JSON.stringify(await engine.logList({}))).not.toContain(wrong);
    expect((await engine.queueShow(id)).state).toBe('deferred');
    expect((await engine.queueCounts()).deferred).toBe(1);
    expect(sinkMessages(m)).toHaveLength(0);

    await engine.updateSettings({ 'sasl-password': PEERS.saslPassword }, actor);
    expect((await engine.queueFlush(actor)).count).toBe(1);
    expect(await waitForSink(m, 1)).toHaveLength(1);
    await until('queue empty', async () => (await engine.queueCounts()).total === 0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sinkMessages(m)).toHaveLength(1);
  });

  it('relay down: deferred and kept across a restart; relay up + flush: every message delivered exactly once', async () => {
    h = harness();
    const port = await freePort();
    let engine = await h.open();
    await engine.updateSettings(relaySettings(port, { 'use-tls': 'off' }), actor);
    const m = marker('down');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await engine.submit({ to: [`down${i}@sink.test`], subject: `${m}-${i}`, text: `message ${i}` }, actor)).id);
    for (const id of ids) {
      const o = await engine.waitForAttempt(id, 30_000);
      expect(o.status).toBe('deferred');
      expect(o.results[0]).toMatchObject({ failure: 'connection', host: `127.0.0.1:${port}` });
    }
    await until('relay.unreachable event', async () => (await engine.eventList({ level: 'error' })).items.some((e) => e.code === 'relay.unreachable'));

    // Nothing lost across a restart of the engine on the same store.
    await engine.close();
    engine = await h.open();
    expect((await engine.queueCounts()).deferred).toBe(5);

    const relayUp = await forward(port, PEERS.relayPlainPort);
    try {
      expect((await engine.queueFlush(actor)).count).toBe(5);
      for (let i = 0; i < 5; i++) expect(await waitForSink(`${m}-${i}\n`, 1)).toHaveLength(1);
      await until('queue empty', async () => (await engine.queueCounts()).total === 0);
      await new Promise((r) => setTimeout(r, 1_500));
      for (let i = 0; i < 5; i++) expect(sinkMessages(`Subject: ${m}-${i}\n`), `message ${i}`).toHaveLength(1);
      const sent = (await engine.logList({ status: 'sent', limit: 50 })).items.filter((e) => ids.includes(e.id));
      expect(sent).toHaveLength(5);
    } finally {
      await relayUp.close();
    }
  });

  it('the doctor passes TCP, verified STARTTLS and AUTH against the real relay', async () => {
    h = harness();
    const engine = await h.open({ worker: false });
    await engine.updateSettings(relaySettings(PEERS.relaySubmissionPort, sasl()), actor);
    const checks = Object.fromEntries((await engine.doctor()).map((c) => [c.id, c]));
    expect(checks['relay-connect'].status).toBe('ok');
    expect(checks['relay-tls']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/STARTTLS \(TLSv1\.[23]\), certificate verified/) });
    expect(checks['relay-permission'].status).toBe('ok');
    expect(checks['relay-auth']).toMatchObject({ status: 'ok', detail: `authenticated as ${PEERS.saslUser}` });
  });
});
