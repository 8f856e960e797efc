/** What every doctor task reads: the settings, the resolved delivery config, and what to test. */
import type { DeliveryConfig, DnsResolver, EventEntry, QueueCounts, QueueItem, SettingsView } from '../types.js';

/** The part of the queue the doctor looks at. */
export interface QueueSnapshot {
  counts: QueueCounts;
  /** Deferred messages (up to a few hundred), for their last errors. */
  deferred: Pick<QueueItem, 'lastError' | 'createdAt'>[];
}

export interface DoctorInputs {
  settings: SettingsView;
  config: DeliveryConfig;
  resolver: DnsResolver;
  /** The DKIM private key when one is set (PEM); never leaves the engine. */
  dkimKey?: string;
  /** Warning and error events of the last day. */
  events: () => Promise<EventEntry[]>;
  queue: () => Promise<QueueSnapshot>;
  /** Test recipient (RCPT TO); its domain is where direct mode connects. */
  to: string;
  now: () => number;
}

export const isDirect = (c: DeliveryConfig) => !c.relayHost;

export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** Relay port as delivery uses it. */
export function relayPort(c: DeliveryConfig): number {
  return c.relayPort ?? (c.tlsMode === 'implicit' ? 465 : 587);
}

/** Where mail leaves from, as receivers see it (the doctor's "sending IP"). */
export interface SendingAddresses {
  ips: string[];
  /** Whose addresses they are, in words: "this host (mail.example.com)", "the relay smtp.example.com". */
  whose: string;
  /** Why there are none, when `ips` is empty. */
  why?: string;
}
