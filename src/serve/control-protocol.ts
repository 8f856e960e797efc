/**
 * The control socket protocol: newline-delimited JSON over `<store>/control.sock`.
 *
 * Request: `{id, text, actor, confirmed?}` runs a line; `{id, action, actor}`
 * presses a button token; `{id, secret: {field, value}, actor}` sets a secret;
 * `{submit: {sender?, recipients, extract, fullName?, user, uid, raw}, id, actor}`
 * queues a message from `smtp-ops sendmail` (`raw` in base64; `submit` is the
 * first key, so such a line may be up to {@link MAX_SUBMIT_BYTES}).
 * Answers carry the request id: any number of `progress` and `followUp`
 * messages, and exactly one `reply` (followUps may come after it, e.g. the
 * outcome of `test`).
 */
import type { Actor } from '../engine/index.js';
import type { ProgressReply, Reply } from '../commands/reply.js';

export const SOCKET_NAME = 'control.sock';
/** Longest request line accepted (a secret or a long command fits easily). */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Longest `submit` line: a message of about 190 MiB in base64 (the socket is the store owner's alone). */
export const MAX_SUBMIT_BYTES = 256 * 1024 * 1024;
/** How a `submit` request line starts (the client writes `submit` first). */
export const SUBMIT_PREFIX = '{"submit":';

export interface ControlRequest {
  id: number;
  actor: Actor;
  text?: string;
  confirmed?: boolean;
  /** The client stays to hear later replies (REPL); a one-shot does not. Default true. */
  followUps?: boolean;
  action?: string;
  secret?: { field: string; value: string };
  /** A message from `smtp-ops sendmail`; see `PickupRequest` (src/serve/pickup.ts), `raw` in base64. */
  submit?: { sender?: string; recipients: string[]; extract: boolean; fullName?: string; user: string; uid: number; raw: string };
}

export type ControlMessage =
  | { id: number; type: 'progress'; reply: ProgressReply }
  | { id: number; type: 'followUp'; reply: Reply }
  | { id: number; type: 'reply'; reply: Reply };
