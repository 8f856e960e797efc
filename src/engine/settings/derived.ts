/** What follows from the settings: the TLS mode, the route, the view callers get, and the delivery config. Pure functions. */
import type { DeliveryConfig, SettingsView, TlsMode } from '../types.js';
import { SETTINGS, type SecretKey, type SecretProp, type Settings } from './table.js';

/** How delivery connects, from use-tls, relay-host and relay-port. */
export function tlsModeOf(s: Settings): TlsMode {
  if (s.relayHost === '') return s.useTls ? 'starttls' : 'opportunistic';
  if (!s.useTls) return 'none';
  if (s.tlsImplicit !== 'auto') return s.tlsImplicit === 'on' ? 'implicit' : 'starttls';
  return (s.relayPort ?? 25) === 465 ? 'implicit' : 'starttls';
}

export function routeOf(s: Settings): string {
  return s.relayHost === '' ? 'direct (MX)' : `relay ${s.relayHost}:${s.relayPort ?? 25}`;
}

/** What reads return: the settings, each secret masked under its property, the TLS mode and the route. */
export function viewOf(s: Settings, hasSecret: (k: SecretKey) => boolean): SettingsView {
  const masks = Object.fromEntries(SETTINGS.filter((r) => r.secret).map((r) => [r.prop, hasSecret(r.key as SecretKey) ? '********' : '(not set)'])) as Record<SecretProp, string>;
  return { ...s, ...masks, tlsMode: tlsModeOf(s), route: routeOf(s) };
}

export function deliveryConfig(s: Settings, password: string | undefined, directPort: number, tlsCaPem: string | undefined): DeliveryConfig {
  return {
    hostname: s.hostname,
    relayHost: s.relayHost,
    relayPort: s.relayHost === '' ? null : (s.relayPort ?? 25),
    tlsMode: tlsModeOf(s),
    tlsVerify: s.tlsVerify,
    tlsCa: tlsCaPem,
    auth: s.sasl && s.relayHost !== '' ? { user: s.saslUsername, pass: password ?? '' } : undefined,
    directPort,
    timeoutMs: 30_000,
    maxConnections: s.concurrency,
  };
}
