/**
 * What a message needs from the SMTP server it goes to: 8BITMIME for 8-bit
 * bytes (RFC 6152), SMTPUTF8 for a non-ASCII address or header (RFC 6531/6532).
 */
import { hasNonAscii } from './mailbox.js';

/** Whether any byte of `buf` (from `start`, before `end`) is outside 7-bit US-ASCII. */
export function hasEightBit(buf: Uint8Array, start = 0, end = buf.length): boolean {
  for (let i = start; i < end; i++) if (buf[i] > 0x7f) return true;
  return false;
}

/** Offset of the blank line that ends the header block (or the whole length when there is none). */
export function headerEnd(raw: Uint8Array): number {
  for (let i = 0; i + 1 < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return i;
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i;
  }
  return raw.length;
}

/**
 * Whether delivering `raw` from `from` to `to` needs SMTPUTF8 (Postfix's rule,
 * smtputf8.h): only a message that requested it, and only when the sender, one
 * of these recipients or a header is non-ASCII. A request whose envelope and
 * headers are all ASCII may go to a server without SMTPUTF8.
 */
export function needsSmtputf8(requested: boolean | undefined, from: string, to: readonly string[], raw: Uint8Array): boolean {
  if (!requested) return false;
  if (hasNonAscii(from) || to.some(hasNonAscii)) return true;
  return hasEightBit(raw, 0, headerEnd(raw));
}
