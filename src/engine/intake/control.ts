/**
 * The SMTP listener's lifecycle inside the engine: started on request,
 * restarted when a setting it reads changes, closed with the engine. A
 * listener that fails to start or restart is an error event; mail from the
 * API and the CLI still flows.
 */
import type { IntakeServer } from '../facade.js';
import { ErrorCode, SmtpOpsError } from '../errors.js';
import type { RateLimitedEvents } from '../logs/rate-limited-events.js';
import type { IntakeDeps, IntakeOptions } from './types.js';

export class IntakeControl {
  private running: { server: IntakeServer; opts?: IntakeOptions } | null = null;

  constructor(
    private readonly deps: IntakeDeps,
    private readonly events: RateLimitedEvents,
  ) {}

  /** Start the listener; its handle's `close()` stops it for good. */
  async start(opts?: IntakeOptions): Promise<IntakeServer> {
    if (this.running) throw new SmtpOpsError(ErrorCode.Conflict, 'the intake listener is already running');
    let server: IntakeServer;
    try {
      server = await this.launch(opts);
    } catch (e) {
      // The events log says why the listener is down.
      await this.events.record('error', 'intake.failed', `the SMTP listener did not start: ${(e as Error).message}`);
      throw e;
    }
    const state = { server, opts };
    this.running = state;
    return {
      get host() {
        return state.server.host;
      },
      get port() {
        return state.server.port;
      },
      close: async () => {
        if (this.running === state) this.running = null;
        await state.server.close();
      },
    };
  }

  /** A setting the listener reads changed: restart it with the new settings, if it runs. */
  async restart(): Promise<void> {
    const state = this.running;
    if (!state) return;
    await state.server.close();
    try {
      state.server = await this.launch(state.opts);
    } catch (e) {
      this.running = null;
      await this.events.record('error', 'intake.restart-failed', `the SMTP listener could not restart with the new settings and is down: ${(e as Error).message}`);
    }
  }

  /** Stop taking mail (before the store closes). */
  async close(): Promise<void> {
    await this.running?.server.close().catch(() => undefined);
    this.running = null;
  }

  private async launch(opts?: IntakeOptions): Promise<IntakeServer> {
    // index.ts puts the listener on its own thread unless SMTP_OPS_INTAKE_THREAD=off.
    const { startIntake } = await import('./index.js');
    return startIntake(this.deps, opts);
  }
}
