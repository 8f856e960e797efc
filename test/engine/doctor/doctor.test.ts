import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/engine/doctor/index.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import type { DeliveryConfig, DoctorCheck, EventEntry, SettingsView } from '../../../src/engine/types.js';
import { makeCerts, type TestCerts } from '../delivery/certs.js';
import { startPeer, type Peer, type PeerOptions } from '../delivery/smtp-peer.js';
import { freePort, PEERS, peersOrSkip } from '../../peers/peers.js';

const peers = await peersOrSkip('doctor tests');
const dns = resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns });
const PASS = 'doc-Secret-9';

function view(over: Partial<SettingsView> = {}): SettingsView {
  return {
    enabled: true, useTls: true, tlsImplicit: 'auto', hostname: 'mail.doctor.test', fromName: 'Alerts', fromAddress: 'alerts@doctor.test',
    relayHost: '', relayPort: null, sasl: false, saslUsername: '', tlsCa: '', tlsVerify: true, timezone: '',
    retryFirst: 300, retryMax: 4000, maxQueueLifetime: 432000, concurrency: 4, listen: '127.0.0.1:2525',
    intakeAuth: false, intakeUsername: '', intakeTlsCert: '', intakeTlsKey: '', intakeMaxSize: 0, intakeMaxRecipients: 100,
    intakeMaxConnections: 20, intakeAllowSenders: '', alertGroupWait: 30, alertGroupInterval: 300, alertRepeatInterval: 14400,
    alertBacklogCount: 1000, alertBacklogAge: 3600, saslPassword: '(not set)', intakePassword: '(not set)',
    tlsMode: 'starttls', route: 'direct (MX)', ...over,
  };
}
function cfg(over: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return { hostname: 'mail.doctor.test', relayHost: '', relayPort: null, tlsMode: 'starttls', tlsVerify: true, directPort: 25, timeoutMs: 1_500, ...over };
}
const byId = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

let certs: TestCerts;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
async function peer(opts: PeerOptions): Promise<Peer> {
  const p = await startPeer(opts);
  cleanup.push(() => p.close());
  return p;
}
function relay(p: Peer, over: Partial<DeliveryConfig> = {}, sv: Partial<SettingsView> = {}) {
  const config = cfg({ relayHost: '127.0.0.1', relayPort: p.port, tlsCa: certs.ca, ...over });
  return { config, settings: view({ relayHost: '127.0.0.1', relayPort: p.port, tlsMode: config.tlsMode, route: `relay 127.0.0.1:${p.port}`, ...sv }) };
}

beforeAll(() => {
  certs = makeCerts();
});

describe('doctor: relay checks against smtp-server', () => {
  it('passes TCP, verified STARTTLS and AUTH without sending a message', async () => {
    const p = await peer({ key: certs.key, cert: certs.cert, users: { 'u@doctor.test': PASS } });
    const { config, settings } = relay(p, { auth: { user: 'u@doctor.test', pass: PASS } }, { sasl: true, saslUsername: 'u@doctor.test', saslPassword: '********' });
    const c = byId(await runDoctor(settings, config, dns, []));
    expect(c['relay-connect'].status).toBe('ok');
    expect(c['relay-tls']).toMatchObject({ status: 'ok' });
    expect(c['relay-tls'].detail).toMatch(/STARTTLS, certificate verified/);
    expect(c['relay-auth']).toMatchObject({ status: 'ok', detail: 'authenticated as u@doctor.test' });
    expect(p.authAttempts).toHaveLength(1);
    expect(p.received).toHaveLength(0);
  });

  it('reports a refused login as a failure without the password', async () => {
    const p = await peer({ key: certs.key, cert: certs.cert, users: { 'u@doctor.test': 'other' } });
    const { config, settings } = relay(p, { auth: { user: 'u@doctor.test', pass: PASS } }, { sasl: true, saslUsername: 'u@doctor.test', saslPassword: '********' });
    const checks = await runDoctor(settings, config, dns, []);
    const c = byId(checks);
    expect(c['relay-auth'].status).toBe('fail');
    expect(c['relay-auth'].detail).toMatch(/535/);
    expect(c['relay-auth'].hint).toMatch(/sasl-password/);
    expect(JSON.stringify(checks)).not.toContain(PASS);
  });

  it('an unreachable relay fails the connect check with a firewall hint and skips TLS and AUTH', async () => {
    const port = await freePort();
    const config = cfg({ relayHost: '127.0.0.1', relayPort: port });
    const c = byId(await runDoctor(view({ relayHost: '127.0.0.1', relayPort: port, sasl: true }), config, dns, []));
    expect(c['relay-connect'].status).toBe('fail');
    expect(c['relay-connect'].hint).toMatch(new RegExp(`port ${port}.*firewall`));
    expect(c['relay-tls'].status).toBe('skip');
    expect(c['relay-auth'].status).toBe('skip');
  });

  it('STARTTLS required but not offered fails the TLS check with a port hint', async () => {
    const p = await peer({ noStarttls: true });
    const { config, settings } = relay(p);
    const c = byId(await runDoctor(settings, config, dns, []));
    expect(c['relay-tls'].status).toBe('fail');
    expect(c['relay-tls'].hint).toMatch(/STARTTLS/);
  });

  it('an untrusted certificate fails the TLS check with the tls-ca hint; tls-verify=off only warns', async () => {
    const p = await peer({ secure: true, key: certs.selfKey, cert: certs.selfCert });
    const bad = relay(p, { tlsMode: 'implicit' });
    expect(byId(await runDoctor(bad.settings, bad.config, dns, []))['relay-tls']).toMatchObject({ status: 'fail', hint: expect.stringMatching(/tls-ca/) });
    const off = relay(p, { tlsMode: 'implicit', tlsVerify: false }, { tlsVerify: false });
    const c = byId(await runDoctor(off.settings, off.config, dns, []));
    expect(c['relay-tls'].status).toBe('warn');
    expect(c['relay-tls'].detail).toMatch(/NOT verified/);
  });

  it('plain text relay warns; sasl off skips AUTH with a hint', async () => {
    const p = await peer({});
    const { config, settings } = relay(p, { tlsMode: 'none' }, { useTls: false });
    const c = byId(await runDoctor(settings, config, dns, []));
    expect(c['relay-tls'].status).toBe('warn');
    expect(c['relay-auth']).toMatchObject({ status: 'skip', hint: expect.stringMatching(/sasl on/) });
    expect(c['hostname-dns'].status).toBe('skip');
  });
});

describe.skipIf(!peers.ok)('doctor: DNS checks against dnsmasq', () => {
  it('direct mode with forward, reverse, SPF and DMARC in place passes them all', async () => {
    const c = byId(await runDoctor(view(), cfg(), dns, []));
    expect(c.hostname.status).toBe('ok');
    expect(c['hostname-dns']).toMatchObject({ status: 'ok', detail: 'mail.doctor.test -> 127.0.0.31' });
    expect(c['reverse-dns'].status).toBe('ok');
    expect(c.spf).toMatchObject({ status: 'ok', detail: 'doctor.test: v=spf1 ip4:127.0.0.31 -all' });
    expect(c.dmarc.status).toBe('ok');
  });

  it('flags reverse DNS pointing elsewhere, a hostname without address, and a sender domain without SPF/DMARC', async () => {
    const mismatch = byId(await runDoctor(view({ hostname: 'mismatch.doctor.test' }), cfg({ hostname: 'mismatch.doctor.test' }), dns, []));
    expect(mismatch['reverse-dns'].status).toBe('warn');
    expect(mismatch['reverse-dns'].detail).toMatch(/127\.0\.0\.33 points back to other\.doctor\.test/);

    const noA = byId(await runDoctor(view({ hostname: 'nohost.doctor.test' }), cfg(), dns, []));
    expect(noA['hostname-dns']).toMatchObject({ status: 'fail', hint: expect.stringMatching(/A \(and AAAA\) record/) });

    const nospf = byId(await runDoctor(view({ fromAddress: 'alerts@nospf.doctor.test' }), cfg(), dns, []));
    expect(nospf.spf).toMatchObject({ status: 'fail', hint: expect.stringMatching(/v=spf1/) });
    expect(nospf.dmarc.status).toBe('warn');
  });

  it('relay mode only advises about the sender domain', async () => {
    const p = await peer({});
    const { config, settings } = relay(p, { tlsMode: 'none' }, { fromAddress: 'alerts@nospf.doctor.test' });
    const c = byId(await runDoctor(settings, config, dns, []));
    expect(c.spf).toMatchObject({ status: 'warn', hint: expect.stringMatching(/domain the relay may send for/) });
  });

  it('direct connect check: skipped without a target, ok or failed with one', async () => {
    expect(byId(await runDoctor(view(), cfg(), dns, []))['direct-connect'].status).toBe('skip');
    const port = await freePort('127.0.0.13');
    const p = await startPeer({ host: '127.0.0.13', port });
    cleanup.push(() => p.close());
    const ok = byId(await runDoctor(view(), cfg({ directPort: port }), dns, [], { testDomain: 'aonly.dlv.test' }));
    expect(ok['direct-connect']).toMatchObject({ status: 'ok' });
    const down = byId(await runDoctor(view(), cfg({ directPort: port }), dns, [], { testDomain: 'down.dlv.test' }));
    expect(down['direct-connect']).toMatchObject({ status: 'fail', hint: expect.stringMatching(/firewall/) });
  });
});

describe('doctor: settings, logs, spam', () => {
  it('a disabled engine, a bad hostname and recent problems all show, each with a hint; spam is a reminder', async () => {
    const events: EventEntry[] = [
      { key: '1', time: 1000, level: 'error', code: 'auth.failed', message: 'relay refused the login (535)', actor: 'system' },
      { key: '2', time: 2000, level: 'error', code: 'auth.failed', message: 'relay refused the login again (535)', actor: 'system' },
      { key: '3', time: 1500, level: 'warning', code: 'smtp.disabled', message: 'SMTP disabled', actor: 'system' },
    ];
    const checks = await runDoctor(view({ enabled: false, hostname: 'localhost' }), cfg({ hostname: 'localhost' }), dns, events);
    const c = byId(checks);
    expect(c.enabled).toMatchObject({ status: 'fail', hint: expect.stringMatching(/enabled=on/) });
    expect(c.hostname.status).toBe('fail');
    expect(c.logs.status).toBe('warn');
    expect(c.logs.detail).toMatch(/^2 error\(s\), 1 warning\(s\): auth\.failed x2 \(latest: relay refused the login again/);
    expect(c.spam).toMatchObject({ status: 'skip', title: 'Check SPAM folders' });
    for (const x of checks) if (x.status !== 'ok') expect(x.hint, x.id).toBeTruthy();
  });

  it('no recent problems is ok', async () => {
    expect(byId(await runDoctor(view(), cfg(), dns, [])).logs.status).toBe('ok');
  });
});
