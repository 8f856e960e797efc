/**
 * An in-process SMTP server (smtp-server) as the peer of unit tests: records what it received
 * and lets a test script replies per recipient, at DATA, and for AUTH.
 */
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { createServer, type Server } from 'node:net';

export interface Received {
  from: string;
  to: string[];
  raw: string;
  ehlo: string;
  secure: boolean;
  user?: string;
  /** The MAIL FROM command line as the peer read it (parameters included). */
  mailFrom: string;
}

export interface PeerOptions {
  host?: string;
  port?: number;
  /** Implicit TLS. */
  secure?: boolean;
  key?: string;
  cert?: string;
  /** Do not offer STARTTLS (also when key/cert are given). */
  noStarttls?: boolean;
  /** Users that may log in; when set AUTH is required. */
  users?: Record<string, string>;
  authMethods?: string[];
  /** Reply to MAIL FROM: `530 ...` or `553 ...`; undefined accepts. */
  mailReply?: (from: string) => string | undefined;
  /** Reply for a recipient: `450 ...` or `550 ...`; undefined accepts. */
  rcptReply?: (to: string) => string | undefined;
  /** Reply at end of DATA; undefined accepts. */
  dataReply?: () => string | undefined;
  /** Reply instead of the greeting (e.g. `421 4.3.2 try later`), then the connection closes; undefined greets. */
  connectReply?: () => string | undefined;
  /** Offer SIZE with this limit. */
  size?: number;
  /** Do not offer 8BITMIME / SMTPUTF8. */
  no8bitmime?: boolean;
  noSmtputf8?: boolean;
}

export interface Peer {
  host: string;
  port: number;
  received: Received[];
  connections: number;
  authAttempts: { method: string; user: string }[];
  close(): Promise<void>;
}

function smtpError(reply: string): Error {
  const code = Number(reply.slice(0, 3));
  return Object.assign(new Error(reply.slice(4)), { responseCode: code });
}

export async function startPeer(opts: PeerOptions = {}): Promise<Peer> {
  const host = opts.host ?? '127.0.0.1';
  const peer: Peer = { host, port: 0, received: [], connections: 0, authAttempts: [], close: async () => {} };
  const disabled: string[] = [];
  if (!opts.users) disabled.push('AUTH');
  if (!opts.key || opts.noStarttls) disabled.push('STARTTLS');
  /** The MAIL FROM line of each session's transaction in progress, from smtp-server's command log. */
  const mailLines = new Map<string, string>();
  const record = (data: unknown, ...rest: unknown[]) => {
    const line = rest.map(String).join(' ');
    const m = /^C: (MAIL FROM:.*)$/is.exec(line);
    const cid = (data as { cid?: string } | undefined)?.cid;
    if (m && cid) mailLines.set(cid, m[1]);
  };
  const quiet = () => undefined;
  const options: SMTPServerOptions = {
    size: opts.size,
    hide8BITMIME: Boolean(opts.no8bitmime),
    hideSMTPUTF8: Boolean(opts.noSmtputf8),
    secure: opts.secure ?? false,
    key: opts.key,
    cert: opts.cert,
    disabledCommands: disabled,
    hideSTARTTLS: Boolean(opts.noStarttls),
    authMethods: opts.authMethods ?? ['PLAIN', 'LOGIN'],
    authOptional: !opts.users,
    allowInsecureAuth: true,
    logger: { trace: quiet, debug: record, info: quiet, warn: quiet, error: quiet, fatal: quiet } as unknown as SMTPServerOptions['logger'],
    onConnect(_session, cb) {
      peer.connections++;
      const reply = opts.connectReply?.();
      cb(reply ? smtpError(reply) : undefined);
    },
    onAuth(auth, _session, cb) {
      peer.authAttempts.push({ method: auth.method, user: auth.username ?? '' });
      if (opts.users && auth.username && opts.users[auth.username] === auth.password) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onMailFrom(address, _session, cb) {
      const reply = opts.mailReply?.(address.address);
      cb(reply ? smtpError(reply) : undefined);
    },
    onRcptTo(address, _session, cb) {
      const reply = opts.rcptReply?.(address.address);
      cb(reply ? smtpError(reply) : undefined);
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const reply = opts.dataReply?.();
        if (reply) return cb(smtpError(reply));
        peer.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          ehlo: session.hostNameAppearsAs,
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          mailFrom: mailLines.get(session.id) ?? '',
        });
        cb(null);
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => {
    // client-side aborts (refused TLS etc.) surface here; the test asserts on the client's result
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  peer.port = (server.server.address() as { port: number }).port;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

/** A TCP server that accepts and never says a word: greeting timeouts. */
export async function startSilentServer(host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
