/** `queue list|show|flush|delete|hold|release`. */
import type { QueueItem, QueueQuery, QueueState } from '../../engine/index.js';
import type { FieldsReply, MessageReply, TableReply } from '../reply.js';
import type { Handler, HandlerEnv } from './context.js';
import { confirmReply } from './confirm.js';
import { formatBytes, formatCount, formatRelative, formatTime, oneLine, plural } from './format.js';
import { pageBlock, pageQuery } from './paging.js';

/** One item of `queue list --json`. */
export interface QueueListItem {
  id: string;
  state: QueueState;
  from: string;
  to: string[];
  size: number;
  attempts: number;
  nextAttempt: number | null;
  lastError: string | null;
  /** When it was queued (ms since the epoch): mailq's arrival time. */
  createdAt: number;
}

function listItem(q: QueueItem): QueueListItem {
  return { id: q.id, state: q.state, from: q.from, to: q.to, size: q.size, attempts: q.attempts, nextAttempt: q.nextAttempt, lastError: q.lastError, createdAt: q.createdAt };
}

export const queueList: Handler = async (cmd, env) => {
  const q: QueueQuery = { ...pageQuery(cmd) };
  if (typeof cmd.options.state === 'string') q.state = cmd.options.state as QueueState;
  if (cmd.options.order === 'newest' || cmd.options.order === 'oldest') q.order = cmd.options.order;
  const [page, counts] = await Promise.all([env.engine.queueList(q), env.engine.queueCounts()]);
  const now = env.now();
  const reply: TableReply = {
    kind: 'table',
    title: `Mail queue${q.state ? ` (${q.state})` : ''}`,
    columns: [
      { key: 'id', label: 'Id' },
      { key: 'state', label: 'State' },
      { key: 'from', label: 'From' },
      { key: 'to', label: 'To' },
      { key: 'size', label: 'Size', align: 'right' },
      { key: 'attempts', label: 'Tries', align: 'right' },
      { key: 'next', label: 'Next attempt' },
      { key: 'error', label: 'Last error' },
    ],
    rows: page.items.map((m) => ({
      id: m.id,
      state: m.state,
      from: m.from,
      to: m.to.length > 2 ? `${m.to.slice(0, 2).join(', ')} +${m.to.length - 2}` : m.to.join(', '),
      size: formatBytes(m.size),
      attempts: String(m.attempts),
      next: formatRelative(m.nextAttempt, now),
      error: oneLine(m.lastError, 60),
    })),
    empty: q.state ? `No ${q.state} messages.` : 'The queue is empty.',
    page: pageBlock(page, cmd, env),
    footer: `${plural(counts.total, 'message')}: ${formatCount(counts.queued)} queued, ${formatCount(counts.sending)} sending, ${formatCount(counts.deferred)} deferred, ${formatCount(counts.held)} held`,
    data: { items: page.items.map(listItem), next: page.next, prev: page.prev },
  };
  return reply;
};

export const queueShow: Handler = async (cmd, env) => {
  const m = await env.engine.queueShow(String(cmd.args.id));
  const now = env.now();
  const fields: FieldsReply['fields'] = [
    { label: 'State', value: m.state, inline: true },
    { label: 'Source', value: m.source, inline: true },
    { label: 'Size', value: formatBytes(m.size), inline: true },
    { label: 'From', value: m.from || '<>', inline: false },
    { label: 'To', value: m.to.join(', ') || '-', inline: false },
  ];
  if (m.delivered?.length) fields.push({ label: 'Delivered', value: m.delivered.join(', ') });
  fields.push(
    { label: 'Subject', value: m.subject ?? m.headers['subject'] ?? '-' },
    { label: 'Queued', value: `${formatTime(m.createdAt)} (${formatRelative(m.createdAt, now)})`, inline: true },
    { label: 'Attempts', value: String(m.attempts), inline: true },
    { label: 'Next attempt', value: m.nextAttempt === null ? '-' : `${formatTime(m.nextAttempt)} (${formatRelative(m.nextAttempt, now)})`, inline: true },
    { label: 'Last error', value: m.lastError ?? '-' },
  );
  for (const [k, v] of Object.entries(m.headers)) if (k.toLowerCase() !== 'subject') fields.push({ label: k, value: oneLine(v, 200), inline: true });
  const reply: FieldsReply = { kind: 'fields', title: `Message ${m.id}`, fields, data: m };
  return reply;
};

async function countsText(env: HandlerEnv) {
  const c = await env.engine.queueCounts();
  return { c, detail: `${formatCount(c.queued)} queued, ${formatCount(c.sending)} sending, ${formatCount(c.deferred)} deferred, ${formatCount(c.held)} held` };
}

function progress(env: HandlerEnv) {
  const on = env.ctx.onProgress;
  return on ? (p: { done: number; total: number; label: string }) => on({ kind: 'progress', label: p.label, done: p.done, total: p.total }) : undefined;
}

export const queueFlush: Handler = async (cmd, env) => {
  if (!env.ctx.confirmed) {
    const { c } = await countsText(env);
    const n = c.queued + c.deferred;
    const text = n === 0
      ? 'There is nothing to flush: no queued or deferred messages. Flush anyway?'
      : `This will retry ${plural(n, 'message')} now (${formatCount(c.deferred)} deferred, ${formatCount(c.queued)} queued). Nothing is deleted; held messages stay held.`;
    return confirmReply(cmd, env, 'Flush the mail queue?', text, 'Flush', { count: n, queue: c });
  }
  const { count } = await env.engine.queueFlush(env.ctx.actor, progress(env));
  const reply: MessageReply = { kind: 'message', tone: 'success', title: 'Queue flushed', text: `${plural(count, 'message')} will be retried now.`, data: { count } };
  return reply;
};

export const queueDelete: Handler = async (cmd, env) => {
  const id = typeof cmd.args.id === 'string' ? cmd.args.id : undefined;
  const all = cmd.options.all === true;
  if (!id && !all) return { kind: 'error', code: 'usage', ok: false, message: 'queue delete needs a queue id, or --all to delete every message', usage: 'queue delete <id> | queue delete --all' };
  if (id && all) return { kind: 'error', code: 'usage', ok: false, message: 'queue delete takes a queue id or --all, not both', usage: 'queue delete <id> | queue delete --all' };
  if (id) {
    if (!env.ctx.confirmed) {
      const m = await env.engine.queueShow(id);
      const text = `This will permanently delete message ${m.id} (${m.state}, from ${m.from || '<>'} to ${m.to.join(', ')}${m.subject ? `, "${oneLine(m.subject, 60)}"` : ''}). It will not be sent.`;
      return confirmReply(cmd, env, 'Delete this message?', text, 'Delete', { id: m.id, count: 1 });
    }
    await env.engine.queueDelete(id, env.ctx.actor);
    return { kind: 'message', tone: 'success', title: 'Message deleted', text: `Message ${id} was deleted from the queue.`, data: { id, count: 1 } };
  }
  if (!env.ctx.confirmed) {
    const { c, detail } = await countsText(env);
    const text = c.total === 0
      ? 'The queue is empty: there is nothing to delete. Delete anyway?'
      : `This will permanently delete all ${plural(c.total, 'message')} in the queue (${detail}). They will not be sent or regenerated.`;
    return confirmReply(cmd, env, 'Delete the whole queue?', text, `Delete ${formatCount(c.total)}`, { count: c.total, queue: c });
  }
  const { count } = await env.engine.queueDeleteAll(env.ctx.actor, progress(env));
  return { kind: 'message', tone: 'success', title: 'Queue deleted', text: `${plural(count, 'message')} deleted.`, data: { count } };
};

export const queueHold: Handler = async (cmd, env) => {
  const id = String(cmd.args.id);
  await env.engine.queueHold(id, env.ctx.actor);
  return { kind: 'message', tone: 'success', text: `Message ${id} is held; \`queue release ${id}\` sends it again.`, data: { id, state: 'held' } };
};

export const queueRelease: Handler = async (cmd, env) => {
  const id = String(cmd.args.id);
  await env.engine.queueRelease(id, env.ctx.actor);
  return { kind: 'message', tone: 'success', text: `Message ${id} is released and will be attempted now.`, data: { id, state: 'queued' } };
};
