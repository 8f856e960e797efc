/**
 * Policy for MAIL FROM and RCPT TO, decided at the command (never after DATA),
 * with Postfix's reply codes:
 *
 * | refusal                                   | reply                                                  | reason      |
 * |-------------------------------------------|--------------------------------------------------------|-------------|
 * | path not `<…>`, bad mailbox               | `501 5.1.7 Bad sender …` / `501 5.1.3 Bad recipient …` | `address`   |
 * | non-ASCII address without SMTPUTF8        | `553 5.6.7 Must declare SMTPUTF8 to send unicode address` | `address` |
 * | parameter not offered in EHLO             | `555 5.5.4 Unsupported option: X` (RFC 5321 4.1.1.11)   | `parameter` |
 * | bad or repeated BODY/SIZE/SMTPUTF8/AUTH    | `501 5.5.4 …`                                          | `parameter` |
 * | `SIZE=` over intake-max-size               | `552 5.3.4 Message size exceeds fixed limit`           | `size`      |
 * | more than intake-max-recipients            | `452 4.5.3 Error: too many recipients`                 | `recipients`|
 */
import { hasNonAscii, isBarePostmaster, mailboxProblem } from '../mailbox.js';

/** What the listener offers in EHLO, which decides the parameters it takes. */
export interface IntakeCommandRules {
  /** intake-max-size in bytes (0 = no limit: EHLO then offers no SIZE, and a `SIZE=` given anyway is not held against it). */
  maxSize: number;
  /** intake-max-recipients (0 = no limit). */
  maxRecipients: number;
  /** AUTH is offered, so `MAIL FROM … AUTH=` is taken (RFC 4954 5). */
  auth: boolean;
}

/** Kinds of refusal, as `data.reason` of `intake.rejected`. */
export type RefusalReason = 'address' | 'parameter' | 'size' | 'recipients';

/** One refused command. */
export interface CommandRefusal {
  reason: RefusalReason;
  code: number;
  /** RFC 3463 enhanced status code. */
  status: string;
  text: string;
  /** The path as given (MAIL: the sender; RCPT: the recipient), when one could be read. */
  address?: string;
  verb: 'MAIL' | 'RCPT';
}

export type CommandVerdict = { ok: true; path: string } | { ok: false; refusal: CommandRefusal };

/** Index of the `>` that closes the path at the start of `s`, skipping quoted strings. */
export function pathEnd(s: string): number {
  if (!s.startsWith('<')) return -1;
  let quoted = false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '>') return i;
  }
  return -1;
}

/** MAIL FROM parameters by name: the only ones EHLO offers (8BITMIME, SMTPUTF8, SIZE, and AUTH when on). */
const MAIL_PARAMS = new Set(['BODY', 'SIZE', 'SMTPUTF8', 'AUTH']);

/** Split ` KEY=VALUE KEY2` into [key, value|null] pairs as written. */
function params(text: string): [string, string | null][] {
  return text
    .split(/ +/)
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, null] : [p.slice(0, eq), p.slice(eq + 1)];
    });
}

/**
 * Check one MAIL or RCPT command line. `smtputf8` is whether this transaction's
 * MAIL FROM carried SMTPUTF8 (RCPT only); `recipients` are those accepted so far.
 */
export function checkCommand(
  verb: 'MAIL' | 'RCPT',
  line: string,
  ctx: { rules: IntakeCommandRules; smtputf8: boolean; recipients: string[] },
): CommandVerdict {
  const who = verb === 'MAIL' ? 'sender' : 'recipient';
  const refuse = (reason: RefusalReason, code: number, status: string, text: string, address?: string): CommandVerdict => ({
    ok: false,
    refusal: { reason, code, status, text, verb, ...(address !== undefined ? { address } : {}) },
  });
  const syntax = (why: string, address?: string) => refuse('address', 501, verb === 'MAIL' ? '5.1.7' : '5.1.3', `Bad ${who} address syntax${why ? `: ${why}` : ''}`, address);

  if (verb === 'RCPT' && ctx.rules.maxRecipients > 0 && ctx.recipients.length >= ctx.rules.maxRecipients) {
    return refuse('recipients', 452, '4.5.3', 'Error: too many recipients');
  }
  const colon = line.indexOf(':');
  const rest = colon < 0 ? '' : line.slice(colon + 1).trimStart();
  const end = pathEnd(rest);
  if (end < 0) return syntax('the address must be in angle brackets, e.g. <ops@example.com>');
  // RFC 5321 4.1.2 and appendix C: a source route ("@relay.example:") is accepted and ignored.
  const path = rest.slice(1, end).replace(/^@[^:,@<>\s]+(?:,@[^:,@<>\s]+)*:/, '');
  const tail = rest.slice(end + 1);
  if (tail !== '' && !tail.startsWith(' ')) return syntax('a space must separate the address from its parameters', path);

  const given = params(tail);
  const seen = new Set<string>();
  let smtputf8 = verb === 'RCPT' ? ctx.smtputf8 : false;
  let size: number | null = null;
  for (const [rawKey, value] of given) {
    const key = rawKey.toUpperCase();
    const shown = value === null ? rawKey : `${rawKey}=${value}`;
    if (verb === 'RCPT' || !MAIL_PARAMS.has(key) || (key === 'AUTH' && !ctx.rules.auth)) {
      return refuse('parameter', 555, '5.5.4', `Unsupported option: ${shown}`, path);
    }
    if (seen.has(key)) return refuse('parameter', 501, '5.5.4', `Error: duplicate ${key} parameter`, path);
    seen.add(key);
    if (key === 'SMTPUTF8') {
      if (value !== null) return refuse('parameter', 501, '5.5.4', 'Bad SMTPUTF8 parameter: it takes no value', path);
      smtputf8 = true;
    } else if (key === 'BODY') {
      if (value === null || !/^(7BIT|8BITMIME)$/i.test(value)) return refuse('parameter', 501, '5.5.4', `Bad BODY parameter: ${value ?? '(none)'} (7BIT or 8BITMIME)`, path);
    } else if (key === 'SIZE') {
      if (value === null || !/^\d{1,20}$/.test(value)) return refuse('parameter', 501, '5.5.4', 'Bad message size syntax', path);
      size = Number(value);
    } else if (key === 'AUTH') {
      if (value === null || value === '') return refuse('parameter', 501, '5.5.4', 'Bad AUTH parameter: it needs a value (<> when unknown)', path);
    }
  }

  if (path === '') {
    // The null reverse-path is a sender; a recipient always has an address.
    if (verb === 'RCPT') return syntax('the recipient is empty', path);
  } else if (!(verb === 'RCPT' && isBarePostmaster(path))) {
    const problem = mailboxProblem(path);
    if (problem) return syntax(problem.reason, path);
  }
  if (hasNonAscii(path) && !smtputf8) return refuse('address', 553, '5.6.7', 'Must declare SMTPUTF8 to send unicode address', path);
  if (size !== null && ctx.rules.maxSize > 0 && size > ctx.rules.maxSize) {
    return refuse('size', 552, '5.3.4', 'Message size exceeds fixed limit', path);
  }
  return { ok: true, path };
}
