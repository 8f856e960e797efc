/** Building messages the engine writes itself, and reading headers of stored ones. */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SettingsView } from './types.js';

export interface ComposeInput {
  fromName: string;
  fromAddress: string;
  to: string[];
  subject: string;
  text: string;
  headers?: Record<string, string>;
  messageId: string;
  date: Date;
}

/** An RFC 5322 message with From "name <address>", Date and Message-ID. */
export async function compose(m: ComposeInput): Promise<Buffer> {
  const mc = new MailComposer({
    from: { name: m.fromName, address: m.fromAddress },
    to: m.to,
    subject: m.subject,
    text: m.text,
    headers: m.headers,
    messageId: m.messageId,
    date: m.date,
  });
  return mc.compile().build();
}

/** The body of a test message: which settings produced it, never secrets. */
export function testMessageText(s: SettingsView, id: string, when: Date): string {
  const lines = [
    'This is a test message from smtp-ops.',
    '',
    'It was sent with these settings:',
    `  route:        ${s.route}`,
    s.relayHost ? `  relay host:   ${s.relayHost}` : '  relay host:   (none: direct delivery by MX)',
    s.relayHost ? `  relay port:   ${s.relayPort ?? 25}` : '  port:         25 (MX)',
    `  TLS mode:     ${s.tlsMode}${s.tlsVerify ? '' : ' (certificates NOT verified)'}`,
    `  SASL:         ${s.sasl ? `on, as ${s.saslUsername}` : 'off'}`,
    `  hostname:     ${s.hostname} (EHLO name)`,
    `  from:         ${s.fromName} <${s.fromAddress}>`,
    '',
    `Queue id ${id}, queued at ${when.toISOString()}.`,
    'If you received it, outbound mail works. If not, run "smtp-ops doctor" or "/smtp doctor".',
  ];
  return lines.join('\n') + '\n';
}

/** Header fields of a raw message (names lower-cased, folded lines joined); reads at most the first 64 KiB. */
export function readHeaders(raw: Buffer): Record<string, string> {
  const head = raw.subarray(0, 65536).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = end >= 0 ? head.slice(0, end) : head;
  const out: Record<string, string> = {};
  let name = '';
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name) {
      out[name] += ' ' + line.trim();
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** Decode RFC 2047 encoded words (subjects) for display. */
export function decodeWords(v: string): string {
  return v.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, charset: string, enc: string, text: string) => {
    try {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset.toLowerCase() === 'utf8' ? 'utf-8' : charset).decode(bytes);
    } catch {
      return text;
    }
  });
}
