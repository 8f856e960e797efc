/**
 * The intake listener on a thread of its own. SMTP sessions (command parsing,
 * replies, one TCP connection per message for cron mailers, Alertmanager and
 * Grafana) are most of what a message costs; on their own thread they run beside
 * the store and the delivery worker instead of taking turns with them, as
 * Postfix's smtpd processes run beside cleanup and qmgr. The listener reaches the
 * engine only through its {@link IntakeDeps}, answered here on the main thread;
 * the 250 still waits for the engine's synced write.
 */
import type { IntakeServer } from '../facade.js';
import { ValidationError } from '../errors.js';
import { siblingScript, startWorker } from './worker-thread.js';
import type { IntakeDeps, IntakeOptions } from './types.js';
import { batcher, fromWire, toWire, type Call, type FromIntake, type IntakeThreadData, type Reply, type ToIntake } from './thread-protocol.js';

/**
 * Whether the listener gets its own thread: `SMTP_OPS_INTAKE_THREAD` on (default) or off.
 * Off keeps it on the engine's thread: less memory and CPU per message, for a one-core
 * host; on lets SMTP sessions use a second core. A bad value names the variable.
 */
export function intakeThreadFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.SMTP_OPS_INTAKE_THREAD ?? '').trim().toLowerCase();
  if (v === '' || v === 'on') return true;
  if (v === 'off') return false;
  throw ValidationError.one('SMTP_OPS_INTAKE_THREAD', 'choice', `SMTP_OPS_INTAKE_THREAD must be on or off (got ${JSON.stringify(env.SMTP_OPS_INTAKE_THREAD)})`);
}

/** Structured clone turns a Buffer into a Uint8Array: give the engine its Buffer back. */
function asBuffer(raw: unknown): unknown {
  return raw instanceof Uint8Array && !Buffer.isBuffer(raw) ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : raw;
}

/** Same contract as server.ts `startIntake`: resolves once bound, rejects with the engine's errors. */
export function startIntake(deps: IntakeDeps, opts: IntakeOptions = {}): Promise<IntakeServer> {
  const data: IntakeThreadData = { opts };
  const worker = startWorker(siblingScript(import.meta.url, 'intake-thread'), data);
  const post = (m: ToIntake) => worker.postMessage(m);
  const reply = batcher<Reply>((items) => post({ t: 'replies', items }));
  let exited = false;
  let onClosed: (() => void) | null = null;
  let closing: Promise<void> | null = null;

  const serve = async (m: Call): Promise<unknown> => {
    switch (m.fn) {
      case 'submit': {
        const [input, actor] = m.args;
        return deps.submit({ ...input, raw: asBuffer(input.raw) as Buffer }, actor);
      }
      case 'settings':
        return deps.settings();
      case 'checkCredentials':
        return deps.checkCredentials(...m.args);
      case 'recordEvent':
        return deps.recordEvent(...m.args);
    }
  };

  return new Promise<IntakeServer>((resolve, reject) => {
    let started = false;
    worker.on('message', (m: FromIntake) => {
      if (m.t === 'calls') {
        for (const c of m.items) {
          serve(c).then(
            (value) => reply({ n: c.n, ok: true, value }),
            (e: unknown) => reply({ n: c.n, ok: false, error: toWire(e) }),
          );
        }
      } else if (m.t === 'connections') {
        for (const ev of m.items) deps.connection?.(ev);
      } else if (m.t === 'listening') {
        started = true;
        resolve({
          host: m.host,
          port: m.port,
          close: () =>
            (closing ??= exited
              ? Promise.resolve()
              : new Promise<void>((done) => {
                  onClosed = done;
                  post({ t: 'close' });
                })),
        });
      } else if (m.t === 'failed') {
        reject(fromWire(m.error));
      } else if (m.t === 'closed') {
        onClosed?.();
      }
    });
    worker.on('error', (e) => {
      if (!started) reject(Object.assign(new Error(`the intake listener thread failed to start: ${e.message}`), { cause: e }));
      else void deps.recordEvent('error', 'intake.failed', `the SMTP listener thread stopped: ${e.message}`, 'system').catch(() => undefined);
    });
    worker.on('exit', () => {
      exited = true;
      onClosed?.();
      if (!started) reject(new Error('the intake listener thread exited before listening'));
    });
  });
}
