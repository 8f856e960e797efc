/**
 * Errors of the engine. User mistakes are {@link ValidationError}s carrying one
 * issue per bad field (field + rule + message); faults carry a string code from
 * {@link ErrorCode}. Callers branch on `code`, never on message text.
 */

export const ErrorCode = {
  Validation: 'E_VALIDATION',
  NotFound: 'E_NOT_FOUND',
  Conflict: 'E_CONFLICT',
  Store: 'E_STORE',
  Closed: 'E_CLOSED',
  Timeout: 'E_TIMEOUT',
  Denied: 'E_DENIED',
  Failed: 'E_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem with one input field. */
export interface Issue {
  /** The field as the user names it, e.g. `relay-port`. */
  field: string;
  /** Short rule name, e.g. `range`, `fqdn`, `email`, `no-crlf`, `required`. */
  rule: string;
  /** Full sentence naming field and rule, e.g. `relay-port must be a whole number from 1 to 65535 (got "70000")`. */
  message: string;
}

export class SmtpOpsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmtpOpsError';
    this.code = code;
  }
}

/** Bad input; nothing was changed. */
export class ValidationError extends SmtpOpsError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super(ErrorCode.Validation, issues.map((i) => i.message).join('; '));
    this.name = 'ValidationError';
    this.issues = issues;
  }
  static one(field: string, rule: string, message: string): ValidationError {
    return new ValidationError([{ field, rule, message }]);
  }
}

export class NotFoundError extends SmtpOpsError {
  constructor(what: string) {
    super(ErrorCode.NotFound, `${what} not found`);
    this.name = 'NotFoundError';
  }
}

/**
 * An alert sink could not deliver a notice now. `retryAfterMs` is the platform's Retry-After;
 * `gone` says the message to edit no longer exists (post a new one); `definite` says the platform
 * answered, so nothing was posted (otherwise the outbox looks for the post before repeating it).
 */
export class AlertDeliveryError extends SmtpOpsError {
  readonly retryAfterMs?: number;
  readonly gone: boolean;
  readonly definite: boolean;
  constructor(message: string, opts: { retryAfterMs?: number; gone?: boolean; definite?: boolean; cause?: unknown } = {}) {
    super(ErrorCode.Failed, message, { cause: opts.cause });
    this.name = 'AlertDeliveryError';
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    this.gone = opts.gone === true;
    this.definite = opts.definite === true;
  }
}

export function isSmtpOpsError(e: unknown): e is SmtpOpsError {
  return e instanceof SmtpOpsError;
}
