/**
 * Intake conformance (RFC 5321/6531/1870/6152) with real clients, Python's smtplib
 * and swaks, on the real engine and store: what each command is answered, what the
 * queue keeps (the envelope exactly as given), and the `intake.rejected` events.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEngine, type Engine, type EventEntry, type IntakeServer, type SettingsPatch } from '../../../src/engine/index.js';
import { RawSmtp, missingTools, replies, run, swaks } from './clients.js';
import { startPeer, type Peer } from '../delivery/smtp-peer.js';
import { IntakeSmtpServer } from '../../../src/engine/intake/smtp-listener.js';
import { PEERS, peersOrSkip, waitForSink } from '../../peers/peers.js';

const missing = missingTools('swaks', 'python3');
const peers = await peersOrSkip('intake conformance (relayed legs)');
const admin = { platform: 'cli' as const, id: 'conformance-test' };
const dialogueScript = resolve(import.meta.dirname, 'smtp_dialogue.py');

type Step = ['ehlo', string] | ['mail', string, string[]?] | ['rcpt', string, string[]?] | ['data', string] | ['rset'] | ['quit'] | ['utf8'];

/** One smtplib conversation; the [code, text] reply of every step. */
async function smtplib(port: number, steps: Step[]): Promise<[number, string][]> {
  const r = await run('python3', [dialogueScript, '127.0.0.1', String(port)], JSON.stringify(steps));
  expect(r.code, r.out).toBe(0);
  return JSON.parse(r.out.trim().split('\n').at(-1)!) as [number, string][];
}

const message = (subject: string) => `From: ops@example.com\r\nTo: oncall@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`;

describe.skipIf(missing.length > 0)(`intake conformance with smtplib and swaks${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`, () => {
  let dir: string;
  let engine: Engine | undefined;
  let server: IntakeServer | undefined;
  let peer: Peer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ops-conformance-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
    await engine?.close();
    engine = undefined;
    await peer?.close();
    peer = undefined;
  });

  async function listen(settings: SettingsPatch = {}, worker = false) {
    const storeDir = await mkdtemp(join(dir, 'store-'));
    const e = await createEngine({ storeDir, worker, pollMs: 200, secretKey: randomBytes(32).toString('hex') });
    engine = e;
    await e.updateSettings({ hostname: 'smtp-ops.test', ...settings }, admin);
    server = await e.startIntake({ listen: '127.0.0.1:0' });
    return { e, port: server.port };
  }
  const queued = async (e: Engine) => (await e.queueList({ limit: 200, order: 'oldest' })).items;
  async function rejectedEvents(e: Engine, n: number): Promise<EventEntry[]> {
    const end = Date.now() + 5_000;
    for (;;) {
      const got = (await e.eventList({ limit: 200 })).items.filter((x) => x.code === 'intake.rejected').sort((a, b) => (a.key < b.key ? -1 : 1));
      if (got.length >= n || Date.now() > end) return got;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('takes an A-label domain as it is (swaks and smtplib), never converted to Unicode', async () => {
    const { e, port } = await listen();
    const sw = await swaks(port, ['--from', 'alerts@xn--r8jz45g.test', '--to', 'ops@xn--r8jz45g.test', '--header', 'Subject: a-label swaks']);
    expect(sw.out).toMatch(/250 2\.0\.0 Ok: queued as/);
    const py = await smtplib(port, [['ehlo', 'client.test'], ['mail', 'alerts@XN--R8JZ45G.test'], ['rcpt', 'Ops@xn--r8jz45g.test'], ['data', message('a-label smtplib')], ['quit']]);
    expect(py.map(([c]) => c)).toEqual([250, 250, 250, 250, 221]);
    const items = await queued(e);
    expect(items.map((i) => [i.from, i.to])).toEqual([
      ['alerts@xn--r8jz45g.test', ['ops@xn--r8jz45g.test']],
      ['alerts@XN--R8JZ45G.test', ['Ops@xn--r8jz45g.test']],
    ]);
  });

  it('takes a quoted local part (RFC 5321 4.1.2) and keeps it quoted', async () => {
    const { e, port } = await listen();
    const sw = await swaks(port, ['--from', 'ops@example.com', '--to', '"on call"@example.com', '--header', 'Subject: quoted']);
    expect(sw.out).toMatch(/250 2\.0\.0 Ok: queued as/);
    const py = await smtplib(port, [['ehlo', 'client.test'], ['mail', '"night shift"@example.com'], ['rcpt', '"a\\"b@c"@example.com'], ['data', message('quoted 2')], ['quit']]);
    expect(py.map(([c]) => c)).toEqual([250, 250, 250, 250, 221]);
    expect((await queued(e)).map((i) => [i.from, i.to])).toEqual([
      ['ops@example.com', ['"on call"@example.com']],
      ['"night shift"@example.com', ['"a\\"b@c"@example.com']],
    ]);
  });

  it('takes UTF-8 addresses with SMTPUTF8 and refuses them without it (553 5.6.7), at the command', async () => {
    const { e, port } = await listen();
    const ehlo = await smtplib(port, [['ehlo', 'client.test'], ['quit']]);
    expect(ehlo[0][1]).toMatch(/SMTPUTF8/);
    // With SMTPUTF8 on MAIL: a UTF-8 local part and a U-label domain, kept as given.
    const ok = await smtplib(port, [['ehlo', 'client.test'], ['mail', 'pelé@exämple.test', ['SMTPUTF8']], ['rcpt', 'δοκιμή@παράδειγμα.test'], ['rcpt', 'ops@xn--r8jz45g.test'], ['data', message('utf8 ok')], ['quit']]);
    expect(ok.map(([c]) => c)).toEqual([250, 250, 250, 250, 250, 221]);
    // Without it: the sender, then a recipient, are refused where they are given; nothing is queued.
    const noSender = await smtplib(port, [['ehlo', 'client.test'], ['utf8'], ['mail', 'pelé@example.com'], ['quit']]);
    expect(noSender[2]).toEqual([553, '5.6.7 Must declare SMTPUTF8 to send unicode address']);
    const noRcpt = await smtplib(port, [['ehlo', 'client.test'], ['utf8'], ['mail', 'ops@example.com'], ['rcpt', 'ops@exämple.test'], ['rcpt', 'ops@example.com'], ['rset'], ['quit']]);
    expect(noRcpt.slice(2, 5)).toEqual([
      [250, 'Accepted'],
      [553, '5.6.7 Must declare SMTPUTF8 to send unicode address'],
      [250, 'Accepted'],
    ]);
    // swaks sends the UTF-8 bytes without SMTPUTF8 too.
    const sw = await swaks(port, ['--from', 'ops@example.com', '--to', 'ünï@example.com']);
    expect(replies(sw.out)).toContain('553 5.6.7 Must declare SMTPUTF8 to send unicode address');
    const items = await queued(e);
    expect(items.map((i) => [i.from, i.to])).toEqual([['pelé@exämple.test', ['δοκιμή@παράδειγμα.test', 'ops@xn--r8jz45g.test']]]);
    // The first refusal of a kind is an event at once; the next two, within the minute, one summary.
    expect((await rejectedEvents(e, 1)).map((x) => x.data)).toEqual([
      { client: '127.0.0.1', helo: 'client.test', sender: 'pelé@example.com', reason: 'address', code: 553, status: '5.6.7', count: 1 },
    ]);
    await server!.close();
    server = undefined;
    const all = await rejectedEvents(e, 2);
    expect(all[1].data).toMatchObject({ client: '127.0.0.1', sender: 'ops@example.com', reason: 'address', code: 553, status: '5.6.7', count: 2 });
  });

  it('answers 555 5.5.4 to a parameter EHLO did not offer, on MAIL and RCPT (RFC 5321 4.1.1.11)', async () => {
    const { e, port } = await listen();
    const r = await smtplib(port, [
      ['ehlo', 'client.test'],
      ['mail', 'ops@example.com', ['X-PRIORITY=high']],
      ['mail', 'ops@example.com', ['RET=FULL']],
      ['mail', 'ops@example.com', ['BODY=BINARYMIME']],
      ['mail', 'ops@example.com', ['BODY=8BITMIME', 'SIZE=300']],
      ['rcpt', 'oncall@example.com', ['NOTIFY=FAILURE']],
      ['rcpt', 'oncall@example.com'],
      ['data', message('params')],
      ['quit'],
    ]);
    expect(r.slice(1)).toEqual([
      [555, '5.5.4 Unsupported option: X-PRIORITY=high'],
      [555, '5.5.4 Unsupported option: RET=FULL'],
      [501, '5.5.4 Bad BODY parameter: BINARYMIME (7BIT or 8BITMIME)'],
      [250, 'Accepted'],
      [555, '5.5.4 Unsupported option: NOTIFY=FAILURE'],
      [250, 'Accepted'],
      [250, expect.stringMatching(/^2\.0\.0 Ok: queued as /)],
      [221, expect.any(String)],
    ]);
    expect(await queued(e)).toHaveLength(1);
    // Repeats of one kind (reason, code, status) from one client within a minute wait for a summary event.
    const events = await rejectedEvents(e, 2);
    expect(events.map((x) => [x.data?.reason, x.data?.code, x.data?.status, x.data?.count])).toEqual([
      ['parameter', 555, '5.5.4', 1],
      ['parameter', 501, '5.5.4', 1],
    ]);
    await server!.close();
    server = undefined;
    const all = await rejectedEvents(e, 3);
    expect(all[2]).toMatchObject({ message: expect.stringMatching(/^Refused 2 more submissions from 127\.0\.0\.1 in the last minute \(parameter; latest: recipient <oncall@example\.com>: 555 5\.5\.4 Unsupported option: NOTIFY=FAILURE\)/), data: { reason: 'parameter', code: 555, count: 2 } });
    // The sum of count is the number of refusals.
    expect(all.reduce((n, x) => n + Number(x.data?.count), 0)).toBe(4);
  });

  it('refuses a declared SIZE over intake-max-size (552 5.3.4) and recipients over the limit (452 4.5.3), as events', async () => {
    const { e, port } = await listen({ 'intake-max-size': '1000', 'intake-max-recipients': '2' });
    const r = await smtplib(port, [
      ['ehlo', 'client.test'],
      ['mail', 'big@example.com', ['SIZE=1001']],
      ['mail', 'ops@example.com', ['SIZE=1000']],
      ['rcpt', 'a@example.com'],
      ['rcpt', 'b@example.com'],
      ['rcpt', 'c@example.com'],
      ['quit'],
    ]);
    expect(r.slice(1, 6).map(([c, t]) => `${c} ${t}`)).toEqual([
      '552 5.3.4 Message size exceeds fixed limit',
      '250 Accepted',
      '250 Accepted',
      '250 Accepted',
      '452 4.5.3 Error: too many recipients',
    ]);
    const events = await rejectedEvents(e, 2);
    expect(events.map((x) => x.data)).toEqual([
      { client: '127.0.0.1', helo: 'client.test', sender: 'big@example.com', reason: 'size', code: 552, status: '5.3.4', count: 1 },
      { client: '127.0.0.1', helo: 'client.test', sender: 'ops@example.com', reason: 'recipients', code: 452, status: '4.5.3', count: 1 },
    ]);
  });

  it('refuses bad address syntax at the command with 501 5.1.7 / 5.1.3 naming the rule', async () => {
    const { e, port } = await listen();
    const raw = await RawSmtp.open(port);
    await raw.reply();
    await raw.cmd('EHLO client.test');
    expect(await raw.cmd('MAIL FROM:ops@example.com')).toMatch(/^501 5\.1\.7 Bad sender address syntax: .*angle brackets/);
    expect(await raw.cmd('MAIL FROM:<a..b@example.com>')).toMatch(/^501 5\.1\.7 /);
    expect(await raw.cmd('MAIL FROM:<>')).toMatch(/^250 /);
    expect(await raw.cmd(`RCPT TO:<${'x'.repeat(65)}@example.com>`)).toMatch(/^501 5\.1\.3 Bad recipient address syntax: the local part is longer than 64 octets/);
    expect(await raw.cmd('RCPT TO:<ops@-bad-.example>')).toMatch(/^501 5\.1\.3 /);
    expect(await raw.cmd('RCPT TO:<"unclosed@example.com>')).toMatch(/^501 5\.1\.3 /);
    expect(await raw.cmd('RCPT TO:<Postmaster>')).toMatch(/^250 /);
    expect(await raw.cmd('RCPT TO:<ops@[127.0.0.1]>')).toMatch(/^250 /);
    expect(await raw.cmd('DATA')).toMatch(/^354/);
    expect(await raw.cmd('Subject: literal\r\n\r\nbody\r\n.')).toMatch(/^250 2\.0\.0 Ok/);
    await raw.cmd('QUIT');
    expect((await queued(e)).map((i) => [i.from, i.to])).toEqual([['', ['Postmaster', 'ops@[127.0.0.1]']]]);
    const events = await rejectedEvents(e, 2);
    expect(events[0].data).toMatchObject({ reason: 'address', code: 501, status: '5.1.7', sender: null });
  });

  it('relays what the client declared: BODY=8BITMIME and SIZE reach the next hop in MAIL FROM', async () => {
    peer = await startPeer({ size: 10_000_000 });
    const { e, port } = await listen({ 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off' }, true);
    const r = await smtplib(port, [['ehlo', 'client.test'], ['mail', 'ops@example.com', ['BODY=8BITMIME', 'SIZE=120']], ['rcpt', 'oncall@example.com'], ['data', message('8bit relayed') + 'Grüße\r\n'], ['quit']]);
    expect(r.map(([c]) => c)).toEqual([250, 250, 250, 250, 221]);
    const id = /queued as (\S+)/.exec(r[3][1])![1];
    const outcome = await e.waitForAttempt(id, 20_000);
    expect(outcome.status).toBe('sent');
    const got = peer.received[0];
    // SIZE is what is relayed: the stored message, our Received: header included, byte for byte.
    expect(got.mailFrom).toBe(`MAIL FROM:<ops@example.com> BODY=8BITMIME SIZE=${Buffer.byteLength(got.raw)}`);
    expect(got.raw).toContain('Grüße');
  });

  it('bounces SMTPUTF8 mail with 5.6.7 when the relay does not offer SMTPUTF8, in the mail log and the events', async () => {
    peer = await startPeer({ noSmtputf8: true });
    const { e, port } = await listen({ 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off' }, true);
    const r = await smtplib(port, [['ehlo', 'client.test'], ['mail', 'pelé@exämple.test', ['SMTPUTF8']], ['rcpt', 'oncall@example.com'], ['data', message('utf8 to a 7-bit relay')], ['quit']]);
    const id = /queued as (\S+)/.exec(r[3][1])![1];
    const outcome = await e.waitForAttempt(id, 20_000);
    expect(outcome).toMatchObject({ status: 'bounced', queued: false });
    expect(outcome.results[0].response).toBe(`5.6.7 SMTPUTF8 is required, but was not offered by host 127.0.0.1:${peer.port}`);
    expect(peer.received).toEqual([]);
    const log = (await e.logList({ status: 'bounced', limit: 10 })).items;
    expect(log.map((x) => [x.id, x.to, x.response])).toEqual([[id, ['oncall@example.com'], expect.stringMatching(/^5\.6\.7 /)]]);
  });

  it.skipIf(!peers.ok)('through the Postfix relay: Postfix passes BODY=8BITMIME on to smtp-sink (X-Mail-Args)', async () => {
    const { e, port } = await listen({ 'relay-host': PEERS.relayHost, 'relay-port': String(PEERS.relayPlainPort), 'use-tls': 'off' }, true);
    const marker = `conformance-8bit-${Date.now()}`;
    const r = await smtplib(port, [['ehlo', 'client.test'], ['mail', 'ops@example.com', ['BODY=8BITMIME']], ['rcpt', 'oncall@sink.test'], ['data', message(marker) + 'Grüße\r\n'], ['quit']]);
    const id = /queued as (\S+)/.exec(r[3][1])![1];
    expect((await e.waitForAttempt(id, 20_000)).status).toBe('sent');
    const [dump] = await waitForSink(marker, 1);
    expect(dump).toMatch(/^X-Mail-Args: <ops@example\.com> BODY=8BITMIME/m);
    expect(dump).toContain('Grüße');
  });

  it('runs the same on the engine thread with SMTP_OPS_INTAKE_THREAD=off, and names the variable when it is neither on nor off', async () => {
    const saved = process.env.SMTP_OPS_INTAKE_THREAD;
    try {
      process.env.SMTP_OPS_INTAKE_THREAD = 'off';
      const { e, port } = await listen();
      const r = await smtplib(port, [['ehlo', 'client.test'], ['mail', 'ops@example.com', ['FOO=1']], ['mail', 'ops@example.com'], ['rcpt', '"on call"@xn--r8jz45g.test'], ['data', message('main thread')], ['quit']]);
      expect(r.map(([c]) => c)).toEqual([250, 555, 250, 250, 250, 221]);
      expect((await queued(e)).map((i) => i.to)).toEqual([['"on call"@xn--r8jz45g.test']]);
      await server!.close();
      server = undefined;
      process.env.SMTP_OPS_INTAKE_THREAD = 'sometimes';
      await expect(e.startIntake({ listen: '127.0.0.1:0' })).rejects.toMatchObject({ code: 'E_VALIDATION', issues: [{ field: 'SMTP_OPS_INTAKE_THREAD', rule: 'choice' }] });
    } finally {
      if (saved === undefined) delete process.env.SMTP_OPS_INTAKE_THREAD;
      else process.env.SMTP_OPS_INTAKE_THREAD = saved;
    }
  });

  it('greets a loopback client at once: 220 before the client writes anything, without the early-talker timer', async () => {
    // The listener's smtp-server subclass in this thread, so the timers it arms can be watched.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const smtp = new IntakeSmtpServer({ rules: { maxSize: 0, maxRecipients: 0, auth: false }, onRefusal: () => undefined, name: 'smtp-ops.test', banner: 'smtp-ops', authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true, logger: false, onConnect: (_s, cb) => cb() });
    const port = await new Promise<number>((res) => smtp.listen(0, '127.0.0.1', () => res((smtp.server.address() as { port: number }).port)));
    try {
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const raw = await RawSmtp.open(port);
        // Nothing written yet: the greeting comes on its own.
        expect(await raw.reply()).toMatch(/^220 smtp-ops\.test ESMTP/);
        samples.push(performance.now() - t0);
        await raw.cmd('QUIT');
      }
      // smtp-server's init() arms setTimeout(connectionReady, 100) per connection; loopback skips it.
      expect(timers.mock.calls.filter(([, ms]) => ms === 100)).toHaveLength(0);
      samples.sort((a, b) => a - b);
      // Reported, not asserted: timing belongs to the benchmark (bench:throughput prints it against Postfix).
      console.log(`greeting latency on loopback (connect to 220), 20 connections: median ${samples[10].toFixed(2)} ms, max ${samples[19].toFixed(2)} ms`);
    } finally {
      await new Promise<void>((res) => smtp.close(() => res()));
    }
  });

  it('keeps the early-talker wait for a client that is not on loopback (seen through a PROXY header)', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const smtp = new IntakeSmtpServer({ rules: { maxSize: 0, maxRecipients: 0, auth: false }, onRefusal: () => undefined, name: 'smtp-ops.test', authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true, logger: false, useProxy: true, onConnect: (_s, cb) => cb() });
    const port = await new Promise<number>((res) => smtp.listen(0, '127.0.0.1', () => res((smtp.server.address() as { port: number }).port)));
    try {
      // The PROXY header makes the session's client 192.0.2.10 (TEST-NET-1): no packet leaves loopback.
      const patient = await RawSmtp.open(port);
      patient.write('PROXY TCP4 192.0.2.10 127.0.0.1 40000 25\r\n');
      expect(await patient.reply()).toMatch(/^220 /);
      await patient.cmd('QUIT');
      expect(timers.mock.calls.filter(([, ms]) => ms === 100)).toHaveLength(1);
      const eager = await RawSmtp.open(port);
      eager.write('PROXY TCP4 192.0.2.11 127.0.0.1 40001 25\r\nEHLO eager.test\r\n');
      expect(await eager.reply()).toMatch(/^421 .*You talk too soon/);
      await eager.destroy();
    } finally {
      await new Promise<void>((res) => smtp.close(() => res()));
    }
  });

  it('greets from the real listener (on its thread) without client input, and does not cut off a client that talks first', async () => {
    const { port } = await listen();
    const raw = await RawSmtp.open(port);
    expect(await raw.reply()).toMatch(/^220 smtp-ops\.test ESMTP smtp-ops$/);
    await raw.cmd('QUIT');
    // No wait for the banner: a loopback client is not an early talker to be refused with 421.
    const eager = await RawSmtp.open(port);
    eager.write('EHLO eager.test\r\n');
    expect(await eager.reply()).toMatch(/^220 /);
    expect(await eager.reply()).toMatch(/^250-smtp-ops\.test/);
    await eager.cmd('QUIT');
  });
});
