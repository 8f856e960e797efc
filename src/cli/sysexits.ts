/** Exit codes of sendmail and mailq, from sysexits.h (as every sendmail-compatible MTA uses them). */
export const EX = {
  OK: 0,
  /** Bad command line: unknown option, missing argument, no recipients. */
  USAGE: 64,
  /** Bad input data: the message could not be read or is not a message. */
  DATAERR: 65,
  /** A recipient is not an address. */
  NOUSER: 67,
  /** The message exceeds a limit (intake-max-size, intake-max-recipients). */
  UNAVAILABLE: 69,
  /** A bug. */
  SOFTWARE: 70,
  /** Try again later: the store is busy or failed a write; nothing was queued. */
  TEMPFAIL: 75,
  /** Not allowed to use the store or the control socket. */
  NOPERM: 77,
  /** A configuration problem (store path, secret key). */
  CONFIG: 78,
} as const;
export type Sysexit = (typeof EX)[keyof typeof EX];

/** An error that says which code to exit with. */
export class SysexitError extends Error {
  constructor(
    readonly exit: Sysexit,
    message: string,
  ) {
    super(message);
    this.name = 'SysexitError';
  }
}

/** Why the store could not be opened, as an exit code. */
export function openError(storeDir: string, e: unknown): SysexitError {
  const err = e as NodeJS.ErrnoException & { cause?: { message?: string } };
  const text = `${err.code ?? ''} ${err.message ?? ''} ${err.cause?.message ?? ''}`;
  if (/EACCES|EPERM|permission denied/i.test(text)) return new SysexitError(EX.NOPERM, `no permission to use the store ${storeDir} or its control socket (run as the store's owner or root): ${err.message}`);
  if (/in use by another/i.test(text)) return new SysexitError(EX.TEMPFAIL, `${err.message}; nothing was queued, try again`);
  if (/SMTP_OPS_SECRET_KEY|secret key|ENOTDIR|EROFS/i.test(text)) return new SysexitError(EX.CONFIG, err.message);
  return new SysexitError(EX.TEMPFAIL, `cannot open the store ${storeDir}: ${err.message}; nothing was queued`);
}
