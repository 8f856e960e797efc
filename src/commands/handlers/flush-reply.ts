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
const due = (n: number, scope = ''): string => `${plural(n, 'message')}${scope} ${n === 1 ? 'is' : 'are'} due now`;

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

/** The reply of a flush; `words` describe its filter (`with a recipient at example.com`), if any. */
export function flushReply(r: FlushResult, words = ''): MessageReply {
  const scope = words ? ` ${words}` : '';
  const d = { ...data(r), ...(words ? { filtered: true } : {}) };
  if (r.attempts && r.attempts.messages > 0) {
    const t = r.attempts;
    if (r.disabled) return { kind: 'message', tone: 'warning', title: 'Queue flushed, nothing sent', text: `${due(r.count, scope)}, but ${DISABLED}`, ok: false, data: d };
    const o = outcomes(t);
    return { kind: 'message', tone: o.tone, title: t.interrupted ? 'Queue flush interrupted' : 'Queue flushed', text: `${plural(t.messages, 'message')}${scope} attempted now: ${o.text}.`, ok: t.delivered === t.messages, data: d };
  }
  if (r.count === 0) return { kind: 'message', tone: 'info', title: 'Queue flushed', text: `There was nothing to flush: no queued or deferred messages${scope}.`, data: d };
  if (r.disabled) return { kind: 'message', tone: 'warning', title: 'Queue flushed, nothing sent', text: `${due(r.count, scope)}, but ${DISABLED}`, data: d };
  return {
    kind: 'message',
    tone: 'success',
    title: 'Queue flushed',
    text: `${due(r.count, scope)}; the delivery worker is attempting them. Follow with \`queue list\` and \`log\`.`,
    data: d,
  };
}

/** The reply of a release: of one message (`id`), or of the held messages a filter selects (`words`). */
export function releaseReply(id: string | undefined, r: FlushResult, words = ''): MessageReply {
  const t = r.attempts;
  const released = id !== undefined ? `Message ${id} is released and due now` : `${plural(r.count, 'held message')}${words ? ` ${words}` : ''} released: due now`;
  const base = id !== undefined ? { id, state: 'queued' } : {};
  if (r.disabled) return { kind: 'message', tone: 'warning', title: id !== undefined ? 'Message released, nothing sent' : 'Messages released, nothing sent', text: `${released}, but ${DISABLED}`, ok: !t, data: { ...base, ...data(r) } };
  if (!t) {
    if (id === undefined && r.count === 0) return { kind: 'message', tone: 'info', title: 'Nothing released', text: `There was no held message${words ? ` ${words}` : ''} to release.`, data: data(r) };
    const next = id !== undefined ? `the delivery worker attempts it next (\`queue show ${id}\`)` : 'the delivery worker is attempting them. Follow with `queue list` and `log`';
    return { kind: 'message', tone: 'success', title: id !== undefined ? 'Message released' : 'Messages released', text: `${released}; ${next}.`, data: { ...base, ...data(r) } };
  }
  const o = outcomes(t);
  if (id === undefined) return { kind: 'message', tone: o.tone, title: 'Messages released', text: `${plural(t.messages, 'held message')}${words ? ` ${words}` : ''} released and attempted: ${o.text}.`, ok: t.delivered === t.messages, data: data(r) };
  const state = t.delivered || t.bounced ? 'gone' : t.deferred ? 'deferred' : 'queued';
  return { kind: 'message', tone: o.tone, title: 'Message released', text: `Message ${id} was released and attempted: ${o.text}.`, ok: t.delivered === t.messages, data: { id, state, ...data(r) } };
}
