/**
 * DKIM signing end to end: messages the engine sends (relayed, direct, submitted at intake) carry a
 * signature that mailauth verifies against the key dnsmasq publishes (sel1._domainkey.dkim.doctor.test),
 * also after Postfix relayed the message and added its Received header. Plus the key handling:
 * records split for zone files, `dkim keygen` through the engine.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { Engine } from '../../../src/engine/index.js';
import { createDeliverer } from '../../../src/engine/delivery/index.js';
import { compose } from '../../../src/engine/compose.js';
import { DkimSigner, SIGNED_HEADERS, covers, fromDomains, withDkim } from '../../../src/engine/dkim/signer.js';
import { dkimRecord, generatePrivateKey, parsePrivateKey } from '../../../src/engine/dkim/key.js';
import { defaultSelector } from '../../../src/engine/dkim/keygen.js';
import { mailauthResolver } from '../../../src/engine/doctor/dns.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import { startPeer, type Peer } from '../delivery/smtp-peer.js';
import { harness, marker, type Harness } from '../integration/harness.js';
import { ensureZone, freePort, PEERS, peersOrSkip, startSmtpSink, waitForSink } from '../../peers/peers.js';

const here = dirname(fileURLToPath(import.meta.url));
const SEL1 = readFileSync(join(here, 'fixtures/sel1.pem'), 'utf8');
const peers = await peersOrSkip('DKIM tests');
const resolver = mailauthResolver(resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns }));
const actor = { platform: 'cli' as const, id: 'dkim-test' };
const dkimSettings = { 'dkim-domain': 'dkim.doctor.test', 'dkim-selector': 'sel1', 'dkim-private-key': SEL1 };

/** mailauth's verdict on every signature of a message, as receivers compute it against dnsmasq. */
async function verify(raw: string | Buffer) {
  const r = await dkimVerify(Buffer.isBuffer(raw) ? raw : Buffer.from(raw), { resolver });
  return r.results.map((x) => ({ domain: x.signingDomain, selector: x.selector, result: x.status.result, comment: x.status.comment, aligned: x.status.aligned }));
}

let h: Harness | undefined;
const cleanup: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  if (peers.ok) await ensureZone();
});
afterEach(async () => {
  // Engines first: a peer's close() waits for the connections the relay pool keeps open.
  await h?.dispose();
  h = undefined;
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

function message(from: string, extra = ''): Promise<Buffer> {
  return compose({ fromName: 'Alerts', fromAddress: from, to: ['oncall@example.com'], subject: `dkim ${marker('s')}`, text: `body line\n\ttabbed  spaces   \n${extra}`, messageId: `<${marker('m')}@mail.doctor.test>`, date: new Date() });
}

describe('keys and records', () => {
  it('the TXT record is split into strings of at most 255 bytes that join to the value; a zone-file line carries them', async () => {
    const pem = await generatePrivateKey(4096);
    const r = dkimRecord('example.com', 's1', pem);
    expect(r.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/);
    expect(r.strings.join('')).toBe(r.value);
    expect(r.strings.length).toBeGreaterThan(2);
    for (const s of r.strings) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(255);
    expect(r.zone).toBe(`s1._domainkey.example.com. IN TXT ( ${r.strings.map((s) => `"${s}"`).join(' ')} )`);
    expect(r.bits).toBe(4096);
  });

  it('reads PKCS#1 and PKCS#8 PEMs, refuses encrypted and non-RSA keys without quoting them', () => {
    const p = parsePrivateKey(SEL1);
    expect(p).toMatchObject({ ok: true, bits: 2048 });
    const enc = parsePrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----');
    expect(enc).toMatchObject({ ok: false, rule: 'encrypted' });
    expect(JSON.stringify(enc)).not.toContain('MIIB');
  });

  it('default selectors name the day and move on when the day is taken', () => {
    const day = Date.UTC(2026, 10, 23);
    expect(defaultSelector(day, '')).toBe('smtp-ops-20261123');
    expect(defaultSelector(day, 'smtp-ops-20261123')).toBe('smtp-ops-20261123-2');
    expect(defaultSelector(day, 'smtp-ops-20261123-2')).toBe('smtp-ops-20261123-3');
  });
});

describe.skipIf(!peers.ok)('signatures verify against the published key', () => {
  const signer = new DkimSigner({ domain: 'dkim.doctor.test', selector: 'sel1', privateKey: SEL1 });

  it('relaxed/relaxed over the usual headers, not trace headers; verifies; a relay adding Received and refolding headers keeps it valid', async () => {
    const signed = (await signer.sign(await message('alerts@dkim.doctor.test')))!;
    const head = signed.toString('latin1').split(/\r?\n\r?\n/)[0];
    expect(head).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=dkim\.doctor\.test;/);
    const h = /[;\s]h=([^;]+);/.exec(head.replace(/\r?\n\s+/g, ''))![1].split(':');
    expect(h).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type']));
    expect(h).not.toContain('received');
    expect(h.every((x) => SIGNED_HEADERS.map((s) => s.toLowerCase()).includes(x))).toBe(true);
    expect(await verify(signed)).toEqual([expect.objectContaining({ domain: 'dkim.doctor.test', selector: 'sel1', result: 'pass', aligned: 'dkim.doctor.test' })]);
    const relayed = Buffer.concat([Buffer.from('Received: from mail.doctor.test (mail.doctor.test [127.0.0.31])\r\n\tby relay.example with ESMTPS id X1;  Mon, 23 Nov 2026 10:00:00 +0000\r\nReturn-Path: <alerts@dkim.doctor.test>\r\n'), signed]);
    const refolded = Buffer.from(relayed.toString('latin1').replace(/^Subject: /m, 'Subject:   ').replace(/\r\n\r\nbody line/, '\r\n\r\nbody line  '), 'latin1');
    expect((await verify(refolded))[0].result).toBe('pass');
  });

  it('signs From addresses in the domain and its subdomains, and nothing else', async () => {
    expect(covers('dkim.doctor.test', 'eu.dkim.doctor.test')).toBe(true);
    expect(covers('dkim.doctor.test', 'notdkim.doctor.test')).toBe(false);
    expect(await signer.sign(await message('alerts@other.example'))).toBeNull();
    const sub = (await signer.sign(await message('alerts@eu.dkim.doctor.test')))!;
    expect((await verify(sub))[0]).toMatchObject({ result: 'pass' });
    const two = Buffer.from('From: a@dkim.doctor.test, b@other.example\r\nSubject: x\r\n\r\nx\r\n');
    expect(fromDomains(two)).toEqual(['dkim.doctor.test', 'other.example']);
    expect(await signer.sign(two)).toBeNull();
  });
});

describe.skipIf(!peers.ok)('the engine signs what it sends', () => {
  async function relayPeer(): Promise<Peer> {
    const p = await startPeer({});
    cleanup.push(() => p.close());
    return p;
  }
  const relayTo = (port: number) => ({ hostname: 'mail.doctor.test', 'from-address': 'alerts@dkim.doctor.test', 'relay-host': '127.0.0.1', 'relay-port': String(port), 'use-tls': 'off', ...dkimSettings });

  it('relayed mail (the raw send path) is signed and verifies; mail from another domain is not signed', async () => {
    const p = await relayPeer();
    h = harness();
    const e = await h.open();
    await e.updateSettings(relayTo(p.port), actor);
    const a = await e.submit({ to: ['oncall@example.com'], subject: 'signed', text: 'hello' }, actor);
    const b = await e.submit({ from: 'ops@elsewhere.example', to: ['oncall@example.com'], subject: 'unsigned', text: 'hello' }, actor);
    await e.waitForAttempt(a.id, 20_000);
    await e.waitForAttempt(b.id, 20_000);
    const signed = p.received.find((m) => m.raw.includes('Subject: signed'))!;
    const unsigned = p.received.find((m) => m.raw.includes('Subject: unsigned'))!;
    expect(await verify(signed.raw)).toEqual([expect.objectContaining({ result: 'pass', domain: 'dkim.doctor.test' })]);
    expect(unsigned.raw).not.toMatch(/^DKIM-Signature:/m);
  });

  it('signing happens on the way out: the queue keeps the bytes as composed, and a key set while mail waits applies to it', async () => {
    const p = await relayPeer();
    h = harness();
    const e = await h.open();
    const { 'dkim-private-key': _k, 'dkim-selector': _s, 'dkim-domain': _d, ...plain } = relayTo(p.port);
    await e.updateSettings({ ...plain, enabled: 'off' }, actor);
    const r = await e.submit({ to: ['oncall@example.com'], subject: 'queued before the key', text: 'waiting' }, actor);
    expect(Object.keys((await e.queueShow(r.id)).headers)).not.toContain('dkim-signature');
    await e.updateSettings({ ...dkimSettings, enabled: 'on' }, actor);
    await e.queueFlush(actor);
    expect((await e.waitForAttempt(r.id, 20_000)).status).toBe('sent');
    expect(await verify(p.received[0].raw)).toEqual([expect.objectContaining({ result: 'pass' })]);
  });

  it('a key set after the relay connection is in use signs the next message (DKIM settings restart the deliverer)', async () => {
    const p = await relayPeer();
    h = harness();
    const e = await h.open();
    const { 'dkim-private-key': _k, 'dkim-selector': _s, 'dkim-domain': _d, ...plain } = relayTo(p.port);
    await e.updateSettings(plain, actor);
    const before = await e.submit({ to: ['oncall@example.com'], subject: 'before the key', text: 'unsigned' }, actor);
    expect((await e.waitForAttempt(before.id, 20_000)).status).toBe('sent');
    await e.updateSettings(dkimSettings, actor);
    const after = await e.submit({ to: ['oncall@example.com'], subject: 'after the key', text: 'signed' }, actor);
    expect((await e.waitForAttempt(after.id, 20_000)).status).toBe('sent');
    expect(p.received.find((m) => m.raw.includes('Subject: before the key'))!.raw).not.toMatch(/^DKIM-Signature:/m);
    expect(await verify(p.received.find((m) => m.raw.includes('Subject: after the key'))!.raw)).toEqual([expect.objectContaining({ result: 'pass' })]);
    // Removing the key stops signing at once, too.
    await e.updateSettings({ 'dkim-private-key': '' }, actor);
    const removed = await e.submit({ to: ['oncall@example.com'], subject: 'key removed', text: 'unsigned' }, actor);
    expect((await e.waitForAttempt(removed.id, 20_000)).status).toBe('sent');
    expect(p.received.find((m) => m.raw.includes('Subject: key removed'))!.raw).not.toMatch(/^DKIM-Signature:/m);
  });

  it('after Postfix relayed it (adding its Received header) the signature still verifies', async () => {
    h = harness();
    const e = await h.open();
    const mark = marker('dkim-postfix');
    await e.updateSettings({ ...relayTo(PEERS.relayPlainPort) }, actor);
    const r = await e.submit({ to: [`${mark}@sink.test`], subject: mark, text: 'through Postfix' }, actor);
    expect((await e.waitForAttempt(r.id, 20_000)).status).toBe('sent');
    const [dump] = await waitForSink(mark, 1);
    expect(dump).toMatch(/^Received: from mail\.doctor\.test .*\n\tby relay\.smtp-ops\.test \(Postfix\)/m);
    // smtp-sink writes its own X-* lines above the message; they are not signed and do not matter.
    expect(await verify(dump)).toEqual([expect.objectContaining({ result: 'pass', domain: 'dkim.doctor.test', selector: 'sel1' })]);
  });

  it('direct mail to an MX is signed and verifies', async () => {
    const sink = await startSmtpSink('127.0.0.21');
    cleanup.push(() => sink.stop());
    h = harness();
    const e = await h.open({ directPort: sink.port });
    const mark = marker('dkim-direct');
    await e.updateSettings({ hostname: 'mail.doctor.test', 'from-address': 'alerts@dkim.doctor.test', 'use-tls': 'off', ...dkimSettings }, actor);
    const r = await e.submit({ to: [`${mark}@direct.test`], subject: mark, text: 'direct' }, actor);
    expect((await e.waitForAttempt(r.id, 20_000)).status).toBe('sent');
    const [dump] = await waitForSink(mark, 1, 10_000, sink.dir);
    expect(await verify(dump)).toEqual([expect.objectContaining({ result: 'pass' })]);
  });

  it('intake mail (submitted over SMTP with python smtplib) is signed on its way out', async () => {
    const p = await relayPeer();
    h = harness();
    const e = await h.open();
    await e.updateSettings(relayTo(p.port), actor);
    const port = await freePort();
    const intake = await e.startIntake({ listen: `127.0.0.1:${port}` });
    cleanup.push(() => intake.close());
    const mark = marker('dkim-intake');
    const script = [
      'import smtplib, sys',
      'from email.message import EmailMessage',
      'm = EmailMessage()',
      "m['From'] = 'App <app@eu.dkim.doctor.test>'",
      "m['To'] = 'oncall@example.com'",
      `m['Subject'] = '${mark}'`,
      "m.set_content('from an application\\n')",
      `s = smtplib.SMTP('127.0.0.1', ${port})`,
      's.send_message(m)',
      's.quit()',
    ].join('\n');
    await new Promise<void>((resolve, reject) => execFile('python3', ['-c', script], (err) => (err ? reject(err) : resolve())));
    const until = Date.now() + 20_000;
    while (!p.received.some((m) => m.raw.includes(mark)) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const got = p.received.find((m) => m.raw.includes(mark))!;
    expect(await verify(got.raw)).toEqual([expect.objectContaining({ result: 'pass', domain: 'dkim.doctor.test' })]);
  });

  /** Raw mail from the signing domain with a UTF-8 Subject (RFC 6532) and an 8-bit body. */
  const eightBit = (mark: string, subject: string) =>
    Buffer.from(`From: Alerts <alerts@dkim.doctor.test>\r\nTo: oncall@example.com\r\nSubject: ${subject} ${mark}\r\nMessage-ID: <${mark}@mail.doctor.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus dem Rechenzentrum\r\n`, 'utf8');

  it('relayed mail is signed and MAIL FROM declares SIZE (of the signed bytes), BODY=8BITMIME and SMTPUTF8: pool and own-session paths', async () => {
    const p = await startPeer({ size: 10_000_000 });
    cleanup.push(() => p.close());
    h = harness();
    const e = await h.open();
    await e.updateSettings(relayTo(p.port), actor);
    const m8 = marker('dkim-8bit');
    const mu = marker('dkim-utf8');
    const eight = eightBit(m8, 'Grüße');
    const utf8 = eightBit(mu, 'Störung');
    // BODY=8BITMIME alone goes through the relay pool; SMTPUTF8 gets a session of its own.
    const a = await e.submit({ from: 'alerts@dkim.doctor.test', to: ['oncall@example.com'], raw: eight, source: 'intake', body: '8BITMIME' }, actor);
    const b = await e.submit({ from: 'alerts@dkim.doctor.test', to: ['oncall@example.com'], raw: utf8, source: 'intake', body: '8BITMIME', smtputf8: true }, actor);
    expect((await e.waitForAttempt(a.id, 20_000)).status).toBe('sent');
    expect((await e.waitForAttempt(b.id, 20_000)).status).toBe('sent');
    for (const [mark, queued, smtputf8] of [[m8, eight, ''], [mu, utf8, ' SMTPUTF8']] as const) {
      const got = p.received.find((m) => m.raw.includes(mark))!;
      const sent = Buffer.byteLength(got.raw, 'utf8');
      expect(sent).toBeGreaterThan(queued.length);
      expect(got.mailFrom).toBe(`MAIL FROM:<alerts@dkim.doctor.test> BODY=8BITMIME SIZE=${sent}${smtputf8}`);
      expect(got.raw).toContain('Grüße aus dem Rechenzentrum');
      expect(await verify(got.raw)).toEqual([expect.objectContaining({ result: 'pass', domain: 'dkim.doctor.test' })]);
    }
  });

  it('direct mail to an MX is signed and MAIL FROM declares SIZE (of the signed bytes), BODY=8BITMIME and SMTPUTF8', async () => {
    const port = await freePort('127.0.0.21');
    const mx = await startPeer({ host: '127.0.0.21', port, size: 10_000_000 });
    cleanup.push(() => mx.close());
    h = harness();
    const e = await h.open({ directPort: port });
    await e.updateSettings({ hostname: 'mail.doctor.test', 'from-address': 'alerts@dkim.doctor.test', 'use-tls': 'off', ...dkimSettings }, actor);
    const mark = marker('dkim-direct-utf8');
    const raw = eightBit(mark, 'Störung');
    const r = await e.submit({ from: 'alerts@dkim.doctor.test', to: [`${mark}@direct.test`], raw, source: 'intake', body: '8BITMIME', smtputf8: true }, actor);
    expect((await e.waitForAttempt(r.id, 20_000)).status).toBe('sent');
    const [got] = mx.received;
    const sent = Buffer.byteLength(got.raw, 'utf8');
    expect(sent).toBeGreaterThan(raw.length);
    expect(got.mailFrom).toBe(`MAIL FROM:<alerts@dkim.doctor.test> BODY=8BITMIME SIZE=${sent} SMTPUTF8`);
    expect(await verify(got.raw)).toEqual([expect.objectContaining({ result: 'pass', domain: 'dkim.doctor.test' })]);
  });

  it('a signer that fails sends the mail unsigned and reports the failure (the engine turns it into a dkim.failed event)', async () => {
    const p = await relayPeer();
    const failures: Error[] = [];
    // Settings never accept such a key; a signer built from one must still not stop the mail.
    const broken = new DkimSigner({ domain: 'dkim.doctor.test', selector: 'sel1', privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' });
    const d = withDkim(createDeliverer({ hostname: 'mail.doctor.test', relayHost: '127.0.0.1', relayPort: p.port, tlsMode: 'none', tlsVerify: true, directPort: 25, timeoutMs: 5_000 }, resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns })), broken, (e) => failures.push(e));
    const raw = await message('alerts@dkim.doctor.test');
    const res = await d.deliver({ id: 'x1', from: 'alerts@dkim.doctor.test', to: ['oncall@example.com'], raw });
    await d.close();
    expect(res[0].status).toBe('sent');
    expect(failures[0].message).toMatch(/could not sign/);
    expect(p.received[0].raw).not.toMatch(/^DKIM-Signature:/m);
  });
});

describe('dkim keygen through the engine', () => {
  it('makes a key, sets the selector and the domain from from-address, returns the record; the key never shows', async () => {
    h = harness();
    const e: Engine = await h.open({ worker: false });
    await e.updateSettings({ 'from-address': 'alerts@example.org' }, actor);
    const r = await e.dkimKeygen({ bits: 1024 }, actor);
    expect(r).toMatchObject({ domain: 'example.org', bits: 1024, name: expect.stringMatching(/^smtp-ops-\d{8}\._domainkey\.example\.org$/) });
    const v = await e.getSettings();
    expect(v).toMatchObject({ dkimDomain: 'example.org', dkimSelector: r.selector, dkimPrivateKey: '********' });
    expect(await e.dkimRecord()).toEqual(r);
    const events = JSON.stringify((await e.eventList()).items);
    expect(events).toMatch(/dkim\.keygen/);
    expect(events).not.toMatch(/PRIVATE KEY/);
    await expect(e.dkimKeygen({ bits: 1000 }, actor)).rejects.toThrow(/--bits must be one of 1024, 2048, 3072, 4096/);
    await expect(e.dkimKeygen({ selector: 'bad_selector' }, actor)).rejects.toThrow(/--selector must be one or more DNS labels/);
  });

  it('doctor --to must be an address or a domain', async () => {
    h = harness();
    const e = await h.open({ worker: false });
    await expect(e.doctor({ to: 'not an address!' })).rejects.toThrow(/--to must be an email address or a domain/);
  });
});

afterAll(async () => {
  await h?.dispose();
});
