/**
 * DKIM keys: what an operator may give as `dkim-private-key` (a PEM, a PEM whose line breaks a
 * single-line field flattened into spaces, or the absolute path of a PEM file on this host),
 * key generation, and the DNS TXT record that publishes the public half (RFC 6376 3.6.1).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import type { DkimRecord } from '../types.js';

/** Key sizes `dkim keygen` offers. RFC 8301: at least 1024 bits, 2048 recommended; 4096 still fits a TXT record. */
export const DKIM_BITS: readonly number[] = [1024, 2048, 3072, 4096];
export const DKIM_DEFAULT_BITS = 2048;
const MIN_BITS = 1024;
const MAX_BITS = 4096;

export type KeyParse = { ok: true; pem: string; bits: number } | { ok: false; rule: string; message: string };

const BLOCK = /-----BEGIN ([A-Z ]*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/;

/**
 * Reads a private key as typed or as a file path. The messages name the setting and the rule,
 * never any part of the key. The result is the key re-exported as PKCS#8 PEM.
 */
export function parsePrivateKey(input: string, field = 'dkim-private-key'): KeyParse {
  let text = input.trim();
  if (!text.includes('-----BEGIN')) {
    if (!isAbsolute(text) || /[\r\n]/.test(text)) {
      return { ok: false, rule: 'pem', message: `${field} must be a PEM private key (-----BEGIN PRIVATE KEY-----) or the absolute path of a PEM file on the smtp-ops host` };
    }
    try {
      text = readFileSync(text, 'utf8');
    } catch (e) {
      return { ok: false, rule: 'file', message: `${field}: cannot read ${text} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})` };
    }
  }
  const m = BLOCK.exec(text);
  if (!m) return { ok: false, rule: 'pem', message: `${field} must contain one PEM private key block (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)` };
  if (/ENCRYPTED/.test(m[1])) {
    return { ok: false, rule: 'encrypted', message: `${field} must not be encrypted: remove the passphrase first (openssl pkey -in key.pem -out plain.pem)` };
  }
  // Pasted into a single-line field the line breaks become spaces; base64 ignores neither, so rebuild the lines.
  const body = m[2].replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return { ok: false, rule: 'pem', message: `${field}: the PEM block is not base64` };
  const pem = `-----BEGIN ${m[1]}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${m[1]}-----\n`;
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return { ok: false, rule: 'pem', message: `${field} is not a readable private key` };
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return { ok: false, rule: 'rsa', message: `${field} must be an RSA key (signatures are rsa-sha256); this one is ${key.asymmetricKeyType ?? 'of another type'}` };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BITS || bits > MAX_BITS) {
    return { ok: false, rule: 'key-size', message: `${field} must be ${MIN_BITS} to ${MAX_BITS} bits (RFC 8301; larger keys do not fit a DNS TXT record); this one has ${bits}` };
  }
  return { ok: true, pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), bits };
}

/** A new RSA key pair; resolves with the private key as PKCS#8 PEM. */
export async function generatePrivateKey(bits: number): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The public key as DKIM publishes it: base64 of the SubjectPublicKeyInfo DER. */
export function publicKeyOf(privatePem: string): string {
  return createPublicKey(privatePem).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** Size in bits of a key. */
export function bitsOf(privatePem: string): number {
  return createPrivateKey(privatePem).asymmetricKeyDetails?.modulusLength ?? 0;
}

export function dkimRecord(domain: string, selector: string, privatePem: string): DkimRecord {
  const name = `${selector}._domainkey.${domain}`;
  const value = `v=DKIM1; k=rsa; p=${publicKeyOf(privatePem)}`;
  const strings: string[] = [];
  for (let i = 0; i < value.length; i += 255) strings.push(value.slice(i, i + 255));
  return { domain, selector, bits: bitsOf(privatePem), name, value, strings, zone: `${name}. IN TXT ( ${strings.map((s) => `"${s}"`).join(' ')} )` };
}

/** RFC 6376 3.1: a selector is one or more DNS labels. */
export function isSelector(v: string): boolean {
  if (v.length === 0 || v.length > 63 * 3) return false;
  return v.split('.').every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

/** Parses the tags of a DKIM key record (`v=DKIM1; k=rsa; p=...`). */
export function parseKeyRecord(txt: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of txt.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    tags[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).replace(/\s+/g, '');
  }
  return tags;
}
