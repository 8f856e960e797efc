/** The syntax of host names, mailboxes and `host:port`, as settings and submitted mail need it. Pure functions. */
import { isIP } from 'node:net';

export function isHostname(v: string): boolean {
  if (v.length === 0 || v.length > 253) return false;
  return v.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

export function isFqdn(v: string): boolean {
  const labels = v.split('.');
  return labels.length >= 2 && isHostname(v) && !/^\d+$/.test(labels[labels.length - 1]) && !v.includes('_');
}

/** RFC 5321 mailbox: dot-atom or quoted local part (<= 64), domain or address literal; <= 254. */
export function isMailbox(v: string): boolean {
  if (v.length > 254) return false;
  const at = v.lastIndexOf('@');
  if (at <= 0) return false;
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (local.length > 64) return false;
  const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
  const dotAtom = new RegExp(`^${atom}(?:\\.${atom})*$`);
  // eslint-disable-next-line no-control-regex
  const quoted = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
  if (!dotAtom.test(local) && !quoted.test(local)) return false;
  const lit = /^\[(.+)\]$/.exec(domain);
  if (lit) return isIP(lit[1].replace(/^IPv6:/i, '')) !== 0;
  return isHostname(domain.toLowerCase()) && domain.includes('.');
}

export function parseHostPort(v: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  if (!m) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port < 0 || port > 65535) return null;
  if (!(isIP(host) || isHostname(host))) return null;
  return { host, port };
}
