import type { ConnectionOptions } from 'node:tls';
import type { DeliveryConfig } from '../types.js';

/** The nodemailer switches that make a connection follow one {@link DeliveryConfig.tlsMode}. */
export interface TlsSwitches {
  secure: boolean;
  requireTLS: boolean;
  ignoreTLS: boolean;
  opportunisticTLS: boolean;
  tls: ConnectionOptions;
}

/**
 * `implicit`: TLS from the first byte. `starttls`: STARTTLS or fail (never plain). `opportunistic`:
 * STARTTLS when offered, plain when not or when the upgrade fails. `none`: never TLS.
 * Certificates are verified unless tlsVerify is off; opportunistic TLS does not verify, as
 * Postfix's `may` level does not: an unverified encrypted session still beats plain text.
 */
export function tlsSwitches(config: DeliveryConfig, servername?: string): TlsSwitches {
  const verify = config.tlsVerify && config.tlsMode !== 'opportunistic';
  const tls: ConnectionOptions = { rejectUnauthorized: verify, minVersion: 'TLSv1.2' };
  if (config.tlsCa) tls.ca = config.tlsCa;
  if (servername) tls.servername = servername;
  return {
    secure: config.tlsMode === 'implicit',
    requireTLS: config.tlsMode === 'starttls',
    ignoreTLS: config.tlsMode === 'none',
    opportunisticTLS: config.tlsMode === 'opportunistic',
    tls,
  };
}

/** Inactivity limit once connected: longer than the connect/greeting limit, since DATA of a big message takes time. */
export function socketTimeout(config: DeliveryConfig): number {
  return Math.max(config.timeoutMs * 2, 10_000);
}

/** What every connection we open shares: EHLO name, the TLS switches of the mode, and the timeouts. */
export function connectionOptions(config: DeliveryConfig, servername?: string) {
  return {
    name: config.hostname,
    ...tlsSwitches(config, servername),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: socketTimeout(config),
    logger: false as const,
  };
}
