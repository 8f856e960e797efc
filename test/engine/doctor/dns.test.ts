/**
 * The DNS half of the doctor against dnsmasq (test/peers/dnsmasq.conf): SPF evaluated by mailauth
 * for the sending IP (pass, fail, softfail, include, broken), DMARC policy and alignment, the DKIM
 * key in DNS against the configured one, reverse DNS forward-confirmed, and DNS blocklists.
 * Sending IP: mail.doctor.test = 127.0.0.31 unless said otherwise.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { addressTask } from '../../../src/engine/doctor/addresses.js';
import { blocklistTask } from '../../../src/engine/doctor/blocklists.js';
import { reverseTask } from '../../../src/engine/doctor/reverse.js';
import { senderTask } from '../../../src/engine/doctor/sender.js';
import type { DoctorCheck } from '../../../src/engine/types.js';
import { ensureZone, peersOrSkip } from '../../peers/peers.js';
import { OTHER_KEY, SEL1_KEY, expectHintsParse, inputsOf, runChecks, seen, view } from './harness.js';

const peers = await peersOrSkip('doctor DNS tests');
beforeEach(async () => {
  if (peers.ok) await ensureZone();
});
afterAll(() => {
  if (peers.ok) expect(expectHintsParse(seen)).toBeGreaterThan(5);
});

const signal = new AbortController().signal;
const byId = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

/** The sender-domain checks for a from-address, sending direct from mail.doctor.test. */
async function sender(fromAddress: string, over: Parameters<typeof view>[0] = {}, dkimKey?: string) {
  const inp = inputsOf(view({ fromAddress, ...over }), { dkimKey });
  const sending = (await addressTask(inp, signal)).value;
  const checks = await senderTask(inp, sending, signal);
  seen.push(...checks);
  return byId(checks);
}

describe.skipIf(!peers.ok)('SPF, evaluated for the sending IP', () => {
  it('pass', async () => {
    const c = await sender('alerts@pass.doctor.test');
    expect(c.spf).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^spf=pass for 127\.0\.0\.31 \(this host \(mail\.doctor\.test\)\) sending as alerts@pass\.doctor\.test; pass\.doctor\.test: "v=spf1 ip4:127\.0\.0\.31 -all"$/) });
  });

  it('fail: the record does not allow this host; fix is the record to publish', async () => {
    const c = await sender('alerts@fail.doctor.test');
    expect(c.spf).toMatchObject({ status: 'fail', detail: expect.stringMatching(/spf=fail for 127\.0\.0\.31 .*does not allow 127\.0\.0\.31; receivers that enforce SPF reject this mail/) });
    expect(c.spf.hint).toMatch(/"v=spf1 ip4:127\.0\.0\.31 -all"/);
  });

  it('softfail warns', async () => {
    expect((await sender('alerts@softfail.doctor.test')).spf).toMatchObject({ status: 'warn', detail: expect.stringMatching(/spf=softfail .*often put in spam/) });
  });

  it('include: allowed through the included record', async () => {
    expect((await sender('alerts@include.doctor.test')).spf).toMatchObject({ status: 'ok', detail: expect.stringMatching(/spf=pass .*include:_spf\.provider\.doctor\.test/) });
  });

  it('a broken record is a permerror', async () => {
    expect((await sender('alerts@broken.doctor.test')).spf).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is broken/) });
  });

  it('no record at all: direct mode fails', async () => {
    expect((await sender('alerts@nospf.doctor.test')).spf).toMatchObject({ status: 'fail', detail: expect.stringMatching(/publishes no SPF record/) });
  });
});

describe.skipIf(!peers.ok)('DMARC', () => {
  it('p=reject and nothing aligns: fail, the fix is DKIM or SPF', async () => {
    const c = await sender('alerts@fail.doctor.test');
    expect(c.dmarc).toMatchObject({ status: 'fail', detail: expect.stringMatching(/receivers are told to reject mail from fail\.doctor\.test .*\(p=reject\).*SPF does not pass, no DKIM signature/) });
    expect(c.dmarc.fix).toEqual(['dkim keygen']);
  });

  it('p=quarantine with a softfail: fail, said as spam-folder', async () => {
    expect((await sender('alerts@softfail.doctor.test')).dmarc).toMatchObject({ status: 'fail', detail: expect.stringMatching(/quarantine \(spam-folder\)/) });
  });

  it('SPF aligned: pass, with the advice to add DKIM for forwarded mail', async () => {
    const c = await sender('alerts@include.doctor.test');
    expect(c.dmarc).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^dmarc=pass under p=none: SPF aligns \(include\.doctor\.test\), no DKIM signature/) });
    expect(c.dmarc.fix).toEqual(['dkim keygen']);
  });

  it('p=none found at the organizational domain: warns that nothing aligns', async () => {
    expect((await sender('alerts@nospf.doctor.test')).dmarc).toMatchObject({ status: 'warn', detail: expect.stringMatching(/fails DMARC .*p=none only asks for reports today; "v=DMARC1; p=none"/) });
  });

  it('no record for the domain or its organizational domain: warns with the record to publish', async () => {
    const c = await sender('alerts@aonly.dlv.test');
    expect(c.dmarc).toMatchObject({ status: 'warn', detail: expect.stringMatching(/aonly\.dlv\.test publishes no DMARC record \(nor does dlv\.test\)/) });
    expect(c.dmarc.hint).toMatch(/_dmarc\.aonly\.dlv\.test, e\.g\. "v=DMARC1; p=none; rua=mailto:postmaster@aonly\.dlv\.test"/);
  });
});

describe.skipIf(!peers.ok)('DKIM key in DNS', () => {
  const dkim = { dkimDomain: 'dkim.doctor.test', dkimSelector: 'sel1', dkimPrivateKey: '********' };

  it('the published key matches and a test signature verifies; DMARC passes through DKIM although SPF fails', async () => {
    const c = await sender('alerts@dkim.doctor.test', dkim, SEL1_KEY);
    expect(c.spf.status).toBe('fail');
    expect(c.dkim).toMatchObject({ status: 'ok', detail: expect.stringMatching(/signed with d=dkim\.doctor\.test s=sel1 \(2048-bit RSA, relaxed\/relaxed\) and a test signature verifies against sel1\._domainkey\.dkim\.doctor\.test/) });
    expect(c.dmarc).toMatchObject({ status: 'ok', detail: expect.stringMatching(/dmarc=pass under p=reject: SPF does not pass, DKIM aligns \(d=dkim\.doctor\.test\)/) });
  });

  it('a subdomain From is signed and verifies (relaxed alignment)', async () => {
    const c = await sender('alerts@eu.dkim.doctor.test', dkim, SEL1_KEY);
    expect(c.dkim.status).toBe('ok');
  });

  it('DNS publishes another key: fail, fix is dkim show', async () => {
    const c = await sender('alerts@dkim.doctor.test', { ...dkim, dkimSelector: 'other' }, SEL1_KEY);
    expect(c.dkim).toMatchObject({ status: 'fail', detail: expect.stringMatching(/the key published at other\._domainkey\.dkim\.doctor\.test .* is not this system's key/) });
    expect(c.dkim.fix).toEqual(['dkim show', 'config set dkim-private-key']);
    expect(c.dmarc.status).toBe('fail');
  });

  it('a revoked key (empty p=) and a missing record fail', async () => {
    expect((await sender('alerts@dkim.doctor.test', { ...dkim, dkimSelector: 'revoked' }, SEL1_KEY)).dkim).toMatchObject({ status: 'fail', detail: expect.stringMatching(/revoked/) });
    const missing = await sender('alerts@dkim.doctor.test', { ...dkim, dkimSelector: 'nope' }, SEL1_KEY);
    expect(missing.dkim).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no key is published at nope\._domainkey\.dkim\.doctor\.test/) });
    expect(missing.dkim.fix).toEqual(['dkim show']);
  });

  it('a 1024-bit key that verifies warns with the 2048-bit fix', async () => {
    const c = await sender('alerts@dkim.doctor.test', { ...dkim, dkimSelector: 'other' }, OTHER_KEY);
    expect(c.dkim).toMatchObject({ status: 'warn', detail: expect.stringMatching(/1024-bit/) });
    expect(c.dkim.fix).toEqual(['dkim keygen --bits 2048']);
  });

  it('a From outside dkim-domain, a key without domain, and no key at all', async () => {
    expect((await sender('alerts@pass.doctor.test', dkim, SEL1_KEY)).dkim).toMatchObject({ status: 'warn', fix: ['config set dkim-domain=pass.doctor.test', 'dkim show'] });
    expect((await sender('alerts@dkim.doctor.test', { dkimPrivateKey: '********' }, SEL1_KEY)).dkim).toMatchObject({ status: 'fail', detail: expect.stringMatching(/dkim-domain is blank/) });
    expect((await sender('alerts@dkim.doctor.test')).dkim).toMatchObject({ status: 'warn', fix: ['dkim keygen'] });
  });
});

describe.skipIf(!peers.ok)('reverse DNS and blocklists', () => {
  async function reverse(hostname: string) {
    const inp = inputsOf(view({ hostname }));
    const sending = (await addressTask(inp, signal)).value;
    const checks = await reverseTask(inp, sending, signal);
    seen.push(...checks);
    return checks[0];
  }

  it('forward-confirmed and equal to the hostname: ok', async () => {
    expect(await reverse('mail.doctor.test')).toMatchObject({ status: 'ok', detail: 'this host (mail.doctor.test): 127.0.0.31 -> mail.doctor.test -> 127.0.0.31' });
  });

  it('forward-confirmed but another name: warns, fix uses the PTR name as hostname', async () => {
    const r = await reverse('alias.doctor.test');
    expect(r).toMatchObject({ status: 'warn', fix: ['config set hostname=mail.doctor.test'] });
  });

  it('a PTR that does not resolve back, and no PTR at all: fail', async () => {
    expect(await reverse('mismatch.doctor.test')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/127\.0\.0\.33 -> other\.doctor\.test, which does not resolve back to 127\.0\.0\.33 \(not forward-confirmed\)/) });
    expect(await reverse('noptr.doctor.test')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/127\.0\.0\.37 has no PTR record/) });
  });

  async function blocklists(hostname: string, dnsblZones: string) {
    const inp = inputsOf(view({ hostname, dnsblZones }));
    const sending = (await addressTask(inp, signal)).value;
    const checks = await blocklistTask(inp, sending, signal);
    seen.push(...checks);
    return checks[0];
  }

  it('a listed address fails with the list and its reason', async () => {
    expect(await blocklists('listed.doctor.test', 'dnsbl.doctor.test')).toMatchObject({ status: 'fail', detail: '127.0.0.2 is listed on dnsbl.doctor.test (127.0.0.2: listed for testing, see https://dnsbl.doctor.test/lookup?ip=127.0.0.2)' });
  });

  it('a clean address passes; a list that refuses public resolvers is "could not check", not "listed"', async () => {
    expect(await blocklists('mail.doctor.test', 'dnsbl.doctor.test')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^not listed: 127\.0\.0\.31/) });
    expect(await blocklists('mail.doctor.test', 'refusing.doctor.test')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/could not check .*refuses queries through public or open resolvers.*127\.255\.255\.254/) });
  });

  it('no zones configured: skipped with the fix', async () => {
    expect(await blocklists('mail.doctor.test', '')).toMatchObject({ status: 'skip', fix: ['config set dnsbl-zones=zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org'] });
  });
});

describe.skipIf(!peers.ok)('relay mode: the relay is the sending IP', () => {
  // relay.doctor.test resolves to 192.0.2.10 (TEST-NET); no connection is made to it here.
  const relayView = (fromAddress: string) => view({ relayHost: 'relay.doctor.test', relayPort: 587, fromAddress, hostname: 'mail.doctor.test' });

  it('SPF is evaluated for the relay; a domain that does not allow it gets the admin guide advice', async () => {
    const inp = inputsOf(relayView('alerts@fail.doctor.test'));
    const sending = (await addressTask(inp, signal)).value;
    expect(sending).toMatchObject({ ips: ['192.0.2.10'], whose: 'the relay relay.doctor.test' });
    const c = byId(await senderTask(inp, sending, signal));
    seen.push(...Object.values(c));
    expect(c.spf).toMatchObject({ status: 'fail', detail: expect.stringMatching(/spf=fail for 192\.0\.2\.10 \(the relay relay\.doctor\.test\)/) });
    expect(c.spf.hint).toMatch(/the relay is not authorized to send from fail\.doctor\.test/);
    expect(c.spf.fix).toEqual(['config set from-address=alerts@doctor.test']);
    const ok = byId(await senderTask(inputsOf(relayView('alerts@relayok.doctor.test')), sending, signal));
    expect(ok.spf.status).toBe('ok');
  });

  it("reverse DNS of the relay's address, forward-confirmed", async () => {
    const inp = inputsOf(relayView('alerts@relayok.doctor.test'));
    const sending = (await addressTask(inp, signal)).value;
    expect((await reverseTask(inp, sending, signal))[0]).toMatchObject({ status: 'ok', detail: 'the relay relay.doctor.test: 192.0.2.10 -> relay.doctor.test -> 192.0.2.10' });
  });

  it('a relay on loopback is a local MTA: mail leaves from this host, whose addresses are checked', async () => {
    const { c } = await runChecks(view({ relayHost: '127.0.0.1', relayPort: 9, fromAddress: 'alerts@pass.doctor.test' }));
    expect(c.spf.detail).toMatch(/spf=pass for 127\.0\.0\.31 \(this host \(mail\.doctor\.test\), through the local relay 127\.0\.0\.1\)/);
  });
});
