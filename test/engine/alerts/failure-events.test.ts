/** Failure -> event: one event per kind and place, always with relay or domain, SMTP code and RFC 3463 status. */
import { describe, expect, it } from 'vitest';
import { failureEvents, recoveries, type RecipientOutcome } from '../../../src/engine/alerts/failure-events.js';
import { impliedEnhanced, parseEnhanced } from '../../../src/engine/alerts/smtp-reply.js';
import type { RecipientResult } from '../../../src/engine/types.js';

const out = (to: string, status: RecipientOutcome['status'], r: Partial<RecipientResult>): RecipientOutcome => ({ to, status, result: { to, status: status === 'expired' ? 'deferred' : status, response: '', ...r } });
const RELAY = 'relay.example.test:587';

describe('parseEnhanced', () => {
  it.each([
    ['451 4.3.0 Queue file write error', 451, '4.3.0'],
    ['550-5.1.1 <a@x>: Recipient address rejected', 550, '5.1.1'],
    ['421 4.7.0 Try again later', undefined, '4.7.0'],
    ['5.7.1 relaying denied', 550, '5.7.1'],
    ['450 4.2.0 <a@x> greylisted 300 seconds', 450, '4.2.0'],
    ['550 5.1.1 versus code 451', 451, null],
    ['250 2.0.0 Ok: queued as 12345', 250, '2.0.0'],
    ['550 User unknown', 550, null],
    ['550 5.1.10 null MX', 550, '5.1.10'],
    ['connect ECONNREFUSED 127.0.0.1:25', undefined, null],
  ])('%s -> %s', (text, code, want) => {
    expect(parseEnhanced(text, code)).toBe(want);
  });

  it('implies the status Postfix reports when no server gave one', () => {
    expect(impliedEnhanced('connection', 'connect', false, 'ECONNREFUSED')).toBe('4.4.1');
    expect(impliedEnhanced('timeout', 'timeout', false, 'Timeout')).toBe('4.4.2');
    expect(impliedEnhanced('dns', 'dns', false, 'SERVFAIL')).toBe('4.4.3');
    expect(impliedEnhanced('dns', 'dns', true, 'x.test does not exist (DNS NXDOMAIN)')).toBe('5.4.4');
    expect(impliedEnhanced('dns', 'dns', true, 'x.test accepts no mail (null MX, RFC 7505)')).toBe('5.1.10');
    expect(impliedEnhanced('tls', 'tls', false, 'self-signed')).toBe('4.7.5');
  });
});

describe('failureEvents', () => {
  it('a relay answering 421 at the greeting: relay.deferred at the relay, stage greeting, code and status', () => {
    const ev = failureEvents({ id: 'q1', relay: RELAY, outcomes: [out('a@x.test', 'deferred', { failure: 'rejected', code: 421, stage: 'greeting', response: '421 4.3.2 Service shutting down', host: RELAY })] });
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ level: 'warning', code: 'relay.deferred', data: { id: 'q1', relay: RELAY, smtpCode: 421, enhanced: '4.3.2', stage: 'greeting', recipients: 1 } });
    expect(ev[0].message).toContain('GREETING');
  });

  it('451 to RCPT and after DATA name their stage', () => {
    const rcpt = failureEvents({ id: 'q', relay: RELAY, outcomes: [out('a@x.test', 'deferred', { failure: 'rejected', code: 451, stage: 'rcpt', response: '451 4.3.0 Temporary lookup failure' })] });
    const data = failureEvents({ id: 'q', relay: RELAY, outcomes: [out('a@x.test', 'deferred', { failure: 'rejected', code: 451, stage: 'data', response: '451 4.3.0 Queue file write error' })] });
    expect(rcpt[0].data).toMatchObject({ stage: 'rcpt', smtpCode: 451, enhanced: '4.3.0' });
    expect(data[0].data).toMatchObject({ stage: 'data', smtpCode: 451 });
  });

  it('a relay that cannot be reached is relay.unreachable; one that stops answering mid-session is deferring', () => {
    const down = failureEvents({ id: 'q', relay: RELAY, outcomes: [out('a@x.test', 'deferred', { failure: 'connection', stage: 'connect', response: 'connect ECONNREFUSED' })] });
    const slow = failureEvents({ id: 'q', relay: RELAY, outcomes: [out('a@x.test', 'deferred', { failure: 'timeout', stage: 'timeout', response: 'Timeout' })] });
    expect(down[0]).toMatchObject({ code: 'relay.unreachable', level: 'error', data: { smtpCode: null, enhanced: '4.4.1', stage: 'connect' } });
    expect(slow[0]).toMatchObject({ code: 'relay.deferred', data: { enhanced: '4.4.2', stage: 'timeout' } });
  });

  it('bounces group by recipient domain (also through a relay) and count recipients', () => {
    const ev = failureEvents({
      id: 'q2',
      relay: RELAY,
      outcomes: [
        out('a@one.test', 'bounced', { failure: 'rejected', code: 550, stage: 'rcpt', response: '550 5.1.1 <a@one.test>: User unknown' }),
        out('b@ONE.test', 'bounced', { failure: 'rejected', code: 550, stage: 'rcpt', response: '550 5.1.1 <b@one.test>: User unknown' }),
        out('c@two.test', 'bounced', { failure: 'rejected', code: 552, stage: 'data', response: '552 5.2.2 Mailbox full' }),
        out('d@three.test', 'sent', { code: 250, response: '250 ok' }),
      ],
    });
    expect(ev.map((e) => [e.code, e.data.domain, e.data.recipients])).toEqual([
      ['delivery.bounced', 'one.test', 2],
      ['delivery.bounced', 'two.test', 1],
    ]);
    expect(ev[0].data.relay).toBe(RELAY);
    expect(ev[0].message).toMatch(/a@one.test: 550 5.1.1/);
    expect(ev[0].data.reasons).toHaveLength(2);
  });

  it('a null MX or NXDOMAIN is a bounce only, never also a deferral', () => {
    const ev = failureEvents({
      id: 'q3',
      relay: null,
      outcomes: [
        out('a@nullmx.test', 'bounced', { failure: 'dns', stage: 'dns', response: 'nullmx.test accepts no mail (null MX, RFC 7505)' }),
        out('b@nx.test', 'bounced', { failure: 'dns', stage: 'dns', response: 'Host or domain name not found: nx.test does not exist (DNS NXDOMAIN)' }),
      ],
    });
    expect(ev.map((e) => [e.code, e.data.domain, e.data.enhanced])).toEqual([
      ['delivery.bounced', 'nullmx.test', '5.1.10'],
      ['delivery.bounced', 'nx.test', '5.4.4'],
    ]);
  });

  it('direct mode: a temporary failure is about the domain, with the MX host', () => {
    const ev = failureEvents({ id: 'q', relay: null, outcomes: [out('a@x.test', 'deferred', { failure: 'rejected', code: 450, stage: 'rcpt', response: '450 4.2.0 greylisted', host: 'mx.x.test:25' })] });
    expect(ev[0]).toMatchObject({ code: 'delivery.deferred', level: 'warning', data: { domain: 'x.test', host: 'mx.x.test:25', enhanced: '4.2.0' } });
    expect(ev[0].data.relay).toBeUndefined();
  });

  it('expired mail is its own kind; auth and TLS are about the relay', () => {
    const ev = failureEvents({
      id: 'q',
      relay: RELAY,
      outcomes: [
        out('a@x.test', 'expired', { failure: 'rejected', code: 451, stage: 'rcpt', response: '451 4.3.0 later' }),
        out('b@y.test', 'deferred', { failure: 'auth', code: 535, stage: 'auth', response: '535 5.7.8 Authentication credentials invalid' }),
      ],
    });
    expect(ev.map((e) => e.code)).toEqual(['delivery.expired', 'auth.failed']);
    expect(ev[1].data).toMatchObject({ relay: RELAY, enhanced: '5.7.8', stage: 'auth' });
  });

  it('recoveries name the relay and the domains that took mail', () => {
    const r = recoveries({ id: 'q', relay: RELAY, outcomes: [out('a@One.test', 'sent', {}), out('b@two.test', 'deferred', { failure: 'rejected', code: 451 })] });
    expect(r).toEqual({ relay: RELAY, domains: ['one.test'] });
    expect(recoveries({ id: 'q', relay: RELAY, outcomes: [out('b@two.test', 'deferred', {})] }).relay).toBeNull();
  });
});
