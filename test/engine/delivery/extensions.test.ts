/**
 * SIZE, BODY=8BITMIME and SMTPUTF8 as declared to the next hop, asserted on what the
 * receiving peer read in MAIL FROM: an smtp-server peer with each extension on or off
 * (its command log), and Postfix's smtp-sink (its X-Mail-Args dump record).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliverer, resolverFromEnv } from '../../../src/engine/delivery/index.js';
import type { Deliverer, DeliveryConfig, DeliveryRequest } from '../../../src/engine/types.js';
import { startPeer, type PeerOptions } from './smtp-peer.js';
import { PEERS, freePort, peersOrSkip, startSmtpSink } from '../../peers/peers.js';
import { hasTool } from '../intake/clients.js';

const noSink = !hasTool('smtp-sink') && !hasTool('/usr/sbin/smtp-sink');
if (noSink && process.env.CI === 'true') throw new Error('CI=true and smtp-sink missing: run scripts/install-test-deps.sh');

const relay = (port: number): DeliveryConfig => ({ hostname: 'alerts.smtp-ops.test', relayHost: '127.0.0.1', relayPort: port, tlsMode: 'none', tlsVerify: true, directPort: 25, timeoutMs: 3_000 });
const msg = (subject: string, body = 'plain body') => Buffer.from(`From: ops@smtp-ops.test\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}.${Math.random()}@smtp-ops.test>\r\n\r\n${body}\r\n`, 'utf8');
const req = (over: Partial<DeliveryRequest> & { raw: Buffer }): DeliveryRequest => ({ id: 'x1', from: 'ops@smtp-ops.test', to: ['oncall@example.test'], ...over });

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});
function deliverer(config: DeliveryConfig, resolver = resolverFromEnv({})): Deliverer {
  const d = createDeliverer(config, resolver);
  closers.push(() => d.close());
  return d;
}
async function peer(opts: PeerOptions) {
  const p = await startPeer(opts);
  closers.push(() => p.close());
  return p;
}

describe('relay: what MAIL FROM declares to an smtp-server peer', () => {
  it('declares SIZE and BODY=8BITMIME when offered, SMTPUTF8 when requested and offered', async () => {
    const p = await peer({ size: 10_000_000 });
    const d = deliverer(relay(p.port));
    const seven = msg('seven bit');
    const eight = msg('eight bit', 'Grüße, 8-bit body');
    const utf8Rcpt = msg('utf8 rcpt');
    const utf8Header = msg('Störung in Halle 3');
    expect((await d.deliver(req({ raw: seven })))[0].status).toBe('sent');
    expect((await d.deliver(req({ raw: eight, body: '8BITMIME' })))[0].status).toBe('sent');
    expect((await d.deliver(req({ raw: utf8Rcpt, to: ['δοκιμή@παράδειγμα.test'], smtputf8: true })))[0].status).toBe('sent');
    expect((await d.deliver(req({ raw: utf8Header, body: '8BITMIME', smtputf8: true })))[0].status).toBe('sent');
    expect(p.received.map((r) => r.mailFrom)).toEqual([
      `MAIL FROM:<ops@smtp-ops.test> SIZE=${seven.length}`,
      `MAIL FROM:<ops@smtp-ops.test> BODY=8BITMIME SIZE=${eight.length}`,
      `MAIL FROM:<ops@smtp-ops.test> SMTPUTF8 SIZE=${utf8Rcpt.length}`,
      `MAIL FROM:<ops@smtp-ops.test> BODY=8BITMIME SIZE=${utf8Header.length} SMTPUTF8`,
    ]);
    expect(p.received[2].to).toEqual(['δοκιμή@παράδειγμα.test']);
    // 8-bit bytes arrive as they were queued.
    expect(p.received[1].raw).toContain('Grüße, 8-bit body');
  });

  it('declares nothing the peer does not offer; 8-bit goes as it is to a peer without 8BITMIME', async () => {
    const p = await peer({ no8bitmime: true, noSmtputf8: true });
    const d = deliverer(relay(p.port));
    const eight = msg('eight bit to 7-bit peer', 'Grüße');
    expect((await d.deliver(req({ raw: eight, body: '8BITMIME' })))[0].status).toBe('sent');
    expect(p.received[0].mailFrom).toBe('MAIL FROM:<ops@smtp-ops.test>');
    expect(p.received[0].raw).toContain('Grüße');
  });

  it('bounces with 5.6.7 when SMTPUTF8 is needed and the peer does not offer it, sending nothing', async () => {
    const p = await peer({ noSmtputf8: true });
    const d = deliverer(relay(p.port));
    const [r] = await d.deliver(req({ raw: msg('utf8 sender'), from: 'pelé@exämple.test', smtputf8: true }));
    expect(r).toMatchObject({ status: 'bounced', failure: 'rejected', response: `5.6.7 SMTPUTF8 is required, but was not offered by host 127.0.0.1:${p.port}` });
    const [h] = await d.deliver(req({ raw: msg('Störung'), smtputf8: true }));
    expect(h.status).toBe('bounced');
    // Requested, but sender, recipients and headers all ASCII: it may go without SMTPUTF8 (Postfix's rule).
    const [a] = await d.deliver(req({ raw: msg('ascii only'), smtputf8: true }));
    expect(a.status).toBe('sent');
    expect(p.received.map((x) => x.mailFrom)).toEqual(['MAIL FROM:<ops@smtp-ops.test>']);
  });
});

describe('relay: a message over the peer\'s SIZE limit', () => {
  it('bounces with 5.3.4 and sends nothing', async () => {
    const p = await peer({ size: 100 });
    const [r] = await deliverer(relay(p.port)).deliver(req({ raw: msg('too big for the peer', 'x'.repeat(200)) }));
    expect(r).toMatchObject({ status: 'bounced', failure: 'rejected', response: expect.stringMatching(/^5\.3\.4 Message size larger than allowed 100/) });
    expect(p.received).toEqual([]);
  });
});

describe.skipIf(noSink)('relay: what Postfix smtp-sink records in X-Mail-Args', () => {
  it('gets BODY=8BITMIME (it offers 8BITMIME, no SIZE, no SMTPUTF8); with -8 none, the bytes as they are', async () => {
    const sink = await startSmtpSink('127.0.0.1');
    closers.push(() => sink.stop());
    const plain = await startSmtpSink('127.0.0.1', undefined, ['-8']);
    closers.push(() => plain.stop());
    const marker = `m-${Date.now()}`;
    const raw = msg(marker, 'Grüße aus dem Rechenzentrum');
    expect((await deliverer(relay(sink.port)).deliver(req({ raw, body: '8BITMIME' })))[0].status).toBe('sent');
    expect((await deliverer(relay(plain.port)).deliver(req({ raw, body: '8BITMIME' })))[0].status).toBe('sent');
    const [a] = sink.messages(marker);
    const [b] = plain.messages(marker);
    expect(a).toMatch(/^X-Mail-Args: <ops@smtp-ops\.test> BODY=8BITMIME$/m);
    expect(b).toMatch(/^X-Mail-Args: <ops@smtp-ops\.test>$/m);
    expect(b).toContain('Grüße aus dem Rechenzentrum');
    // smtp-sink offers no SMTPUTF8: a UTF-8 recipient bounces with 5.6.7 and nothing reaches it.
    const [u] = await deliverer(relay(sink.port)).deliver(req({ raw: msg(`${marker}-utf8`), to: ['ops@exämple.test'], smtputf8: true }));
    expect(u).toMatchObject({ status: 'bounced', response: expect.stringMatching(/^5\.6\.7 SMTPUTF8 is required/) });
    expect(sink.messages(`${marker}-utf8`)).toEqual([]);
  });
});

const peers = await peersOrSkip('direct delivery extensions');
describe.skipIf(!peers.ok)('direct: the MX gets the same declarations', () => {
  it('declares SIZE and BODY=8BITMIME to an MX that offers them, and bounces 5.6.7 without trying the next MX', async () => {
    // dnsmasq: pref.dlv.test has MX 10 -> 127.0.0.11 and MX 20 -> 127.0.0.12 (test/peers/dnsmasq.conf).
    const port = await freePort('127.0.0.11');
    const mx1 = await peer({ host: '127.0.0.11', port, size: 1_000_000, noSmtputf8: true });
    const mx2 = await peer({ host: '127.0.0.12', port });
    const d = deliverer({ hostname: 'alerts.smtp-ops.test', relayHost: '', relayPort: null, tlsMode: 'opportunistic', tlsVerify: true, directPort: port, timeoutMs: 2_000 }, resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns }));
    const raw = msg('direct 8bit', 'Grüße');
    expect((await d.deliver(req({ raw, to: ['ops@pref.dlv.test'], body: '8BITMIME' })))[0].status).toBe('sent');
    expect(mx1.received[0].mailFrom).toBe(`MAIL FROM:<ops@smtp-ops.test> BODY=8BITMIME SIZE=${raw.length}`);
    const [r] = await d.deliver(req({ raw: msg('direct utf8'), to: ['pelé@pref.dlv.test'], smtputf8: true }));
    expect(r).toMatchObject({ status: 'bounced', response: expect.stringMatching(/^5\.6\.7 SMTPUTF8 is required, but was not offered by host/) });
    expect(mx2.received).toEqual([]);
  });
});
