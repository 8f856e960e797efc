/**
 * The doctor: the admin guide's Troubleshooting section as checks. Every check returns a
 * {@link DoctorCheck} with a hint; nothing throws, nothing is sent (EHLO/AUTH then QUIT).
 */
import type { DeliveryConfig, DnsResolver, DoctorCheck, EventEntry, SettingsView } from '../types.js';
import { guarded } from './check.js';
import { hostnameChecks, senderDomainChecks } from './dns-checks.js';
import { enabledCheck, logsCheck, spamCheck } from './general-checks.js';
import { directChecks, relayChecks } from './network-checks.js';

export interface DoctorOptions {
  /** Direct mode: a recipient domain whose MX is looked up and connected to (skipped when absent). */
  testDomain?: string;
}

export async function runDoctor(
  settings: SettingsView,
  config: DeliveryConfig,
  resolver: DnsResolver,
  recentProblems: EventEntry[],
  options: DoctorOptions = {},
): Promise<DoctorCheck[]> {
  const direct = !config.relayHost;
  const [host, sender, network] = await Promise.all([
    guarded('hostname', 'Hostname', () => hostnameChecks(settings, config, resolver)),
    guarded('spf', 'Sender domain DNS', () => senderDomainChecks(settings, config, resolver)),
    direct
      ? guarded('direct-connect', 'Outbound SMTP port reachable', () => directChecks(config, resolver, options.testDomain))
      : guarded('relay-connect', 'Relay', () => relayChecks(settings, config)),
  ]);
  return [enabledCheck(settings), ...host, ...network, ...sender, logsCheck(recentProblems), spamCheck()];
}
