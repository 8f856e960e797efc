import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer, resolverFromEnv } from '../../../src/engine/delivery/index.js';
import { groupByDomain } from '../../../src/engine/delivery/direct.js';
import type { Deliverer, DeliveryConfig } from '../../../src/engine/types.js';
import { freePort, PEERS, peersOrSkip } from '../../peers/peers.js';
import { makeCerts, type TestCerts } from './certs.js';
import { startPeer, type Peer, type PeerOptions } from './smtp-peer.js';

// dnsmasq (test/peers/dnsmasq.conf) serves the *.dlv.test zone; the MX hosts are loopback aliases.
const peers = await peersOrSkip('direct delivery tests');
const resolver = resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns });

function directConfig(port: number, over: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return { hostname: 'alerts.smtp-ops.test', relayHost: '', relayPort: null, tlsMode: 'opportunistic', tlsVerify: true, directPort: port, timeoutMs: 2_000, ...over };
}
const raw = (s: string) => Buffer.from(`From: ops@smtp-ops.test\r\nSubject: ${s}\r\n\r\n${s}\r\n`);

let certs: TestCerts;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
function deliverer(config: DeliveryConfig): Deliverer {
  const d = createDeliverer(config, resolver);
  cleanup.push(() => d.close());
  return d;
}
async function peerOn(host: string, port: number, opts: PeerOptions = {}): Promise<Peer> {
  const p = await startPeer({ ...opts, host, port });
  cleanup.push(() => p.close());
  return p;
}

it('groups recipients per domain, case-insensitively, in first-seen order', () => {
  expect([...groupByDomain(['a@X.test', 'b@y.test', 'c@x.TEST', 'nodomain'])]).toEqual([
    ['x.test', ['a@X.test', 'c@x.TEST']],
    ['y.test', ['b@y.test']],
    ['', ['nodomain']],
  ]);
});

describe.skipIf(!peers.ok)('direct delivery via DNS (dnsmasq on 127.0.0.1:10053)', () => {
  beforeAll(() => {
    certs = makeCerts(['mx1.pref.dlv.test', 'aonly.dlv.test']);
  });

  it('uses the most preferred MX and puts all recipients of the domain in one transaction', async () => {
    const port = await freePort('127.0.0.11');
    const mx1 = await peerOn('127.0.0.11', port);
    const mx2 = await peerOn('127.0.0.12', port);
    const r = await deliverer(directConfig(port)).deliver({ id: 'd1', from: 'ops@smtp-ops.test', to: ['a@pref.dlv.test', 'b@PREF.dlv.test'], raw: raw('pref') });
    expect(r.map((x) => [x.to, x.status, x.host])).toEqual([
      ['a@pref.dlv.test', 'sent', `mx1.pref.dlv.test:${port}`],
      ['b@PREF.dlv.test', 'sent', `mx1.pref.dlv.test:${port}`],
    ]);
    expect(mx1.received).toHaveLength(1);
    expect(mx1.received[0].to).toEqual(['a@pref.dlv.test', 'b@PREF.dlv.test']);
    expect(mx1.received[0].ehlo).toBe('alerts.smtp-ops.test');
    expect(mx2.received).toHaveLength(0);
  });

  it('falls back to the next MX when the preferred one refuses connections', async () => {
    const port = await freePort('127.0.0.12');
    const mx2 = await peerOn('127.0.0.12', port);
    const r = await deliverer(directConfig(port)).deliver({ id: 'd2', from: 'ops@smtp-ops.test', to: ['a@pref.dlv.test'], raw: raw('fallback') });
    expect(r[0]).toMatchObject({ status: 'sent', host: `mx2.pref.dlv.test:${port}` });
    expect(mx2.received).toHaveLength(1);
  });

  it('delivers to the A record of a domain without MX (RFC 5321 5.1)', async () => {
    const port = await freePort('127.0.0.13');
    const host = await peerOn('127.0.0.13', port);
    const r = await deliverer(directConfig(port)).deliver({ id: 'd3', from: 'ops@smtp-ops.test', to: ['x@aonly.dlv.test'], raw: raw('aonly') });
    expect(r[0]).toMatchObject({ status: 'sent', host: `aonly.dlv.test:${port}` });
    expect(host.received[0].to).toEqual(['x@aonly.dlv.test']);
  });

  it('bounces a null MX domain and a domain that does not exist, defers a dead or lame MX', async () => {
    const port = await freePort();
    const d = deliverer(directConfig(port, { timeoutMs: 1_000 }));
    const r = await d.deliver({ id: 'd4', from: 'ops@smtp-ops.test', to: ['a@null.dlv.test', 'b@nx.dlv.test', 'c@down.dlv.test', 'd@lame.dlv.test'], raw: raw('dns') });
    const by = Object.fromEntries(r.map((x) => [x.to, x]));
    expect(by['a@null.dlv.test']).toMatchObject({ status: 'bounced', failure: 'dns' });
    expect(by['a@null.dlv.test'].response).toMatch(/null MX/);
    expect(by['b@nx.dlv.test']).toMatchObject({ status: 'bounced', failure: 'dns' });
    expect(by['c@down.dlv.test']).toMatchObject({ status: 'deferred', failure: 'connection', host: `mx.down.dlv.test:${port}` });
    expect(by['d@lame.dlv.test']).toMatchObject({ status: 'deferred', failure: 'dns' });
  });

  it('splits one message across domains: each domain gets its own outcome, in request order', async () => {
    const port = await freePort('127.0.0.13');
    const a = await peerOn('127.0.0.13', port, { rcptReply: (to) => (to.startsWith('no') ? '550 5.1.1 unknown user' : undefined) });
    const r = await deliverer(directConfig(port)).deliver({ id: 'd5', from: 'ops@smtp-ops.test', to: ['yes@aonly.dlv.test', 'x@null.dlv.test', 'no@aonly.dlv.test'], raw: raw('split') });
    expect(r.map((x) => [x.to, x.status])).toEqual([
      ['yes@aonly.dlv.test', 'sent'],
      ['x@null.dlv.test', 'bounced'],
      ['no@aonly.dlv.test', 'bounced'],
    ]);
    expect(a.received).toHaveLength(1);
    expect(a.received[0].to).toEqual(['yes@aonly.dlv.test']);
  });

  it('uses STARTTLS when offered (opportunistic, certificate not required to verify)', async () => {
    const port = await freePort('127.0.0.13');
    const host = await peerOn('127.0.0.13', port, { key: certs.selfKey, cert: certs.selfCert });
    const r = await deliverer(directConfig(port)).deliver({ id: 'd6', from: 'ops@smtp-ops.test', to: ['x@aonly.dlv.test'], raw: raw('opportunistic') });
    expect(r[0]).toMatchObject({ status: 'sent', tls: true });
    expect(host.received[0].secure).toBe(true);
  });

  it('with use-tls on, requires STARTTLS with a verified certificate for the MX name', async () => {
    const port = await freePort('127.0.0.13');
    const plain = await peerOn('127.0.0.13', port, { noStarttls: true });
    const r = await deliverer(directConfig(port, { tlsMode: 'starttls', tlsCa: certs.ca })).deliver({ id: 'd7', from: 'ops@smtp-ops.test', to: ['x@aonly.dlv.test'], raw: raw('required') });
    expect(r[0]).toMatchObject({ status: 'deferred', failure: 'tls' });
    expect(plain.received).toHaveLength(0);
    await plain.close();

    const port2 = await freePort('127.0.0.13');
    const good = await peerOn('127.0.0.13', port2, { key: certs.key, cert: certs.cert });
    const ok = await deliverer(directConfig(port2, { tlsMode: 'starttls', tlsCa: certs.ca })).deliver({ id: 'd8', from: 'ops@smtp-ops.test', to: ['x@aonly.dlv.test'], raw: raw('verified') });
    expect(ok[0]).toMatchObject({ status: 'sent', tls: true });
    expect(good.received[0].secure).toBe(true);
  });

  it('defers (dns) when the DNS server does not answer', async () => {
    const deadPort = await freePort();
    const dead = createDeliverer(directConfig(25), resolverFromEnv({ SMTP_OPS_DNS: `127.0.0.1:${deadPort}` }));
    cleanup.push(() => dead.close());
    const r = await dead.deliver({ id: 'd9', from: 'ops@smtp-ops.test', to: ['a@pref.dlv.test'], raw: raw('nodns') });
    expect(r[0]).toMatchObject({ status: 'deferred', failure: 'dns' });
  });
});

describe('resolverFromEnv', () => {
  it('rejects a malformed SMTP_OPS_DNS naming the variable and the rule', () => {
    expect(() => resolverFromEnv({ SMTP_OPS_DNS: 'localhost' })).toThrowError(/SMTP_OPS_DNS must be host:port/);
    expect(() => resolverFromEnv({ SMTP_OPS_DNS: '127.0.0.1:99999' })).toThrowError(/1 to 65535/);
  });
});
