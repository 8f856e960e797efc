/**
 * The intake listener spoken to by real clients (swaks, Postfix's smtp-source,
 * a raw socket), against a recording engine seam. Durability against the real
 * store is in durability.test.ts.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIntake } from '../../../src/engine/intake/index.js';
import type { IntakeServer, SettingsView } from '../../../src/engine/index.js';
import { recordingIntakeDeps } from '../../doubles/intake-deps.js';
import { RawSmtp, missingTools, replies, run, swaks } from './clients.js';

const missing = missingTools('swaks', 'smtp-source', 'openssl');

describe.skipIf(missing.length > 0)(`intake listener with real clients${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`, () => {
  let dir: string;
  let server: IntakeServer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ops-intake-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function listen(over: Partial<SettingsView> = {}) {
    const rec = recordingIntakeDeps(over);
    server = await startIntake(rec.deps, { listen: '127.0.0.1:0' });
    return { ...rec, port: server.port };
  }

  /** Everything after our own Received: trace header. */
  function afterTrace(raw: Buffer): Buffer {
    const text = raw.toString('latin1');
    const m = /^Received: [^\r]*\r\n(?:\t[^\r]*\r\n)*/.exec(text);
    expect(m, 'a Received: header first').not.toBeNull();
    return raw.subarray(m![0].length);
  }

  it('accepts a message from swaks with 250 after submit, envelope as given and body bytes unchanged', async () => {
    const { port, submitted, events } = await listen();
    const data =
      'From: Monitor <Monitor@Example.COM>\nTo: oncall@sink.test\nSubject: disk full on db-1\n\n' +
      'Grüße aus dem Rechenzentrum\n.a line that starts with a dot\n..two dots\n';
    const file = join(dir, 'alert.eml');
    await writeFile(file, data);
    const r = await swaks(port, ['--from', 'Monitor@Example.COM', '--to', 'oncall@sink.test,Second@Sink.Test', '--data', `@${file}`]);
    expect(r.out).toMatch(/250 2\.0\.0 Ok: queued as Q1/);
    expect(submitted).toHaveLength(1);
    const m = submitted[0];
    expect(m.from).toBe('Monitor@Example.COM');
    expect(m.to).toEqual(['oncall@sink.test', 'Second@Sink.Test']);
    expect(m.client).toBe('127.0.0.1');
    expect(m.actor).toMatchObject({ platform: 'intake', id: '127.0.0.1' });
    // swaks sends the file with CRLF line ends plus one empty line before the final dot; dots come back unstuffed.
    const sent = Buffer.from(data.replace(/\n/g, '\r\n') + '\r\n', 'utf8');
    expect(afterTrace(m.raw).toString('hex')).toBe(sent.toString('hex'));
    expect(m.raw.toString('latin1')).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby smtp-ops\.test \(smtp-ops\) with ESMTP id \S+;\r\n\t\w{3}, /);
    expect(events.map((e) => e.code)).toEqual(['intake.started']);
  });

  it('takes many messages over parallel sessions from smtp-source', async () => {
    const { port, submitted } = await listen();
    const r = await run('smtp-source', ['-d', '-s', '5', '-m', '50', '-l', '512', '-f', 'load@example.com', '-t', 'sink@sink.test', `127.0.0.1:${port}`]);
    expect(r.code, r.out).toBe(0);
    expect(submitted).toHaveLength(50);
    const ids = new Set(submitted.map((s) => /^Message-Id: (.*)$/im.exec(s.raw.toString('latin1'))?.[1]));
    expect(ids.size).toBe(50);
  });

  it('advertises SIZE and answers 552 beyond it, queueing nothing', async () => {
    const { port, submitted } = await listen({ intakeMaxSize: 2000 });
    const r = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--body', 'x'.repeat(50_000)]);
    expect(r.out).toMatch(/250[- ]SIZE 2000/);
    expect(replies(r.out).at(-2) ?? '').toMatch(/^552 5\.3\.4 /);
    expect(submitted).toHaveLength(0);
    const ok = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--body', 'small']);
    expect(ok.out).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(submitted).toHaveLength(1);
  });

  it('requires AUTH when intake-auth is on: 530 without, 535 and an event when wrong, 250 when right', async () => {
    const { port, submitted, events } = await listen({ intakeAuth: true, intakeUsername: 'monitor' });
    const none = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test']);
    expect(none.out).toMatch(/<\*\* 530 /);
    const wrong = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--auth', 'PLAIN', '--auth-user', 'monitor', '--auth-password', 'guess-123']);
    expect(wrong.out).toMatch(/<\*\* 535 5\.7\.8 /);
    const failed = events.filter((e) => e.code === 'intake.auth-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'warning', data: { client: '127.0.0.1', username: 'monitor', method: 'PLAIN', count: 1 } });
    expect(JSON.stringify(events)).not.toContain('guess-123');
    expect(submitted).toHaveLength(0);
    const right = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--auth', 'LOGIN', '--auth-user', 'monitor', '--auth-password', 'intake-secret']);
    expect(right.out).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(submitted).toHaveLength(1);
    expect(submitted[0].actor).toMatchObject({ platform: 'intake', id: 'monitor' });
    expect(submitted[0].raw.toString('latin1')).toMatch(/with ESMTPA id/);
  });

  it('refuses recipients beyond intake-max-recipients with 452', async () => {
    const { port, submitted } = await listen({ intakeMaxRecipients: 2 });
    const raw = await RawSmtp.open(port);
    expect(await raw.reply()).toMatch(/^220 /);
    await raw.cmd('EHLO client.test');
    expect(await raw.cmd('MAIL FROM:<a@example.com>')).toMatch(/^250/);
    expect(await raw.cmd('RCPT TO:<one@sink.test>')).toMatch(/^250/);
    expect(await raw.cmd('RCPT TO:<two@sink.test>')).toMatch(/^250/);
    expect(await raw.cmd('RCPT TO:<three@sink.test>')).toMatch(/^452 /);
    expect(await raw.cmd('DATA')).toMatch(/^354/);
    expect(await raw.cmd('Subject: two of three\r\n\r\nbody\r\n.')).toMatch(/^250 /);
    await raw.cmd('QUIT');
    expect(submitted).toHaveLength(1);
    expect(submitted[0].to).toEqual(['one@sink.test', 'two@sink.test']);
    const sw = await swaks(port, ['--from', 'a@example.com', '--to', 'a@sink.test,b@sink.test,c@sink.test']);
    expect(sw.out).toMatch(/<\*\* 452 /);
  });

  it('queues nothing when the client hangs up in the middle of DATA', async () => {
    const { port, submitted } = await listen();
    const raw = await RawSmtp.open(port);
    await raw.reply();
    await raw.cmd('EHLO client.test');
    await raw.cmd('MAIL FROM:<a@example.com>');
    await raw.cmd('RCPT TO:<b@sink.test>');
    expect(await raw.cmd('DATA')).toMatch(/^354/);
    raw.write('Subject: cut short\r\n\r\n' + 'half a message\r\n'.repeat(2000));
    await raw.destroy();
    // The listener is still healthy and the next message is the only one queued.
    const ok = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--header', 'Subject: whole']);
    expect(ok.out).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(submitted).toHaveLength(1);
    expect(submitted[0].raw.toString()).toContain('Subject: whole');
  });

  it('answers 421 beyond intake-max-connections', async () => {
    const { port } = await listen({ intakeMaxConnections: 2 });
    const a = await RawSmtp.open(port);
    const b = await RawSmtp.open(port);
    expect(await a.reply()).toMatch(/^220 /);
    expect(await b.reply()).toMatch(/^220 /);
    const c = await RawSmtp.open(port);
    expect(await c.reply()).toMatch(/^421 /);
    await Promise.all([a.destroy(), b.destroy(), c.destroy()]);
  });

  it('refuses senders outside intake-allow-senders with 550 5.7.1 and one rate-limited event per client', async () => {
    const { port, submitted, events } = await listen({ intakeAllowSenders: '@example.com, ops@other.test' });
    const bad = await swaks(port, ['--from', 'mallory@evil.test', '--to', 'b@sink.test']);
    expect(bad.out).toMatch(/<\*\* 550 5\.7\.1 /);
    expect((await swaks(port, ['--from', 'Alerts@EXAMPLE.com', '--to', 'b@sink.test'])).out).toMatch(/250 2\.0\.0 Ok/);
    expect((await swaks(port, ['--from', 'ops@other.test', '--to', 'b@sink.test'])).out).toMatch(/250 2\.0\.0 Ok/);
    expect((await swaks(port, ['--from', 'ops@sub.example.com', '--to', 'b@sink.test'])).out).toMatch(/<\*\* 550 /);
    // A storm on one connection: still one event now, a summary with the count later.
    const raw = await RawSmtp.open(port);
    await raw.reply();
    await raw.cmd('EHLO storm.test');
    for (let i = 0; i < 20; i++) {
      expect(await raw.cmd(`MAIL FROM:<spam${i}@evil.test>`)).toMatch(/^550 5\.7\.1 /);
    }
    await raw.cmd('QUIT');
    expect(submitted).toHaveLength(2);
    const rejected = () => events.filter((e) => e.code === 'intake.rejected');
    expect(rejected()).toHaveLength(1);
    expect(rejected()[0]).toMatchObject({ level: 'warning', data: { client: '127.0.0.1', sender: 'mallory@evil.test', reason: 'sender', count: 1 } });
    await server!.close();
    expect(rejected()).toHaveLength(2);
    expect(rejected()[1].data).toMatchObject({ client: '127.0.0.1', sender: 'spam19@evil.test', count: 21 });
  });

  it('offers STARTTLS with the configured certificate (swaks --tls)', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const gen = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost']);
    expect(gen.code, gen.out).toBe(0);
    const { port, submitted } = await listen({ intakeTlsCert: cert, intakeTlsKey: key, intakeAuth: true, intakeUsername: 'monitor' });
    const r = await swaks(port, ['--tls', '--from', 'a@example.com', '--to', 'b@sink.test', '--auth', 'PLAIN', '--auth-user', 'monitor', '--auth-password', 'intake-secret']);
    expect(r.out).toMatch(/220 .*TLS|Ready to start TLS/i);
    expect(r.out).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(submitted).toHaveLength(1);
    expect(submitted[0].raw.toString('latin1')).toMatch(/with ESMTPSA id/);
  });

  it('on close stops accepting connections but lets an open session finish its message', async () => {
    const { port, submitted } = await listen();
    const raw = await RawSmtp.open(port);
    await raw.reply();
    await raw.cmd('EHLO client.test');
    await raw.cmd('MAIL FROM:<a@example.com>');
    await raw.cmd('RCPT TO:<b@sink.test>');
    expect(await raw.cmd('DATA')).toMatch(/^354/);
    const closed = server!.close();
    await expect(RawSmtp.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await raw.cmd('Subject: in flight at shutdown\r\n\r\nbody\r\n.')).toMatch(/^250 /);
    await raw.cmd('QUIT');
    await closed;
    server = undefined;
    expect(submitted).toHaveLength(1);
  });

  it('does not start half-configured: a key without a certificate names the field', async () => {
    const rec = recordingIntakeDeps({ intakeTlsKey: '/nonexistent/key.pem' });
    await expect(startIntake(rec.deps, { listen: '127.0.0.1:0' })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      issues: [{ field: 'intake-tls-cert', rule: 'required' }],
    });
  });
});
