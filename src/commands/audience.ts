/**
 * Who may see a reply: decided once, here, for every chat platform. Refusals,
 * expired buttons and password prompts are for the requester alone; the rest
 * goes where the command was asked.
 */
import type { Audience, Reply } from './reply.js';

export function audienceOf(r: Reply): Audience {
  if (r.kind === 'secret-prompt') return 'requester';
  if (r.kind === 'error' && (r.code === 'denied' || r.code === 'expired')) return 'requester';
  return 'channel';
}

/** The reply with its audience marked. */
export function withAudience<R extends Reply>(r: R): R {
  return { ...r, audience: audienceOf(r) };
}
