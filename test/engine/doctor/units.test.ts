/** The doctor's pure parts: naming banners and refusals, the TLS-mode wording, DNS names, the queue and events checks. */
import { afterAll, describe, expect, it } from 'vitest';
import { classifyBanner } from '../../../src/engine/doctor/smtp-probe.js';
import { classifyRefusal } from '../../../src/engine/doctor/session-checks.js';
import { greetingCheck } from '../../../src/engine/doctor/connection-checks.js';
import { dnsblName } from '../../../src/engine/doctor/blocklists.js';
import { addressScope, ipOfReverseName } from '../../../src/engine/doctor/dns.js';
import { cleanError } from '../../../src/engine/doctor/check.js';
import { logsCheck, normalizeError, queueChecks, settingsChecks } from '../../../src/engine/doctor/general-checks.js';
import type { SmtpTarget } from '../../../src/engine/doctor/smtp-target.js';
import type { DoctorCheck, EventEntry } from '../../../src/engine/types.js';
import { expectHintsParse, view } from './harness.js';

const made: DoctorCheck[] = [];
afterAll(() => {
  expect(expectHintsParse(made)).toBeGreaterThan(5);
});

describe('banners', () => {
  const b = (s: string | Buffer) => classifyBanner(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));
  it('names SMTP, SSH, HTTP, TLS and other services', () => {
    expect(b('220 mx.example.com ESMTP Postfix\r\n')).toEqual({ kind: 'smtp', text: '220 mx.example.com ESMTP Postfix' });
    expect(b('554 5.7.1 No SMTP service here\r\n').kind).toBe('smtp-refusal');
    expect(b('SSH-2.0-OpenSSH_9.2p1\r\n').kind).toBe('ssh');
    expect(b('HTTP/1.1 400 Bad Request\r\n').kind).toBe('http');
    expect(b('<!DOCTYPE HTML>\n<html><head><title>Error response</title>').kind).toBe('http');
    expect(b(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])).kind).toBe('tls');
    expect(b('+OK Dovecot ready.\r\n').kind).toBe('pop3');
    expect(b('* OK [CAPABILITY IMAP4rev1] ready\r\n').kind).toBe('imap');
    expect(b('220 ProFTPD Server (FTP) ready\r\n').kind).toBe('ftp');
    expect(b('\x00\x01garbage').kind).toBe('other');
  });
});

describe('refusals at MAIL and RCPT', () => {
  const cases: [Parameters<typeof classifyRefusal>[0], string, ReturnType<typeof classifyRefusal>][] = [
    ['RCPT', '554 5.7.1 <a@b.example>: Relay access denied', 'relay-denied'],
    ['RCPT', '454 4.7.1 <a@b.example>: Relay access denied', 'relay-denied'],
    ['RCPT', '550 5.7.1 Unable to relay for a@b.example', 'relay-denied'],
    ['RCPT', '554 5.7.1 <a@b.example>: Recipient address rejected: Access denied', 'access-denied'],
    ['MAIL', '530 5.7.0 Authentication required', 'auth-required'],
    ['MAIL', '530 5.7.0 Must issue a STARTTLS command first', 'auth-required'],
    ['MAIL', '553 5.7.1 <x@y.example>: Sender address rejected: not owned by user u@y.example', 'sender-rejected'],
    ['RCPT', '553 5.7.1 <x@y.example>: Sender address rejected: not owned by user', 'sender-rejected'],
    ['MAIL', '550 5.7.1 Sender not allowed', 'sender-rejected'],
    ['MAIL', '550 5.7.23 SPF validation failed', 'policy'],
    ['RCPT', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'policy'],
    ['RCPT', '550 5.1.1 <nobody@b.example>: Recipient address rejected: User unknown in local recipient table', 'recipient-unknown'],
    ['RCPT', '450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted', 'temporary'],
    ['RCPT', '552 5.2.2 Mailbox full', 'other'],
  ];
  it.each(cases)('%s %s -> %s', (stage, reply, kind) => {
    expect(classifyRefusal(stage, reply)).toBe(kind);
  });
});

describe('TLS mode mismatch wording', () => {
  const target = (over: Partial<SmtpTarget>): SmtpTarget => ({ mode: 'relay', prefix: 'relay', host: 'smtp.example.com', address: '192.0.2.1', port: 465, servername: 'smtp.example.com', label: 'relay smtp.example.com:465', tlsMode: 'none', tlsVerify: true, useTls: false, sasl: false, ...over });
  const silentTls = { address: '192.0.2.1', port: 465, connect: { ok: true as const, ms: 1 }, greeting: { kind: 'silent' as const }, silent: { tls: true } };

  it('port 465 with use-tls off: "port 465 expects TLS from the first byte: set use-tls=on"', () => {
    const c = greetingCheck(target({}), silentTls);
    made.push(c);
    expect(c.hint).toBe('Port 465 expects TLS from the first byte: set use-tls=on: `config set use-tls=on`.');
    expect(c.fix).toEqual(['config set use-tls=on']);
  });

  it('another implicit-TLS port adds tls-implicit=on; STARTTLS mode there needs only tls-implicit=on', () => {
    const other = greetingCheck(target({ port: 2465, label: 'relay smtp.example.com:2465' }), { ...silentTls, port: 2465 });
    const starttls = greetingCheck(target({ port: 2465, useTls: true, tlsMode: 'starttls' }), { ...silentTls, port: 2465 });
    made.push(other, starttls);
    expect(other.fix).toEqual(['config set use-tls=on tls-implicit=on']);
    expect(starttls.fix).toEqual(['config set tls-implicit=on']);
  });

  it('implicit TLS where the server greets in plain text: tls-implicit=off', () => {
    const c = greetingCheck(target({ tlsMode: 'implicit', useTls: true }), { address: '192.0.2.1', port: 465, connect: { ok: true, ms: 1 }, implicitFailed: { error: 'wrong version number', timedOut: false, plain: { kind: 'smtp', text: '220 smtp.example.com ESMTP' } } });
    made.push(c);
    expect(c.detail).toMatch(/port 465 greets in plain text \("220 smtp\.example\.com ESMTP"\)/);
    expect(c.fix).toEqual(['config set tls-implicit=off']);
  });
});

describe('DNS names', () => {
  it('DNSBL query names for IPv4 and IPv6 (RFC 5782)', () => {
    expect(dnsblName('192.0.2.99', 'zen.spamhaus.org')).toBe('99.2.0.192.zen.spamhaus.org');
    expect(dnsblName('2001:db8:1:2::a', 'bl.example')).toBe('a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example');
  });
  it('reverse names and address scopes', () => {
    expect(ipOfReverseName('31.0.0.127.in-addr.arpa.')).toBe('127.0.0.31');
    expect(ipOfReverseName('a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')).toBe('2001:0db8:0001:0002:0000:0000:0000:000a');
    expect(['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.20.0.1', '100.64.0.1', '192.0.2.10', '::1', 'fd00::1', '2001:db8::1'].map(addressScope)).toEqual(['loopback', 'private', 'private', 'private', 'private', 'public', 'loopback', 'private', 'public']);
  });
  it('OpenSSL errors in words', () => {
    expect(cleanError('ERR_SSL_WRONG_VERSION_NUMBER: 80ACE4F7437F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:350:\n')).toBe('ERR_SSL_WRONG_VERSION_NUMBER: wrong version number');
  });
});

describe('settings, queue and events', () => {
  it('disabled, a bad hostname: fail with commands that fix them', () => {
    const [enabled, host] = settingsChecks(view({ enabled: false, hostname: 'localhost' }));
    made.push(enabled, host);
    expect(enabled).toMatchObject({ status: 'fail', fix: ['config set enabled=on', 'queue flush'] });
    expect(host).toMatchObject({ status: 'fail', fix: ['config set hostname=alerts.example.com'] });
  });

  it('a backlog with deferred mail: counts, the oldest, the most common last errors', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    const deferred = [
      { lastError: 'RCPT TO <a@x.example> 451 4.7.1 <a@x.example>: try later', createdAt: now - 7_200_000 },
      { lastError: 'RCPT TO <b@x.example> 451 4.7.1 <b@x.example>: try later', createdAt: now - 3_600_000 },
      { lastError: 'connect ETIMEDOUT 192.0.2.1:587', createdAt: now - 60_000 },
    ];
    const [backlog, errors] = queueChecks({ counts: { queued: 1, sending: 0, deferred: 3, held: 0, total: 4, oldest: now - 7_200_000 }, deferred }, true, now);
    made.push(backlog, errors);
    expect(backlog).toMatchObject({ status: 'warn', detail: '4 message(s) waiting: 1 queued, 0 sending, 3 deferred, 0 held; the oldest was queued 2 h ago (2026-11-23 10:00 UTC)' });
    expect(backlog.fix).toEqual(['queue list --state deferred', 'queue flush']);
    expect(errors.detail).toBe('2x RCPT TO <address> 451 4.7.1 <address>: try later; 1x connect ETIMEDOUT 192.0.2.1:587 (of 3 deferred)');
    expect(normalizeError('550 5.1.1 user@example.com unknown')).toBe('550 5.1.1 <address> unknown');
  });

  it('recent problems point at `events --level`, which exists (not `logs --level`)', () => {
    const e = (code: string, level: 'warning' | 'error', time: number): EventEntry => ({ key: String(time), time, level, code, message: `${code} happened`, actor: 'system' });
    const c = logsCheck([e('auth.failed', 'error', 1), e('auth.failed', 'error', 3), e('smtp.disabled', 'warning', 2)]);
    made.push(c);
    expect(c.detail).toMatch(/^2 error\(s\), 1 warning\(s\) in the last day: auth\.failed x2 \(latest: auth\.failed happened\); smtp\.disabled x1/);
    expect(c.fix).toEqual(['events --level error', 'events --level warning']);
    expect(c.hint).not.toMatch(/logs --level/);
  });
});
