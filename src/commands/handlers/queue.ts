/** `queue list|show|flush|delete|hold|release`. */
import type { QueueQuery } from '../../engine/index.js';
import type { FieldsReply, TableReply } from '../reply.js';
import type { Handler } from './context.js';
import { confirmReply } from './confirm.js';
import { formatBytes, formatCount, formatRelative, formatTime, oneLine, plural } from './format.js';
import { QUEUE_COLUMNS, listItem, queueRows } from './queue-rows.js';
import { listData, pageBlock, pageQuery } from './paging.js';
import { releaseReply } from './flush-reply.js';
import { bulk } from './queue-bulk.js';
import { filterOf, filterTitle, hasFilter } from './queue-filter.js';

/** Messages a page of `queue list --all` carries (the engine's largest page). */
export const ALL_PAGE = 200;

export const queueList: Handler = async (cmd, env) => {
  const parsed = filterOf(cmd);
  if (!parsed.ok) return parsed.error;
  const f = parsed.filter;
  const all = cmd.options.all === true;
  const q: QueueQuery = { ...pageQuery(cmd), ...f, ...(all ? { limit: ALL_PAGE } : {}) };
  if (cmd.options.order === 'newest' || cmd.options.order === 'oldest') q.order = cmd.options.order;
  const [page, counts] = await Promise.all([env.engine.queueList(q), env.engine.queueCounts()]);
  const now = env.now();
  const reply: TableReply = {
    kind: 'table',
    title: `Mail queue${filterTitle(f)}`,
    columns: QUEUE_COLUMNS,
    rows: queueRows(page.items, now),
    empty: !hasFilter(f) ? 'The queue is empty.' : Object.keys(f).length === 1 && f.state ? `No ${f.state} messages.` : 'No message matches.',
    page: pageBlock(page, cmd, env, all ? ALL_PAGE : undefined),
    footer: `${hasFilter(f) && page.total !== undefined ? `${formatCount(page.total)} of ` : ''}${plural(counts.total, 'message')}${hasFilter(f) ? ' match' : ''}: ${formatCount(counts.queued)} queued, ${formatCount(counts.sending)} sending, ${formatCount(counts.deferred)} deferred, ${formatCount(counts.held)} held${hasFilter(f) ? ' in the whole queue' : ''}`,
    data: listData(page, listItem),
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

export const queueFlush: Handler = async (cmd, env) => (await bulk(cmd, env, 'flush'))!;

export const queueDelete: Handler = async (cmd, env) => {
  const many = await bulk(cmd, env, 'delete');
  if (many) return many;
  const id = String(cmd.args.id);
  if (!env.ctx.confirmed) {
    const m = await env.engine.queueShow(id);
    const text = `This will permanently delete message ${m.id} (${m.state}, from ${m.from || '<>'} to ${m.to.join(', ')}${m.subject ? `, "${oneLine(m.subject, 60)}"` : ''}). It will not be sent.`;
    return confirmReply(cmd, env, 'Delete this message?', text, 'Delete', { id: m.id, count: 1 });
  }
  await env.engine.queueDelete(id, env.ctx.actor);
  return { kind: 'message', tone: 'success', title: 'Message deleted', text: `Message ${id} was deleted from the queue.`, data: { id, count: 1 } };
};

export const queueHold: Handler = async (cmd, env) => {
  const many = await bulk(cmd, env, 'hold');
  if (many) return many;
  const id = String(cmd.args.id);
  await env.engine.queueHold(id, env.ctx.actor);
  return { kind: 'message', tone: 'success', text: `Message ${id} is held; \`queue release ${id}\` sends it again.`, data: { id, state: 'held' } };
};

export const queueRelease: Handler = async (cmd, env) => {
  const many = await bulk(cmd, env, 'release');
  if (many) return many;
  const id = String(cmd.args.id);
  return releaseReply(id, await env.engine.queueRelease(id, env.ctx.actor, { wait: cmd.options.wait === true, signal: env.ctx.signal }));
};
