/**
 * Messages handed over on this host by `smtp-ops sendmail`: what Postfix's
 * pickup and cleanup do for its sendmail, then `engine.submit`. Runs in the
 * process that holds the store: `serve` (through the control socket) or the
 * sendmail command itself when no serve runs.
 *
 * - Envelope recipients are the command line's (each parsed as an address
 *   list), plus with `-t` those of To/Cc/Bcc, or of Resent-To/Cc/Bcc only when
 *   any Resent- header is present. Duplicates go.
 * - An address without a domain (`root`) gets `@<hostname setting>` (Postfix
 *   appends $myorigin, which defaults to $myhostname). Only the envelope is
 *   qualified: header text is not rewritten.
 * - Bcc and Resent-Bcc fields are removed (Postfix drops them always).
 * - Missing From, Date and Message-ID fields are added at the end of the header
 *   block; From is `Full Name <sender>` (-F, else $NAME) or the bare sender.
 * - One trace field is prepended: `Received: by <hostname> (smtp-ops, from userid <uid>); <date>`.
 * - Everything else, body included, stays byte for byte, in the line ends it
 *   came with (the SMTP client makes them CRLF on the wire).
 */
import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import type { Actor, Engine, SubmitResult } from '../engine/index.js';
import type { Reply } from '../commands/reply.js';
import { isSmtpOpsError, ErrorCode } from '../engine/index.js';
import { EX, SysexitError } from '../cli/sysexits.js';
import { appendField, dropFields, fieldValue, fieldsNamed, hasField, joinMessage, splitMessage } from './header-block.js';

/** What sendmail hands over (also the control socket's `submit` request, with `raw` in base64). */
export interface PickupRequest {
  /** `-f`/`-r` as given (`''` or `<>` = null sender); absent = the login name. */
  sender?: string;
  /** Recipients from the command line; each may be an address list (`a@x, B <b@y>`). */
  recipients: string[];
  /** `-t`: also take recipients from the headers. */
  extract: boolean;
  /** `-F`, else `$NAME`: used only when the message has no From field. */
  fullName?: string;
  /** The submitting login name and uid (default sender, trace field). */
  user: string;
  uid: number;
  /** The message as read from stdin (a lone-dot line already handled). */
  raw: Buffer;
}

export interface PickupResult extends SubmitResult {
  sender: string;
  recipients: string[];
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

/** Addresses of an address list; a bare word is a local user name. */
function addressesOf(list: string): string[] {
  const out: string[] = [];
  const walk = (items: ReturnType<typeof addressparser>) => {
    for (const a of items) {
      if ('group' in a && Array.isArray(a.group)) walk(a.group);
      else if (a.address) out.push(a.address);
      else if (a.name && LOCAL_PART.test(a.name)) out.push(a.name);
    }
  };
  walk(addressparser(list));
  return out;
}

/** `user` -> `user@origin`; the domain lower-cased so duplicates compare equal. */
function qualify(address: string, origin: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return `${address}@${origin}`;
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

/** RFC 5322 date in UTC, as the intake's trace header writes it. */
function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** A display name as a header phrase: as is when plain, quoted when it has specials, RFC 2047 when not ASCII. */
function phrase(name: string): string {
  const n = name.replace(/[\r\n]+/g, ' ').trim();
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e]/.test(n)) return mimeFuncs.encodeWords(n, 'B', 52);
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(n)) return n;
  return `"${n.replace(/(["\\])/g, '\\$1')}"`;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Queue one locally submitted message; throws {@link SysexitError} with the sysexits code sendmail exits with. */
export async function pickup(engine: Engine, req: PickupRequest, actor: Actor, now = new Date()): Promise<PickupResult> {
  const settings = await engine.getSettings();
  const origin = settings.hostname;
  const m = splitMessage(req.raw);

  // Envelope sender: -f as given (one address; <> or empty = null sender), else the login name.
  let sender: string;
  if (req.sender === undefined) sender = qualify(req.user, origin);
  else {
    const s = req.sender.trim();
    if (s === '' || s === '<>') sender = '';
    else {
      const found = addressesOf(s);
      if (found.length !== 1) throw new SysexitError(EX.USAGE, `-f: the sender must be one address (got ${JSON.stringify(s.slice(0, 80))})`);
      sender = qualify(found[0], origin);
    }
  }

  const rcpts: string[] = [];
  for (const r of req.recipients) {
    const found = addressesOf(r);
    if (found.length === 0) throw new SysexitError(EX.NOUSER, `not a recipient address: ${JSON.stringify(r.slice(0, 80))}`);
    rcpts.push(...found);
  }
  if (req.extract) {
    const resent = m.fields.some((f) => /^resent-/i.test(f.name));
    const names = resent ? ['Resent-To', 'Resent-Cc', 'Resent-Bcc'] : ['To', 'Cc', 'Bcc'];
    for (const f of fieldsNamed(m, names)) rcpts.push(...addressesOf(fieldValue(f)));
  }
  const recipients = [...new Set(rcpts.map((r) => qualify(r, origin)))];
  if (recipients.length === 0) {
    throw new SysexitError(EX.USAGE, req.extract ? 'no recipient addresses found in the message header (To, Cc, Bcc) or on the command line' : 'recipient addresses must be given on the command line or with -t');
  }

  dropFields(m, ['Bcc', 'Resent-Bcc']);
  if (!hasField(m, 'From')) {
    const name = req.fullName?.trim();
    const addr = sender || `MAILER-DAEMON@${origin}`;
    appendField(m, 'From', name ? `${phrase(name)} <${addr}>` : addr);
  }
  if (!hasField(m, 'Date')) appendField(m, 'Date', rfc5322Date(now));
  if (!hasField(m, 'Message-ID')) appendField(m, 'Message-ID', `<${timestamp(now)}.${randomBytes(6).toString('hex')}@${origin}>`);
  const uid = Number.isInteger(req.uid) ? req.uid : -1;
  const trace = `Received: by ${origin} (smtp-ops, from userid ${uid});${m.eol}\t${rfc5322Date(now)}${m.eol}`;
  const raw = Buffer.concat([Buffer.from(trace, 'latin1'), joinMessage(m)]);

  if (settings.intakeMaxSize > 0 && raw.length > settings.intakeMaxSize) {
    throw new SysexitError(EX.UNAVAILABLE, `message too big: ${raw.length} bytes, intake-max-size is ${settings.intakeMaxSize}`);
  }
  if (recipients.length > settings.intakeMaxRecipients) {
    throw new SysexitError(EX.UNAVAILABLE, `too many recipients: ${recipients.length}, intake-max-recipients is ${settings.intakeMaxRecipients}`);
  }
  try {
    const res = await engine.submit({ from: sender, to: recipients, raw, source: 'cli' }, actor);
    return { ...res, sender, recipients };
  } catch (e) {
    throw toSysexit(e);
  }
}

/** Engine errors as sendmail's exit codes. */
export function toSysexit(e: unknown): SysexitError {
  if (e instanceof SysexitError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (isSmtpOpsError(e)) {
    if (e.code === ErrorCode.Validation) {
      const field = (e as { issues?: { field: string }[] }).issues?.[0]?.field;
      return new SysexitError(field === 'to' ? EX.NOUSER : EX.DATAERR, message);
    }
    // Not synced means not accepted: the caller keeps the message and tries later.
    if (e.code === ErrorCode.Store || e.code === ErrorCode.Closed || e.code === ErrorCode.Timeout) return new SysexitError(EX.TEMPFAIL, message);
  }
  return new SysexitError(EX.SOFTWARE, message);
}

/**
 * The control socket's `submit` request: `raw` in base64. The reply carries
 * the exit code sendmail ends with (`data.exit`) when the message was refused.
 */
export function pickupReply(engine: Engine) {
  return async (s: Omit<PickupRequest, 'raw'> & { raw: string }, actor: Actor): Promise<Reply> => {
    try {
      if (!Array.isArray(s.recipients) || !s.recipients.every((r) => typeof r === 'string') || typeof s.raw !== 'string' || typeof s.user !== 'string') {
        throw new SysexitError(EX.USAGE, 'submit needs recipients (strings), user and raw (base64)');
      }
      const req: PickupRequest = {
        ...(typeof s.sender === 'string' ? { sender: s.sender } : {}),
        recipients: s.recipients,
        extract: s.extract === true,
        ...(typeof s.fullName === 'string' ? { fullName: s.fullName } : {}),
        user: s.user,
        uid: typeof s.uid === 'number' ? s.uid : -1,
        raw: Buffer.from(s.raw, 'base64'),
      };
      const res = await pickup(engine, req, actor);
      return { kind: 'message', tone: 'success', text: `queued as ${res.id}`, data: res };
    } catch (e) {
      const x = toSysexit(e);
      return { kind: 'error', code: 'failed', ok: false, message: x.message, data: { error: 'failed', message: x.message, exit: x.exit } };
    }
  };
}
