import { describe, expect, it } from 'vitest';
import { hasNonAscii, isMailboxAddress, mailboxProblem } from '../../src/engine/mailbox.js';

describe('mailbox validator (RFC 5321 4.1.2, RFC 6531 3.3)', () => {
  it.each([
    'ops@example.com',
    'ops@xn--r8jz45g.test',
    'first.last+tag@sub.example.co',
    '"on call"@example.com',
    '"a\\"b@c"@example.com',
    'ops@[127.0.0.1]',
    'ops@[IPv6:::1]',
    'pelé@exämple.test',
    'δοκιμή@παράδειγμα.test',
    '用户@例子.广告',
    `${'a'.repeat(64)}@example.com`,
  ])('accepts %s', (a) => {
    expect(mailboxProblem(a)).toBeNull();
  });

  it.each([
    ['', 'empty'],
    ['example.com', 'at'],
    ['@example.com', 'local-part'],
    ['a..b@example.com', 'local-part'],
    ['.a@example.com', 'local-part'],
    ['on call@example.com', 'local-part'],
    ['"unclosed@example.com', 'local-part'],
    [`${'a'.repeat(65)}@example.com`, 'length'],
    [`a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(70)}.com`, 'length'],
    ['ops@localhost', 'domain'],
    ['ops@-bad.example', 'domain'],
    ['ops@exa mple.com', 'domain'],
    ['ops@[300.1.1.1]', 'domain'],
    ['ops@[::1]', 'domain'],
    ['ops@1.2.3.4', 'domain'],
    ['ops\u200b@example.com', 'control'],
    ['ops\r\n@example.com', 'control'],
  ])('refuses %j (%s)', (a, rule) => {
    expect(mailboxProblem(a)?.rule).toBe(rule);
  });

  it('counts limits in octets of UTF-8, not characters', () => {
    // 32 two-octet characters = 64 octets: the limit; 33 are over it.
    expect(mailboxProblem(`${'é'.repeat(32)}@example.com`)).toBeNull();
    expect(mailboxProblem(`${'é'.repeat(33)}@example.com`)?.rule).toBe('length');
  });

  it('tells non-ASCII apart (it needs SMTPUTF8); settings take ASCII only', () => {
    expect(hasNonAscii('ops@xn--r8jz45g.test')).toBe(false);
    expect(hasNonAscii('ops@exämple.test')).toBe(true);
    expect(isMailboxAddress('ops@exämple.test')).toBe(true);
    expect(isMailboxAddress('ops@exämple.test', { ascii: true })).toBe(false);
  });
});
