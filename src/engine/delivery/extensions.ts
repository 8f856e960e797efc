/**
 * What MAIL FROM declares to the relay or MX, per message and per peer, as Postfix does:
 *
 * - `SIZE=<bytes>` when the peer offers SIZE (RFC 1870).
 * - `BODY=8BITMIME` when the message is 8-bit and the peer offers 8BITMIME (RFC 6152).
 *   A peer without 8BITMIME gets the 8-bit message as it is (no conversion to 7 bit;
 *   Postfix converts unless `disable_mime_output_conversion = yes`: see the README).
 * - `SMTPUTF8` when SMTPUTF8 was requested and the peer offers it (RFC 6531). A peer
 *   without it gets the message only when its sender, these recipients and its headers
 *   are all ASCII; otherwise the recipients bounce with 5.6.7, Postfix's
 *   "SMTPUTF8 is required, but was not offered by host …".
 *
 * nodemailer's SMTPConnection sends SIZE and BODY=8BITMIME from the envelope
 * (`size`, `use8BitMime`) when the peer offers them, and SMTPUTF8 only when an
 * address is non-ASCII; {@link declareSmtputf8} covers a request whose only
 * non-ASCII is in the headers.
 */
import type { NodemailerError } from 'nodemailer';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DeliveryRequest } from '../types.js';
import { needsSmtputf8 } from '../message-needs.js';

/** The envelope fields nodemailer's `SMTPConnection.send` reads beyond from/to. */
export interface EnvelopeExtras {
  size: number;
  use8BitMime: boolean;
}

export function envelopeExtras(req: Pick<DeliveryRequest, 'raw' | 'body'>): EnvelopeExtras {
  return { size: req.raw.length, use8BitMime: req.body === '8BITMIME' };
}

/** ESMTP keywords the peer announced (nodemailer keeps them on the connection). */
export function peerExtensions(conn: SMTPConnection): readonly string[] {
  return (conn as unknown as { _supportedExtensions?: string[] })._supportedExtensions ?? [];
}

/** The error that bounces a message needing SMTPUTF8 at a peer without it. */
export function smtputf8Missing(host: string): NodemailerError {
  return Object.assign(new Error(`5.6.7 SMTPUTF8 is required, but was not offered by host ${host}`), { code: 'ESMTPUTF8' }) as NodemailerError;
}

/**
 * Decide SMTPUTF8 for one transaction on an open connection: null to go ahead
 * (with SMTPUTF8 declared when requested and offered), or the error to bounce with.
 */
export function smtputf8Plan(conn: SMTPConnection, req: Pick<DeliveryRequest, 'from' | 'raw' | 'smtputf8'>, to: readonly string[], host: string): NodemailerError | null {
  if (!req.smtputf8) return null;
  if (peerExtensions(conn).includes('SMTPUTF8')) {
    declareSmtputf8(conn);
    return null;
  }
  return needsSmtputf8(true, req.from, to, req.raw) ? smtputf8Missing(host) : null;
}

/**
 * Make this connection's next MAIL FROM carry SMTPUTF8 even when every address is
 * ASCII (nodemailer decides from the addresses alone). A wrapper on this one
 * connection's command writer; the connection is used for one transaction.
 */
function declareSmtputf8(conn: SMTPConnection): void {
  const c = conn as unknown as { _sendCommand: (str: string, ...rest: unknown[]) => void };
  const send = c._sendCommand.bind(conn);
  c._sendCommand = (str: string, ...rest: unknown[]) => send(/^MAIL FROM:/i.test(str) && !/ SMTPUTF8(?: |$)/i.test(str) ? `${str} SMTPUTF8` : str, ...rest);
}
