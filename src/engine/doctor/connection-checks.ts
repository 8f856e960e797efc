/**
 * The connection checks from what the probe saw: reachability (refused, filtered, unreachable),
 * the greeting (SMTP, or SSH, a web server, TLS, nothing), the TLS mode (implicit vs STARTTLS,
 * both ways round) and the certificate (chain, name, expiry).
 */
import type { DoctorCheck } from '../types.js';
import { check, fixes, seconds, type CheckExtras } from './check.js';
import { STAGE } from './limits.js';
import type { Banner, CertInfo, ProbeResult } from './smtp-probe.js';
import type { SmtpTarget } from './smtp-target.js';

const SERVICE: Record<Banner['kind'], string> = {
  smtp: 'an SMTP server',
  'smtp-refusal': 'an SMTP server that refuses this client',
  ssh: 'an SSH server',
  http: 'a web (HTTP) server',
  tls: 'a TLS service',
  pop3: 'a POP3 server',
  imap: 'an IMAP server',
  ftp: 'an FTP server',
  other: 'not an SMTP server',
};

/** Days a certificate may have left before the doctor warns. */
export const CERT_WARN_DAYS = 14;

function wrongPort(t: SmtpTarget): CheckExtras {
  if (t.mode === 'direct') return { hint: `MX hosts take mail on port 25; SMTP_OPS_DIRECT_PORT=${t.port} may be wrong for this system.` };
  return fixes(`relay-port points at the wrong service. Use the port the relay operator gave you for SMTP (587 STARTTLS, 465 implicit TLS, 25 plain), e.g. \`config set relay-port=587\`.`, 'config set relay-port=587');
}

export function connectCheck(t: SmtpTarget, p: ProbeResult): DoctorCheck {
  const id = `${t.prefix}-connect`;
  const title = t.mode === 'relay' ? 'Relay reachable (firewall)' : `MX reachable on port ${t.port} (firewall)`;
  const c = p.connect;
  if (c.ok) return check('connection', id, title, 'ok', `TCP connection to ${t.label} in ${c.ms} ms${c.local ? ` (from ${c.local})` : ''}`);
  const port = t.port;
  const firewall = t.mode === 'relay'
    ? `Outgoing TCP port ${port} is blocked between this host and the relay: allow it in this host's firewall and the network's policy (ports 25, 587 and 465 are often blocked by default; you may need to ask your provider), and check relay-host and relay-port with the relay operator.`
    : `Outgoing port ${port} is blocked: allow TCP ${port} out in this host's firewall and network policy; many providers block port 25 and open it on request. Otherwise send through a relay: \`config set relay-host=smtp.example.com relay-port=587 use-tls=on\`.`;
  const fw: CheckExtras = t.mode === 'relay' ? { hint: firewall } : fixes(firewall, 'config set relay-host=smtp.example.com relay-port=587 use-tls=on');
  switch (c.kind) {
    case 'refused':
      return check('connection', id, title, 'fail', `nothing is listening on ${t.label}: the connection was refused`, t.mode === 'relay' ? fixes(`Check relay-host and relay-port against what the relay operator gave you (587 STARTTLS, 465 implicit TLS, 25 plain), e.g. \`config set relay-port=587\`; a firewall that rejects (rather than drops) looks the same.`, 'config set relay-port=587') : { hint: `The MX refuses connections on port ${port}; a firewall on the way may be rejecting them.` });
    case 'timeout':
      return check('connection', id, title, 'fail', `no answer from ${t.label} within ${seconds(STAGE.connect)}: port ${port} is filtered (a firewall drops the packets)`, fw);
    case 'unreachable':
      return check('connection', id, title, 'fail', `no route to ${t.address} (${c.code}): this host cannot reach that network`, { hint: `Check this host's network and routes; ${firewall}` });
    default:
      return check('connection', id, title, 'fail', `connecting to ${t.label} failed (${c.code})`, fw);
  }
}

/** "port 465 expects TLS from the first byte: set use-tls=on". */
function expectsImplicit(t: SmtpTarget): CheckExtras {
  if (t.mode === 'direct') return { hint: `The MX expects TLS from the first byte on port ${t.port}; MX hosts speak plain SMTP with STARTTLS on 25. Check SMTP_OPS_DIRECT_PORT.` };
  const cmd = !t.useTls ? (t.port === 465 ? 'config set use-tls=on' : 'config set use-tls=on tls-implicit=on') : 'config set tls-implicit=on';
  const what = !t.useTls ? `set use-tls=on${t.port === 465 ? '' : ' and tls-implicit=on'}` : 'set tls-implicit=on';
  return fixes(`Port ${t.port} expects TLS from the first byte: ${what}: \`${cmd}\`.`, cmd);
}

export function greetingCheck(t: SmtpTarget, p: ProbeResult): DoctorCheck {
  const id = `${t.prefix}-greeting`;
  const title = 'SMTP greeting (the port speaks SMTP)';
  if (!p.connect.ok) return check('connection', id, title, 'skip', 'not connected');
  const why = !t.useTls ? 'use-tls=off' : 'STARTTLS (tls-implicit is off, or auto on a port other than 465)';
  if (p.implicitFailed) {
    const f = p.implicitFailed;
    const plain = f.plain;
    if (plain?.kind === 'smtp') {
      const cmd = 'config set tls-implicit=off';
      return check('connection', id, title, 'fail', `port ${t.port} greets in plain text ("${plain.text}"), but smtp-ops starts TLS from the first byte there (implicit TLS), so the handshake fails (${f.error})`, fixes(`Port ${t.port} expects STARTTLS, not TLS from the first byte: set tls-implicit=off: \`${cmd}\` (or use the relay's implicit-TLS port, usually 465).`, cmd));
    }
    if (plain && plain.kind !== 'tls') {
      return check('connection', id, title, 'fail', `${t.label} is ${SERVICE[plain.kind]}: it answered "${plain.text}" (the TLS handshake failed: ${f.error})`, wrongPort(t));
    }
    if (f.timedOut) return check('connection', id, title, 'fail', `${t.label} accepts the connection but answers neither a TLS handshake nor with a greeting within ${seconds(STAGE.banner)}`, wrongPort(t));
    return check('connection', id, title, 'skip', `no SMTP greeting: the TLS handshake failed (see TLS)`);
  }
  const g = p.greeting;
  if (!g) return check('connection', id, title, 'skip', 'not reached');
  if (g.kind === 'silent') {
    if (p.silent?.tls && t.mode === 'relay') {
      return check('connection', id, title, 'fail', `port ${t.port} expects TLS from the first byte (implicit TLS): with ${why} smtp-ops waits for a plain-text greeting that never comes`, expectsImplicit(t));
    }
    if (p.silent?.answer && p.silent.answer.kind !== 'smtp') {
      const a = p.silent.answer;
      return check('connection', id, title, 'fail', `${t.label} is ${SERVICE[a.kind]}: it sends no greeting and answered EHLO with "${a.text}"`, wrongPort(t));
    }
    return check('connection', id, title, 'fail', `${t.label} accepts the connection but never greets (no reply within ${seconds(STAGE.banner)})`, t.mode === 'relay'
      ? fixes(`The service on port ${t.port} does not speak SMTP, or is stuck: check relay-port with the relay operator, e.g. \`config set relay-port=587\`.`, 'config set relay-port=587')
      : { hint: 'The MX is overloaded or something in between holds the connection; try another recipient domain, e.g. `doctor --to example.org`.' });
  }
  if (g.kind === 'closed') return check('connection', id, title, 'fail', `${t.label} closed the connection without a greeting`, t.mode === 'relay' ? { hint: "The relay hangs up on this host: it may allow only listed client addresses; ask its operator to allow this system's address." } : { hint: 'The MX hangs up on this host: it may be refusing this address (see blocklists and reverse DNS).' });
  if (g.kind === 'smtp') {
    if (p.timedOut === 'greeting') return check('connection', id, title, 'warn', `${t.label} started its greeting ("${g.text}") but did not finish it within ${seconds(STAGE.banner)} (a deliberate greeting delay?)`, 'Delivery waits longer than the doctor; if mail is deferred with timeouts, ask the server operator about the greeting delay.');
    return check('connection', id, title, 'ok', `"${g.text}"`);
  }
  if (g.kind === 'smtp-refusal') {
    return check('connection', id, title, 'fail', `${t.label} refuses this client at connect: "${g.text}"`, t.mode === 'relay'
      ? { hint: "The relay does not accept connections from this system: ask its operator to allow this system's address (or the reply names a temporary limit: run the doctor again later)." }
      : { hint: 'The MX refuses this system outright; the reply usually names why (blocklist, reverse DNS): see those checks below.' });
  }
  if (g.kind === 'tls' && t.mode === 'relay') return check('connection', id, title, 'fail', `port ${t.port} speaks TLS from the first byte: ${why} does not fit it`, expectsImplicit(t));
  return check('connection', id, title, 'fail', `${t.label} is ${SERVICE[g.kind]}, not SMTP: it greeted "${g.text}"`, wrongPort(t));
}

const CHAIN_WORDS: Record<string, (c: CertInfo) => string> = {
  CERT_HAS_EXPIRED: (c) => `expired on ${c.validTo}`,
  CERT_NOT_YET_VALID: (c) => `is not valid before ${c.validFrom}`,
  DEPTH_ZERO_SELF_SIGNED_CERT: (c) => `is self-signed (${c.subject}), so no trusted CA vouches for it`,
  SELF_SIGNED_CERT_IN_CHAIN: (c) => `chains to a self-signed CA (${c.issuer}) that this system does not trust`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: (c) => `is issued by ${c.issuer}, a CA this system does not trust`,
  UNABLE_TO_GET_ISSUER_CERT: (c) => `is issued by ${c.issuer}, a CA this system does not trust`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: (c) => `is issued by ${c.issuer}, a CA this system does not trust`,
};

export function tlsCheck(t: SmtpTarget, p: ProbeResult): DoctorCheck {
  const id = `${t.prefix}-tls`;
  const title = 'TLS and the certificate';
  const enforced = t.tlsVerify && t.tlsMode !== 'opportunistic';
  if (p.implicitFailed && !(p.implicitFailed.plain && p.implicitFailed.plain.kind !== 'tls') && !p.implicitFailed.timedOut) {
    return check('connection', id, title, 'fail', `the TLS handshake with ${t.label} failed: ${p.implicitFailed.error}`, /version|protocol/i.test(p.implicitFailed.error) ? { hint: 'The server and smtp-ops share no TLS version: smtp-ops needs TLS 1.2 or later; the server must be upgraded.' } : { hint: 'Check that this is the relay\'s implicit-TLS port (usually 465).' });
  }
  if (p.greeting?.kind !== 'smtp') return check('connection', id, title, 'skip', 'no SMTP session');
  if (t.tlsMode === 'none') {
    const offered = p.starttls?.offered;
    const extras = offered ? fixes(`${t.sasl ? 'The password crosses the network in clear text. ' : ''}The relay offers STARTTLS: \`config set use-tls=on\`.`, 'config set use-tls=on') : { hint: t.sasl ? 'The password crosses the network in clear text: use the relay\'s TLS port (587 or 465) unless it is on a trusted network.' : 'Many relays require TLS: use its TLS port if it has one.' };
    return check('connection', id, title, 'warn', `plain text to ${t.label} (use-tls is off)${offered ? '; the relay offers STARTTLS' : ''}`, extras);
  }
  if (t.tlsMode === 'starttls' || t.tlsMode === 'opportunistic') {
    if (p.timedOut === 'ehlo' && !p.tls) return check('connection', id, title, 'warn', `EHLO/STARTTLS with ${t.label} did not finish within ${seconds(STAGE.ehlo)}`, 'Run the doctor again; if it persists, the server is overloaded.');
    if (!p.starttls?.offered) {
      if (t.tlsMode === 'opportunistic') return check('connection', id, title, 'warn', `${t.label} offers no STARTTLS: mail to it travels in plain text`);
      return check('connection', id, title, 'fail', `${t.label} does not offer STARTTLS, and use-tls=on requires it: delivery ${t.mode === 'relay' ? 'fails' : 'to this MX is deferred'}`, t.mode === 'relay'
        ? fixes(`Use the relay's TLS port: 465 for TLS from the first byte (\`config set relay-port=465\`) or its STARTTLS port (587); \`config set use-tls=off\` only if the network path is trusted.`, 'config set relay-port=465', 'config set use-tls=off')
        : fixes('With use-tls=off, direct delivery uses STARTTLS when offered and plain text otherwise: `config set use-tls=off`.', 'config set use-tls=off'));
    }
    if (!p.tls) return check('connection', id, title, 'fail', `STARTTLS with ${t.label} failed: ${p.starttls.error ?? `the server answered "${p.starttls.reply ?? 'nothing'}"`}`, /version|protocol/i.test(p.starttls.error ?? '') ? { hint: 'The server and smtp-ops share no TLS version (smtp-ops needs TLS 1.2 or later).' } : { hint: 'The server offers STARTTLS but cannot complete it: its operator must fix its TLS setup.' });
  }
  const tls = p.tls;
  if (!tls) return check('connection', id, title, 'skip', 'no TLS session');
  const how = `${tls.how === 'implicit' ? 'implicit TLS' : 'STARTTLS'}${tls.protocol ? ` (${tls.protocol})` : ''}`;
  const cert = tls.cert;
  if (!cert) return check('connection', id, title, enforced ? 'fail' : 'warn', `${how} with ${t.label}, but the server presented no certificate`);
  const problems: string[] = [];
  let extras: CheckExtras = {};
  if (cert.chainError) {
    const words = CHAIN_WORDS[cert.chainError]?.(cert) ?? `does not verify (${cert.chainError})`;
    problems.push(`the certificate of ${t.servername} ${words}`);
    extras = cert.chainError === 'CERT_HAS_EXPIRED' || cert.chainError === 'CERT_NOT_YET_VALID'
      ? { hint: `The ${t.mode === 'relay' ? 'relay' : 'MX'} operator must renew the certificate; until then delivery with certificate checks fails.` }
      : t.mode === 'relay'
        ? fixes('If the relay uses a private CA, trust it: `config set tls-ca=/etc/smtp-ops/relay-ca.pem` (the CA certificate as a PEM file); only as a last resort `config set tls-verify=off`.', 'config set tls-ca=/etc/smtp-ops/relay-ca.pem', 'config set tls-verify=off')
        : { hint: 'The MX operator must fix its certificate.' };
  }
  if (cert.nameError) {
    const dnsNames = cert.names.filter((n) => /[a-z]/i.test(n) && !n.startsWith('*'));
    problems.push(`the certificate is for ${cert.names.join(', ')}, not ${t.servername}`);
    if (!cert.chainError) {
      extras = t.mode === 'relay' && dnsNames.length
        ? fixes(`Connect by a name the certificate carries: \`config set relay-host=${dnsNames[0]}\`.`, `config set relay-host=${dnsNames[0]}`)
        : { hint: `The ${t.mode === 'relay' ? 'relay' : 'MX'} presents a certificate for another name; its operator must fix it.` };
    }
  }
  if (problems.length) {
    return check('connection', id, title, enforced ? 'fail' : 'warn', `${how} with ${t.label}: ${problems.join('; ')}${enforced ? '; delivery fails the TLS check' : ' (not enforced: ' + (t.tlsMode === 'opportunistic' ? 'opportunistic TLS' : 'tls-verify=off') + ')'}`, extras);
  }
  if (!t.tlsVerify) {
    return check('connection', id, title, 'warn', `${how} with ${t.label}, certificate NOT verified (tls-verify=off), although it would verify`, fixes(`Anyone on the path could impersonate the ${t.mode === 'relay' ? 'relay' : 'MX'}; the certificate is valid, so turn checking back on: \`config set tls-verify=on\`.`, 'config set tls-verify=on'));
  }
  const valid = `${how}, certificate verified (${cert.subject}, valid until ${cert.validTo})`;
  if (cert.daysLeft < CERT_WARN_DAYS) {
    return check('connection', id, title, 'warn', `${valid}: it expires in ${cert.daysLeft} day(s); delivery fails once it does`, `Ask the ${t.mode === 'relay' ? 'relay' : 'MX'} operator to renew the certificate of ${t.servername} before ${cert.validTo}.`);
  }
  return check('connection', id, title, 'ok', valid);
}
