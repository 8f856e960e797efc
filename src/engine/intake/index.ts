/** The SMTP intake listener: `startIntake(deps, opts)` (on its own thread, thread.ts) and its seam types. */
export { startIntake } from './thread.js';
export type { IntakeDeps, IntakeOptions } from './types.js';
export { DEFAULT_LISTEN, parseListen, type ListenAddress } from './listen-address.js';
