/** Loading the listener's STARTTLS certificate and key from the settings. */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ValidationError } from '../errors.js';

/** PEM material for STARTTLS, or null when STARTTLS is off. */
export interface IntakeTls {
  cert: Buffer;
  key: Buffer;
}

async function pem(value: string, field: string): Promise<Buffer> {
  if (value.trimStart().startsWith('-----BEGIN')) return Buffer.from(value);
  try {
    return await readFile(value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw ValidationError.one(field, 'readable-file', `${field} must be a readable PEM file (${JSON.stringify(value)}: ${code})`);
  }
}

/**
 * STARTTLS is offered only when both `intake-tls-cert` and `intake-tls-key`
 * are set (file paths, or PEM text). One without the other, an unreadable
 * file, or a key that does not match the certificate is an error naming the
 * field: the listener does not start half-configured.
 */
export async function loadIntakeTls(certSetting: string, keySetting: string): Promise<IntakeTls | null> {
  const certSet = certSetting.trim() !== '';
  const keySet = keySetting.trim() !== '';
  if (!certSet && !keySet) return null;
  if (!certSet) throw ValidationError.one('intake-tls-cert', 'required', 'intake-tls-cert is required when intake-tls-key is set');
  if (!keySet) throw ValidationError.one('intake-tls-key', 'required', 'intake-tls-key is required when intake-tls-cert is set');
  const cert = await pem(certSetting.trim(), 'intake-tls-cert');
  const key = await pem(keySetting.trim(), 'intake-tls-key');
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    // The OpenSSL reason names the problem (bad PEM, key mismatch); it never contains key material.
    const reason = e instanceof Error ? e.message : String(e);
    throw ValidationError.one('intake-tls-key', 'matching-pem', `intake-tls-cert and intake-tls-key must be a PEM certificate and its private key (${reason})`);
  }
  return { cert, key };
}
