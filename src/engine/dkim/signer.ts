/**
 * DKIM signing of outgoing mail with nodemailer's signer (relaxed/relaxed, rsa-sha256).
 *
 * Mail is signed at delivery time, once per attempt, in front of whichever deliverer (relay pool
 * or direct MX sessions) sends it, rather than once when it is queued:
 * - the queue keeps the bytes as they were received (intake) or composed: `queue show`, sizes and
 *   reports describe the message that was submitted, not one we rewrote;
 * - the key in force when the message leaves is the one used: a key set, replaced or removed
 *   while mail waits (rotation, fixing a DMARC failure and then `queue flush`) applies to the
 *   whole backlog, and a withdrawn key is never used again;
 * - the cost is one body hash and one RSA signature per attempt; `npm run bench:dkim` measures
 *   it against a delivery through the Postfix peer (README, DKIM signing).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { domainToASCII } from 'node:url';
import DKIM from 'nodemailer/lib/dkim';
import addressparser from 'nodemailer/lib/addressparser';
import type { Deliverer, Settings } from '../types.js';
import { readHeaders } from '../compose.js';

/**
 * The header fields signed when present (RFC 6376 5.4.1's list). Trace fields (Received,
 * Return-Path) and fields relays add or rewrite are left out, so a relay that adds its own
 * does not break the signature.
 */
export const SIGNED_HEADERS: readonly string[] = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'Content-ID', 'Content-Description', 'Resent-Date', 'Resent-From', 'Resent-Sender',
  'Resent-To', 'Resent-Cc', 'Resent-Message-ID', 'In-Reply-To', 'References', 'List-Id', 'List-Help',
  'List-Unsubscribe', 'List-Subscribe', 'List-Post', 'List-Owner', 'List-Archive',
];

/** What signing needs; null from {@link dkimConfigOf} when any part is missing. */
export interface DkimConfig {
  domain: string;
  selector: string;
  privateKey: string;
}

export function dkimConfigOf(s: Pick<Settings, 'dkimDomain' | 'dkimSelector'>, privateKey: string | undefined): DkimConfig | null {
  if (!s.dkimDomain || !s.dkimSelector || !privateKey) return null;
  return { domain: s.dkimDomain, selector: s.dkimSelector, privateKey };
}

/** ASCII (punycode) lower-case form of a domain; '' when it is not one. */
export function asciiDomain(domain: string): string {
  return domainToASCII(domain.trim().replace(/\.$/, '')).toLowerCase();
}

/** `domain` is the signing domain or a subdomain of it (DMARC relaxed alignment for the usual case). */
export function covers(dkimDomain: string, domain: string): boolean {
  const d = asciiDomain(dkimDomain);
  const f = asciiDomain(domain);
  return d !== '' && (f === d || f.endsWith(`.${d}`));
}

/** The domains of the addresses in the From header(s); empty when there is no usable From. */
export function fromDomains(raw: Buffer): string[] {
  const value = readHeaders(raw)['from'];
  if (!value) return [];
  // Header bytes were read as latin1; an internationalized address is UTF-8.
  const text = Buffer.from(value, 'latin1').toString('utf8');
  const flat = (list: ReturnType<typeof addressparser>): string[] =>
    list.flatMap((a) => ('group' in a && a.group ? flat(a.group) : 'address' in a && a.address ? [a.address] : []));
  return flat(addressparser(text)).map((a) => asciiDomain(a.slice(a.lastIndexOf('@') + 1)));
}

/** The key as a KeyObject, or the PEM as it is when it does not parse (signing then fails and says so). */
function keyObject(pem: string): KeyObject | string {
  try {
    return createPrivateKey(pem);
  } catch {
    return pem;
  }
}

/** Signs messages for one domain, selector and key. */
export class DkimSigner {
  private readonly dkim: DKIM;

  constructor(readonly config: DkimConfig) {
    this.dkim = new DKIM({
      domainName: config.domain,
      keySelector: config.selector,
      // Parsed once: nodemailer hands the key to crypto's sign(), which takes a KeyObject too, and
      // re-parsing the PEM was two thirds of the cost of every signature (bench:dkim).
      privateKey: keyObject(config.privateKey) as unknown as string,
      headerFieldNames: SIGNED_HEADERS.join(':'),
    });
  }

  /** Whether this signer signs a message with these From domains: all of them must be covered. */
  applies(domains: string[]): boolean {
    return domains.length > 0 && domains.every((d) => covers(this.config.domain, d));
  }

  /** The message with a DKIM-Signature field in front, or null when its From is not ours. Rejects when signing fails. */
  async sign(raw: Buffer): Promise<Buffer | null> {
    if (!this.applies(fromDomains(raw))) return null;
    const chunks: Buffer[] = [];
    const out = this.dkim.sign(raw);
    for await (const c of out) chunks.push(c as Buffer);
    const signed = Buffer.concat(chunks);
    // nodemailer leaves the field out, without an error, when the key cannot sign.
    if (!signed.subarray(0, 16).toString('latin1').startsWith('DKIM-Signature:')) throw new Error('the private key could not sign (no DKIM-Signature was produced)');
    return signed;
  }
}

/**
 * A deliverer that signs every message it can before handing it on. A signing failure sends the
 * message unsigned (alerts must still go out) and is reported through `failed`.
 */
export function withDkim(inner: Deliverer, signer: DkimSigner, failed: (err: Error) => void): Deliverer {
  return {
    async deliver(req) {
      let raw = req.raw;
      try {
        raw = (await signer.sign(req.raw)) ?? req.raw;
      } catch (err) {
        failed(err instanceof Error ? err : new Error(String(err)));
      }
      return inner.deliver(raw === req.raw ? req : { ...req, raw });
    },
    close: () => inner.close(),
  };
}
