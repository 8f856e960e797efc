/**
 * Doctor checks that talk to the network: TCP to the relay (or an MX), the TLS handshake as
 * delivery would do it, and SASL AUTH with the stored credentials. EHLO/STARTTLS/AUTH then QUIT:
 * no message is ever sent.
 */
import { connect } from 'node:net';
import type { NodemailerError } from 'nodemailer';
import { classifyError, redactor } from '../delivery/classify.js';
import { resolveMailRoute } from '../delivery/mx.js';
import { openSession, type SmtpSession } from '../delivery/smtp-session.js';
import type { DeliveryConfig, DnsResolver, DoctorCheck, SettingsView } from '../types.js';
import { check } from './check.js';
import { hostPort } from '../settings/syntax.js';

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: { ok: true } | { ok: false; reason: string }) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done({ ok: false, reason: `no answer within ${timeoutMs} ms (filtered?)` }));
    s.once('connect', () => done({ ok: true }));
    s.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
  });
}

const firewallHint = (port: number) =>
  `Outgoing SMTP is often blocked by default: make sure TCP port ${port} to this host is allowed by the firewall and network policies (for ports 25, 587 and 465 you may need to ask your provider), and that relay-host/relay-port are what the relay expects.`;

function describeTls(config: DeliveryConfig, session: SmtpSession): string {
  if (!session.secure) return 'plain text (no TLS)';
  const how = config.tlsMode === 'implicit' ? 'implicit TLS' : 'STARTTLS';
  return `${how}, certificate ${config.tlsVerify ? 'verified' : 'NOT verified (tls-verify=off)'}`;
}

function tlsHint(config: DeliveryConfig, err: NodemailerError): string {
  const kind = classifyError(err).failure;
  if (kind === 'timeout' && config.tlsMode === 'starttls') return 'The server did not greet in plain text: a port like 465 wants implicit TLS. Use relay-port=465 with use-tls=on, or the relay\'s STARTTLS port (587).';
  if (kind === 'tls' && /STARTTLS|EREQUIRETLS/i.test(`${err.code} ${err.message}`)) return 'The relay does not offer STARTTLS on this port. Use its TLS port (465 for implicit TLS, 587 for STARTTLS), or turn use-tls off only if the network path is trusted.';
  if (kind === 'tls') return 'The certificate could not be verified or the TLS versions do not match. Trust a private CA with `config set tls-ca=/path/ca.pem`; only as a last resort `config set tls-verify=off`.';
  return 'Confirm the TLS setting matches the relay: port 465 = implicit TLS, 587/25 = STARTTLS (use-tls=on).';
}

/** Relay: TCP connect, then TLS per tlsMode, then AUTH when sasl is on. */
export async function relayChecks(settings: SettingsView, config: DeliveryConfig): Promise<DoctorCheck[]> {
  const host = config.relayHost;
  const port = config.relayPort ?? (config.tlsMode === 'implicit' ? 465 : 587);
  const where = hostPort(host, port);
  const redact = redactor(config.auth?.pass, config.auth?.user);
  const out: DoctorCheck[] = [];

  const tcp = await tcpProbe(host, port, config.timeoutMs);
  if (!tcp.ok) {
    out.push(check('relay-connect', 'Relay reachable (firewall)', 'fail', `cannot connect to ${where}: ${tcp.reason}`, firewallHint(port)));
    out.push(check('relay-tls', 'TLS to the relay', 'skip', 'relay unreachable'));
    out.push(check('relay-auth', 'Authentication at the relay', 'skip', 'relay unreachable'));
    return out;
  }
  out.push(check('relay-connect', 'Relay reachable (firewall)', 'ok', `TCP connection to ${where} established`));

  let session: SmtpSession;
  try {
    session = await openSession(config, host, port);
  } catch (err) {
    const e = err as NodemailerError;
    out.push(check('relay-tls', 'TLS to the relay', 'fail', redact(`${settings.tlsMode} to ${where} failed: ${e.response ?? e.message}`), tlsHint(config, e)));
    out.push(check('relay-auth', 'Authentication at the relay', 'skip', 'no SMTP session'));
    return out;
  }
  try {
    if (config.tlsMode === 'none') {
      out.push(check('relay-tls', 'TLS to the relay', 'warn', `plain text to ${where} (use-tls is off)`, settings.sasl ? 'The password crosses the network in clear text: turn use-tls on unless the relay is on a trusted network.' : 'Many relays require TLS: turn use-tls on if yours does.'));
    } else if (!config.tlsVerify && session.secure) {
      out.push(check('relay-tls', 'TLS to the relay', 'warn', `${describeTls(config, session)} with ${where}`, 'Anyone on the path could impersonate the relay. Trust its CA with tls-ca and turn tls-verify back on.'));
    } else {
      out.push(check('relay-tls', 'TLS to the relay', session.secure ? 'ok' : 'warn', `${describeTls(config, session)} with ${where}`));
    }

    if (!settings.sasl) {
      out.push(check('relay-auth', 'Authentication at the relay', 'skip', 'sasl is off', 'If the relay requires authentication (or only relays for whitelisted addresses), turn sasl on with sasl-username and sasl-password.'));
    } else if (!config.auth) {
      out.push(check('relay-auth', 'Authentication at the relay', 'fail', 'sasl is on but no sasl-username/sasl-password is set', 'Set both: `config set sasl-username=...` and `config set sasl-password`.'));
    } else {
      try {
        await session.login(config.auth.user, config.auth.pass);
        out.push(check('relay-auth', 'Authentication at the relay', 'ok', `authenticated as ${config.auth.user}`));
      } catch (err) {
        const e = err as NodemailerError;
        out.push(check('relay-auth', 'Authentication at the relay', 'fail', redact(`login as ${config.auth.user} refused: ${e.response ?? e.message}`), 'Check sasl-username and sasl-password with the relay operator; queued mail stays queued and goes out after a flush once this passes.'));
      }
    }
  } finally {
    session.quit();
  }
  return out;
}

/** Direct: optionally look up the MX of a test domain and open TCP to its first host on the direct port. */
export async function directChecks(config: DeliveryConfig, resolver: DnsResolver, testDomain?: string): Promise<DoctorCheck[]> {
  const title = `Outbound port ${config.directPort} reachable (firewall)`;
  if (!testDomain) {
    return [check('direct-connect', title, 'skip', 'no target: pass a recipient domain to test MX lookup and the connection', `Outgoing port ${config.directPort} is often blocked by providers; send a test message (\`test you@example.com\`) to try a real delivery.`)];
  }
  const route = await resolveMailRoute(resolver, testDomain);
  if (route.kind !== 'hosts') {
    return [check('direct-connect', title, route.kind === 'none' ? 'fail' : 'warn', route.reason, 'Check the domain name and this system\'s DNS resolver.')];
  }
  const first = route.hosts[0];
  const address = first.addresses[0];
  const tcp = await tcpProbe(address, config.directPort, config.timeoutMs);
  if (!tcp.ok) return [check('direct-connect', title, 'fail', `MX ${first.name} (${address}) port ${config.directPort}: ${tcp.reason}`, firewallHint(config.directPort))];
  return [check('direct-connect', title, 'ok', `MX ${first.name} (${address}) accepts TCP on port ${config.directPort}`)];
}
