/**
 * Email alerts through the engine itself: a grouped alert reaches Postfix's smtp-sink (direct
 * mode: dnsmasq says mx.direct.test = 127.0.0.21); when the mail path is what fails, the alert
 * email waits in the queue like any mail, chat says so, and it goes out once the path works.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attachEmailAlerts } from '../../../src/adapters/email/index.js';
import type { AlertNotice, Engine } from '../../../src/engine/index.js';
import { FakeClock, until } from '../../doubles/clock.js';
import { freePort, peersOrSkip, startSmtpSink, type SmtpSink } from '../../peers/peers.js';
import { actor, harness, until as waitFor, type Harness } from '../../engine/integration/harness.js';

const peers = await peersOrSkip('email alert tests');

let h: Harness | undefined;
const sinks: SmtpSink[] = [];
afterEach(async () => {
  await h?.dispose();
  for (const s of sinks.splice(0)) await s.stop();
  h = undefined;
});

/** The dump with its quoted-printable body decoded (the alert text is UTF-8). */
function qp(dump: string): string {
  const bytes = dump.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

async function worked(e: Engine) {
  await until(async () => {
    const c = await e.queueCounts();
    return c.queued + c.sending === 0;
  }, 30_000, 'the queue to be worked');
}

describe.skipIf(!peers.ok)('email alerts', () => {
  it('an email subscription receives one grouped alert at an smtp-sink, automatic mail, with counts, codes and the fix', async () => {
    const sink = await startSmtpSink('127.0.0.21');
    sinks.push(sink);
    const clock = new FakeClock();
    h = harness();
    const engine = await h.open({ directPort: sink.port, clock });
    attachEmailAlerts(engine);
    await engine.updateSettings({ hostname: 'alerts-it.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'relay-host': '', 'relay-port': '', 'use-tls': 'off' }, actor);
    await engine.alertSubscribe({ platform: 'email', channel: 'oncall@direct.test' }, 'error', actor);
    for (let i = 0; i < 5; i++) await engine.submit({ to: [`user${i}@null.dlv.test`], subject: `s${i}`, text: 'x' }, actor);
    await until(async () => (await engine.alertGroups()).some((g) => g.messages === 5), 30_000, 'five bounces counted');
    expect(sink.messages('smtp-ops')).toHaveLength(0);
    clock.advance(30_000);
    const got = await waitFor('the alert email', async () => (sink.messages('[smtp-ops FIRING]').length ? sink.messages('[smtp-ops FIRING]') : undefined));
    const mail = qp(got[0]);
    expect(mail).toContain('Subject: [smtp-ops FIRING] Mail to null.dlv.test bounces');
    expect(mail).toContain('Auto-Submitted: auto-generated');
    expect(mail).toContain('5 messages to 5 recipients bounced');
    expect(mail).toContain('5.1.10');
    expect(mail).toContain('Likely fix:');
    expect(mail).toContain('log --status bounced');
    expect(mail).toMatch(/X-Rcpt-Args: <oncall@direct.test>/);
    // It is mail like any other: in the log, sent, from source alert.
    const sent = (await engine.logList({ to: 'oncall@direct.test' })).items;
    expect(sent.map((e) => [e.status, e.source])).toContainEqual(['sent', 'alert']);
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages('[smtp-ops FIRING]')).toHaveLength(1);
  });

  it('when the relay is down the alert email waits in the queue, chat says so, and it is delivered once the relay is back', async () => {
    const port = await freePort();
    const clock = new FakeClock();
    h = harness();
    const engine = await h.open({ clock });
    attachEmailAlerts(engine);
    const chat: AlertNotice[] = [];
    engine.addAlertSink('slack', { post: async (_t, n) => (chat.push(n), `ts${chat.length}`), edit: async (_t, _r, n) => void chat.push(n) });
    await engine.updateSettings({ hostname: 'alerts-it.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'relay-host': '127.0.0.1', 'relay-port': String(port), 'use-tls': 'off' }, actor);
    await engine.alertSubscribe({ platform: 'email', channel: 'oncall@sink.test' }, 'warning', actor);
    await engine.alertSubscribe({ platform: 'slack', channel: 'C0OPS' }, 'warning', actor);
    const { id } = await engine.submit({ to: ['someone@sink.test'], subject: 'app mail', text: 'x' }, actor);
    await engine.waitForAttempt(id, 30_000);
    clock.advance(30_000);
    await until(() => chat.length >= 1, 10_000, 'the chat alert');
    expect(chat[0].group).toMatchObject({ code: 'relay.unreachable' });
    expect(chat[0].notes.join(' ')).toContain('Email alerts to oncall@sink.test wait in the queue behind this failure');
    await until(async () => (await engine.queueList()).items.some((m) => m.to[0] === 'oncall@sink.test'), 10_000, 'the alert email queued');
    await worked(engine);
    const waiting = (await engine.queueList()).items.find((m) => m.to[0] === 'oncall@sink.test')!;
    expect(waiting).toMatchObject({ source: 'alert', state: 'deferred' });

    // The relay comes back: a private smtp-sink on the same port.
    const sink = await startSmtpSink('127.0.0.1', port);
    sinks.push(sink);
    expect((await engine.queueFlush(actor)).count).toBe(2);
    const got = await waitFor('the alert email', async () => (sink.messages('[smtp-ops FIRING]').length ? sink.messages('[smtp-ops FIRING]') : undefined));
    expect(got[0]).toContain(`Relay 127.0.0.1:${port} is unreachable`);
    expect(got).toHaveLength(1);
  });
});
