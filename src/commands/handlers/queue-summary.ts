/** `queue summary`: the queue's shape as qshape prints it (recipient domains by age), and its messages by last error. */
import { AGE_LABELS, type QueueShapeRow, type QueueSummary } from '../../engine/index.js';
import type { FieldsReply, GroupReply, TableReply } from '../reply.js';
import type { Handler } from './context.js';
import { formatCount, oneLine, plural } from './format.js';
import { filterOf, filterTitle } from './queue-filter.js';

/** Messages `queue summary` reads at most (the oldest first; it says when there were more). */
export const SUMMARY_READ = 100_000;
/** Domains shown in text (chat and terminals); `--json` has every one. */
export const SUMMARY_DOMAINS = 25;
/** Error groups shown in text. */
export const SUMMARY_ERRORS = 10;

const AGE_KEYS = AGE_LABELS.map((_, i) => `a${i}`);

function shapeRow(r: QueueShapeRow): Record<string, string> {
  const cells: Record<string, string> = { domain: r.domain, t: formatCount(r.recipients) };
  r.byAge.forEach((n, i) => (cells[AGE_KEYS[i]] = n ? formatCount(n) : '0'));
  return cells;
}

function domainTable(s: QueueSummary): TableReply {
  const shown = s.domains.slice(0, SUMMARY_DOMAINS);
  const more = s.domains.length - shown.length;
  return {
    kind: 'table',
    title: 'Recipients by domain and minutes in the queue',
    columns: [
      { key: 'domain', label: 'Domain' },
      { key: 't', label: 'T', align: 'right' },
      ...AGE_LABELS.map((label, i) => ({ key: AGE_KEYS[i], label, align: 'right' as const })),
    ],
    rows: shown.length ? [shapeRow(s.total), ...shown.map(shapeRow)] : [],
    empty: 'No recipients.',
    footer: `T: recipients still to deliver; then by age, as qshape: up to 5, 10, 20 … 1,280 minutes, and older.${more > 0 ? ` ${plural(more, 'more domain')} (--json lists every one).` : ''}`,
  };
}

function errorTable(s: QueueSummary): TableReply {
  const shown = s.errors.slice(0, SUMMARY_ERRORS);
  const more = s.errors.length - shown.length;
  return {
    kind: 'table',
    title: 'Messages by last error',
    columns: [
      { key: 'messages', label: 'Messages', align: 'right' },
      { key: 'domains', label: 'Domains', align: 'right', drop: 1 },
      { key: 'reason', label: 'Last error', fit: 'wrap' },
    ],
    rows: shown.map((e) => ({ messages: formatCount(e.messages), domains: formatCount(e.domains), reason: oneLine(e.reason) })),
    empty: 'No messages.',
    ...(more > 0 ? { footer: `${plural(more, 'more error')} (--json lists them).` } : {}),
  };
}

function totals(s: QueueSummary): FieldsReply {
  const st = s.states;
  return {
    kind: 'fields',
    title: 'Messages',
    fields: [
      { label: 'Messages', value: formatCount(s.total.messages), inline: true },
      { label: 'Recipients', value: formatCount(s.total.recipients), inline: true },
      { label: 'Domains', value: formatCount(s.domains.length), inline: true },
      { label: 'By state', value: `${formatCount(st.queued)} queued, ${formatCount(st.sending)} sending, ${formatCount(st.deferred)} deferred, ${formatCount(st.held)} held`, inline: false },
    ],
    ...(s.truncated ? { footer: `Only the oldest ${formatCount(s.scanned)} messages were read: the youngest are not in these counts.` } : {}),
  };
}

export const queueSummary: Handler = async (cmd, env) => {
  const parsed = filterOf(cmd);
  if (!parsed.ok) return parsed.error;
  const s = await env.engine.queueSummary({ ...parsed.filter, limit: SUMMARY_READ });
  const title = `Queue summary${filterTitle(parsed.filter)}`;
  if (s.total.messages === 0) {
    return { kind: 'message', tone: 'info', title, text: filterTitle(parsed.filter) ? 'No message matches.' : 'The queue is empty.', data: s };
  }
  const reply: GroupReply = { kind: 'group', title, parts: [totals(s), domainTable(s), errorTable(s)], data: s };
  return reply;
};
