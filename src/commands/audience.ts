/**
 * Who may see a reply: decided once, here, for every chat platform. Refusals,
 * expired buttons and password prompts are for the requester alone; the rest
 * goes where the command was asked. A press on an alert's button is asked
 * privately (`asked` = requester): the alert is the channel's, the answer the
 * presser's.
 */
import type { Audience, Reply } from './reply.js';

export function audienceOf(r: Reply, asked: Audience = 'channel'): Audience {
  if (asked === 'requester') return 'requester';
  if (r.kind === 'secret-prompt') return 'requester';
  if (r.kind === 'error' && (r.code === 'denied' || r.code === 'expired')) return 'requester';
  return 'channel';
}

/** The reply with its audience marked. */
export function withAudience<R extends Reply>(r: R, asked: Audience = 'channel'): R {
  return { ...r, audience: audienceOf(r, asked) };
}
