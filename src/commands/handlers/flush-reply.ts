/**
 * The replies of `queue flush` and `queue release`: exactly what happened.
 * Without a wait they say the messages are due and the worker of the process
 * holding the store attempts them (serve, or a REPL: both run one); waited
 * on, they say what each attempt came to. Never a promise nothing keeps.
 */
import type { AttemptTally, FlushResult } from '../../engine/index.js';
import type { MessageReply } from '../reply.js';
import { formatCount, plural } from './format.js';

const DISABLED = 'SMTP is disabled: nothing is sent until `config set enabled=on`.';

/** `1 message is due now`, `3 messages are due now`. */
const due = (n: number) => `${plural(n, 'message')} ${n === 1 ? 'is' : 'are'} due now`;

/** "37 delivered, 2 deferred (…), 1 bounced (…)", what follows each, and whether all were delivered. */
function outcomes(t: AttemptTally): { text: string; tone: MessageReply['tone'] } {
  const parts = [`${formatCount(t.delivered)} delivered`];
  if (t.deferred) parts.push(`${formatCount(t.deferred)} deferred (queued again, retried after their backoff: \`queue list --state deferred\`)`);
  if (t.bounced) parts.push(`${formatCount(t.bounced)} bounced (\`log --status bounced\`)`);
  if (t.notAttempted) parts.push(`${formatCount(t.notAttempted)} not attempted (${t.interrupted ? 'the wait was interrupted: they stay due, and serve or the next flush sends them' : 'deleted or held meanwhile'})`);
  const tone = t.bounced ? 'error' : t.delivered === t.messages ? 'success' : 'warning';
  return { text: parts.join(', '), tone };
}

function data(r: FlushResult): Record<string, unknown> {
  const { attempts, ...rest } = r;
  return { ...rest, ...(attempts ? { attempted: attempts.messages - attempts.notAttempted, ...attempts } : {}) };
}

export function flushReply(r: FlushResult): MessageReply {
  if (r.attempts && r.attempts.messages > 0) {
    const t = r.attempts;
    if (r.disabled) return { kind: 'message', tone: 'warning', title: 'Queue flushed, nothing sent', text: `${due(r.count)}, but ${DISABLED}`, ok: false, data: data(r) };
    const o = outcomes(t);
    return { kind: 'message', tone: o.tone, title: t.interrupted ? 'Queue flush interrupted' : 'Queue flushed', text: `${plural(t.messages, 'message')} attempted now: ${o.text}.`, ok: t.delivered === t.messages, data: data(r) };
  }
  if (r.count === 0) return { kind: 'message', tone: 'info', title: 'Queue flushed', text: 'There was nothing to flush: no queued or deferred messages.', data: data(r) };
  if (r.disabled) return { kind: 'message', tone: 'warning', title: 'Queue flushed, nothing sent', text: `${due(r.count)}, but ${DISABLED}`, data: data(r) };
  return {
    kind: 'message',
    tone: 'success',
    title: 'Queue flushed',
    text: `${due(r.count)}; the delivery worker is attempting them. Follow with \`queue list\` and \`log\`.`,
    data: data(r),
  };
}

export function releaseReply(id: string, r: FlushResult): MessageReply {
  const t = r.attempts;
  if (r.disabled) return { kind: 'message', tone: 'warning', title: 'Message released, nothing sent', text: `Message ${id} is released and due now, but ${DISABLED}`, ok: !t, data: { id, state: 'queued', ...data(r) } };
  if (!t) return { kind: 'message', tone: 'success', title: 'Message released', text: `Message ${id} is released and due now; the delivery worker attempts it next (\`queue show ${id}\`).`, data: { id, state: 'queued', ...data(r) } };
  const o = outcomes(t);
  const state = t.delivered || t.bounced ? 'gone' : t.deferred ? 'deferred' : 'queued';
  return { kind: 'message', tone: o.tone, title: 'Message released', text: `Message ${id} was released and attempted: ${o.text}.`, ok: t.delivered === t.messages, data: { id, state, ...data(r) } };
}
