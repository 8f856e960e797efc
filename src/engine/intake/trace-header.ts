/** The `Received:` trace header the listener prepends (RFC 5321 section 4.4). */

/** What the trace header records about one SMTP transaction. */
export interface TraceInfo {
  /** Our name (the `hostname` setting). */
  by: string;
  /** What the client said in EHLO/HELO, if anything. */
  helo?: string;
  /** Client IP address. */
  clientAddress: string;
  /** `ESMTP`, `ESMTPS`, `ESMTPSA`... */
  protocol: string;
  /** SMTP session id, to find the session in logs. */
  sessionId: string;
  /** Recipients; named in the header only when there is exactly one (as Postfix does). */
  to: string[];
  date: Date;
}

/** RFC 5322 date-time in UTC, e.g. `Tue, 24 Nov 2026 03:26:15 +0000`. */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

// Client-supplied text goes into a header: keep it to one printable token.
function token(s: string | undefined, fallback: string): string {
  const t = (s ?? '').replace(/[^\x21-\x7e]/g, '').replace(/[()<>;]/g, '').slice(0, 255);
  return t === '' ? fallback : t;
}

/** The header as CRLF-terminated bytes, folded like Postfix's. */
export function receivedHeader(t: TraceInfo): Buffer {
  const ip = t.clientAddress.replace(/^::ffff:/, '');
  const by = `\tby ${token(t.by, 'localhost')} (smtp-ops) with ${token(t.protocol, 'ESMTP')} id ${token(t.sessionId, 'unknown')}`;
  const one = t.to.length === 1 ? token(t.to[0], '') : '';
  const lines = [`Received: from ${token(t.helo, ip)} ([${ip}])`];
  if (one) lines.push(by, `\tfor <${one}>; ${rfc5322Date(t.date)}`);
  else lines.push(`${by};`, `\t${rfc5322Date(t.date)}`);
  return Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
}
