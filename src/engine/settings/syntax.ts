/** The syntax of host names, mailboxes and `host:port`, as settings and submitted mail need it. Pure functions. */
import { isIP } from 'node:net';
import { isMailboxAddress } from '../mailbox.js';

export function isHostname(v: string): boolean {
  if (v.length === 0 || v.length > 253) return false;
  return v.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

export function isFqdn(v: string): boolean {
  const labels = v.split('.');
  return labels.length >= 2 && isHostname(v) && !/^\d+$/.test(labels[labels.length - 1]) && !v.includes('_');
}

/** An ASCII RFC 5321 mailbox (the one validator in mailbox.ts; settings take no SMTPUTF8 addresses). */
export function isMailbox(v: string): boolean {
  return isMailboxAddress(v, { ascii: true });
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
