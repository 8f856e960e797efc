/**
 * Reverse DNS of the sending IPs: a PTR record, forward-confirmed (the PTR name resolves back to
 * the IP), and, sending direct, equal to the hostname this system says EHLO with.
 */
import type { DoctorCheck } from '../types.js';
import { check, dnsWords, fixes, isNoRecord, sameName } from './check.js';
import { addressesOf } from './dns.js';
import { isDirect, type DoctorInputs, type SendingAddresses } from './context.js';
import { STAGE, within } from './limits.js';

export const REVERSE_CHECKS = [{ id: 'reverse-dns', title: 'Reverse DNS of the sending IP (PTR, forward-confirmed)', section: 'reverse-dns' as const }];

type One = { ip: string; ok: boolean; fatal: boolean; text: string; ptr?: string };

async function one(inp: DoctorInputs, ip: string, signal: AbortSignal): Promise<One> {
  const { resolver } = inp;
  if (!resolver.reverse) return { ip, ok: false, fatal: false, text: `${ip}: the configured resolver cannot do reverse lookups` };
  const ptr = await within(STAGE.dns, () => resolver.reverse!(ip), signal).catch((e: unknown) => ({ ok: true as const, value: e }));
  if (!ptr.ok) return { ip, ok: false, fatal: false, text: `${ip}: no PTR answer within ${STAGE.dns} ms` };
  if (!Array.isArray(ptr.value)) {
    return isNoRecord(ptr.value) ? { ip, ok: false, fatal: true, text: `${ip} has no PTR record` } : { ip, ok: false, fatal: false, text: `${ip}: PTR lookup failed (${dnsWords(ptr.value)})` };
  }
  const names = ptr.value as string[];
  if (names.length === 0) return { ip, ok: false, fatal: true, text: `${ip} has no PTR record` };
  // Forward-confirmed: one of the PTR names resolves back to the same address.
  const forward = await within(STAGE.dns, () => Promise.all(names.map((n) => addressesOf(resolver, n))), signal);
  if (!forward.ok) return { ip, ok: false, fatal: false, ptr: names[0], text: `${ip} -> ${names.join(', ')}, but the forward lookup did not answer within ${STAGE.dns} ms` };
  const confirmed = names.find((_, i) => forward.value[i].addresses.includes(ip));
  if (!confirmed) return { ip, ok: false, fatal: true, ptr: names[0], text: `${ip} -> ${names.join(', ')}, which does not resolve back to ${ip} (not forward-confirmed)` };
  return { ip, ok: true, fatal: false, ptr: confirmed, text: `${ip} -> ${confirmed} -> ${ip}` };
}

export async function reverseTask(inp: DoctorInputs, sending: SendingAddresses, signal: AbortSignal): Promise<DoctorCheck[]> {
  const title = REVERSE_CHECKS[0].title;
  if (sending.ips.length === 0) return [check('reverse-dns', 'reverse-dns', title, 'skip', `no sending IP to check: ${sending.why ?? 'unknown'}`)];
  const results = await Promise.all(sending.ips.map((ip) => one(inp, ip, signal)));
  const direct = isDirect(inp.config);
  const name = inp.settings.hostname;
  const detail = `${sending.whose}: ${results.map((r) => r.text).join('; ')}`;
  const bad = results.filter((r) => !r.ok);
  if (bad.length === 0) {
    const mismatch = direct ? results.find((r) => r.ptr && !sameName(r.ptr, name)) : undefined;
    if (mismatch?.ptr) {
      return [check('reverse-dns', 'reverse-dns', title, 'warn', `${detail}; this system says EHLO as ${name}, not ${mismatch.ptr}`, fixes(`Receivers compare the EHLO name with the reverse DNS name: use the PTR name as hostname, \`config set hostname=${mismatch.ptr.replace(/\.$/, '')}\`, or have the PTR record changed to ${name}.`, `config set hostname=${mismatch.ptr.replace(/\.$/, '')}`))];
    }
    return [check('reverse-dns', 'reverse-dns', title, 'ok', detail)];
  }
  const fatal = bad.some((r) => r.fatal);
  const hint = direct
    ? `Ask whoever owns ${bad.map((r) => r.ip).join(', ')} (hosting provider or ISP) to set its PTR record to ${name}, and make sure ${name} resolves back to it; many receivers reject or spam-flag mail from addresses without matching reverse DNS.`
    : `The relay's reverse DNS is its operator's to fix: tell them ${bad.map((r) => r.ip).join(', ')} lacks forward-confirmed reverse DNS; receivers may reject or spam-flag its mail.`;
  return [check('reverse-dns', 'reverse-dns', title, fatal && direct ? 'fail' : 'warn', detail, hint)];
}
