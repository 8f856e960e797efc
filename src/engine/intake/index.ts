/** The SMTP intake listener: `startIntake(deps, opts)` and its seam types. */
export { startIntake } from './server.js';
export type { IntakeDeps, IntakeOptions } from './types.js';
export { DEFAULT_LISTEN, parseListen, type ListenAddress } from './listen-address.js';
