/**
 * Normalising what goes into aggregates: addresses and domains compare
 * case-insensitively, and failure replies lose what differs between otherwise
 * identical reasons (addresses, queue ids, IPs, timestamps, numeric ids) so
 * they group, while what carries the meaning stays: SMTP reply codes,
 * enhanced status codes (RFC 3463), RFC numbers and durations with their unit.
 */

/** Lower-cased address; the null sender is `<>`. */
export function normAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a === '' ? '<>' : a;
}

/** Lower-cased domain of an address (`(none)` when it has no `@`). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '(none)' : address.slice(at + 1).trim().toLowerCase() || '(none)';
}

const MAX_REASON = 300;

const UNIT = '(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)';
/** Kept as they are: RFC numbers, durations with a unit, enhanced status codes, SMTP reply codes, the port after `host[ip]`. */
const KEEP: RegExp[] = [
  /\bRFC[ -]?\d+\b/gi,
  new RegExp(`\\b\\d+(?:\\.\\d+)?[ -]?${UNIT}\\b`, 'gi'),
  /\b[245]\.\d{1,3}\.\d{1,3}\b(?!\.\d)/g,
  /(?<![\w.:-])[245]\d\d(?=[ -]|$)/g,
  /(?<=\]):\d{1,5}\b/g,
];
/** Replaced: [pattern, replacement], in this order. */
const STRIP: [RegExp, string][] = [
  // ISO 8601 timestamps (Outlook appends one to its replies).
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?/g, '<time>'],
  [/<[^<>\s]*@[^<>\s]*>/g, '<address>'],
  [/[\w.+=-]+@[\w-]+(?:\.[\w-]+)+/g, '<address>'],
  // Postfix's host[address]: the host is reported apart (per relay/MX host), the reason groups across hosts.
  [/\b[a-z0-9][a-z0-9.-]*\[(?:\d{1,3}(?:\.\d{1,3}){3}|(?:ipv6:)?[0-9a-f]*:[0-9a-f:.]*)\]/gi, '<host>[ip]'],
  [/\[(?:\d{1,3}(?:\.\d{1,3}){3}|(?:ipv6:)?[0-9a-f]*:[0-9a-f:.]*)\]/gi, '[ip]'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, 'ip'],
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})(?![\w:])/gi, 'ip'],
];
/** A token with a digit: an id when {@link isId} says so, a bare number otherwise (`N`), else kept. */
const ID = /(?<![\w.])[a-z0-9_]*\d[a-z0-9_]*(?![\w])/gi;

/** 8+ letters and digits with 3+ digits, unless a name with a short number at its end (`office365`, `mx01`). */
function isId(tok: string): boolean {
  if (tok.length < 8) return false;
  const digits = tok.replace(/\D/g, '').length;
  if (digits === tok.length || digits < 3) return false;
  return !/^[a-z_]+\d{1,3}$/i.test(tok);
}

/**
 * A failure reason with the specifics stripped. The leading SMTP code and
 * enhanced status code are kept (a multi-line reply's repeated prefixes go);
 * addresses become `<address>`, `host[ip]` `<host>[ip]`, other IPs `ip` or
 * `[ip]`, timestamps `<time>`, queue and message ids `ID`, other bare numbers
 * `N`. RFC numbers (`RFC 7505`), durations with a unit (`120h`, `300
 * seconds`), SMTP and enhanced status codes and ports stay.
 */
export function normReason(text: string | undefined): string {
  let s = (text ?? '').slice(0, 4000).replace(/[\ue000-\uf8ff]/g, '?').replace(/\s+/g, ' ').trim();
  if (s === '') return '(no reason given)';
  const head = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?(?:\s+|$)/.exec(s);
  let prefix = '';
  if (head) {
    prefix = head[2] ? `${head[1]} ${head[2]} ` : `${head[1]} `;
    s = s.slice(head[0].length);
    // The continuation lines of a multi-line reply repeat the code (`550-5.1.1 …`).
    const again = new RegExp(`(?:^|\\s)${head[1]}[ -]${head[2] ? head[2].replace(/\./g, '\\.') : ''}(?=\\s|$)`, 'g');
    s = s.replace(again, ' ').trim();
  }
  for (const [re, to] of STRIP) s = s.replace(re, to);
  const kept: string[] = [];
  // Kept parts wait behind private-use characters (no digits the id pass could see).
  for (const re of KEEP) s = s.replace(re, (m) => String.fromCharCode(0xe000 + kept.push(m) - 1));
  s = s
    .replace(ID, (tok) => (isId(tok) ? 'ID' : /^\d+$/.test(tok) ? 'N' : tok))
    .replace(/[\ue000-\uf8ff]/g, (c) => kept[c.charCodeAt(0) - 0xe000])
    .replace(/\s+/g, ' ')
    .trim();
  const out = (prefix + s).trim();
  return out.length > MAX_REASON ? out.slice(0, MAX_REASON - 1) + '…' : out;
}
