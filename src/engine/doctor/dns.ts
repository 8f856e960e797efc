/** DNS as the doctor uses it: the engine's resolver, also handed to mailauth in the shape it expects. */
import { isIP } from 'node:net';
import type { DnsResolver } from '../types.js';

/** mailauth's resolver contract: `dns.promises.resolve(name, type)`. */
export type MailauthResolver = (name: string, type: string) => Promise<never[]>;

function unsupported(type: string): Error {
  return Object.assign(new Error(`the configured resolver cannot look up ${type} records`), { code: 'ENOTIMP' });
}

/** IPv4 or IPv6 address of a reverse name (`4.3.2.1.in-addr.arpa`), or null. */
export function ipOfReverseName(name: string): string | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  const v4 = /^((?:\d{1,3}\.){3}\d{1,3})\.in-addr\.arpa$/.exec(n);
  if (v4) return v4[1].split('.').reverse().join('.');
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(n);
  if (v6) {
    const hex = v6[1].replace(/\./g, '').split('').reverse().join('');
    return hex.match(/.{4}/g)!.join(':');
  }
  return null;
}

/** The engine's resolver as mailauth's: every lookup of SPF, DKIM and DMARC goes where delivery's go (SMTP_OPS_DNS). */
export function mailauthResolver(r: DnsResolver): MailauthResolver {
  const go = async (name: string, type: string): Promise<unknown[]> => {
    switch (type.toUpperCase()) {
      case 'A':
        return r.resolve4(name);
      case 'AAAA':
        return r.resolve6(name);
      case 'MX':
        return r.resolveMx(name);
      case 'TXT':
        if (!r.resolveTxt) throw unsupported('TXT');
        return r.resolveTxt(name);
      case 'PTR': {
        if (r.resolvePtr) return r.resolvePtr(name);
        const ip = ipOfReverseName(name);
        if (!ip || !r.reverse) throw unsupported('PTR');
        return r.reverse(ip);
      }
      default:
        throw unsupported(type);
    }
  };
  return go as MailauthResolver;
}

/** The A and AAAA records of a name (IPv4 first); the error of each family when both fail. */
export async function addressesOf(r: DnsResolver, name: string): Promise<{ addresses: string[]; errors: unknown[] }> {
  if (isIP(name)) return { addresses: [name], errors: [] };
  const [v4, v6] = await Promise.allSettled([r.resolve4(name), r.resolve6(name)]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  const errors = [v4, v6].filter((x): x is PromiseRejectedResult => x.status === 'rejected').map((x) => x.reason);
  return { addresses, errors };
}

/** Private, loopback, link-local and shared (CGNAT) ranges: addresses the internet never sees mail from. */
export function addressScope(ip: string): 'loopback' | 'private' | 'public' {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a === 0) return 'private';
    return 'public';
  }
  const v = ip.toLowerCase();
  if (v === '::1') return 'loopback';
  if (/^f[cd]/.test(v) || /^fe[89ab]/.test(v) || v === '::') return 'private';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  if (mapped) return addressScope(mapped[1]);
  return 'public';
}
