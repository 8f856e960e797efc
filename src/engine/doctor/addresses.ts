/**
 * The sending IP: the address receivers see mail come from, which SPF, reverse DNS and the
 * blocklists are judged on. Direct: this host, i.e. what its hostname resolves to. Relay: the
 * relay's addresses; a relay on loopback is a local MTA that sends from this host; a relay on a
 * private network sends from an address the doctor cannot see from here.
 */
import type { DoctorCheck } from '../types.js';
import { check, dnsCode, dnsWords, isFqdn, isNoRecord } from './check.js';
import { addressesOf, addressScope } from './dns.js';
import { isDirect, type DoctorInputs, type SendingAddresses } from './context.js';
import { STAGE, within } from './limits.js';

export const ADDRESS_CHECKS = [{ id: 'hostname-dns', title: 'Hostname resolves (A/AAAA)', section: 'reverse-dns' as const }];

async function hostAddresses(inp: DoctorInputs, signal: AbortSignal): Promise<{ addresses: string[]; errors: unknown[] } | null> {
  const r = await within(STAGE.dns, () => addressesOf(inp.resolver, inp.settings.hostname), signal);
  return r.ok ? r.value : null;
}

export async function addressTask(inp: DoctorInputs, signal: AbortSignal): Promise<{ checks: DoctorCheck[]; value: SendingAddresses }> {
  const { settings: s, config } = inp;
  const name = s.hostname;
  const title = ADDRESS_CHECKS[0].title;
  if (isDirect(config)) {
    if (!isFqdn(name)) {
      return { checks: [check('reverse-dns', 'hostname-dns', title, 'skip', `hostname "${name}" is not a fully qualified domain name (see Settings)`)], value: { ips: [], whose: 'this host', why: 'the hostname is not a domain name' } };
    }
    const r = await hostAddresses(inp, signal);
    if (!r) {
      return { checks: [check('reverse-dns', 'hostname-dns', title, 'warn', `no answer for ${name} within ${STAGE.dns} ms: the DNS server is slow or unreachable`, 'Check the DNS server this system uses (SMTP_OPS_DNS or /etc/resolv.conf), then run the doctor again.')], value: { ips: [], whose: 'this host', why: 'DNS did not answer' } };
    }
    if (r.addresses.length === 0) {
      const temporary = r.errors.find((e) => !isNoRecord(e));
      const c = temporary
        ? check('reverse-dns', 'hostname-dns', title, 'warn', `could not look up ${name}: ${dnsWords(temporary)}`, 'Check the DNS server this system uses, then run the doctor again.')
        : check('reverse-dns', 'hostname-dns', title, 'fail', `${name} has no A or AAAA record: receivers cannot match this host's name to its address`, `Publish an A (and AAAA) record for ${name} with this system's public address; receivers distrust senders whose name does not resolve.`);
      return { checks: [c], value: { ips: [], whose: `this host (${name})`, why: `${name} does not resolve` } };
    }
    return { checks: [check('reverse-dns', 'hostname-dns', title, 'ok', `${name} -> ${r.addresses.join(', ')}`)], value: { ips: r.addresses, whose: `this host (${name})` } };
  }

  const skip = check('reverse-dns', 'hostname-dns', title, 'skip', "relay mode: receivers check the relay's DNS records, not this hostname", "Nothing to do here; the relay operator owns its forward and reverse DNS.");
  const relay = await within(STAGE.dns, () => addressesOf(inp.resolver, config.relayHost), signal);
  if (!relay.ok) return { checks: [skip], value: { ips: [], whose: `the relay ${config.relayHost}`, why: `${config.relayHost} did not resolve within ${STAGE.dns} ms` } };
  if (relay.value.addresses.length === 0) {
    const e = relay.value.errors[0];
    return { checks: [skip], value: { ips: [], whose: `the relay ${config.relayHost}`, why: `${config.relayHost} does not resolve (${e ? dnsWords(e) : 'no address'})` } };
  }
  const scopes = relay.value.addresses.map(addressScope);
  if (scopes.every((x) => x === 'loopback')) {
    // A local MTA: its mail leaves from this host.
    const h = isFqdn(name) ? await hostAddresses(inp, signal) : null;
    const ips = h?.addresses ?? [];
    return { checks: [skip], value: { ips, whose: `this host (${name}), through the local relay ${config.relayHost}`, ...(ips.length ? {} : { why: `the relay is on this host and ${name} does not resolve (${h?.errors[0] ? dnsCode(h.errors[0]) : 'no answer'})` }) } };
  }
  const publicIps = relay.value.addresses.filter((ip, i) => scopes[i] === 'public');
  if (publicIps.length === 0) {
    return { checks: [skip], value: { ips: [], whose: `the relay ${config.relayHost}`, why: `the relay ${config.relayHost} (${relay.value.addresses.join(', ')}) is on a private network: receivers see the address it sends from, which the doctor cannot see from here` } };
  }
  return { checks: [skip], value: { ips: publicIps, whose: `the relay ${config.relayHost}` } };
}
