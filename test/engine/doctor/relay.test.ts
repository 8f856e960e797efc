/**
 * Relay mode against real peers on loopback: the Postfix relay (with and without the SASL user,
 * STARTTLS vs implicit TLS on the wrong port), smtp-server peers that refuse relaying, want AUTH
 * or reject the sender, python and node servers that never greet or speak SSH or HTTP, a
 * filtered port, and certificates that are expired, for another name or about to expire.
 * Each misconfiguration yields the right failed check and a fix that parses.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { DeliveryConfig, SettingsView } from '../../../src/engine/types.js';
import { makeCerts, type TestCerts } from '../delivery/certs.js';
import { startPeer, startSilentServer, type PeerOptions } from '../delivery/smtp-peer.js';
import { ensureZone, freePort, PEERS, peersOrSkip } from '../../peers/peers.js';
import { bannerServer, filteredPort, httpServer, makeBadCerts, type BadCerts } from './bad-peers.js';
import { expectHintsParse, runChecks, seen, view } from './harness.js';

const peers = await peersOrSkip('doctor relay tests');
const PASS = 'doc-Secret-9';
/** The run limit is 9 s by construction (bounds.test.ts); wall time here only guards against a hang, generously. */
const BOUND_MS = 15_000;

let certs: TestCerts;
let bad: BadCerts;
const cleanup: (() => Promise<unknown>)[] = [];
beforeAll(() => {
  certs = makeCerts();
  bad = makeBadCerts();
});
beforeEach(async () => {
  if (peers.ok) await ensureZone();
});
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
afterAll(() => {
  expect(expectHintsParse(seen)).toBeGreaterThan(10);
});

async function peer(opts: PeerOptions) {
  const p = await startPeer(opts);
  cleanup.push(() => p.close());
  return p;
}
function own<T extends { close(): Promise<void> }>(x: T): T {
  cleanup.push(() => x.close());
  return x;
}
/** Settings for a relay at 127.0.0.1:port. */
function relay(port: number, over: Partial<SettingsView> = {}): SettingsView {
  return view({ relayHost: '127.0.0.1', relayPort: port, ...over });
}
const withCa = (ca: string, over: Partial<DeliveryConfig> = {}) => ({ config: { tlsCa: ca, ...over } });

describe.skipIf(!peers.ok)('doctor against the Postfix relay', () => {
  const ca = peers.ok ? readFileSync(PEERS.caPath, 'utf8') : '';
  const sasl = { sasl: true, saslUsername: PEERS.saslUser, saslPassword: '********' };
  const auth = { auth: { user: PEERS.saslUser, pass: PEERS.saslPassword } };

  it('submission port with the SASL user: reachable, greets, verified STARTTLS, login, relay permission, nothing sent', async () => {
    const { c, ms } = await runChecks(relay(PEERS.relaySubmissionPort, sasl), withCa(ca, auth));
    expect(c['relay-connect'].status).toBe('ok');
    expect(c['relay-greeting']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/220 relay\.smtp-ops\.test ESMTP Postfix/) });
    expect(c['relay-tls']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/STARTTLS.*certificate verified/) });
    expect(c['relay-auth']).toMatchObject({ status: 'ok', detail: `authenticated as ${PEERS.saslUser}` });
    expect(c['relay-permission']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/RCPT TO:<postmaster@pass\.doctor\.test> 250 .*RSET \(nothing was sent\)/) });
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('submission port without the SASL user: relay permission fails naming the refusal, with the login and allow-list advice', async () => {
    const { c } = await runChecks(relay(PEERS.relaySubmissionPort), withCa(ca));
    expect(c['relay-auth']).toMatchObject({ status: 'skip', detail: expect.stringMatching(/sasl is off; the relay offers AUTH PLAIN LOGIN/) });
    const p = c['relay-permission'];
    expect(p.status).toBe('fail');
    expect(p.detail).toMatch(/RCPT TO:<postmaster@pass\.doctor\.test> refused: 554 5\.7\.1 .*Access denied: the relay does not relay mail from this system/);
    expect(p.hint).toMatch(/enabling authentication or whitelisting IP addresses/);
    expect(p.fix).toEqual(['config set sasl=on sasl-username=USER@example.com', 'config set sasl-password']);
  });

  it('the plain port with sasl on: the relay offers no AUTH there, fix names the submission port or sasl=off', async () => {
    const { c } = await runChecks(relay(PEERS.relayPlainPort, { ...sasl, useTls: false }), { config: auth });
    expect(c['relay-tls'].status).toBe('warn');
    expect(c['relay-auth']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/sasl is on, but the relay offers no AUTH on port 10025/) });
    expect(c['relay-auth'].fix).toEqual(['config set relay-port=587 use-tls=on', 'config set sasl=off']);
  });

  it('plain SMTP to the implicit-TLS port: "expects TLS from the first byte", fix use-tls=on (and tls-implicit=on off 465), within the bound', async () => {
    const { c, ms } = await runChecks(relay(PEERS.relaySmtpsPort, { useTls: false }));
    expect(c['relay-connect'].status).toBe('ok');
    expect(c['relay-greeting']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/port 10465 expects TLS from the first byte \(implicit TLS\)/) });
    expect(c['relay-greeting'].fix).toEqual(['config set use-tls=on tls-implicit=on']);
    expect(c['relay-permission'].status).toBe('skip');
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('STARTTLS mode on the implicit-TLS port also names the mismatch: fix tls-implicit=on', async () => {
    const { c } = await runChecks(relay(PEERS.relaySmtpsPort, { tlsImplicit: 'off' }), withCa(ca));
    expect(c['relay-greeting']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/expects TLS from the first byte/) });
    expect(c['relay-greeting'].fix).toEqual(['config set tls-implicit=on']);
  });

  it('implicit TLS to the STARTTLS port: it greets in plain text, fix tls-implicit=off', async () => {
    const { c } = await runChecks(relay(PEERS.relaySubmissionPort, { tlsImplicit: 'on' }), withCa(ca));
    expect(c['relay-greeting']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/port 10587 greets in plain text \("220 relay\.smtp-ops\.test.*wrong version number/) });
    expect(c['relay-greeting'].fix).toEqual(['config set tls-implicit=off']);
  });

  it('implicit TLS on the smtps port with the SASL user passes', async () => {
    const { c } = await runChecks(relay(PEERS.relaySmtpsPort, { ...sasl, tlsImplicit: 'on' }), withCa(ca, auth));
    expect(c['relay-tls']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^implicit TLS \(TLSv1\.[23]\), certificate verified/) });
    expect(c['relay-auth'].status).toBe('ok');
    expect(c['relay-permission'].status).toBe('ok');
  });
});

describe('doctor against misbehaving servers', () => {
  it('a server that never greets: named as such within the bound, the rest is skipped with the reason', async () => {
    const s = own(await startSilentServer());
    const { c, ms } = await runChecks(relay(s.port, { useTls: false }));
    expect(c['relay-connect'].status).toBe('ok');
    expect(c['relay-greeting']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/accepts the connection but never greets \(no reply within 2 s\)/) });
    expect(c['relay-greeting'].fix).toEqual(['config set relay-port=587']);
    expect(c['relay-permission'].detail).toMatch(/^not tried/);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('an SSH server on the relay port is named by its banner, not blamed on TLS', async () => {
    const s = own(await bannerServer('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const { c } = await runChecks(relay(s.port));
    expect(c['relay-greeting']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is an SSH server, not SMTP: it greeted "SSH-2\.0-OpenSSH_9\.2p1/) });
    expect(c['relay-tls'].status).toBe('skip');
    expect(c['relay-greeting'].fix).toEqual(['config set relay-port=587']);
  });

  it('a web server (python http.server) on the relay port is named as one', async () => {
    const s = own(await httpServer());
    const { c } = await runChecks(relay(s.port, { useTls: false }));
    expect(c['relay-greeting']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is a web \(HTTP\) server: it sends no greeting and answered EHLO with/) });
  });

  it('a filtered port (SYNs dropped): named with the port, firewall advice, within the bound', async () => {
    const f = own(await filteredPort());
    const { c, ms } = await runChecks(relay(f.port));
    expect(c['relay-connect']).toMatchObject({ status: 'fail', detail: expect.stringMatching(new RegExp(`no answer from relay 127\\.0\\.0\\.1:${f.port} within 2 s: port ${f.port} is filtered`)) });
    expect(c['relay-connect'].hint).toMatch(new RegExp(`Outgoing TCP port ${f.port} is blocked`));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('nothing listening: connection refused, with the relay-port fix', async () => {
    const port = await freePort();
    const { c } = await runChecks(relay(port));
    expect(c['relay-connect']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/nothing is listening on relay 127\.0\.0\.1:\d+: the connection was refused/) });
    expect(c['relay-connect'].fix).toEqual(['config set relay-port=587']);
  });

  it('554 5.7.1 Relay access denied at RCPT: relay permission fails (the old doctor passed it)', async () => {
    const p = await peer({ rcptReply: (to) => `554 5.7.1 <${to}>: Relay access denied` });
    const { c } = await runChecks(relay(p.port, { useTls: false }));
    expect(c['relay-permission']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/Relay access denied: the relay does not relay mail from this system/) });
    expect(c['relay-permission'].fix).toContain('config set sasl=on sasl-username=USER@example.com');
    expect(p.received).toHaveLength(0);
  });

  it('530 at MAIL with sasl off: "requires authentication", fix turns sasl on', async () => {
    const p = await peer({ mailReply: () => '530 5.7.0 Authentication required' });
    const { c } = await runChecks(relay(p.port, { useTls: false }));
    expect(c['relay-permission']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/MAIL FROM:<alerts@pass\.doctor\.test> refused: 530 5\.7\.0 Authentication required: the relay requires authentication/) });
    expect(c['relay-permission'].fix).toEqual(['config set sasl=on sasl-username=USER@example.com', 'config set sasl-password']);
  });

  it('553 sender rejected: the admin guide advice, a from-address in the relay account domain', async () => {
    const p = await peer({ users: { 'alerts@relay-corp.example': PASS }, mailReply: (from) => `553 5.7.1 <${from}>: Sender address rejected: not owned by user alerts@relay-corp.example` });
    const { c, all } = await runChecks(relay(p.port, { useTls: false, sasl: true, saslUsername: 'alerts@relay-corp.example' }), { config: { auth: { user: 'alerts@relay-corp.example', pass: PASS } } });
    expect(c['relay-auth'].status).toBe('ok');
    expect(c['relay-permission']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/refused: 553 5\.7\.1 .*Sender address rejected.*: the relay refuses alerts@pass\.doctor\.test as sender/) });
    expect(c['relay-permission'].hint).toMatch(/use a From address in a domain the relay may send for/);
    expect(c['relay-permission'].fix).toEqual(['config set from-address=alerts@relay-corp.example']);
    expect(JSON.stringify(all)).not.toContain(PASS);
  });

  it('a refused login fails Authentication without the password, and permission is not tried', async () => {
    const p = await peer({ key: certs.key, cert: certs.cert, users: { 'u@doctor.test': 'other' } });
    const { c, all } = await runChecks(relay(p.port, { sasl: true, saslUsername: 'u@doctor.test' }), withCa(certs.ca, { auth: { user: 'u@doctor.test', pass: PASS } }));
    expect(c['relay-auth']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/login as u@doctor\.test refused: 535/) });
    expect(c['relay-permission'].detail).toMatch(/not tried: the login was refused/);
    expect(JSON.stringify(all)).not.toContain(PASS);
    expect(JSON.stringify(all)).not.toContain(Buffer.from(PASS).toString('base64'));
  });

  it('STARTTLS required but not offered: fix names the TLS port or use-tls=off', async () => {
    const p = await peer({ noStarttls: true });
    const { c } = await runChecks(relay(p.port));
    expect(c['relay-tls']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/does not offer STARTTLS, and use-tls=on requires it/) });
    expect(c['relay-tls'].fix).toEqual(['config set relay-port=465', 'config set use-tls=off']);
  });

  it('an expired certificate is named with its date', async () => {
    const p = await peer({ secure: true, key: bad.expired.key, cert: bad.expired.cert });
    const { c } = await runChecks(relay(p.port, { tlsImplicit: 'on' }), withCa(bad.ca));
    expect(c['relay-tls']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/the certificate of 127\.0\.0\.1 expired on Feb {1,2}1 00:00:00 2020 GMT/) });
  });

  it('a certificate for another name: fix connects by the name it carries', async () => {
    const p = await peer({ key: bad.mismatched.key, cert: bad.mismatched.cert });
    const { c } = await runChecks(relay(p.port), withCa(bad.ca));
    expect(c['relay-tls']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/the certificate is for wrong\.example, not 127\.0\.0\.1/) });
    expect(c['relay-tls'].fix).toEqual(['config set relay-host=wrong.example']);
  });

  it('a certificate expiring within 14 days warns', async () => {
    const p = await peer({ key: bad.expiring.key, cert: bad.expiring.cert });
    const { c } = await runChecks(relay(p.port), withCa(bad.ca));
    expect(c['relay-tls']).toMatchObject({ status: 'warn', detail: expect.stringMatching(/certificate verified .*: it expires in [45] day\(s\)/) });
  });

  it('an untrusted certificate fails with the tls-ca fix; with tls-verify=off it only warns', async () => {
    const p = await peer({ secure: true, key: certs.selfKey, cert: certs.selfCert });
    const strict = await runChecks(relay(p.port, { tlsImplicit: 'on' }), withCa(certs.ca));
    expect(strict.c['relay-tls']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is self-signed/) });
    expect(strict.c['relay-tls'].fix).toContain('config set tls-ca=/etc/smtp-ops/relay-ca.pem');
    const off = await runChecks(relay(p.port, { tlsImplicit: 'on', tlsVerify: false }), withCa(certs.ca));
    expect(off.c['relay-tls']).toMatchObject({ status: 'warn', detail: expect.stringMatching(/not enforced: tls-verify=off/) });
  });

  it('plain text relay warns; sasl off skips AUTH with the fix', async () => {
    const p = await peer({});
    const { c } = await runChecks(relay(p.port, { useTls: false }));
    expect(c['relay-tls'].status).toBe('warn');
    expect(c['relay-auth']).toMatchObject({ status: 'skip' });
    expect(c['relay-permission'].status).toBe('ok');
    expect(c['hostname-dns'].status).toBe('skip');
  });
});
