/** The one SMTP server the doctor talks to: the relay, or the first MX of the test recipient's domain. */
import type { DoctorCheck, TlsMode } from '../types.js';
import { resolveMailRoute } from '../delivery/mx.js';
import { check, dnsWords, fixes, seconds } from './check.js';
import { addressesOf } from './dns.js';
import { domainOf, isDirect, relayPort, type DoctorInputs } from './context.js';
import { STAGE, within } from './limits.js';

export interface SmtpTarget {
  mode: 'relay' | 'direct';
  /** Check id prefix. */
  prefix: 'relay' | 'direct';
  /** relay-host or the MX name. */
  host: string;
  address: string;
  port: number;
  /** Name the certificate must carry. */
  servername: string;
  /** `relay smtp.example.com:587`, `MX mx.example.com (192.0.2.1) port 25`. */
  label: string;
  tlsMode: TlsMode;
  tlsVerify: boolean;
  useTls: boolean;
  sasl: boolean;
}

export const MX_CHECK = { id: 'direct-mx', title: "MX of the test recipient's domain", section: 'connection' as const };

/** The target, or the check that says why there is none. */
export async function resolveTarget(inp: DoctorInputs, signal: AbortSignal): Promise<{ target: SmtpTarget; checks: DoctorCheck[] } | { target: null; checks: DoctorCheck[] }> {
  const { config, settings } = inp;
  const common = { tlsMode: config.tlsMode, tlsVerify: config.tlsVerify, useTls: settings.useTls, sasl: settings.sasl };
  if (!isDirect(config)) {
    const port = relayPort(config);
    const r = await within(STAGE.dns, () => addressesOf(inp.resolver, config.relayHost), signal);
    const fail = (detail: string) => ({
      target: null,
      checks: [check('connection', 'relay-connect', 'Relay reachable (firewall)', 'fail', detail, fixes(`Check the relay's name with its operator and set it: \`config set relay-host=smtp.example.com\`.`, 'config set relay-host=smtp.example.com'))],
    });
    if (!r.ok) return { target: null, checks: [check('connection', 'relay-connect', 'Relay reachable (firewall)', 'warn', `relay-host ${config.relayHost} did not resolve within ${seconds(STAGE.dns)}: DNS is slow or unreachable`, 'Check the DNS server this system uses (SMTP_OPS_DNS or /etc/resolv.conf), then run the doctor again.')] };
    if (r.value.addresses.length === 0) return fail(`relay-host ${config.relayHost} does not resolve: ${r.value.errors.length ? dnsWords(r.value.errors[0]) : 'no address'}`);
    const address = r.value.addresses[0];
    const label = `relay ${config.relayHost}:${port}${address !== config.relayHost ? ` (${address})` : ''}`;
    return { target: { mode: 'relay', prefix: 'relay', host: config.relayHost, address, port, servername: config.relayHost, label, ...common }, checks: [] };
  }
  const domain = domainOf(inp.to);
  const route = await within(STAGE.mx, () => resolveMailRoute(inp.resolver, domain), signal);
  const tryOther = fixes(`Name a recipient domain whose MX should accept mail from this system: \`doctor --to you@example.com\`.`, 'doctor --to you@example.com');
  if (!route.ok) return { target: null, checks: [check('connection', MX_CHECK.id, MX_CHECK.title, 'warn', `no MX answer for ${domain} within ${seconds(STAGE.mx)}: DNS is slow or unreachable`, 'Check the DNS server this system uses (SMTP_OPS_DNS or /etc/resolv.conf), then run the doctor again.')] };
  const rt = route.value;
  if (rt.kind === 'none') return { target: null, checks: [check('connection', MX_CHECK.id, MX_CHECK.title, inp.to.startsWith('postmaster@') ? 'warn' : 'fail', `${rt.reason}: mail to ${inp.to} cannot be delivered`, tryOther)] };
  if (rt.kind === 'temporary') return { target: null, checks: [check('connection', MX_CHECK.id, MX_CHECK.title, 'warn', `${rt.reason}: delivery to ${domain} is deferred until DNS answers`, 'Check the DNS server this system uses, then run the doctor again.')] };
  const first = rt.hosts[0];
  const address = first.addresses[0];
  const others = rt.hosts.length - 1;
  const mx = check('connection', MX_CHECK.id, MX_CHECK.title, 'ok', `${rt.implicit ? `${domain} has no MX; its own address is used` : `MX of ${domain}: ${first.name} (preference ${first.preference})`} -> ${first.addresses.join(', ')}${others ? `; ${others} more MX host(s) as fallback` : ''}`);
  const label = `MX ${first.name} (${address}) port ${config.directPort}`;
  return { target: { mode: 'direct', prefix: 'direct', host: first.name, address, port: config.directPort, servername: first.name, label, ...common, sasl: false }, checks: [mx] };
}
