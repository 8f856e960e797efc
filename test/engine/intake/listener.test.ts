/**
 * The intake listener spoken to by real clients (swaks, Postfix's smtp-source,
 * a raw socket), on the real engine and store: every assertion is on what the
 * engine recorded (queue, mail log, events) or, for byte-exact bodies, on what
 * the engine delivered to an in-process SMTP peer. Crash durability and a full
 * store are in durability.test.ts.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type EventEntry, type IntakeServer, type SettingsPatch } from '../../../src/engine/index.js';
import { startPeer, type Peer } from '../delivery/smtp-peer.js';
import { RawSmtp, missingTools, replies, run, swaks } from './clients.js';

const missing = missingTools('swaks', 'smtp-source', 'openssl');
const admin = { platform: 'cli' as const, id: 'listener-test' };

describe.skipIf(missing.length > 0)(`intake listener with real clients${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`, () => {
  let dir: string;
  let cert: string;
  let key: string;
  let engine: Engine | undefined;
  let server: IntakeServer | undefined;
  let peer: Peer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ops-intake-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    const gen = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost']);
    expect(gen.code, gen.out).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await engine?.close();
    engine = undefined;
    await peer?.close();
    peer = undefined;
  });

  /** A fresh engine on its own store with `settings` applied, and its listener on an ephemeral port. */
  async function listen(settings: SettingsPatch = {}, opts: { worker?: boolean } = {}) {
    const storeDir = await mkdtemp(join(dir, 'store-'));
    const e = await createEngine({ storeDir, worker: opts.worker ?? false, secretKey: randomBytes(32).toString('hex') });
    engine = e;
    await e.updateSettings({ hostname: 'smtp-ops.test', ...settings }, admin);
    server = await e.startIntake({ listen: '127.0.0.1:0' });
    return { e, port: server.port };
  }

  /** An engine whose worker relays to an in-process peer, to see the bytes it stored. */
  async function listenDelivering(settings: SettingsPatch = {}) {
    peer = await startPeer();
    return listen({ 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off', ...settings }, { worker: true });
  }

  const queued = async (e: Engine) => (await e.queueList({ limit: 200, order: 'oldest' })).items;
  const receivedLog = async (e: Engine) => (await e.logList({ status: 'received', limit: 200 })).items;
  /** Events, oldest first (keys are time-ordered). */
  async function events(e: Engine, code?: string): Promise<EventEntry[]> {
    const all = (await e.eventList({ limit: 200 })).items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return code ? all.filter((x) => x.code === code) : all;
  }
  /** Events of `code` once at least `n` are written: the listener answers the client before its event write lands. */
  async function eventsOnce(e: Engine, code: string, n: number): Promise<EventEntry[]> {
    const end = Date.now() + 5_000;
    for (;;) {
      const got = await events(e, code);
      if (got.length >= n || Date.now() > end) return got;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const queuedAs = (out: string) => /250 2\.0\.0 Ok: queued as (\S+)/.exec(out)?.[1];

  /** Everything after our own Received: trace header. */
  function afterTrace(raw: Buffer): Buffer {
    const text = raw.toString('latin1');
    const m = /^Received: [^\r]*\r\n(?:\t[^\r]*\r\n)*/.exec(text);
    expect(m, 'a Received: header first').not.toBeNull();
    return raw.subarray(m![0].length);
  }

  it('accepts a message from swaks with 250 after submit, envelope as given and body bytes unchanged', async () => {
    const { e, port } = await listenDelivering();
    const data =
      'From: Monitor <Monitor@Example.COM>\nTo: oncall@sink.test\nSubject: disk full on db-1\n\n' +
      'Grüße aus dem Rechenzentrum\n.a line that starts with a dot\n..two dots\n';
    const file = join(dir, 'alert.eml');
    await writeFile(file, data);
    const r = await swaks(port, ['--from', 'Monitor@Example.COM', '--to', 'oncall@sink.test,Second@Sink.Test', '--data', `@${file}`]);
    const id = queuedAs(r.out);
    expect(id, r.out).toBeDefined();

    // swaks sends the file with CRLF line ends plus one empty line before the final dot; dots come back unstuffed.
    const sent = Buffer.from(data.replace(/\n/g, '\r\n') + '\r\n', 'utf8');
    const log = await receivedLog(e);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ id, source: 'intake', client: '127.0.0.1', from: 'Monitor@Example.COM', to: ['oncall@sink.test', 'Second@Sink.Test'] });

    // The bytes the engine stored are the bytes it delivers: compare what the peer got.
    expect((await e.waitForAttempt(id!, 20_000)).status).toBe('sent');
    expect(peer!.received).toHaveLength(1);
    const got = peer!.received[0];
    expect(got.from).toBe('Monitor@Example.COM');
    expect(got.to).toEqual(['oncall@sink.test', 'Second@Sink.Test']);
    const raw = Buffer.from(got.raw, 'utf8');
    expect(afterTrace(raw).toString('hex')).toBe(sent.toString('hex'));
    expect(got.raw).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby smtp-ops\.test \(smtp-ops\) with ESMTP id \S+;\r\n\t\w{3}, /);
    expect(log[0].size).toBe(raw.length);
    expect((await events(e)).map((x) => x.code).filter((c) => c.startsWith('intake.'))).toEqual(['intake.started']);
  });

  it('takes many messages over parallel sessions from smtp-source', async () => {
    const { e, port } = await listen();
    const r = await run('smtp-source', ['-d', '-s', '5', '-m', '50', '-l', '512', '-f', 'load@example.com', '-t', 'sink@sink.test', `127.0.0.1:${port}`]);
    expect(r.code, r.out).toBe(0);
    const items = await queued(e);
    expect(items).toHaveLength(50);
    expect((await e.queueCounts()).total).toBe(50);
    expect(items.every((i) => i.source === 'intake' && i.from === 'load@example.com')).toBe(true);
    const shown = await Promise.all(items.map((i) => e.queueShow(i.id)));
    const ids = new Set(shown.map((s) => s.headers['message-id']).filter(Boolean));
    expect(ids.size).toBe(50);
    expect(await receivedLog(e)).toHaveLength(50);
  });

  it('advertises SIZE and answers 552 beyond it, queueing nothing', async () => {
    const { e, port } = await listen({ 'intake-max-size': '2000' });
    const r = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--body', 'x'.repeat(50_000)]);
    expect(r.out).toMatch(/250[- ]SIZE 2000/);
    expect(replies(r.out).at(-2) ?? '').toMatch(/^552 5\.3\.4 /);
    expect(await queued(e)).toHaveLength(0);
    expect(await receivedLog(e)).toHaveLength(0);
    const ok = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--body', 'small']);
    expect(ok.out).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(await queued(e)).toHaveLength(1);
  });

  it('requires AUTH when intake-auth is on: 530 without, 535 and an event when wrong, 250 when right', async () => {
    const { e, port } = await listen({ 'intake-username': 'monitor', 'intake-password': 'intake-secret', 'intake-auth': 'on' });
    const none = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test']);
    expect(none.out).toMatch(/<\*\* 530 /);
    const wrong = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--auth', 'PLAIN', '--auth-user', 'monitor', '--auth-password', 'guess-123']);
    expect(wrong.out).toMatch(/<\*\* 535 5\.7\.8 /);
    const failed = await eventsOnce(e, 'intake.auth-failed', 1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'warning', data: { client: '127.0.0.1', username: 'monitor', method: 'PLAIN', count: 1 } });
    const all = JSON.stringify(await events(e));
    expect(all).not.toContain('guess-123');
    expect(all).not.toContain('intake-secret');
    expect(await queued(e)).toHaveLength(0);
    const right = await swaks(port, ['--from', 'a@example.com', '--to', 'b@sink.test', '--auth', 'LOGIN', '--auth-user', 'monitor', '--auth-password', 'intake-secret']);
    const id = queuedAs(right.out);
    expect(id, right.out).toBeDefined();
    expect(await queued(e)).toHaveLength(1);
    const shown = await e.queueShow(id!);
    expect(shown).toMatchObject({ source: 'intake', from: 'a@example.com', to: ['b@sink.test'] });
    expect(shown.headers['received']).toMatch(/by smtp-ops\.test \(smtp-ops\) with ESMTPA id/);
  });

  it('refuses recipients beyond intake-max-recipients with 452', async () => {
    const { e, port } = await listen({ 'intake-max-recipients': '2' });
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
    const items = await queued(e);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ to: ['one@sink.test', 'two@sink.test'], subject: 'two of three' });
    const sw = await swaks(port, ['--from', 'a@example.com', '--to', 'a@sink.test,b@sink.test,c@sink.test']);
    expect(sw.out).toMatch(/<\*\* 452 /);
  });

  it('queues nothing when the client hangs up in the middle of DATA', async () => {
    const { e, port } = await listen();
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
    const id = queuedAs(ok.out);
    expect(id, ok.out).toBeDefined();
    const items = await queued(e);
    expect(items.map((i) => i.id)).toEqual([id]);
    expect((await e.queueShow(id!)).headers['subject']).toBe('whole');
    expect((await receivedLog(e)).map((l) => l.id)).toEqual([id]);
  });

  it('answers 421 4.7.0 beyond intake-max-connections, as an intake.rejected event', async () => {
    const { e, port } = await listen({ 'intake-max-connections': '2' });
    const a = await RawSmtp.open(port);
    const b = await RawSmtp.open(port);
    expect(await a.reply()).toMatch(/^220 /);
    expect(await b.reply()).toMatch(/^220 /);
    const c = await RawSmtp.open(port);
    expect(await c.reply()).toMatch(/^421 4\.7\.0 smtp-ops\.test Error: too many connections/);
    await Promise.all([a.destroy(), b.destroy(), c.destroy()]);
    const [ev] = await eventsOnce(e, 'intake.rejected', 1);
    expect(ev.data).toEqual({ client: '127.0.0.1', sender: null, reason: 'connections', code: 421, status: '4.7.0', count: 1 });
  });

  it('refuses senders outside intake-allow-senders with 550 5.7.1 and one rate-limited event per client', async () => {
    const { e, port } = await listen({ 'intake-allow-senders': '@example.com, ops@other.test' });
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
    expect((await queued(e)).map((i) => i.from).sort()).toEqual(['Alerts@EXAMPLE.com', 'ops@other.test']);
    const rejected = () => events(e, 'intake.rejected');
    const first = await eventsOnce(e, 'intake.rejected', 1);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ level: 'warning', data: { client: '127.0.0.1', sender: 'mallory@evil.test', reason: 'sender', count: 1 } });
    await server!.close();
    const after = await rejected();
    expect(after).toHaveLength(2);
    expect(after[1].data).toMatchObject({ client: '127.0.0.1', sender: 'spam19@evil.test', count: 21 });
  });

  it('offers STARTTLS with the configured certificate (swaks --tls)', async () => {
    const { e, port } = await listen({
      'intake-tls-cert': cert,
      'intake-tls-key': key,
      'intake-username': 'monitor',
      'intake-password': 'intake-secret',
      'intake-auth': 'on',
    });
    const r = await swaks(port, ['--tls', '--from', 'a@example.com', '--to', 'b@sink.test', '--auth', 'PLAIN', '--auth-user', 'monitor', '--auth-password', 'intake-secret']);
    expect(r.out).toMatch(/220 .*TLS|Ready to start TLS/i);
    const id = queuedAs(r.out);
    expect(id, r.out).toBeDefined();
    expect(await queued(e)).toHaveLength(1);
    expect((await e.queueShow(id!)).headers['received']).toMatch(/with ESMTPSA id/);
    expect((await events(e, 'intake.started'))[0].data).toMatchObject({ starttls: true, auth: true });
  });

  it('on close stops accepting connections but lets an open session finish its message', async () => {
    const { e, port } = await listen();
    const raw = await RawSmtp.open(port);
    await raw.reply();
    await raw.cmd('EHLO client.test');
    await raw.cmd('MAIL FROM:<a@example.com>');
    await raw.cmd('RCPT TO:<b@sink.test>');
    expect(await raw.cmd('DATA')).toMatch(/^354/);
    const closed = server!.close();
    // The listener runs on its own thread: it stops accepting a moment after close() is asked.
    const refused = async () => {
      for (let i = 0; i < 100; i++) {
        const c = await RawSmtp.open(port).catch((e: NodeJS.ErrnoException) => e);
        if (!(c instanceof RawSmtp)) return c;
        await c.destroy();
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    };
    expect(await refused()).toMatchObject({ code: 'ECONNREFUSED' });
    expect(await raw.cmd('Subject: in flight at shutdown\r\n\r\nbody\r\n.')).toMatch(/^250 /);
    await raw.cmd('QUIT');
    await closed;
    server = undefined;
    expect((await queued(e)).map((i) => i.subject)).toEqual(['in flight at shutdown']);
  });

  it('does not start half-configured: a key without a certificate names the field', async () => {
    const storeDir = await mkdtemp(join(dir, 'store-'));
    const e = await createEngine({ storeDir, worker: false, secretKey: randomBytes(32).toString('hex') });
    engine = e;
    // The settings refuse a key alone, and nothing changes.
    await expect(e.updateSettings({ 'intake-tls-key': key }, admin)).rejects.toMatchObject({
      code: 'E_VALIDATION',
      issues: [{ field: 'intake-tls-cert', rule: 'pair' }],
    });
    expect((await e.getSettings()).intakeTlsKey).toBe('');
    // A certificate that went missing after it was set: the listener refuses to start without STARTTLS.
    const gone = join(dir, 'gone-cert.pem');
    await copyFile(cert, gone);
    await e.updateSettings({ 'intake-tls-cert': gone, 'intake-tls-key': key }, admin);
    await rm(gone);
    await expect(e.startIntake({ listen: '127.0.0.1:0' })).rejects.toMatchObject({
      code: 'E_VALIDATION',
      issues: [{ field: 'intake-tls-cert', rule: 'readable-file' }],
    });
    expect(await events(e, 'intake.started')).toHaveLength(0);
  });
});
