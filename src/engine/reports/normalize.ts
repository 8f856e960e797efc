/**
 * Normalising what goes into aggregates: addresses and domains compare
 * case-insensitively, and failure replies lose what differs between otherwise
 * identical reasons (addresses, queue ids, IPs, numbers) so they group.
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

const MAX_REASON = 160;

/**
 * A failure reason with the specifics stripped: the leading SMTP code and
 * enhanced status code are kept (they carry the meaning); addresses become
 * `<address>`, IPs `ip` (`[ip]` when bracketed), queue ids and other long
 * digit-bearing tokens `ID`, and remaining numbers `N`.
 */
export function normReason(text: string | undefined): string {
  let s = (text ?? '').replace(/\s+/g, ' ').trim();
  if (s === '') return '(no reason given)';
  const head = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?(?:\s+|$)/.exec(s);
  let prefix = '';
  if (head) {
    prefix = head[2] ? `${head[1]} ${head[2]} ` : `${head[1]} `;
    s = s.slice(head[0].length);
  }
  s = s
    .replace(/<[^<>\s]*@[^<>\s]*>/g, '<address>')
    .replace(/[\w.+=-]+@[\w-]+(?:\.[\w-]+)+/g, '<address>')
    .replace(/\[\d{1,3}(?:\.\d{1,3}){3}\]|\[[0-9a-f]*:[0-9a-f:.]*\]/gi, '[ip]')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, 'ip')
    .replace(/\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{8,}\b/gi, 'ID')
    // Numbers, also with a unit (300s, 120h), become N; SMTP and enhanced status codes inside the text stay.
    .replace(/\b(?<!\d\.)\d+(?!\.\d)(?! \d\.\d{1,3}\.\d)(?=[a-z]{0,2}\b)/gi, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  const out = (prefix + s).trim();
  return out.length > MAX_REASON ? out.slice(0, MAX_REASON - 1) + '…' : out;
}
