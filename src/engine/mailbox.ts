/**
 * The one mailbox validator (RFC 5321 4.1.2 and 4.5.3.1, extended by RFC 6531 3.3):
 * the intake listener checks MAIL FROM / RCPT TO with it, `engine.submit` and the
 * settings check addresses with it, so what one accepts the others accept.
 *
 * Addresses are never rewritten: an A-label (`xn--…`) stays an A-label, a U-label
 * stays Unicode, case is kept. Non-ASCII is valid syntax (RFC 6531) but needs
 * SMTPUTF8: callers decide with {@link hasNonAscii}.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** Why an address is not a mailbox: `rule` is stable, `reason` is for people. */
export interface MailboxProblem {
  rule: 'empty' | 'length' | 'at' | 'local-part' | 'domain' | 'control';
  reason: string;
}

const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-";
/** RFC 6531 UTF8-non-ascii, less C1 controls and the invisible characters used to spoof addresses. */
const NON_ASCII = '\\u00a0-\\u200a\\u200c-\\u205f\\u2061-\\ufefe\\uff00-\\uffff\\u{10000}-\\u{10ffff}';
const ATOM = `[${ATEXT}${NON_ASCII}]+`;
const DOT_STRING = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
// qtextSMTP / quoted-pairSMTP (RFC 5321 4.1.2), plus UTF8-non-ascii in qtext (RFC 6531 3.3).
const QUOTED = new RegExp(`^"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e${NON_ASCII}]|\\\\[\\x20-\\x7e])*"$`, 'u');
const LDH_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f\u0080-\u009f\u200b\u2060\ufeff]/;

/** Whether `s` has a character outside US-ASCII (the address then needs SMTPUTF8). */
export function hasNonAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s);
}

function octets(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function domainProblem(domain: string): string | null {
  if (domain === '') return 'the domain is missing after @';
  if (octets(domain) > 255) return 'the domain is longer than 255 octets';
  const literal = /^\[(.*)\]$/.exec(domain);
  if (literal) {
    const inner = literal[1];
    if (/^ipv6:/i.test(inner)) return isIP(inner.slice(5)) === 6 ? null : `[${inner}] is not an IPv6 address literal`;
    return isIP(inner) === 4 ? null : `[${inner}] is not an IPv4 address literal (IPv6 literals start with IPv6:)`;
  }
  const labels = domain.split('.');
  if (labels.length < 2) return `the domain ${JSON.stringify(domain)} needs at least two labels (smtp-ops has no local domain)`;
  for (const label of labels) {
    if (label === '') return 'the domain has an empty label (two dots in a row, or a dot at an end)';
    if (hasNonAscii(label)) {
      // A U-label (RFC 5890): IDNA must be able to map it to an A-label; only for checking, the address keeps its form.
      if (domainToASCII(label) === '' || /^-|-$/.test(label)) return `${JSON.stringify(label)} is not a valid internationalised domain label`;
    } else if (!LDH_LABEL.test(label)) {
      return `${JSON.stringify(label)} is not a domain label (letters, digits and inner hyphens, at most 63)`;
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return 'the top-level domain is all digits (an IP address goes in brackets: user@[192.0.2.1])';
  return null;
}

/**
 * The problem with `addr` as an RFC 5321/6531 mailbox (`local-part@domain`), or
 * null when it is one. Limits are in octets of UTF-8: local part 64, domain 255,
 * the whole address 254 (a path of 256 with its angle brackets).
 */
export function mailboxProblem(addr: string): MailboxProblem | null {
  if (addr === '') return { rule: 'empty', reason: 'the address is empty' };
  if (CONTROL.test(addr)) return { rule: 'control', reason: 'the address contains a control or invisible character' };
  if (octets(addr) > 254) return { rule: 'length', reason: 'the address is longer than 254 octets' };
  const at = addr.lastIndexOf('@');
  if (at < 0) return { rule: 'at', reason: 'the address has no @domain' };
  const local = addr.slice(0, at);
  if (local === '') return { rule: 'local-part', reason: 'the local part before @ is empty' };
  if (octets(local) > 64) return { rule: 'length', reason: 'the local part is longer than 64 octets' };
  if (!DOT_STRING.test(local) && !QUOTED.test(local)) {
    return {
      rule: 'local-part',
      reason: local.startsWith('"')
        ? 'the quoted local part is not closed, or has a bare " or \\'
        : `the local part ${JSON.stringify(local)} has a character that needs quoting, or a dot at an end or twice in a row`,
    };
  }
  const d = domainProblem(addr.slice(at + 1));
  return d ? { rule: 'domain', reason: d } : null;
}

/** Whether `addr` is a mailbox; `ascii` also refuses non-ASCII (settings, and anything sent without SMTPUTF8). */
export function isMailboxAddress(addr: string, opts: { ascii?: boolean } = {}): boolean {
  return mailboxProblem(addr) === null && !(opts.ascii && hasNonAscii(addr));
}

/** RFC 5321 4.1.1.3: `RCPT TO:<Postmaster>` without a domain must be accepted. */
export function isBarePostmaster(addr: string): boolean {
  return addr.toLowerCase() === 'postmaster';
}
