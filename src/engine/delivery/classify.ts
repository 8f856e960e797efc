/**
 * Maps what nodemailer reports (errors with its codes, per-RCPT rejections, the final reply)
 * to per-recipient {@link RecipientResult}s. Pure functions: the deliverers call them.
 */
import type { NodemailerError } from 'nodemailer';
import type { FailureKind, RecipientResult, SmtpStage } from '../types.js';

/** Where a result came from, added to every result built for one transaction. */
export interface ResultContext {
  /** `host:port` that was talked to. */
  host?: string;
  tls?: boolean;
  /** Removes secrets from any text that ends up in a result. */
  redact: (text: string) => string;
}

/** Node and OpenSSL codes of certificate problems; nodemailer passes them through (or as originalCode). */
const CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function isTlsProblem(err: NodemailerError): boolean {
  if (err.code === 'ETLS' || err.code === 'EREQUIRETLS') return true;
  if (err.code && CERT_CODES.has(err.code)) return true;
  if (err.originalCode && CERT_CODES.has(err.originalCode)) return true;
  // A server reply is classified by its code; its text may well mention TLS (or an address may).
  if (typeof err.responseCode === 'number') return false;
  return /certificate|self[- ]signed|SSL routines|wrong version number|TLS/i.test(err.message ?? '');
}

/** A reply code alone decides: 5xx is permanent except 503 (bad sequence: the session, not the message). */
export function isPermanentCode(code: number): boolean {
  return code >= 500 && code < 600 && code !== 503;
}

/** Status and failure kind of an error that applies to every recipient of a transaction. */
export function classifyError(err: NodemailerError): { status: 'deferred' | 'bounced'; failure: FailureKind; code?: number } {
  const code = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  // A refused password must never bounce mail: the operator fixes the setting and flushes.
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return { status: 'deferred', failure: 'auth', code };
  if (isTlsProblem(err)) return { status: 'deferred', failure: 'tls', code };
  if (code !== undefined) {
    return { status: isPermanentCode(code) ? 'bounced' : 'deferred', failure: 'rejected', code };
  }
  switch (err.code) {
    case 'ETIMEDOUT':
      return { status: 'deferred', failure: 'timeout' };
    case 'EDNS':
      return { status: 'deferred', failure: 'dns' };
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EPROXY':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { status: 'deferred', failure: 'connection' };
    case 'ECONFIG':
      return { status: 'deferred', failure: 'config' };
    case 'ESMTPUTF8':
      // The message needs SMTPUTF8 and the peer does not offer it: Postfix bounces (5.6.7).
      return { status: 'bounced', failure: 'rejected' };
    case 'EMESSAGE':
      // nodemailer refused before MAIL FROM: the message is larger than the peer's SIZE (5.3.4).
      return { status: 'bounced', failure: 'rejected' };
    case 'EENVELOPE':
      // Refused locally before any server saw it (malformed address): retrying cannot help.
      return { status: 'bounced', failure: 'config' };
    default:
      return { status: 'deferred', failure: 'protocol' };
  }
}

/** nodemailer's `command` (the SMTP command in flight) as a stage. */
const COMMAND_STAGES: Readonly<Record<string, SmtpStage>> = {
  EHLO: 'ehlo',
  HELO: 'ehlo',
  LHLO: 'ehlo',
  STARTTLS: 'tls',
  'MAIL FROM': 'mail',
  RSET: 'mail',
  'RCPT TO': 'rcpt',
  DATA: 'data',
  API: 'local',
};

/** nodemailer's timeout kinds (`timeoutType`) as a stage. */
const TIMEOUT_STAGES: Readonly<Record<string, SmtpStage>> = {
  CONNECT_TIMEOUT: 'connect',
  GREETING_TIMEOUT: 'greeting',
  UPGRADE_TIMEOUT: 'tls',
  SOCKET_TIMEOUT: 'timeout',
};

/**
 * Where in the session an error happened. nodemailer names the command in flight (`command`);
 * `CONN` covers the connection itself: with a reply it was the greeting (or a 421 that closed the
 * session), a timeout says which phase ran out, otherwise the connect failed.
 */
export function stageOf(err: NodemailerError): SmtpStage {
  const command = typeof err.command === 'string' ? err.command : '';
  if (command.startsWith('AUTH')) return 'auth';
  const named = COMMAND_STAGES[command];
  if (named) return named;
  if (err.code === 'EDNS') return 'dns';
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return 'auth';
  if (err.code === 'ETIMEDOUT') return TIMEOUT_STAGES[(err as { timeoutType?: string }).timeoutType ?? ''] ?? 'timeout';
  if (err.code === 'ETLS' || isTlsProblem(err)) return 'tls';
  if (typeof err.responseCode === 'number') return 'greeting';
  // Refused on our side at MAIL FROM because this peer's EHLO lacks SMTPUTF8 (5.6.7); nodemailer names MAIL FROM itself for a SIZE the message is over (5.3.4).
  if (err.code === 'ESMTPUTF8') return 'mail';
  if (err.code === 'ECONFIG' || err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return 'local';
  return 'connect';
}

/** Human text for an error: the server's reply when there is one, else nodemailer's message. */
function describe(err: NodemailerError): string {
  if (err.response) return err.response;
  // nodemailer's own refusal of a message over the peer's SIZE limit, in Postfix's terms.
  if (err.code === 'EMESSAGE' && /size/i.test(err.message)) return `5.3.4 ${err.message} (the peer's SIZE limit)`;
  const extra = err.originalCode && !err.message.includes(err.originalCode) ? ` (${err.originalCode})` : '';
  return `${err.message}${extra}`;
}

function result(to: string, base: Omit<RecipientResult, 'to' | 'host' | 'tls'>, ctx: ResultContext): RecipientResult {
  const r: RecipientResult = { to, ...base, response: ctx.redact(base.response) };
  if (ctx.host !== undefined) r.host = ctx.host;
  if (ctx.tls !== undefined) r.tls = ctx.tls;
  if (r.code === undefined) delete r.code;
  return r;
}

/** Results for a failed transaction. An all-recipients-rejected error carries each RCPT reply. */
export function resultsFromError(err: NodemailerError, recipients: string[], ctx: ResultContext): RecipientResult[] {
  const perRcpt = new Map<string, NodemailerError>();
  for (const e of err.rejectedErrors ?? []) if (e.recipient) perRcpt.set(e.recipient.toLowerCase(), e);
  return recipients.map((to) => {
    const own = perRcpt.get(to.toLowerCase()) ?? err;
    const c = classifyError(own);
    return result(to, { status: c.status, failure: c.failure, code: c.code, response: describe(own), stage: stageOf(own) }, ctx);
  });
}

/** What a completed transaction reports: which RCPTs were taken and which were refused. */
export interface TransactionInfo {
  accepted: string[];
  rejected: string[];
  rejectedErrors?: NodemailerError[];
  response: string;
}

/** Results for a completed transaction: accepted recipients are sent, refused ones keep their own RCPT reply. */
export function resultsFromInfo(info: TransactionInfo, recipients: string[], ctx: ResultContext): RecipientResult[] {
  const accepted = new Set(info.accepted.map((a) => a.toLowerCase()));
  const perRcpt = new Map<string, NodemailerError>();
  for (const e of info.rejectedErrors ?? []) if (e.recipient) perRcpt.set(e.recipient.toLowerCase(), e);
  const code = Number(/^\d{3}/.exec(info.response)?.[0]) || undefined;
  return recipients.map((to) => {
    const key = to.toLowerCase();
    if (accepted.has(key)) return result(to, { status: 'sent', code, response: info.response }, ctx);
    const e = perRcpt.get(key);
    if (e) {
      const c = classifyError(e);
      return result(to, { status: c.status, failure: c.failure, code: c.code, response: describe(e), stage: stageOf(e) }, ctx);
    }
    // Neither accepted nor refused by name: the server never answered for it, so try again later.
    return result(to, { status: 'deferred', failure: 'protocol', response: `no reply for recipient in: ${info.response}`, stage: 'data' }, ctx);
  });
}

/** Builds a redactor for one secret: the value itself and the base64 forms AUTH PLAIN/LOGIN put on the wire. */
export function redactor(secret: string | undefined, user?: string): (text: string) => string {
  if (!secret) return (t) => t;
  const forms = [secret, Buffer.from(secret).toString('base64')];
  if (user !== undefined) forms.push(Buffer.from(`\u0000${user}\u0000${secret}`).toString('base64'));
  return (text) => forms.reduce((t, f) => (f ? t.split(f).join('********') : t), text);
}
