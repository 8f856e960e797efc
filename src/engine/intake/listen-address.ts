/** Parsing and choice of the intake listener address. */
import { isIP } from 'node:net';
import { ValidationError } from '../errors.js';
import { hostPort } from '../settings/syntax.js';

/** Where the listener binds when nothing else is configured. */
export const DEFAULT_LISTEN = '127.0.0.1:2525';

/** A parsed `host:port`; `host` carries no brackets. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parse `host:port` (`[::1]:2525` for IPv6, port 0 for an ephemeral port).
 * `field` names the source in the error (`listen` setting or `SMTP_OPS_LISTEN`).
 */
export function parseListen(value: string, field = 'listen'): ListenAddress {
  const text = value.trim();
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!m) {
    throw ValidationError.one(
      field,
      'host-port',
      `${field} must be host:port with IPv6 addresses in brackets, e.g. 127.0.0.1:2525 or [::1]:2525 (got ${JSON.stringify(value)})`,
    );
  }
  const host = m[1];
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw ValidationError.one(field, 'range', `${field} port must be a whole number from 0 to 65535 (got ${JSON.stringify(m[2])})`);
  }
  if (text.startsWith('[') && isIP(host) !== 6) {
    throw ValidationError.one(field, 'ipv6', `${field} host in brackets must be an IPv6 address (got ${JSON.stringify(host)})`);
  }
  return { host, port };
}

/**
 * The address to bind: an explicit option first, then `SMTP_OPS_LISTEN` (so a
 * service unit can override the stored setting), then the `listen` setting,
 * then {@link DEFAULT_LISTEN}.
 */
export function chooseListen(explicit: string | undefined, env: string | undefined, setting: string | undefined): ListenAddress {
  if (explicit !== undefined && explicit.trim() !== '') return parseListen(explicit, 'listen');
  if (env !== undefined && env.trim() !== '') return parseListen(env, 'SMTP_OPS_LISTEN');
  if (setting !== undefined && setting.trim() !== '') return parseListen(setting, 'listen');
  return parseListen(DEFAULT_LISTEN);
}

/** Whether an address (as Node reports it, possibly IPv4-mapped IPv6) is loopback. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  if (a === '::1' || a === 'localhost') return true;
  return isIP(a) === 4 && a.startsWith('127.');
}

/** Render for events and replies: IPv6 in brackets. */
export function formatListen(addr: ListenAddress): string {
  return hostPort(addr.host, addr.port);
}
