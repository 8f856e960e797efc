/**
 * Authentication and relay permission, with the delivery client itself (nodemailer, the same TLS
 * options and credentials as delivery): AUTH as configured, then MAIL FROM the from-address and
 * RCPT TO the test recipient, then RSET. DATA is never sent.
 */
import type { NodemailerError } from 'nodemailer';
import type { DoctorCheck } from '../types.js';
import { redactor } from '../delivery/classify.js';
import { openSession, type EnvelopeReplies } from '../delivery/smtp-session.js';
import { check, cleanError, fixes, seconds, type CheckExtras } from './check.js';
import { domainOf, type DoctorInputs } from './context.js';
import { STAGE, within } from './limits.js';
import type { ProbeResult } from './smtp-probe.js';
import type { SmtpTarget } from './smtp-target.js';

/** Mechanisms the delivery client can use (nodemailer's SASL). */
const USABLE = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'];

export interface SessionResult {
  opened: boolean;
  error?: string;
  secure?: boolean;
  authMethods: string[];
  login?: { ok: true } | { ok: false; response: string };
  envelope?: EnvelopeReplies;
  envelopeError?: string;
  timedOut?: boolean;
}

export async function runSession(inp: DoctorInputs, t: SmtpTarget, signal: AbortSignal): Promise<SessionResult> {
  const auth = t.mode === 'relay' ? inp.config.auth : undefined;
  const redact = redactor(auth?.pass, auth?.user);
  const out: SessionResult = { opened: false, authMethods: [] };
  const r = await within(STAGE.session, async (sig) => {
    // The doctor's own limits: connect and greeting as the probe's, not delivery's 30 s.
    const cfg = { ...inp.config, timeoutMs: STAGE.connect };
    let session;
    try {
      session = await openSession(cfg, t.address, t.port, t.mode === 'direct' || !/^[\d.:]+$/.test(t.host) ? t.servername : undefined, sig);
    } catch (err) {
      const e = err as NodemailerError;
      out.error = cleanError(redact(e.response ?? e.message));
      return;
    }
    out.opened = true;
    out.secure = session.secure;
    out.authMethods = session.authMethods.map((m) => m.toUpperCase());
    try {
      if (auth && auth.user && auth.pass && out.authMethods.length > 0) {
        try {
          await session.login(auth.user, auth.pass);
          out.login = { ok: true };
        } catch (err) {
          const e = err as NodemailerError;
          out.login = { ok: false, response: redact(e.response ?? e.message) };
          return;
        }
      }
      try {
        out.envelope = await session.envelope(inp.settings.fromAddress, inp.to);
      } catch (err) {
        out.envelopeError = redact((err as Error).message);
      }
    } finally {
      session.quit();
    }
  }, signal);
  if (!r.ok) out.timedOut = true;
  return out;
}

export function authCheck(inp: DoctorInputs, t: SmtpTarget, p: ProbeResult, s: SessionResult): DoctorCheck {
  const title = 'Authentication at the relay';
  const st = inp.settings;
  const offered = s.opened ? s.authMethods : (p.ehlo?.auth ?? []);
  const seen = s.opened || Boolean(p.ehlo);
  const offerText = offered.length ? `the relay offers AUTH ${offered.join(' ')}` : `the relay offers no AUTH on port ${t.port}${p.tls || s.secure ? ' (after TLS)' : ''}`;
  const turnOn = fixes('If the relay wants a login, turn authentication on: `config set sasl=on sasl-username=USER@example.com`, then `config set sasl-password`.', 'config set sasl=on sasl-username=USER@example.com', 'config set sasl-password');
  if (!st.sasl) {
    if (!seen) return check('authentication', 'relay-auth', title, 'skip', 'sasl is off (and no SMTP session to see what the relay offers)', turnOn);
    return check('authentication', 'relay-auth', title, 'skip', `sasl is off; ${offerText}`, offered.length ? turnOn : undefined);
  }
  if (!inp.config.auth?.user || !inp.config.auth.pass) {
    return check('authentication', 'relay-auth', title, 'fail', 'sasl is on but sasl-username or sasl-password is not set', fixes('Set both: `config set sasl-username=USER@example.com` and `config set sasl-password`.', 'config set sasl-username=USER@example.com', 'config set sasl-password'));
  }
  if (!seen) return check('authentication', 'relay-auth', title, 'skip', 'no SMTP session (see Connection)');
  if (s.timedOut && !s.login) return check('authentication', 'relay-auth', title, 'warn', `the session with ${t.label} did not get to AUTH within ${seconds(STAGE.session)}`, 'Run the doctor again; see Connection for a slow or silent server.');
  if (offered.length === 0) {
    const port25 = t.port === 25;
    return check('authentication', 'relay-auth', title, 'fail', `sasl is on, but ${offerText}: mail goes unauthenticated and the relay may refuse it`, fixes(
      `Relays offer AUTH on their submission port (587 with STARTTLS, or 465): \`config set relay-port=587 use-tls=on\`${port25 ? '' : ' (ask the relay operator which port)'}; if the relay accepts this system by its address instead, \`config set sasl=off\`.`,
      'config set relay-port=587 use-tls=on',
      'config set sasl=off',
    ));
  }
  const usable = offered.filter((m) => USABLE.includes(m));
  if (usable.length === 0) {
    return check('authentication', 'relay-auth', title, 'fail', `${offerText}, none of which smtp-ops can use (it can use ${USABLE.join(', ')})`, 'Ask the relay operator to enable PLAIN or LOGIN over TLS for this account.');
  }
  if (!s.login) return check('authentication', 'relay-auth', title, 'skip', `${offerText}; login not tried: ${s.error ?? 'no session'}`);
  if (!s.login.ok) {
    return check('authentication', 'relay-auth', title, 'fail', `login as ${st.saslUsername} refused: ${s.login.response}`, fixes('Check the user name and password with the relay operator: `config set sasl-username=USER@example.com`, `config set sasl-password`; queued mail stays queued and goes out after a `queue flush` once this passes.', 'config set sasl-username=USER@example.com', 'config set sasl-password', 'queue flush'));
  }
  return check('authentication', 'relay-auth', title, 'ok', `authenticated as ${st.saslUsername}`, undefined);
}

/** What a refusal at MAIL or RCPT means. */
export type Refusal = 'relay-denied' | 'access-denied' | 'auth-required' | 'sender-rejected' | 'recipient-unknown' | 'policy' | 'temporary' | 'other';

export function classifyRefusal(stage: 'MAIL' | 'RCPT', reply: string): Refusal {
  const code = Number(reply.slice(0, 3));
  const enh = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply);
  const sub = enh ? `${enh[2]}.${enh[3]}` : '';
  if (/relay(ing)?\s+(access\s+)?(denied|not\s+permitted|prohibited|refused)|not\s+(permitted|allowed|authori[sz]ed)\s+to\s+relay|unable\s+to\s+relay|we\s+do\s+not\s+relay|relay\s+not\s+permitted/i.test(reply)) return 'relay-denied';
  if (code === 530 || /authentication\s+(is\s+)?required|must\s+(first\s+)?auth|auth(entication)?\s+first|not\s+authenticated|please\s+authenticate/i.test(reply)) return 'auth-required';
  if (/sender\s+(address\s+)?(rejected|refused|denied|not\s+allowed|not\s+permitted)|not\s+owned\s+by|sender\s+is\s+not\s+(allowed|authorized)|from\s+address\s+(is\s+)?not\s+(allowed|permitted|verified)|not\s+allowed\s+to\s+send\s+as|sender\s+verify\s+failed|spoof/i.test(reply)) return 'sender-rejected';
  if (/\bspf\b|dmarc|dkim|block(ed|list)|black\s?list|spamhaus|spamcop|barracuda|reputation|reverse\s+(dns|hostname)|\bptr\b|rdns|helo/i.test(reply)) return 'policy';
  if (stage === 'MAIL' && code >= 500 && (['1.7', '1.8', '7.1', '1.0'].includes(sub) || code === 553 || code === 550)) return 'sender-rejected';
  if (sub === '1.1' || /user\s+unknown|no\s+such\s+(user|mailbox|recipient)|mailbox\s+(unavailable|not\s+found|does\s+not\s+exist)|unknown\s+(user|recipient)|does\s+not\s+exist/i.test(reply)) return 'recipient-unknown';
  // Postfix's plain "reject" in smtpd_relay_restrictions: "554 5.7.1 <rcpt>: Recipient address rejected: Access denied".
  if (stage === 'RCPT' && (sub === '7.1' || /access\s+denied|not\s+(permitted|authori[sz]ed|allowed)/i.test(reply))) return 'access-denied';
  if (code >= 400 && code < 500) return 'temporary';
  return 'other';
}

function suggestFromDomain(inp: DoctorInputs): string {
  const user = inp.settings.saslUsername;
  if (user.includes('@')) return domainOf(user);
  const labels = inp.config.relayHost.split('.');
  return labels.length > 2 && !/^[\d.]+$/.test(inp.config.relayHost) ? labels.slice(1).join('.') : 'example.com';
}

export function permissionCheck(inp: DoctorInputs, t: SmtpTarget, p: ProbeResult, s: SessionResult): DoctorCheck {
  const id = `${t.prefix}-permission`;
  const from = inp.settings.fromAddress;
  const to = inp.to;
  const title = t.mode === 'relay' ? `Relay accepts mail from ${from} to ${to}` : `MX accepts mail from ${from} to ${to}`;
  const notTried = (why: string) => check('relay-permission', id, title, 'skip', `not tried: ${why}`);
  if (!p.connect.ok) return notTried('not connected (see Connection)');
  if (s.login && !s.login.ok) return notTried('the login was refused (see Authentication)');
  if (!s.opened) return notTried(s.timedOut ? `no session within ${seconds(STAGE.session)} (see Connection)` : `the delivery client could not open a session: ${s.error ?? 'unknown error'} (see Connection)`);
  if (!s.envelope) return notTried(s.timedOut ? `no reply to MAIL/RCPT within ${seconds(STAGE.session)}` : `the session broke: ${s.envelopeError ?? 'unknown'}`);
  const { mail, rcpt } = s.envelope;
  const trail = `MAIL FROM:<${from}> ${mail.trim()}${rcpt ? `; RCPT TO:<${to}> ${rcpt.trim()}` : ''}; RSET (nothing was sent)`;
  const refused = !mail.startsWith('2') ? { stage: 'MAIL' as const, reply: mail.trim() } : rcpt && !rcpt.startsWith('2') ? { stage: 'RCPT' as const, reply: rcpt.trim() } : null;
  if (!refused) return check('relay-permission', id, title, 'ok', trail);
  const kind = classifyRefusal(refused.stage, refused.reply);
  const at = `${refused.stage === 'MAIL' ? `MAIL FROM:<${from}>` : `RCPT TO:<${to}>`} refused: ${refused.reply}`;
  const authenticated = s.login?.ok === true;
  const relay = t.mode === 'relay';
  const saslOn = fixes('authenticate: `config set sasl=on sasl-username=USER@example.com`, then `config set sasl-password`', 'config set sasl=on sasl-username=USER@example.com', 'config set sasl-password');
  const fromDomain = suggestFromDomain(inp);
  const senderFix = fixes(`Admin guide: use a From address in a domain the relay may send for (usually the domain of the relay account): \`config set from-address=alerts@${fromDomain}\`${authenticated ? `, or ask the relay operator to let ${inp.settings.saslUsername} send as ${from}` : ''}.`, `config set from-address=alerts@${fromDomain}`);
  switch (kind) {
    case 'access-denied':
      if (!relay) return check('relay-permission', id, title, 'fail', `${at}: refused by the receiving server's policy`, { hint: `The reply names the reason: receivers judge this mail by SPF, DKIM, DMARC, reverse DNS and blocklists; see those checks below.` });
    // A relay that denies a recipient it would take from a client it trusts is refusing to relay.
    // falls through
    case 'relay-denied':
      if (!relay) return check('relay-permission', id, title, 'fail', `${at}: this MX does not take mail for ${domainOf(to)}`, fixes('The recipient domain\'s MX records point at a server that does not accept its mail; test another domain: `doctor --to you@example.com`.', 'doctor --to you@example.com'));
      if (authenticated) return check('relay-permission', id, title, 'fail', `${at}: the relay refuses to relay for ${inp.settings.saslUsername}`, { hint: `The login works but the account may not relay (to ${domainOf(to)}): ask the relay operator to allow it.` });
      return check('relay-permission', id, title, 'fail', `${at}: the relay does not relay mail from this system (it wants a login, or this system's address${p.connect.ok && p.connect.local ? ` ${p.connect.local}` : ''} on its allow list)`, {
        hint: `Admin guide: the relay must allow this system to relay, "typically by enabling authentication or whitelisting IP addresses". Either ${saslOn.hint}; or ask the relay operator to allow this system's address.`,
        fix: saslOn.fix,
      });
    case 'auth-required':
      if (relay && authenticated) return check('relay-permission', id, title, 'fail', `${at}: the relay still wants authentication after the login`, { hint: 'Ask the relay operator whether this account may send mail.' });
      if (relay) return check('relay-permission', id, title, 'fail', `${at}: the relay requires authentication before it takes mail${inp.settings.sasl ? ', and no login happened (see Authentication)' : ''}`, inp.settings.sasl ? fixes('The relay offers no AUTH where smtp-ops connects: use its submission port, `config set relay-port=587 use-tls=on`.', 'config set relay-port=587 use-tls=on') : { hint: `Turn authentication on: ${saslOn.hint}.`, fix: saslOn.fix });
      return check('relay-permission', id, title, 'fail', `${at}: the MX wants authentication, which is not how MX hosts take mail`, fixes('Test another recipient domain: `doctor --to you@example.com`.', 'doctor --to you@example.com'));
    case 'sender-rejected':
      if (relay) return check('relay-permission', id, title, 'fail', `${at}: the relay refuses ${from} as sender`, senderFix);
      return check('relay-permission', id, title, 'fail', `${at}: the receiving server refuses mail from ${from}`, { hint: `The reply says why; SPF, DKIM and DMARC of ${domainOf(from)} and this system's reverse DNS and blocklist status (below) are the usual reasons.` });
    case 'recipient-unknown':
      return check('relay-permission', id, title, 'warn', `${at}: the test recipient does not exist there; the ${relay ? 'relay' : 'MX'} did accept the sender`, fixes('Test with an address that exists: `doctor --to you@example.com`.', 'doctor --to you@example.com'));
    case 'policy':
      return check('relay-permission', id, title, 'fail', `${at}: refused by policy`, { hint: `The reply names the reason: ${relay ? 'the relay judges' : 'receivers judge'} this mail by SPF, DKIM, DMARC, reverse DNS and blocklists; see those checks below.` });
    case 'temporary':
      return check('relay-permission', id, title, 'warn', `${at}: refused for now (greylisting, rate limits or a busy server); delivery retries`, 'Run the doctor again in a few minutes; if it persists, ask the server operator.');
    default:
      return check('relay-permission', id, title, 'fail', at, relay ? ({ hint: 'The reply says why; if it is about the sender, use a From domain the relay may send for; if about this client, authenticate or ask to be allowed.' } satisfies CheckExtras) : { hint: 'The reply says why.' });
  }
}
