/**
 * A promise face over nodemailer's SMTPConnection: one session to one host, used by direct
 * delivery (one transaction per MX) and by the doctor (EHLO, STARTTLS, AUTH, QUIT; nothing sent).
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer';
import type { DeliveryConfig, DeliveryRequest } from '../types.js';
import { envelopeExtras, smtputf8Plan } from './extensions.js';
import { connectionOptions } from './tls-options.js';
import type { TransactionInfo } from './classify.js';

/** An open SMTP session. */
export interface SmtpSession {
  /** Whether the session is encrypted (implicit TLS or after STARTTLS). */
  readonly secure: boolean;
  /** SASL mechanisms the server offered after EHLO. */
  readonly authMethods: string[];
  login(user: string, pass: string): Promise<void>;
  /**
   * One transaction: SIZE, BODY=8BITMIME and SMTPUTF8 declared as `extensions.ts` decides for
   * this peer; rejects with code ESMTPUTF8 (nothing sent) when SMTPUTF8 is needed and not offered.
   */
  send(from: string, to: string[], raw: Buffer, message?: Pick<DeliveryRequest, 'body' | 'smtputf8'>): Promise<TransactionInfo>;
  /**
   * MAIL FROM, then (when it was accepted) RCPT TO, then RSET: whether the server would take this
   * envelope, without DATA. Resolves with the replies; rejects only when the session breaks.
   */
  envelope(from: string, to: string): Promise<EnvelopeReplies>;
  /** QUIT and close; never throws. */
  quit(): void;
}

/** The server's replies to a MAIL FROM / RCPT TO probe (RCPT absent when MAIL was refused). */
export interface EnvelopeReplies {
  mail: string;
  rcpt?: string;
}

/** Opens a session to `address:port`; `servername` is the name the certificate must carry. Rejects with a nodemailer error. */
export function openSession(config: DeliveryConfig, address: string, port: number, servername?: string, signal?: AbortSignal): Promise<SmtpSession> {
  const conn = new SMTPConnection({
    ...connectionOptions(config, servername),
    host: address,
    port,
    allowInternalNetworkInterfaces: true,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    // The doctor stops waiting at its own time limit: closing makes connect() fail now.
    signal?.addEventListener('abort', () => conn.close(), { once: true });
    // An error can arrive as an event after connect() already failed; swallow it once settled.
    conn.on('error', (err: NodemailerError) => {
      if (!settled) {
        settled = true;
        conn.close();
        reject(err);
      }
    });
    conn.connect((err?: NodemailerError) => {
      if (settled) return;
      settled = true;
      if (err) {
        conn.close();
        reject(err);
        return;
      }
      resolve(sessionOf(conn, `${servername ?? address}:${port}`));
    });
  });
}

function sessionOf(conn: SMTPConnection, host: string): SmtpSession {
  const ehlo = (conn as unknown as { _supportedAuth?: string[] })._supportedAuth ?? [];
  return {
    get secure() {
      return conn.secure;
    },
    authMethods: [...ehlo],
    login: (user, pass) =>
      new Promise((resolve, reject) => {
        conn.login({ user, pass }, (err) => (err ? reject(err) : resolve()));
      }),
    send: (from, to, raw, message = {}) =>
      new Promise((resolve, reject) => {
        const refused = smtputf8Plan(conn, { from, raw, smtputf8: message.smtputf8 }, to, host);
        if (refused) return reject(refused);
        const envelope = { from, to, ...envelopeExtras({ raw, body: message.body }) };
        conn.send(envelope as Parameters<SMTPConnection['send']>[0], raw, (err, info) => (err ? reject(err) : resolve(info)));
      }),
    envelope: (from, to) => envelopeProbe(conn, from, to),
    quit: () => {
      try {
        conn.quit();
      } catch {
        conn.close();
      }
    },
  };
}

/**
 * SMTPConnection has no public MAIL/RCPT without DATA. Its own `reset()` queues a reply handler
 * and sends the command; the probe does the same for MAIL FROM, RCPT TO and RSET, so replies are
 * read by nodemailer's parser (multi-line replies, 421 handling) as for every other command.
 */
interface CommandChannel {
  _sendCommand(line: string): void;
  _responseActions: ((reply: string) => void)[];
}

function command(conn: SMTPConnection, line: string): Promise<string> {
  const c = conn as unknown as CommandChannel;
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => done(() => reject(err));
    const onEnd = () => done(() => reject(Object.assign(new Error(`connection closed before the reply to ${line.split(':')[0]}`), { code: 'ECONNECTION' })));
    const done = (settle: () => void) => {
      conn.removeListener('error', onError);
      conn.removeListener('end', onEnd);
      settle();
    };
    conn.once('error', onError);
    conn.once('end', onEnd);
    c._responseActions.push((reply) => done(() => resolve(reply)));
    c._sendCommand(line);
  });
}

async function envelopeProbe(conn: SMTPConnection, from: string, to: string): Promise<EnvelopeReplies> {
  if (/[\r\n<>]/.test(from + to)) throw new Error('addresses must not contain line breaks or angle brackets');
  const mail = await command(conn, `MAIL FROM:<${from}>`);
  if (!mail.startsWith('2')) return { mail };
  const rcpt = await command(conn, `RCPT TO:<${to}>`);
  await command(conn, 'RSET');
  return { mail, rcpt };
}
