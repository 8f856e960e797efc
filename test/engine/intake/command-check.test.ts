import { describe, expect, it } from 'vitest';
import { checkCommand, pathEnd } from '../../../src/engine/intake/command-check.js';

const rules = { maxSize: 1000, maxRecipients: 2, auth: false };
const mail = (line: string, r = rules) => checkCommand('MAIL', line, { rules: r, smtputf8: false, recipients: [] });
const rcpt = (line: string, smtputf8 = false, recipients: string[] = []) => checkCommand('RCPT', line, { rules, smtputf8, recipients });
const reply = (v: ReturnType<typeof mail>) => (v.ok ? `ok ${v.path}` : `${v.refusal.code} ${v.refusal.status} ${v.refusal.reason}`);

describe('MAIL FROM / RCPT TO checks', () => {
  it('keeps the path exactly as given and drops a source route (RFC 5321 appendix C)', () => {
    expect(reply(mail('MAIL FROM:<Ops@XN--R8JZ45G.test>'))).toBe('ok Ops@XN--R8JZ45G.test');
    expect(reply(mail('MAIL FROM: <"a > b"@example.com> BODY=8BITMIME'))).toBe('ok "a > b"@example.com');
    expect(reply(rcpt('RCPT TO:<@relay.example,@b.example:ops@example.com>'))).toBe('ok ops@example.com');
    expect(reply(mail('MAIL FROM:<>'))).toBe('ok ');
  });

  it('answers as Postfix does, per rule', () => {
    expect(reply(mail('MAIL FROM:ops@example.com'))).toBe('501 5.1.7 address');
    expect(reply(rcpt('RCPT TO:<>'))).toBe('501 5.1.3 address');
    expect(reply(mail('MAIL FROM:<ünï@example.com>'))).toBe('553 5.6.7 address');
    expect(reply(mail('MAIL FROM:<ünï@example.com> SMTPUTF8'))).toBe('ok ünï@example.com');
    expect(reply(rcpt('RCPT TO:<ops@exämple.test>'))).toBe('553 5.6.7 address');
    expect(reply(rcpt('RCPT TO:<ops@exämple.test>', true))).toBe('ok ops@exämple.test');
    expect(reply(mail('MAIL FROM:<ops@example.com> ENVID=x'))).toBe('555 5.5.4 parameter');
    expect(reply(mail('MAIL FROM:<ops@example.com> AUTH=<>'))).toBe('555 5.5.4 parameter');
    expect(reply(mail('MAIL FROM:<ops@example.com> AUTH=<>', { ...rules, auth: true }))).toBe('ok ops@example.com');
    expect(reply(rcpt('RCPT TO:<ops@example.com> ORCPT=rfc822;ops@example.com'))).toBe('555 5.5.4 parameter');
    expect(reply(mail('MAIL FROM:<ops@example.com> SIZE=1k'))).toBe('501 5.5.4 parameter');
    expect(reply(mail('MAIL FROM:<ops@example.com> SIZE=10 size=10'))).toBe('501 5.5.4 parameter');
    expect(reply(mail('MAIL FROM:<ops@example.com> SMTPUTF8=yes'))).toBe('501 5.5.4 parameter');
    expect(reply(mail('MAIL FROM:<ops@example.com> body=7bit SIZE=1000'))).toBe('ok ops@example.com');
    expect(reply(mail('MAIL FROM:<ops@example.com> SIZE=1001'))).toBe('552 5.3.4 size');
    expect(reply(mail('MAIL FROM:<ops@example.com> SIZE=1001', { ...rules, maxSize: 0 }))).toBe('ok ops@example.com');
    expect(reply(rcpt('RCPT TO:<c@example.com>', false, ['a@example.com', 'b@example.com']))).toBe('452 4.5.3 recipients');
  });

  it('finds the end of a path past quoted > and escapes', () => {
    expect(pathEnd('<"a>b"@x.y> SIZE=1')).toBe(10);
    expect(pathEnd('<"a\\">"@x.y>')).toBe(11);
    expect(pathEnd('<unclosed')).toBe(-1);
    expect(pathEnd('no-bracket')).toBe(-1);
  });
});
