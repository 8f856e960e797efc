/**
 * The SMTP submission listener (smtp-server). It reads its settings once at
 * start; a changed intake setting applies when the listener is restarted.
 */
import { hostname as osHostname } from 'node:os';
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession, SMTPServerOptions } from 'smtp-server';
import type { Actor, SettingsView } from '../types.js';
import type { IntakeServer } from '../facade.js';
import { ErrorCode, SmtpOpsError, isSmtpOpsError } from '../errors.js';
import type { IntakeDeps, IntakeOptions } from './types.js';
import { chooseListen, formatListen, isLoopback, type ListenAddress } from './listen-address.js';
import { compileSenderPolicy, type SenderPolicy } from './sender-policy.js';
import { EventThrottle } from './event-throttle.js';
import { loadIntakeTls, type IntakeTls } from './tls-files.js';
import { receiveMessage } from './receive-message.js';
import { receivedHeader } from './trace-header.js';
import { IntakeSmtpServer } from './smtp-listener.js';
import type { IntakeCommandRules } from './command-check.js';
import { refusalEvent, type Refusal } from './refusal-event.js';

/** How long `close()` lets open sessions finish before they are cut. */
const CLOSE_GRACE_MS = 10_000;
/** How long `close()` then waits for the sessions it cut to close (and be reported). */
const CUT_SESSIONS_MS = 1000;

/** An SMTP reply carried as an error through smtp-server's callbacks. */
function reply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

function clientOf(session: SMTPServerSession): string {
  return session.remoteAddress.replace(/^::ffff:/, '');
}

function actorOf(session: SMTPServerSession): Actor {
  const user = typeof session.user === 'string' ? session.user : undefined;
  return user ? { platform: 'intake', id: user, name: `${user} from ${clientOf(session)}` } : { platform: 'intake', id: clientOf(session) };
}

/** Everything one listener decides with, fixed at start. */
interface Policy {
  addr: ListenAddress;
  loopbackOnly: boolean;
  senders: SenderPolicy;
  maxSize: number;
  auth: boolean;
  tls: IntakeTls | null;
  name: string;
}

async function resolvePolicy(settings: SettingsView, opts: IntakeOptions): Promise<Policy> {
  const addr = chooseListen(opts.listen, process.env.SMTP_OPS_LISTEN, settings.listen);
  return {
    addr,
    // Bound to loopback, only local clients are expected; a listener bound elsewhere was opened on purpose.
    loopbackOnly: isLoopback(addr.host),
    senders: compileSenderPolicy(settings.intakeAllowSenders ?? ''),
    maxSize: settings.intakeMaxSize > 0 ? settings.intakeMaxSize : 0,
    auth: settings.intakeAuth,
    tls: await loadIntakeTls(settings.intakeTlsCert ?? '', settings.intakeTlsKey ?? ''),
    name: settings.hostname?.trim() || osHostname(),
  };
}

/**
 * Start the listener. Resolves once it is bound (port resolved when 0 was
 * asked) and the `intake.started` event is recorded. Rejects with a
 * `ValidationError` naming the setting for a bad listen address or TLS files,
 * and with `E_CONFLICT` when the address cannot be bound.
 */
export async function startIntake(deps: IntakeDeps, opts: IntakeOptions = {}): Promise<IntakeServer> {
  const settings = await deps.settings();
  const p = await resolvePolicy(settings, opts);
  const throttle = new EventThrottle();

  /** Record a refusal; repeats of the same kind from one client within a minute become one summary event. */
  const refuse = (session: SMTPServerSession, r: Refusal): void => {
    const client = clientOf(session);
    throttle.hit(`rejected ${client} ${r.reason} ${r.code} ${r.status}`, (count, summary) => {
      const e = refusalEvent(session, client, r, count, summary);
      return deps.recordEvent('warning', 'intake.rejected', e.message, actorOf(session), e.data);
    });
  };

  const onConnect: SMTPServerOptions['onConnect'] = (session, cb) => {
    deps.connection?.({ kind: 'open', session: session.id, client: clientOf(session) });
    if (p.loopbackOnly && !isLoopback(session.remoteAddress)) {
      refuse(session, { reason: 'client', code: 554, status: '5.7.1', text: 'Client host rejected: loopback clients only' });
      return cb(reply(554, '5.7.1 Client host rejected: loopback clients only'));
    }
    cb();
  };

  const onAuth = (auth: SMTPServerAuthentication, session: SMTPServerSession, cb: (err: Error | null | undefined, res?: { user?: unknown }) => void): void => {
    const username = auth.username ?? '';
    deps.checkCredentials(username, auth.password ?? '').then(
      (ok) => {
        if (ok) return cb(null, { user: username });
        const client = clientOf(session);
        throttle.hit(`auth ${client}`, (count, summary) =>
          deps.recordEvent(
            'warning',
            'intake.auth-failed',
            summary
              ? `${count} more failed intake logins from ${client} in the last minute`
              : `Failed intake login from ${client} as ${JSON.stringify(username)}`,
            actorOf(session),
            { client, username, method: auth.method, count },
          ),
        );
        cb(reply(535, '5.7.8 Error: authentication failed'));
      },
      () => cb(reply(454, '4.7.0 Temporary authentication failure')),
    );
  };

  const onMailFrom: SMTPServerOptions['onMailFrom'] = (address, session, cb) => {
    if (!p.senders.allows(address.address)) {
      const text = 'Sender address rejected: not allowed to send through this server';
      refuse(session, { reason: 'sender', code: 550, status: '5.7.1', text, verb: 'MAIL', address: address.address, detail: 'not in intake-allow-senders' });
      return cb(reply(550, `5.7.1 ${text}`));
    }
    cb();
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void): void => {
    receiveMessage(stream, p.maxSize).then(
      async (msg) => {
        if (msg.oversized) {
          const text = `Error: message exceeds fixed maximum message size ${p.maxSize}`;
          refuse(session, { reason: 'size', code: 552, status: '5.3.4', text, verb: 'DATA', detail: `${msg.bytes} bytes sent` });
          return cb(reply(552, `5.3.4 ${text}`));
        }
        const env = session.envelope;
        const from = env.mailFrom ? env.mailFrom.address : '';
        const to = env.rcptTo.map((r) => r.address);
        const trace = receivedHeader({
          by: p.name,
          helo: session.hostNameAppearsAs || undefined,
          clientAddress: session.remoteAddress,
          protocol: session.transmissionType,
          sessionId: session.id,
          to,
          date: new Date(),
        });
        try {
          const res = await deps.submit(
            {
              from,
              to,
              raw: Buffer.concat([trace, msg.raw]),
              source: 'intake',
              client: clientOf(session),
              ...(env.bodyType ? { body: env.bodyType.toUpperCase() as '7BIT' | '8BITMIME' } : {}),
              ...(env.smtpUtf8 ? { smtputf8: true } : {}),
            },
            actorOf(session),
          );
          cb(null, `2.0.0 Ok: queued as ${res.id}`);
        } catch (e) {
          if (isSmtpOpsError(e) && e.code === ErrorCode.Validation) return cb(reply(554, `5.6.0 Message rejected: ${e.message}`));
          // Not synced means not accepted: the client keeps the message and retries.
          cb(reply(451, '4.3.0 Error: queue file write error, try again later'));
        }
      },
      // The client went away mid-DATA: there is nobody to answer and nothing is queued.
      (e) => cb(e instanceof Error ? e : new Error(String(e))),
    );
  };

  const disabled = [...(p.auth ? [] : ['AUTH']), ...(p.tls ? [] : ['STARTTLS'])];
  const rules: IntakeCommandRules = { maxSize: p.maxSize, maxRecipients: settings.intakeMaxRecipients > 0 ? settings.intakeMaxRecipients : 0, auth: p.auth };
  const server = new IntakeSmtpServer({
    rules,
    onRefusal: (session, r) => refuse(session, r),
    name: p.name,
    banner: 'smtp-ops',
    size: p.maxSize || undefined,
    maxClients: settings.intakeMaxConnections > 0 ? settings.intakeMaxConnections : undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !p.auth,
    // Without a certificate there is no TLS to wait for; on loopback the password never crosses a wire.
    allowInsecureAuth: !p.tls || p.loopbackOnly,
    disabledCommands: disabled,
    ...(p.tls ? { key: p.tls.key, cert: p.tls.cert } : {}),
    disableReverseLookup: true,
    logger: false,
    closeTimeout: CLOSE_GRACE_MS,
    onConnect,
    onClose: (session) => deps.connection?.({ kind: 'close', session: session.id, helo: session.hostNameAppearsAs || undefined }),
    onAuth,
    onMailFrom,
    onData,
  });

  const bound = await new Promise<ListenAddress>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(
        new SmtpOpsError(ErrorCode.Conflict, `cannot listen on ${formatListen(p.addr)} (listen): ${e.code ?? e.message}`, { cause: e }),
      );
    };
    server.once('error', onError);
    server.listen(p.addr.port, p.addr.host, () => {
      server.off('error', onError);
      const a = server.server.address();
      resolve({ host: p.addr.host, port: typeof a === 'object' && a ? a.port : p.addr.port });
    });
  });
  // A running listener's socket errors are per-connection; they must not take the process down.
  server.on('error', () => undefined);

  const where = formatListen(bound);
  const clearAuth = p.auth && !p.tls && !p.loopbackOnly;
  await deps
    .recordEvent(
      clearAuth ? 'warning' : 'info',
      'intake.started',
      clearAuth
        ? `SMTP intake listening on ${where} with AUTH but no STARTTLS: passwords cross the network in clear`
        : `SMTP intake listening on ${where}`,
      'system',
      {
        listen: where,
        auth: p.auth,
        starttls: p.tls !== null,
        maxSize: p.maxSize,
        maxRecipients: settings.intakeMaxRecipients,
        maxConnections: settings.intakeMaxConnections,
        allowSenders: p.senders.restricted,
      },
    )
    .catch(() => undefined);

  let closing: Promise<void> | null = null;
  return {
    host: bound.host,
    port: bound.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()))
        .then(() => sessionsReported(server))
        .then(() => throttle.flush());
      return closing;
    },
  };
}

/**
 * smtp-server calls onClose a turn after a connection closes, and connections cut at the
 * end of the grace period close after `close()`'s callback: wait for both (bounded), so
 * every connection's close reaches the connection hook before the listener says it closed.
 */
async function sessionsReported(server: IntakeSmtpServer): Promise<void> {
  const end = Date.now() + CUT_SESSIONS_MS;
  while (server.connections.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setImmediate(r));
}
