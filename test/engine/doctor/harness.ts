/** Doctor runs for tests: settings and delivery config builders, a run that records every check, and the hint-parse assertion. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseLine } from '../../../src/commands/parse.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import { runDoctor, type DoctorInputs } from '../../../src/engine/doctor/index.js';
import type { DeliveryConfig, DnsResolver, DoctorCheck, SettingsView } from '../../../src/engine/types.js';
import { tlsModeOf } from '../../../src/engine/settings/derived.js';
import { PEERS } from '../../peers/peers.js';

export const dns = resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns });

const here = dirname(fileURLToPath(import.meta.url));
/** The key published at sel1._domainkey.dkim.doctor.test by test/peers/dnsmasq.conf. */
export const SEL1_KEY = readFileSync(join(here, '../dkim/fixtures/sel1.pem'), 'utf8');
/** Another key (published at other._domainkey.dkim.doctor.test). */
export const OTHER_KEY = readFileSync(join(here, '../dkim/fixtures/other.pem'), 'utf8');

export function view(over: Partial<SettingsView> = {}): SettingsView {
  const s: SettingsView = {
    enabled: true, useTls: true, tlsImplicit: 'auto', hostname: 'mail.doctor.test', fromName: 'Alerts', fromAddress: 'alerts@pass.doctor.test',
    relayHost: '', relayPort: null, sasl: false, saslUsername: '', tlsCa: '', tlsVerify: true, timezone: '',
    retryFirst: 300, retryMax: 4000, maxQueueLifetime: 432000, concurrency: 4, listen: '127.0.0.1:2525',
    intakeAuth: false, intakeUsername: '', intakeTlsCert: '', intakeTlsKey: '', intakeMaxSize: 0, intakeMaxRecipients: 100,
    intakeMaxConnections: 20, intakeAllowSenders: '', dkimDomain: '', dkimSelector: '', dnsblZones: 'dnsbl.doctor.test', httpListen: '',
    alertGroupWait: 30, alertGroupInterval: 300, alertRepeatInterval: 14400, alertBacklogCount: 1000, alertBacklogAge: 3600,
    saslPassword: '(not set)', intakePassword: '(not set)', dkimPrivateKey: '(not set)', tlsMode: 'starttls', route: 'direct (MX)', ...over,
  };
  return { ...s, tlsMode: over.tlsMode ?? tlsModeOf(s), route: s.relayHost ? `relay ${s.relayHost}:${s.relayPort ?? 25}` : 'direct (MX)' };
}

/** The delivery config the engine would derive from `s` (plus overrides). */
export function configOf(s: SettingsView, over: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return {
    hostname: s.hostname,
    relayHost: s.relayHost,
    relayPort: s.relayHost ? (s.relayPort ?? 25) : null,
    tlsMode: s.tlsMode,
    tlsVerify: s.tlsVerify,
    directPort: 25,
    timeoutMs: 30_000,
    ...over,
  };
}

/** Every check any run of this file produced (for the hint-parse test). */
export const seen: DoctorCheck[] = [];

export interface RunOpts {
  config?: Partial<DeliveryConfig>;
  to?: string;
  resolver?: DnsResolver;
  dkimKey?: string;
  inputs?: Partial<DoctorInputs>;
}

export function inputsOf(s: SettingsView, o: RunOpts = {}): DoctorInputs {
  const domain = s.fromAddress.slice(s.fromAddress.lastIndexOf('@') + 1);
  return {
    settings: s,
    config: configOf(s, o.config),
    resolver: o.resolver ?? dns,
    ...(o.dkimKey ? { dkimKey: o.dkimKey } : {}),
    events: async () => [],
    queue: async () => ({ counts: { queued: 0, sending: 0, deferred: 0, held: 0, total: 0, oldest: null }, deferred: [] }),
    to: o.to ?? `postmaster@${domain}`,
    now: () => Date.now(),
    ...o.inputs,
  };
}

/** Runs the doctor; returns the checks by id and how long it took. */
export async function runChecks(s: SettingsView, o: RunOpts = {}): Promise<{ c: Record<string, DoctorCheck>; ms: number; all: DoctorCheck[] }> {
  const started = Date.now();
  const all = await runDoctor(inputsOf(s, o));
  const ms = Date.now() - started;
  // Every run is bounded at 9 s by construction (bounds.test.ts); this only catches a hang.
  expect(ms).toBeLessThan(15_000);
  seen.push(...all);
  return { c: Object.fromEntries(all.map((x) => [x.id, x])), ms, all };
}

/** The commands quoted in a hint (backticks). */
export function quoted(hint: string): string[] {
  return [...hint.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

/** Every command in every hint and every fix parses with the real grammar; every fix is quoted in its hint. */
export function expectHintsParse(checks: DoctorCheck[]): number {
  let n = 0;
  for (const c of checks) {
    const commands = [...quoted(c.hint ?? ''), ...(c.fix ?? [])];
    for (const cmd of commands) {
      const r = parseLine(cmd, { terminal: true });
      expect(r.ok, `${c.id}: \`${cmd}\` does not parse: ${r.ok ? '' : r.error.message}`).toBe(true);
      n++;
    }
    for (const f of c.fix ?? []) expect(c.hint ?? '', `${c.id}: fix \`${f}\` is not in the hint`).toContain(`\`${f}`);
  }
  return n;
}
