/**
 * Direct mode: `doctor --to` looks up the MX of the recipient's domain (dnsmasq) and tries it on
 * the direct port (SMTP_OPS_DIRECT_PORT; here an smtp-server peer on a loopback alias), up to
 * MAIL FROM / RCPT TO / RSET.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPeer, type PeerOptions } from '../delivery/smtp-peer.js';
import { ensureZone, freePort, peersOrSkip } from '../../peers/peers.js';
import { expectHintsParse, runChecks, seen, view } from './harness.js';

const peers = await peersOrSkip('doctor direct-mode tests');
const cleanup: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  if (peers.ok) await ensureZone();
});
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});
afterAll(() => {
  if (peers.ok) expect(expectHintsParse(seen)).toBeGreaterThan(3);
});

async function mx(host: string, opts: PeerOptions = {}) {
  const port = await freePort(host);
  const p = await startPeer({ host, port, ...opts });
  cleanup.push(() => p.close());
  return p;
}

describe.skipIf(!peers.ok)('doctor in direct mode', () => {
  it('--to a domain: its MX is found, reachable on the direct port, and takes the envelope; no STARTTLS is a warning with use-tls off', async () => {
    const p = await mx('127.0.0.35');
    const { c } = await runChecks(view({ useTls: false }), { config: { directPort: p.port }, to: 'postmaster@mx-ok.doctor.test' });
    expect(c['direct-mx']).toMatchObject({ status: 'ok', detail: 'MX of mx-ok.doctor.test: mx.mx-ok.doctor.test (preference 10) -> 127.0.0.35' });
    expect(c['direct-connect']).toMatchObject({ status: 'ok', detail: expect.stringMatching(new RegExp(`TCP connection to MX mx\\.mx-ok\\.doctor\\.test \\(127\\.0\\.0\\.35\\) port ${p.port}`)) });
    expect(c['direct-greeting'].status).toBe('ok');
    expect(c['direct-tls']).toMatchObject({ status: 'warn', detail: expect.stringMatching(/offers no STARTTLS: mail to it travels in plain text/) });
    expect(c['direct-permission']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/RCPT TO:<postmaster@mx-ok\.doctor\.test> 250/) });
    expect(c['relay-auth']).toBeUndefined();
    expect(p.received).toHaveLength(0);
  });

  it('with use-tls on, an MX without STARTTLS fails: delivery to it is deferred; fix is use-tls=off', async () => {
    const p = await mx('127.0.0.35');
    const { c } = await runChecks(view({ useTls: true }), { config: { directPort: p.port }, to: 'mx-ok.doctor.test' });
    expect(c['direct-tls']).toMatchObject({ status: 'fail', fix: ['config set use-tls=off'] });
  });

  it('a receiving server that refuses the sender for SPF names it and points at the sender-domain checks', async () => {
    const p = await mx('127.0.0.36', { mailReply: (from) => `550 5.7.23 <${from}>: SPF validation failed` });
    const { c } = await runChecks(view({ useTls: false }), { config: { directPort: p.port }, to: 'someone@mx-refuse.doctor.test' });
    expect(c['direct-mx'].detail).toMatch(/mx-refuse\.doctor\.test has no MX; its own address is used -> 127\.0\.0\.36/);
    expect(c['direct-permission']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/MAIL FROM:<alerts@pass\.doctor\.test> refused: 550 5\.7\.23 .*SPF validation failed: refused by policy/) });
    expect(c['direct-permission'].hint).toMatch(/SPF, DKIM, DMARC, reverse DNS and blocklists/);
  });

  it('an MX nothing listens on fails the connection with the firewall or relay advice', async () => {
    const { c } = await runChecks(view(), { config: { directPort: await freePort('127.0.0.14') }, to: 'down.dlv.test' });
    expect(c['direct-connect']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/nothing is listening on MX mx\.down\.dlv\.test \(127\.0\.0\.14\)/) });
  });

  it('without --to, the from domain is tried; one that takes no mail is said so with the --to fix', async () => {
    const { c } = await runChecks(view({ fromAddress: 'alerts@pass.doctor.test' }));
    expect(c['direct-mx']).toMatchObject({ status: 'warn', detail: expect.stringMatching(/pass\.doctor\.test has no MX and no A\/AAAA record: mail to postmaster@pass\.doctor\.test cannot be delivered/) });
    expect(c['direct-mx'].fix).toEqual(['doctor --to you@example.com']);
    expect(c['direct-connect'].detail).toMatch(/no server to talk to/);
  });

  it('a null MX is a domain that takes no mail', async () => {
    const { c } = await runChecks(view(), { to: 'x@null.dlv.test' });
    expect(c['direct-mx']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/accepts no mail \(null MX, RFC 7505\)/) });
  });
});
