/**
 * The seam between the SMTP intake listener and the engine. The engine builds an
 * {@link IntakeDeps} from its own parts and calls `startIntake(deps, opts)`; the
 * listener never touches the store, settings or secrets directly.
 */
import type { Actor, MessageBody, SettingsView, SubmitResult } from '../types.js';
import type { Engine } from '../facade.js';

/** What the intake listener needs from the engine. */
export interface IntakeDeps {
  /** Queue one received message; resolves only once it is synced to disk. */
  submit(
    input: { from: string; to: string[]; raw: Buffer; source: 'intake'; client?: string; /** BODY= as declared in MAIL FROM. */ body?: MessageBody; /** SMTPUTF8 declared in MAIL FROM. */ smtputf8?: boolean },
    actor: Actor,
  ): Promise<SubmitResult>;
  /** Current settings: listen, intakeAuth, intakeUsername, intakeTlsCert/Key, intakeMaxSize, intakeMaxRecipients, intakeMaxConnections, intakeAllowSenders. */
  settings(): Promise<SettingsView>;
  /** Constant-time compare against the encrypted intake-password (and intake-username). */
  checkCredentials(username: string, password: string): Promise<boolean>;
  recordEvent: Engine['recordEvent'];
  /** A connection opened or closed (for the report's connection statistics). */
  connection?: (ev: import('../reports/types.js').ConnectionEvent) => void;
}

/** Options of one listener start. */
export interface IntakeOptions {
  /** `host:port` (IPv6 in brackets, port 0 = ephemeral); overrides `SMTP_OPS_LISTEN` and the `listen` setting. */
  listen?: string;
}
