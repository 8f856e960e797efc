/**
 * Where mail for a domain goes (RFC 5321 5.1, RFC 7505): MX hosts by preference, the domain
 * itself when it has no MX, nowhere for a null MX. DNS failures are told apart from answers.
 */
import type { DnsResolver } from '../types.js';

/** One host to try, with its addresses (IPv4 first). */
export interface MailHost {
  name: string;
  preference: number;
  addresses: string[];
}

export type MailRoute =
  | { kind: 'hosts'; hosts: MailHost[]; implicit: boolean }
  /** The domain says it takes no mail (null MX), or does not exist: bounce. */
  | { kind: 'none'; reason: string }
  /** DNS could not answer now: defer. */
  | { kind: 'temporary'; reason: string };

/** c-ares codes that mean "the name has no such record" or "no such name". */
const NO_DATA = new Set(['ENODATA', 'ENOTFOUND', 'NODATA', 'NOTFOUND']);

function dnsCode(err: unknown): string {
  return (err as { code?: string })?.code ?? 'EUNKNOWN';
}

function isNxdomain(err: unknown): boolean {
  const c = dnsCode(err);
  return c === 'ENOTFOUND' || c === 'NOTFOUND';
}

async function addressesOf(resolver: DnsResolver, name: string): Promise<{ addresses: string[]; temporary?: string }> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  const failures = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => dnsCode(r.reason));
  const temporary = failures.find((c) => !NO_DATA.has(c));
  return temporary && addresses.length === 0 ? { addresses, temporary } : { addresses };
}

/** Resolves the mail route of `domain`. Never throws. */
export async function resolveMailRoute(resolver: DnsResolver, domain: string): Promise<MailRoute> {
  let records: { exchange: string; priority: number }[];
  try {
    records = await resolver.resolveMx(domain);
  } catch (err) {
    if (isNxdomain(err)) return { kind: 'none', reason: `Host or domain name not found: ${domain} does not exist (DNS NXDOMAIN)` };
    if (dnsCode(err) !== 'ENODATA' && dnsCode(err) !== 'NODATA') {
      return { kind: 'temporary', reason: `DNS lookup of MX ${domain} failed (${dnsCode(err)})` };
    }
    records = [];
  }
  if (records.length === 0) {
    // No MX: the domain's own address records are the implicit MX.
    const a = await addressesOf(resolver, domain);
    if (a.addresses.length > 0) return { kind: 'hosts', implicit: true, hosts: [{ name: domain, preference: 0, addresses: a.addresses }] };
    if (a.temporary) return { kind: 'temporary', reason: `DNS lookup of A/AAAA ${domain} failed (${a.temporary})` };
    return { kind: 'none', reason: `${domain} has no MX and no A/AAAA record` };
  }
  const isNull = (x: { exchange: string }) => x.exchange === '' || x.exchange === '.';
  if (records.some(isNull)) {
    // RFC 7505: a null MX must be the only MX; either way the domain refuses mail.
    return { kind: 'none', reason: `${domain} accepts no mail (null MX, RFC 7505)` };
  }
  const sorted = [...records].sort((a, b) => a.priority - b.priority);
  const hosts: MailHost[] = [];
  let temporary: string | undefined;
  for (const r of sorted) {
    const name = r.exchange.replace(/\.$/, '');
    const a = await addressesOf(resolver, name);
    if (a.addresses.length > 0) hosts.push({ name, preference: r.priority, addresses: a.addresses });
    else temporary ??= a.temporary ? `DNS lookup of A/AAAA ${name} failed (${a.temporary})` : `MX host ${name} has no A/AAAA record`;
  }
  if (hosts.length === 0) {
    // Postfix defers here too: MX hosts without addresses are usually a DNS change in progress.
    return { kind: 'temporary', reason: temporary ?? `no usable MX host for ${domain}` };
  }
  return { kind: 'hosts', implicit: false, hosts };
}
