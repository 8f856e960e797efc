/** Queue messages as table rows and `--json` items (`queue list`, `status`). */
import type { QueueItem, QueueState } from '../../engine/index.js';
import type { TableReply } from '../reply.js';
import { formatBytes, formatRelative, oneLine } from './format.js';

/** One item of `queue list --json` (and of `status --json`'s `queueItems`). */
export interface QueueListItem {
  id: string;
  state: QueueState;
  from: string;
  to: string[];
  size: number;
  attempts: number;
  createdAt: number;
  nextAttempt: number | null;
  lastError: string | null;
}

export function listItem(q: QueueItem): QueueListItem {
  return { id: q.id, state: q.state, from: q.from, to: q.to, size: q.size, attempts: q.attempts, createdAt: q.createdAt, nextAttempt: q.nextAttempt, lastError: q.lastError };
}

/** Ids and recipients always show; the rest gives way on a narrow screen, least useful first. */
export const QUEUE_COLUMNS: TableReply['columns'] = [
  { key: 'id', label: 'Id' },
  { key: 'state', label: 'State' },
  { key: 'from', label: 'From', drop: 3 },
  { key: 'to', label: 'To' },
  { key: 'size', label: 'Size', align: 'right', drop: 6 },
  { key: 'attempts', label: 'Tries', align: 'right', drop: 5 },
  { key: 'next', label: 'Next attempt', drop: 4 },
  { key: 'error', label: 'Last error', fit: 'wrap', drop: 2 },
];

export function queueRows(items: readonly QueueItem[], now: number): Record<string, string>[] {
  return items.map((m) => ({
    id: m.id,
    state: m.state,
    from: m.from || '<>',
    to: m.to.length > 2 ? `${m.to.slice(0, 2).join(', ')} +${m.to.length - 2}` : m.to.join(', '),
    size: formatBytes(m.size),
    attempts: String(m.attempts),
    next: formatRelative(m.nextAttempt, now),
    error: oneLine(m.lastError),
  }));
}
