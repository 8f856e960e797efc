/**
 * smtp-server, specialised for the intake listener by subclassing (not forked):
 *
 * - Prompt greeting. smtp-server's `SMTPConnection.init()` waits a fixed 100 ms before the
 *   220 greeting of every connection, to catch clients that talk before it
 *   (early talkers). smtp-server has no option for it, and a client that opens
 *   one connection per message (cron mailers, Alertmanager, Grafana) pays it on
 *   every message: with 10 parallel clients that capped intake near 100
 *   messages a second. A loopback client is the local machine, which a
 *   pregreet test does not protect against, so it is greeted at once; every
 *   other client still waits the 100 ms, and input before the greeting is
 *   refused (`421 You talk too soon`) as smtp-server does.
 * - MAIL FROM and RCPT TO are checked by the engine's one address validator
 *   (RFC 5321/6531, `../mailbox.ts`) before smtp-server's handlers run, with
 *   the reply codes Postfix uses, and the path is kept exactly as the client
 *   sent it. smtp-server's own parser splits the command on whitespace (a
 *   quoted local part such as `"on call"@example.com` cannot pass) and rewrites
 *   the domain with `punycode.toUnicode` (an A-label `xn--…` would reach the
 *   queue as Unicode, and the envelope would no longer be what was given).
 *   The parameters are still parsed by smtp-server.
 */
import { SMTPServer } from 'smtp-server';
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { isLoopback } from './listen-address.js';
import { checkCommand, pathEnd, type CommandRefusal, type IntakeCommandRules } from './command-check.js';

/** A refusal the listener makes before any hook of smtp-server runs. */
export type ListenerRefusal = CommandRefusal | { reason: 'connections'; code: 421; status: '4.7.0'; text: string; verb?: undefined; address?: undefined };

/** Told about every connection, MAIL FROM and RCPT TO the listener refuses itself. */
export type RefusalSink = (session: SMTPServerSession, refusal: ListenerRefusal) => void;

/** What the listener adds to smtp-server's options. */
export interface IntakeServerOptions extends SMTPServerOptions {
  rules: IntakeCommandRules;
  onRefusal: RefusalSink;
}

/** smtp-server's wait before greeting a client that is not on loopback. */
const EARLY_TALKER_MS = 100;

type Parsed = Exclude<ReturnType<SMTPConnection['_parseAddressCommand']>, false>;

class IntakeConnection extends SMTPConnection {
  /** The path of the command being handled, as the client sent it (set by a handler, read by the parser). */
  private path: string | null = null;

  /**
   * smtp-server's init() (listeners, the connection limit, then the greeting), with
   * two changes: a loopback client is greeted at once instead of after the 100 ms
   * early-talker timer, and a refusal for the connection limit is an event and
   * carries Postfix's enhanced status.
   */
  override init(): void {
    this._setListeners(() => {
      const max = this._server.options.maxClients;
      if (max && this._server.connections.size > max) {
        const text = 'Error: too many connections, try again in a moment';
        const server = this._server as IntakeSmtpServer;
        server.onRefusal({ ...this.session, remoteAddress: this.remoteAddress } as SMTPServerSession, { reason: 'connections', code: 421, status: '4.7.0', text });
        return this.send(421, `4.7.0 ${this.name} ${text}`, false);
      }
      if (isLoopback(this.remoteAddress)) return this.connectionReady();
      // Anyone else gets smtp-server's early-talker check: input before the greeting is refused.
      setTimeout(() => this.connectionReady(), EARLY_TALKER_MS).unref();
    });
  }

  override handler_MAIL(command: Buffer, callback: () => void): void {
    // Sequence errors (nested MAIL) are smtp-server's to answer, before any syntax.
    if (this.session.envelope.mailFrom) return super.handler_MAIL(command, callback);
    this.checked('MAIL', command, callback, () => super.handler_MAIL(command, callback));
  }

  override handler_RCPT(command: Buffer, callback: () => void): void {
    if (!this.session.envelope.mailFrom) return super.handler_RCPT(command, callback);
    this.checked('RCPT', command, callback, () => super.handler_RCPT(command, callback));
  }

  override _parseAddressCommand(name: string, command: Buffer | string): Parsed | false {
    const path = this.path;
    if (path === null) return super._parseAddressCommand(name, command);
    // Parameters as smtp-server parses them (xtext, duplicates, control characters); the path is ours.
    const params = commandParams(command.toString());
    const parsed = super._parseAddressCommand(name, `${name}:<postmaster@invalid>${params ? ' ' + params : ''}`);
    if (!parsed) return false;
    return { ...parsed, address: path };
  }

  private checked(verb: 'MAIL' | 'RCPT', command: Buffer, callback: () => void, next: () => void): void {
    const server = this._server as IntakeSmtpServer;
    const verdict = checkCommand(verb, command.toString(), {
      rules: server.rules,
      smtputf8: this.session.envelope.smtpUtf8 === true,
      recipients: this.session.envelope.rcptTo.map((r) => r.address),
    });
    if (!verdict.ok) {
      server.onRefusal(this.session, verdict.refusal);
      this.send(verdict.refusal.code, `${verdict.refusal.status} ${verdict.refusal.text}`);
      return callback();
    }
    this.path = verdict.path;
    try {
      next();
    } finally {
      this.path = null;
    }
  }
}

/** The part of a MAIL/RCPT command after the path: its parameters, or '' (the path was checked already). */
function commandParams(line: string): string {
  const i = line.indexOf(':');
  const rest = line.slice(i + 1).trimStart();
  const end = pathEnd(rest);
  return end < 0 ? '' : rest.slice(end + 1).trim();
}

/** smtp-server with {@link IntakeConnection}s. */
export class IntakeSmtpServer extends SMTPServer {
  readonly rules: IntakeCommandRules;
  readonly onRefusal: RefusalSink;

  constructor(options: IntakeServerOptions) {
    const { rules, onRefusal, ...rest } = options;
    super(rest);
    this.rules = rules;
    this.onRefusal = onRefusal;
  }

  // smtp-server's connect() with our connection class; the rest is its own code path.
  override connect(socket: Parameters<SMTPServer['connect']>[0], socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    const connection = new IntakeConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data: Parameters<SMTPServer['_onClientConnect']>[0]) => this._onClientConnect(data));
    connection.init();
  }
}
