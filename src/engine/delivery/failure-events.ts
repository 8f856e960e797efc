/** Which failures of a delivery attempt an operator must act on, as system events, worded with what to check. */
import type { EventLevel, RecipientResult, Settings } from '../types.js';

/** An event to record (rate limited by code and host). */
export interface FailureEvent {
  level: EventLevel;
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** One event per kind of failure and host of this attempt, and one for its bounces (`to: response` each). */
export function failureEvents(attempt: { id: string; from: string }, results: readonly RecipientResult[], bounces: readonly string[], s: Settings): FailureEvent[] {
  const relay = s.relayHost !== '';
  const seen = new Set<string>();
  const out: FailureEvent[] = [];
  for (const r of results) {
    if (r.status === 'sent' || !r.failure) continue;
    const host = r.host ?? (relay ? `${s.relayHost}:${s.relayPort ?? 25}` : 'MX');
    const key = `${r.failure}@${host}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const data = { host };
    if (r.failure === 'auth') out.push({ level: 'error', code: 'auth.failed', message: `authentication failed at ${host}: ${r.response} (check sasl-username and sasl-password, then queue flush)`, data });
    else if (r.failure === 'tls') out.push({ level: 'error', code: 'tls.failed', message: `TLS failed with ${host}: ${r.response} (check use-tls, relay-port, tls-ca)`, data });
    else if ((r.failure === 'connection' || r.failure === 'timeout') && relay) out.push({ level: 'error', code: 'relay.unreachable', message: `relay ${host} unreachable: ${r.response} (mail is kept and retried; check the relay and firewall)`, data });
    else if (r.failure === 'connection' || r.failure === 'timeout' || r.failure === 'dns') out.push({ level: 'warning', code: 'delivery.deferred', message: `delivery to ${host} deferred: ${r.response}`, data });
    else if (r.failure === 'config') out.push({ level: 'error', code: 'config.invalid', message: `delivery impossible with the current settings: ${r.response}` });
  }
  if (bounces.length > 0) {
    out.push({ level: 'error', code: 'delivery.bounced', message: `message ${attempt.id} from ${attempt.from || '<>'} bounced: ${bounces.join('; ').slice(0, 500)}`, data: { id: attempt.id } });
  }
  return out;
}
