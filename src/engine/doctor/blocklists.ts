/**
 * DNS blocklists (RFC 5782): the sending IP, its octets (IPv4) or nibbles (IPv6) reversed, under
 * each zone of `dnsbl-zones`; an A answer in 127.0.0.0/8 means listed, and the TXT record says why.
 * Spamhaus answers 127.255.255.x for queries it refuses (through a public resolver, too many):
 * those are "could not check", not listings.
 */
import { isIP } from 'node:net';
import type { DoctorCheck } from '../types.js';
import { check, dnsWords, fixes, isNoRecord } from './check.js';
import { isDirect, type DoctorInputs, type SendingAddresses } from './context.js';
import { STAGE, within } from './limits.js';

export const BLOCKLIST_CHECKS = [{ id: 'blocklists', title: 'Sending IP on DNS blocklists', section: 'blocklists' as const }];

/** The query name of `ip` in `zone`. */
export function dnsblName(ip: string, zone: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.${zone}`;
  const groups = ip.toLowerCase().split('::');
  const head = groups[0] ? groups[0].split(':') : [];
  const tail = groups.length > 1 && groups[1] ? groups[1].split(':') : [];
  const full = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((g) => g.padStart(4, '0')).join('');
  return `${full.split('').reverse().join('.')}.${zone}`;
}

const REFUSALS: Record<string, string> = {
  '127.255.255.252': 'the zone name is mistyped',
  '127.255.255.254': 'it refuses queries through public or open resolvers: use your own resolver',
  '127.255.255.255': 'it refuses: too many queries from this resolver',
};

type Verdict = { zone: string; ip: string } & ({ kind: 'listed'; codes: string[]; reason?: string } | { kind: 'clean' } | { kind: 'unknown'; why: string });

async function lookup(inp: DoctorInputs, ip: string, zone: string, signal: AbortSignal): Promise<Verdict> {
  const name = dnsblName(ip, zone);
  const a = await within(STAGE.dns, () => inp.resolver.resolve4(name), signal).catch((e: unknown) => ({ ok: true as const, value: e }));
  if (!a.ok) return { zone, ip, kind: 'unknown', why: `no answer within ${STAGE.dns} ms` };
  if (!Array.isArray(a.value)) return isNoRecord(a.value) ? { zone, ip, kind: 'clean' } : { zone, ip, kind: 'unknown', why: dnsWords(a.value) };
  const codes = (a.value as string[]).filter((x) => x.startsWith('127.'));
  const refusal = codes.find((c) => REFUSALS[c]);
  if (refusal) return { zone, ip, kind: 'unknown', why: `${REFUSALS[refusal]} (${refusal})` };
  if (codes.length === 0) return { zone, ip, kind: 'unknown', why: `unexpected answer ${(a.value as string[]).join(', ')}` };
  let reason: string | undefined;
  if (inp.resolver.resolveTxt) {
    const t = await within(STAGE.dns, () => inp.resolver.resolveTxt!(name), signal).catch(() => null);
    if (t?.ok) reason = t.value.map((x) => x.join('')).join(' ').slice(0, 300) || undefined;
  }
  return { zone, ip, kind: 'listed', codes, ...(reason ? { reason } : {}) };
}

export async function blocklistTask(inp: DoctorInputs, sending: SendingAddresses, signal: AbortSignal): Promise<DoctorCheck[]> {
  const title = BLOCKLIST_CHECKS[0].title;
  const zones = inp.settings.dnsblZones.split(',').filter(Boolean);
  if (zones.length === 0) return [check('blocklists', 'blocklists', title, 'skip', 'dnsbl-zones is blank: no blocklist is checked', fixes('To check the common public blocklists: `config set dnsbl-zones=zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org`.', 'config set dnsbl-zones=zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org'))];
  if (sending.ips.length === 0) return [check('blocklists', 'blocklists', title, 'skip', `no sending IP to check: ${sending.why ?? 'unknown'}`)];
  const verdicts = await Promise.all(sending.ips.flatMap((ip) => zones.map((z) => lookup(inp, ip, z, signal))));
  const listed = verdicts.filter((v): v is Extract<Verdict, { kind: 'listed' }> => v.kind === 'listed');
  const unknown = verdicts.filter((v): v is Extract<Verdict, { kind: 'unknown' }> => v.kind === 'unknown');
  const checked = `${sending.ips.join(', ')} (${sending.whose}) against ${zones.join(', ')}`;
  if (listed.length > 0) {
    const what = listed.map((l) => `${l.ip} is listed on ${l.zone} (${l.codes.join(', ')}${l.reason ? `: ${l.reason}` : ''})`).join('; ');
    const hint = isDirect(inp.config)
      ? 'Receivers that use these lists refuse or spam-flag mail from this address. Find and stop the cause (an open relay, a compromised account, mail that looks like impersonation: fix SPF/DKIM/DMARC above), then request removal at each list\'s website (the TXT reason links to it). Until then, sending through a relay avoids the listed address.'
      : "The relay's address is listed: receivers may refuse its mail. Tell the relay operator, who must request removal; it is not fixed from here.";
    return [check('blocklists', 'blocklists', title, 'fail', what, hint)];
  }
  if (unknown.length === verdicts.length) {
    return [check('blocklists', 'blocklists', title, 'warn', `could not check ${checked}: ${unknown.map((u) => `${u.zone}: ${u.why}`).join('; ')}`, 'The lists did not answer this system\'s DNS resolver; some lists (Spamhaus) refuse public resolvers. Check from a resolver of your own, or ask the list\'s website.')];
  }
  const notes = unknown.length ? `; could not check ${unknown.map((u) => `${u.zone} (${u.why})`).join(', ')}` : '';
  return [check('blocklists', 'blocklists', title, unknown.length ? 'warn' : 'ok', `not listed: ${checked}${notes}`)];
}
