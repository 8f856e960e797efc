import { Resolver } from 'node:dns/promises';
import { ValidationError } from '../errors.js';
import type { DnsResolver } from '../types.js';

/** Per-query limits: a dead DNS server must defer mail in seconds, not hang the worker. */
const DNS_TIMEOUT_MS = 2_000;
const DNS_TRIES = 2;

/**
 * The resolver the engine uses: the system's, or the server named by `SMTP_OPS_DNS=host:port`
 * (tests point it at dnsmasq on 127.0.0.1:10053). Throws a ValidationError naming the variable
 * when its value is not `host:port`.
 */
export function resolverFromEnv(env: NodeJS.ProcessEnv = process.env): DnsResolver {
  const r = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  const server = env.SMTP_OPS_DNS?.trim();
  if (server) {
    const m = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+|[A-Za-z0-9.-]+)):(\d{1,5})$/.exec(server);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw ValidationError.one('SMTP_OPS_DNS', 'host-port', `SMTP_OPS_DNS must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:10053 or [::1]:53 (got "${server}")`);
    }
    r.setServers([server]);
  }
  return r;
}

/** Port for direct delivery: `SMTP_OPS_DIRECT_PORT` or 25. Throws a ValidationError naming the variable when it is not a port. */
export function directPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SMTP_OPS_DIRECT_PORT?.trim();
  if (!raw) return 25;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw ValidationError.one('SMTP_OPS_DIRECT_PORT', 'range', `SMTP_OPS_DIRECT_PORT must be a whole number from 1 to 65535 (got "${raw}")`);
  }
  return port;
}
