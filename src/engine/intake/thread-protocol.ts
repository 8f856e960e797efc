/**
 * Messages between the engine (main thread) and the intake listener's thread.
 * The listener calls its {@link IntakeDeps} as requests; the engine answers each.
 */
import type { IntakeDeps, IntakeOptions } from './types.js';
import type { ConnectionEvent } from '../reports/types.js';
import { ErrorCode, SmtpOpsError, ValidationError, type Issue } from '../errors.js';

/** The {@link IntakeDeps} functions the listener calls and waits on (the connection hook is one-way: `connections`). */
type CalledDeps = Exclude<keyof IntakeDeps, 'connection'>;

/** A dependency call: the name of an {@link IntakeDeps} function and its arguments. */
export type DepCall = { [K in CalledDeps]: { fn: K; args: Parameters<IntakeDeps[K]> } }[CalledDeps];

/** An error as it crosses the thread boundary (rebuilt as the engine's error class). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  issues?: Issue[];
}

/** A request from the listener. */
export type Call = { n: number } & DepCall;
/** The engine's answer to request `n`. */
export type Reply = { n: number; ok: true; value: unknown } | { n: number; ok: false; error: WireError };

/** Listener thread -> engine. */
export type FromIntake =
  | { t: 'calls'; items: Call[] }
  | { t: 'listening'; host: string; port: number }
  | { t: 'failed'; error: WireError }
  /** Connections opened and closed (for the report), in order; nothing is answered. */
  | { t: 'connections'; items: ConnectionEvent[] }
  /** Sent after every `connections` message of the listener's sessions. */
  | { t: 'closed' };

/** Engine -> listener thread. */
export type ToIntake = { t: 'replies'; items: Reply[] } | { t: 'close' };

/**
 * Requests and replies made in one turn of the event loop cross the thread boundary
 * as one message: a post wakes the other thread, and a group commit answers many
 * submissions at once.
 */
export function batcher<T>(flush: (items: T[]) => void): ((item: T) => void) & { flush(): void } {
  let items: T[] = [];
  const now = () => {
    if (items.length === 0) return;
    const out = items;
    items = [];
    flush(out);
  };
  const add = (item: T) => {
    if (items.push(item) > 1) return;
    setImmediate(now);
  };
  /** Send what is waiting at once (before a message that must come after it). */
  return Object.assign(add, { flush: now });
}

/** What the thread starts with. */
export interface IntakeThreadData {
  opts: IntakeOptions;
}

export function toWire(e: unknown): WireError {
  if (e instanceof Error) {
    const x = e as Error & { code?: unknown; issues?: Issue[] };
    return { name: x.name, message: x.message, ...(typeof x.code === 'string' ? { code: x.code } : {}), ...(x.issues ? { issues: x.issues } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

/** The engine's error class for a {@link WireError}, so callers branch on `code` as before. */
export function fromWire(w: WireError): Error {
  if (w.code === ErrorCode.Validation && w.issues) return new ValidationError(w.issues);
  if (w.code && (Object.values(ErrorCode) as string[]).includes(w.code)) return new SmtpOpsError(w.code as ErrorCode, w.message);
  return Object.assign(new Error(w.message), { name: w.name });
}
