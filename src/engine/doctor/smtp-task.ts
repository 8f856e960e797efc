/**
 * The SMTP server delivery talks to, end to end: find it (relay-host, or the MX of the test
 * recipient), then, in parallel, the byte-level probe (what answers, TLS, certificate) and the
 * delivery client's own session (AUTH, MAIL/RCPT/RSET). The probe names low-level causes; the
 * session proves what delivery would get.
 */
import type { DoctorCheck } from '../types.js';
import { check } from './check.js';
import { connectCheck, greetingCheck, tlsCheck } from './connection-checks.js';
import { isDirect, type DoctorInputs } from './context.js';
import { probeSmtp } from './smtp-probe.js';
import { authCheck, permissionCheck, runSession } from './session-checks.js';
import { MX_CHECK, resolveTarget } from './smtp-target.js';
import type { CheckSpec } from './plan.js';

export function smtpChecks(inp: DoctorInputs): CheckSpec[] {
  const p = isDirect(inp.config) ? 'direct' : 'relay';
  const server = p === 'relay' ? 'the relay' : 'the MX';
  return [
    ...(p === 'direct' ? [MX_CHECK] : []),
    { id: `${p}-connect`, title: p === 'relay' ? 'Relay reachable (firewall)' : `MX reachable on port ${inp.config.directPort} (firewall)`, section: 'connection' },
    { id: `${p}-greeting`, title: 'SMTP greeting (the port speaks SMTP)', section: 'connection' },
    { id: `${p}-tls`, title: 'TLS and the certificate', section: 'connection' },
    ...(p === 'relay' ? [{ id: 'relay-auth', title: 'Authentication at the relay', section: 'authentication' as const }] : []),
    { id: `${p}-permission`, title: `${server === 'the relay' ? 'Relay' : 'MX'} accepts mail from ${inp.settings.fromAddress} to ${inp.to}`, section: 'relay-permission' },
  ];
}

export async function smtpTask(inp: DoctorInputs, signal: AbortSignal): Promise<DoctorCheck[]> {
  const specs = smtpChecks(inp);
  const found = await resolveTarget(inp, signal);
  if (!found.target) {
    const named = new Set(found.checks.map((c) => c.id));
    return [...found.checks, ...specs.filter((c) => !named.has(c.id)).map((c) => check(c.section, c.id, c.title, 'skip', 'no server to talk to (see above)'))];
  }
  const t = found.target;
  const [probe, session] = await Promise.all([
    probeSmtp({ address: t.address, port: t.port, servername: t.servername, mode: t.tlsMode, tlsCa: inp.config.tlsCa, ehloName: inp.settings.hostname, signal }),
    runSession(inp, t, signal),
  ]);
  const out = [...found.checks, connectCheck(t, probe), greetingCheck(t, probe), tlsCheck(t, probe)];
  if (t.mode === 'relay') out.push(authCheck(inp, t, probe, session));
  out.push(permissionCheck(inp, t, probe, session));
  return out;
}
