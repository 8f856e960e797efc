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
  /** QUIT and close; never throws. */
  quit(): void;
}

/** Opens a session to `address:port`; `servername` is the name the certificate must carry. Rejects with a nodemailer error. */
export function openSession(config: DeliveryConfig, address: string, port: number, servername?: string): Promise<SmtpSession> {
  const conn = new SMTPConnection({
    ...connectionOptions(config, servername),
    host: address,
    port,
    allowInternalNetworkInterfaces: true,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
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
    quit: () => {
      try {
        conn.quit();
      } catch {
        conn.close();
      }
    },
  };
}
