import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer } from '../../../src/engine/delivery/index.js';
import type { Deliverer, DeliveryConfig, DnsResolver } from '../../../src/engine/types.js';
import { makeCerts, type TestCerts } from './certs.js';
import { startPeer, startSilentServer, type Peer } from './smtp-peer.js';
import { freePort } from '../../peers/peers.js';

/** Relay mode never asks DNS: a resolver that fails loudly proves it. */
const noDns: DnsResolver = {
  resolveMx: () => Promise.reject(new Error('relay mode must not resolve MX')),
  resolve4: () => Promise.reject(new Error('relay mode must not resolve A')),
  resolve6: () => Promise.reject(new Error('relay mode must not resolve AAAA')),
};

function relayConfig(port: number, over: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return {
    hostname: 'alerts.smtp-ops.test',
    relayHost: '127.0.0.1',
    relayPort: port,
    tlsMode: 'none',
    tlsVerify: true,
    directPort: 25,
    timeoutMs: 3_000,
    ...over,
  };
}

const raw = (subject: string) =>
  Buffer.from(`From: ops@smtp-ops.test\r\nTo: a@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@alerts.smtp-ops.test>\r\n\r\nbody of ${subject}\r\n`);

let certs: TestCerts;
const open: { close(): Promise<unknown> }[] = [];
const deliverers: Deliverer[] = [];
function track<T extends { close(): Promise<unknown> }>(x: T): T {
  open.push(x);
  return x;
}
function deliverer(config: DeliveryConfig): Deliverer {
  const d = createDeliverer(config, noDns);
  deliverers.push(d);
  return d;
}

beforeAll(() => {
  certs = makeCerts();
});
afterEach(async () => {
  await Promise.all(deliverers.splice(0).map((d) => d.close()));
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('relay on an IPv6 address', () => {
  it('delivers to [::1] and writes the host as [::1]:port', async () => {
    const peer = track(await startPeer({ host: '::1' }));
    const d = deliverer(relayConfig(peer.port, { relayHost: '::1' }));
    const [r] = await d.deliver({ id: 'q6', from: 'ops@smtp-ops.test', to: ['ok@example.test'], raw: raw('v6') });
    expect(r).toMatchObject({ status: 'sent', host: `[::1]:${peer.port}` });
    expect(peer.received).toHaveLength(1);
  });
});

describe('relay: per-recipient outcomes over plain SMTP', () => {
  it('sends to accepted recipients, bounces 5xx and defers 4xx, each with its own reply', async () => {
    const peer = track(
      await startPeer({
        rcptReply: (to) => (to.startsWith('gone') ? '550 5.1.1 no such user' : to.startsWith('full') ? '452 4.2.2 mailbox full' : undefined),
      }),
    );
    const d = deliverer(relayConfig(peer.port));
    const results = await d.deliver({ id: 'q1', from: 'ops@smtp-ops.test', to: ['ok@example.test', 'gone@example.test', 'full@example.test'], raw: raw('mixed') });

    expect(results.map((r) => [r.to, r.status, r.code, r.failure])).toEqual([
      ['ok@example.test', 'sent', 250, undefined],
      ['gone@example.test', 'bounced', 550, 'rejected'],
      ['full@example.test', 'deferred', 452, 'rejected'],
    ]);
    expect(results[1].response).toContain('no such user');
    expect(results[2].response).toContain('mailbox full');
    expect(results.every((r) => r.host === `127.0.0.1:${peer.port}` && r.tls === false)).toBe(true);
    expect(peer.received).toHaveLength(1);
    expect(peer.received[0].to).toEqual(['ok@example.test']);
    expect(peer.received[0].from).toBe('ops@smtp-ops.test');
    expect(peer.received[0].ehlo).toBe('alerts.smtp-ops.test');
    expect(peer.received[0].raw).toContain('Subject: mixed');
  });

  it('applies a DATA-stage rejection to every recipient of the transaction', async () => {
    const peer5 = track(await startPeer({ dataReply: () => '554 5.6.0 message refused' }));
    const r5 = await deliverer(relayConfig(peer5.port)).deliver({ id: 'q2', from: 'ops@smtp-ops.test', to: ['a@x.test', 'b@x.test'], raw: raw('data5') });
    expect(r5.map((r) => [r.status, r.code])).toEqual([
      ['bounced', 554],
      ['bounced', 554],
    ]);

    const peer4 = track(await startPeer({ dataReply: () => '451 4.3.0 try later' }));
    const r4 = await deliverer(relayConfig(peer4.port)).deliver({ id: 'q3', from: 'ops@smtp-ops.test', to: ['a@x.test', 'b@x.test'], raw: raw('data4') });
    expect(r4.map((r) => [r.status, r.code, r.failure])).toEqual([
      ['deferred', 451, 'rejected'],
      ['deferred', 451, 'rejected'],
    ]);
    expect(r4[0].response).toContain('try later');
  });

  it('bounces every recipient when all are refused with 5xx, and defers when any refusal was 4xx', async () => {
    const peer = track(await startPeer({ rcptReply: (to) => (to.startsWith('t') ? '450 4.1.1 later' : '550 5.1.1 unknown') }));
    const d = deliverer(relayConfig(peer.port));
    const all5 = await d.deliver({ id: 'q4', from: 'ops@smtp-ops.test', to: ['x@x.test', 'y@x.test'], raw: raw('all5') });
    expect(all5.map((r) => [r.to, r.status, r.code])).toEqual([
      ['x@x.test', 'bounced', 550],
      ['y@x.test', 'bounced', 550],
    ]);
    const mixed = await d.deliver({ id: 'q5', from: 'ops@smtp-ops.test', to: ['t@x.test', 'y@x.test'], raw: raw('mixed45') });
    expect(mixed.map((r) => [r.to, r.status, r.code])).toEqual([
      ['t@x.test', 'deferred', 450],
      ['y@x.test', 'bounced', 550],
    ]);
    expect(peer.received).toHaveLength(0);
  });
});

describe('relay: TLS modes', () => {
  it('implicit TLS with a private CA trusted through tls-ca', async () => {
    const peer = track(await startPeer({ secure: true, key: certs.key, cert: certs.cert }));
    const ok = await deliverer(relayConfig(peer.port, { tlsMode: 'implicit', tlsCa: certs.ca })).deliver({ id: 't1', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('implicit') });
    expect(ok[0]).toMatchObject({ status: 'sent', tls: true });
    expect(peer.received[0].secure).toBe(true);
  });

  it('implicit TLS refuses an untrusted certificate (deferred, tls) unless tls-verify is off', async () => {
    const peer = track(await startPeer({ secure: true, key: certs.selfKey, cert: certs.selfCert }));
    const bad = await deliverer(relayConfig(peer.port, { tlsMode: 'implicit', tlsCa: certs.ca })).deliver({ id: 't2', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('untrusted') });
    expect(bad[0]).toMatchObject({ status: 'deferred', failure: 'tls' });
    expect(peer.received).toHaveLength(0);

    const optOut = await deliverer(relayConfig(peer.port, { tlsMode: 'implicit', tlsVerify: false })).deliver({ id: 't3', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('noverify') });
    expect(optOut[0]).toMatchObject({ status: 'sent', tls: true });
  });

  it('STARTTLS required: upgrades when offered, defers (tls) and sends nothing when not', async () => {
    const offers = track(await startPeer({ key: certs.key, cert: certs.cert }));
    const up = await deliverer(relayConfig(offers.port, { tlsMode: 'starttls', tlsCa: certs.ca })).deliver({ id: 't4', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('starttls') });
    expect(up[0]).toMatchObject({ status: 'sent', tls: true });
    expect(offers.received[0].secure).toBe(true);

    const plainOnly = track(await startPeer({ noStarttls: true }));
    const refused = await deliverer(relayConfig(plainOnly.port, { tlsMode: 'starttls', tlsCa: certs.ca })).deliver({ id: 't5', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('nostarttls') });
    expect(refused[0]).toMatchObject({ status: 'deferred', failure: 'tls' });
    expect(plainOnly.received).toHaveLength(0);
  });

  it('tls none never upgrades even when the server offers STARTTLS', async () => {
    const peer = track(await startPeer({ key: certs.key, cert: certs.cert }));
    const r = await deliverer(relayConfig(peer.port, { tlsMode: 'none' })).deliver({ id: 't6', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('plain') });
    expect(r[0].status).toBe('sent');
    expect(peer.received[0].secure).toBe(false);
  });
});

describe('relay: SASL', () => {
  const users = { 'relay@smtp-ops.test': 's3cr3t-pass' };

  it.each([['PLAIN'], ['LOGIN']])('authenticates with AUTH %s', async (method) => {
    const peer = track(await startPeer({ users, authMethods: [method] }));
    const r = await deliverer(relayConfig(peer.port, { auth: { user: 'relay@smtp-ops.test', pass: 's3cr3t-pass' } })).deliver({ id: 'a1', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw(`auth-${method}`) });
    expect(r[0].status).toBe('sent');
    expect(peer.authAttempts).toEqual([{ method, user: 'relay@smtp-ops.test' }]);
    expect(peer.received[0].user).toBe('relay@smtp-ops.test');
  });

  it('a wrong password (535) defers with failure auth, never bounces, and never shows the password', async () => {
    const peer = track(await startPeer({ users }));
    const pass = 'wrong-Passw0rd';
    const r = await deliverer(relayConfig(peer.port, { auth: { user: 'relay@smtp-ops.test', pass } })).deliver({ id: 'a2', from: 'ops@smtp-ops.test', to: ['a@x.test', 'b@x.test'], raw: raw('badauth') });
    expect(r.map((x) => [x.status, x.failure, x.code])).toEqual([
      ['deferred', 'auth', 535],
      ['deferred', 'auth', 535],
    ]);
    const everything = JSON.stringify(r);
    expect(everything).not.toContain(pass);
    expect(everything).not.toContain(Buffer.from(pass).toString('base64'));
    expect(peer.received).toHaveLength(0);
  });
});

describe('relay: unreachable and slow peers', () => {
  it('connection refused defers with failure connection', async () => {
    const port = await freePort();
    const r = await deliverer(relayConfig(port)).deliver({ id: 'c1', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('refused') });
    expect(r[0]).toMatchObject({ status: 'deferred', failure: 'connection', host: `127.0.0.1:${port}` });
  });

  it('a server that never greets times out (deferred, timeout) within the configured limit', async () => {
    const silent = track(await startSilentServer());
    const started = Date.now();
    const r = await deliverer(relayConfig(silent.port, { timeoutMs: 700 })).deliver({ id: 'c2', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('silent') });
    expect(r[0]).toMatchObject({ status: 'deferred', failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('pools connections: 20 concurrent messages use at most 5 connections and all arrive once', async () => {
    const peer = track(await startPeer());
    const d = deliverer(relayConfig(peer.port));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => d.deliver({ id: `p${i}`, from: 'ops@smtp-ops.test', to: [`r${i}@x.test`], raw: raw(`pool-${i}`) })),
    );
    expect(results.flat().every((r) => r.status === 'sent')).toBe(true);
    expect(peer.received).toHaveLength(20);
    expect(new Set(peer.received.map((m) => m.to[0])).size).toBe(20);
    expect(peer.connections).toBeGreaterThan(0);
    expect(peer.connections).toBeLessThanOrEqual(5);
  });

  it('after close(), deliveries defer instead of throwing', async () => {
    const peer = track(await startPeer());
    const d = createDeliverer(relayConfig(peer.port), noDns);
    await d.close();
    const r = await d.deliver({ id: 'z', from: 'ops@smtp-ops.test', to: ['a@x.test'], raw: raw('closed') });
    expect(r[0].status).toBe('deferred');
    expect(peer.received).toHaveLength(0);
  });
});
