/** Doctor checks of DNS: the hostname's forward and reverse records, SPF and DMARC of the sender domain. */
import type { DeliveryConfig, DnsResolver, DoctorCheck, SettingsView } from '../types.js';
import { check, dnsCode, isFqdn, isNoRecord } from './check.js';

const sameName = (a: string, b: string) => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/** Hostname syntax, then (direct mode) A/AAAA and a PTR that points back at it. */
export async function hostnameChecks(settings: SettingsView, config: DeliveryConfig, resolver: DnsResolver): Promise<DoctorCheck[]> {
  const name = settings.hostname;
  const out: DoctorCheck[] = [];
  if (!isFqdn(name)) {
    out.push(check('hostname', 'Hostname is a fully qualified domain name', 'fail', `hostname "${name}" is not a fully qualified domain name`, 'Set it to the name this system sends as, e.g. `config set hostname=alerts.example.com`; it is the EHLO name and the Message-ID domain.'));
    return out;
  }
  out.push(check('hostname', 'Hostname is a fully qualified domain name', 'ok', `hostname ${name} (EHLO name and Message-ID domain)`));
  const direct = !config.relayHost;
  if (!direct) {
    out.push(check('hostname-dns', 'Hostname resolves and has matching reverse DNS', 'skip', 'relay mode: receivers check the relay\'s DNS records, not this hostname', 'Nothing to do here; the relay operator owns its forward and reverse DNS.'));
    return out;
  }
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addrs = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (addrs.length === 0) {
    const errs = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    const temporary = errs.find((e) => !isNoRecord(e));
    out.push(
      temporary
        ? check('hostname-dns', 'Hostname resolves (A/AAAA)', 'warn', `could not look up ${name}: DNS error ${dnsCode(temporary)}`, 'Check the DNS server this system uses, then run the doctor again.')
        : check('hostname-dns', 'Hostname resolves (A/AAAA)', 'fail', `${name} has no A or AAAA record`, `Publish an A (and AAAA) record for ${name} with this system's public address; receivers distrust senders whose name does not resolve.`),
    );
    return out;
  }
  out.push(check('hostname-dns', 'Hostname resolves (A/AAAA)', 'ok', `${name} -> ${addrs.join(', ')}`));
  out.push(await reverseCheck(name, addrs, resolver));
  return out;
}

async function reverseCheck(name: string, addrs: string[], resolver: DnsResolver): Promise<DoctorCheck> {
  const title = 'Reverse DNS matches the hostname';
  if (!resolver.reverse) return check('reverse-dns', title, 'skip', 'the configured resolver cannot do reverse lookups');
  const problems: string[] = [];
  let missing = 0;
  for (const ip of addrs) {
    try {
      const names = await resolver.reverse(ip);
      if (!names.some((n) => sameName(n, name))) problems.push(`${ip} points back to ${names.join(', ') || 'nothing'}`);
    } catch (err) {
      missing++;
      problems.push(isNoRecord(err) ? `${ip} has no PTR record` : `PTR lookup of ${ip} failed (${dnsCode(err)})`);
    }
  }
  if (problems.length === 0) return check('reverse-dns', title, 'ok', `PTR of ${addrs.join(', ')} is ${name}`);
  const hint = `Ask whoever owns the address (hosting or ISP) to set its PTR record to ${name}; many receivers reject or spam-flag mail from addresses whose reverse DNS does not match.`;
  return check('reverse-dns', title, missing === addrs.length ? 'fail' : 'warn', problems.join('; '), hint);
}

async function txtRecords(resolver: DnsResolver, name: string): Promise<{ records: string[]; error?: string }> {
  if (!resolver.resolveTxt) return { records: [], error: 'resolver cannot query TXT' };
  try {
    return { records: (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')) };
  } catch (err) {
    return isNoRecord(err) ? { records: [] } : { records: [], error: `DNS error ${dnsCode(err)}` };
  }
}

/** SPF and DMARC of the from-address domain: required when sending direct, advice when relaying. */
export async function senderDomainChecks(settings: SettingsView, config: DeliveryConfig, resolver: DnsResolver): Promise<DoctorCheck[]> {
  const at = settings.fromAddress.lastIndexOf('@');
  const domain = at > 0 ? settings.fromAddress.slice(at + 1) : '';
  if (!domain) {
    return [check('spf', 'SPF record of the sender domain', 'fail', 'from-address is not set', 'Set it, e.g. `config set from-address=alerts@example.com`.')];
  }
  const direct = !config.relayHost;
  const [spf, dmarc] = await Promise.all([txtRecords(resolver, domain), txtRecords(resolver, `_dmarc.${domain}`)]);
  const out: DoctorCheck[] = [];
  const spfRec = spf.records.find((r) => /^v=spf1(\s|$)/i.test(r));
  if (spf.error) out.push(check('spf', 'SPF record of the sender domain', 'warn', `could not look up TXT ${domain}: ${spf.error}`, 'Check DNS, then run the doctor again.'));
  else if (spfRec && direct) out.push(check('spf', 'SPF record of the sender domain', 'ok', `${domain}: ${spfRec}`, "Make sure it lists this system's public address."));
  else if (spfRec) out.push(check('spf', 'Sender domain allows the relay', 'ok', `${domain}: ${spfRec}`, `The relay must be allowed to send for ${domain}: its SPF should include the relay, and the relay must accept this from-address.`));
  else if (direct) out.push(check('spf', 'SPF record of the sender domain', 'fail', `${domain} publishes no SPF record`, `Publish a TXT record on ${domain} like "v=spf1 ip4:<this system's address> -all"; without it direct mail is likely rejected or marked as spam.`));
  else out.push(check('spf', 'Sender domain allows the relay', 'warn', `${domain} publishes no SPF record`, `Use a from-address in a domain the relay may send for (one whose SPF/DMARC records cover the relay); relays often refuse or spam-flag other domains.`));

  const dmarcRec = dmarc.records.find((r) => /^v=DMARC1(;|\s|$)/i.test(r));
  if (dmarc.error) out.push(check('dmarc', 'DMARC record of the sender domain', 'warn', `could not look up TXT _dmarc.${domain}: ${dmarc.error}`, 'Check DNS, then run the doctor again.'));
  else if (dmarcRec) out.push(check('dmarc', 'DMARC record of the sender domain', 'ok', `_dmarc.${domain}: ${dmarcRec}`));
  else out.push(check('dmarc', 'DMARC record of the sender domain', 'warn', `${domain} publishes no DMARC record`, `Publish a TXT record on _dmarc.${domain}, e.g. "v=DMARC1; p=none; rua=mailto:postmaster@${domain}", so receivers can tell your mail from impersonation.`));
  return out;
}
