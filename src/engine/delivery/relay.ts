/**
 * Relay mode: every message goes to one smarthost through a pooled nodemailer SMTP transport
 * (bounded connections, EHLO = hostname, SASL PLAIN/LOGIN, TLS per tlsMode).
 */
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { createTransport } from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import type { Deliverer, DeliveryConfig, DeliveryRequest, RecipientResult } from '../types.js';
import { redactor, resultsFromError, resultsFromInfo, type ResultContext } from './classify.js';
import { connectionOptions } from './tls-options.js';
import { hostPort } from '../settings/syntax.js';
import { envelopeExtras } from './extensions.js';
import { openSession } from './smtp-session.js';

/** Open connections to the relay at most; the queue worker's concurrency bounds what is in flight. */
export const RELAY_MAX_CONNECTIONS = 5;

export function createRelayDeliverer(config: DeliveryConfig): Deliverer {
  const port = config.relayPort ?? (config.tlsMode === 'implicit' ? 465 : 587);
  const transport = createTransport({
    ...connectionOptions(config),
    pool: true,
    maxConnections: config.maxConnections ?? RELAY_MAX_CONNECTIONS,
    host: config.relayHost,
    port,
    auth: config.auth ? { user: config.auth.user, pass: config.auth.pass } : undefined,
    // A pooled connection the relay closed while idle is only found out on use; let the pool move
    // the message to a fresh connection a couple of times instead of deferring it for retry-first.
    maxRequeues: 2,
  });
  const ctx: ResultContext = {
    host: hostPort(config.relayHost, port),
    tls: config.tlsMode === 'implicit' || config.tlsMode === 'starttls' ? true : config.tlsMode === 'none' ? false : undefined,
    redact: redactor(config.auth?.pass, config.auth?.user),
  };
  let closed = false;

  return {
    async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
      if (req.to.length === 0) return [];
      if (closed) {
        return req.to.map((to) => ({ to, status: 'deferred', failure: 'config', response: 'deliverer closed (settings changed); retry', host: ctx.host, stage: 'local' }));
      }
      try {
        // SMTPUTF8 depends on what this relay offers, known only on an open connection: such
        // (rare) messages get a session of their own instead of the pool's.
        const info = req.smtputf8 ? await sendInSession(config, port, req) : await sendRaw(transport.transporter as unknown as RawTransport, req);
        return resultsFromInfo(info, req.to, ctx);
      } catch (err) {
        return resultsFromError(toNodemailerError(err), req.to, ctx);
      }
    },
    async close(): Promise<void> {
      closed = true;
      transport.close();
    },
  };
}

/** Anything thrown becomes a nodemailer-shaped error so one classifier handles it. */
export function toNodemailerError(err: unknown): NodemailerError {
  if (err instanceof Error) return err as NodemailerError;
  return Object.assign(new Error(String(err)), { code: 'EPROTOCOL' }) as NodemailerError;
}

/** One transaction on a connection of its own (login when configured), then QUIT. */
async function sendInSession(config: DeliveryConfig, port: number, req: DeliveryRequest): Promise<Parameters<typeof resultsFromInfo>[0]> {
  const session = await openSession(config, config.relayHost, port, isIP(config.relayHost) ? undefined : config.relayHost);
  try {
    if (config.auth && session.authMethods.length > 0) await session.login(config.auth.user, config.auth.pass);
    return await session.send(req.from, req.to.slice(), req.raw, req);
  } finally {
    session.quit();
  }
}

/** The part of nodemailer's transport contract (`transport.send(mail, callback)`) that the pool uses. */
interface RawTransport {
  send(mail: unknown, callback: (err: Error | null, info: Parameters<typeof resultsFromInfo>[0]) => void): void;
}

/**
 * Hand the stored bytes to the pool as they are. `sendMail({ raw })` would
 * build a MIME tree around them first; the queue already holds the finished
 * message, so that was a tenth of a millisecond of CPU per message for nothing.
 */
function sendRaw(pool: RawTransport, req: DeliveryRequest): Promise<Parameters<typeof resultsFromInfo>[0]> {
  const message = {
    // SIZE and BODY=8BITMIME go out when the relay offers them (extensions.ts).
    getEnvelope: () => ({ from: req.from, to: req.to.slice(), ...envelopeExtras(req) }),
    messageId: () => req.id,
    getHeader: () => '',
    createReadStream: () => Readable.from([req.raw], { objectMode: false }),
  };
  return new Promise((resolve, reject) => pool.send({ data: {}, message }, (err, info) => (err ? reject(err) : resolve(info))));
}
