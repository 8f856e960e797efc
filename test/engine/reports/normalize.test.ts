import { describe, expect, it } from 'vitest';
import { domainOf, normAddress, normReason } from '../../../src/engine/reports/normalize.js';

/** Real-style replies: [reply as logged, normalised reason]. */
const TABLE: [string, string][] = [
  // Postfix (smtp(8) wording)
  ['451 4.7.1 <bob@x.test>: Recipient address rejected: Greylisted, try again in 300 seconds', '451 4.7.1 <address>: Recipient address rejected: Greylisted, try again in 300 seconds'],
  ['connect to mx.d7.example.test[192.0.2.17]:25: Connection timed out', 'connect to <host>[ip]:25: Connection timed out'],
  ['connect to mail.example.net[2001:db8::25]:25: Network is unreachable', 'connect to <host>[ip]:25: Network is unreachable'],
  ['host mx1.example.com[198.51.100.7] said: 550 5.1.1 <carol@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)', 'host <host>[ip] said: 550 5.1.1 <address>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)'],
  ['lost connection with mx.example.org[203.0.113.5] while receiving the initial server greeting', 'lost connection with <host>[ip] while receiving the initial server greeting'],
  ['Host or domain name not found. Name service error for name=nowhere.example type=MX: Host not found, try again', 'Host or domain name not found. Name service error for name=nowhere.example type=MX: Host not found, try again'],
  ['250 2.0.0 Ok: queued as 4XyZ12AbCd', '250 2.0.0 Ok: queued as ID'],
  ['552 5.3.4 Error: message exceeds fixed maximum message size 10240000', '552 5.3.4 Error: message exceeds fixed maximum message size N'],
  ['host [::1] said: 554 5.7.1 carol@y.test: Relay access denied', 'host [ip] said: 554 5.7.1 <address>: Relay access denied'],
  ['421 4.7.0 [203.0.113.9] Try again later, closing connection. (queue id 3F2A1B9C7D)', '421 4.7.0 [ip] Try again later, closing connection. (queue id ID)'],
  // smtp-ops' own wording: the RFC number and the duration are the meaning
  ['example.org accepts no mail (null MX, RFC 7505)', 'example.org accepts no mail (null MX, RFC 7505)'],
  ['message expired after 120h in the queue; last error: 451 4.3.0 temporary failure', 'message expired after 120h in the queue; last error: 451 4.3.0 temporary failure'],
  ['556 5.1.10 <u@nomail.test>: Recipient address rejected: Domain nomail.test does not accept mail (nullMX)', '556 5.1.10 <address>: Recipient address rejected: Domain nomail.test does not accept mail (nullMX)'],
  // Gmail: a multi-line reply joined, its continuation prefixes and trailing session id
  [
    "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a640c23a62f3a-a9a5d1e0d8esi1234567b - gsmtp",
    "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser ID-ID - gsmtp",
  ],
  ['421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address. 421 4.7.28 To protect our users from spam, mail sent from your IP address has been temporarily rate limited. lz3k2a1b00018f2 - gsmtp', '421 4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. ID - gsmtp'],
  // Outlook / Exchange Online: server name, timestamp and a hex id in brackets
  [
    '550 5.7.1 Service unavailable, Client host [192.0.2.44] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.44 AS(1450) [AM4PEPF00025F9A.EURPRD83.prod.outlook.com 2026-03-01T10:00:00.000Z 08DC3A0A1E1B9C5F]',
    '550 5.7.1 Service unavailable, Client host [ip] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/ip AS(N) [ID.EURPRD83.prod.outlook.com <time> ID]',
  ],
  ['452 4.2.2 The recipient\'s mailbox is full and can\'t accept messages now. Please try again later. [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]', "452 4.2.2 The recipient's mailbox is full and can't accept messages now. Please try again later. [ID.eop-EUR03.prod.protection.outlook.com]"],
  ['451 4.4.4 Mail received as unauthenticated, incoming to a recipient domain configured in a hosted tenant which has no mail-enabled subscriptions. ATTR5 [smtp.office365.com]', '451 4.4.4 Mail received as unauthenticated, incoming to a recipient domain configured in a hosted tenant which has no mail-enabled subscriptions. ATTR5 [smtp.office365.com]'],
  ['', '(no reason given)'],
];

describe('reason normalisation', () => {
  it.each(TABLE)('%s', (raw, want) => {
    expect(normReason(raw)).toBe(want);
  });

  it('groups replies that differ only in addresses, hosts, ids and IPs, not in durations or codes', () => {
    expect(normReason('451 4.7.1 <a@x.test>: Greylisted for 60 seconds')).toBe(normReason('451 4.7.1 <zed@other.test>: Greylisted for 60 seconds'));
    expect(normReason('connect to a.test[192.0.2.1]:25: Connection refused')).toBe(normReason('connect to mx9.b.test[198.51.100.200]:25: Connection refused'));
    expect(normReason('250 2.0.0 Ok: queued as 4XyZ12AbCd')).toBe(normReason('250 2.0.0 Ok: queued as 7QqW98ZzYx'));
    expect(normReason('message expired after 120h in the queue')).not.toBe(normReason('message expired after 5d in the queue'));
    expect(normReason('550 5.1.1 user unknown')).not.toBe(normReason('550 5.1.2 user unknown'));
  });

  it('compares addresses and domains without case; the null sender is <>', () => {
    expect(normAddress(' Alerts@Ops.TEST ')).toBe('alerts@ops.test');
    expect(normAddress('')).toBe('<>');
    expect(domainOf('bob@Mail.Example.COM')).toBe('mail.example.com');
    expect(domainOf('postmaster')).toBe('(none)');
  });
});
