import { describe, expect, it } from 'vitest';
import { domainOf, normAddress, normReason } from '../../../src/engine/reports/normalize.js';

describe('reason normalisation', () => {
  it('groups replies that differ only in addresses, ids, IPs and numbers, keeping status codes', () => {
    const cases: [string, string][] = [
      ['451 4.7.1 <bob@x.test>: Recipient address rejected: Greylisted for 300 seconds', '451 4.7.1 <address>: Recipient address rejected: Greylisted for N seconds'],
      ['connect to mx.d7.example.test[192.0.2.17]:25: Connection timed out', 'connect to mx.d7.example.test[ip]:N: Connection timed out'],
      ['550-5.1.1 The email account that you tried to reach does not exist. lz3k2a1b00018f2 - gsmtp', '550 5.1.1 The email account that you tried to reach does not exist. ID - gsmtp'],
      ['421 4.7.0 [203.0.113.9] Try again later, closing connection. (queue id 3F2A1B9C7D)', '421 4.7.0 [ip] Try again later, closing connection. (queue id ID)'],
      ['message expired after 120h in the queue; last error: 451 4.3.0 temporary failure', 'message expired after Nh in the queue; last error: 451 4.3.0 temporary failure'],
      ['host [::1] said: 554 5.7.1 carol@y.test: Relay access denied', 'host [ip] said: 554 5.7.1 <address>: Relay access denied'],
      ['', '(no reason given)'],
    ];
    for (const [raw, want] of cases) expect(normReason(raw)).toBe(want);
    expect(normReason('451 4.7.1 <a@x.test>: Greylisted for 60 seconds')).toBe(normReason('451 4.7.1 <zed@other.test>: Greylisted for 240 seconds'));
  });

  it('compares addresses and domains without case; the null sender is <>', () => {
    expect(normAddress(' Alerts@Ops.TEST ')).toBe('alerts@ops.test');
    expect(normAddress('')).toBe('<>');
    expect(domainOf('bob@Mail.Example.COM')).toBe('mail.example.com');
    expect(domainOf('postmaster')).toBe('(none)');
  });
});
