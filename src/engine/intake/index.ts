/** The SMTP intake listener: `startIntake(deps, opts)` and its seam types. */
import type { IntakeServer } from '../facade.js';
import { startIntake as onMainThread } from './server.js';
import { intakeThreadFromEnv, startIntake as onOwnThread } from './thread.js';
import type { IntakeDeps, IntakeOptions } from './types.js';

/**
 * Start the listener: on its own thread (thread.ts) unless `SMTP_OPS_INTAKE_THREAD=off`
 * keeps it on the engine's thread. Same contract either way.
 */
export function startIntake(deps: IntakeDeps, opts: IntakeOptions = {}): Promise<IntakeServer> {
  return intakeThreadFromEnv() ? onOwnThread(deps, opts) : onMainThread(deps, opts);
}
export type { IntakeDeps, IntakeOptions } from './types.js';
export { DEFAULT_LISTEN, parseListen, type ListenAddress } from './listen-address.js';
