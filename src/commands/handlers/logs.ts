/** `log` (the mail log) and `events` (system events), paged. */
import { EVENT_LEVELS, type EventLevel, type LogQuery, type LogStatus } from '../../engine/index.js';
import type { TableReply } from '../reply.js';
import type { Handler } from './context.js';
import { listData, pageBlock, pageQuery } from './paging.js';
import { EVENT_COLUMNS, LOG_COLUMNS, eventRows, logRows } from './status.js';

export const log: Handler = async (cmd, env) => {
  const q: LogQuery = { ...pageQuery(cmd) };
  if (typeof cmd.options.to === 'string') q.to = cmd.options.to;
  if (typeof cmd.options.from === 'string') q.from = cmd.options.from;
  if (typeof cmd.options.status === 'string') q.status = cmd.options.status as LogStatus;
  const page = await env.engine.logList(q);
  const filters = [q.status && `status ${q.status}`, q.to && `to ${q.to}`, q.from && `from ${q.from}`].filter(Boolean).join(', ');
  const reply: TableReply = {
    kind: 'table',
    title: `Mail log${filters ? ` (${filters})` : ''}`,
    columns: LOG_COLUMNS,
    rows: logRows(page.items),
    empty: filters ? 'No mail log entries match.' : 'The mail log is empty.',
    page: pageBlock(page, cmd, env),
    data: listData(page),
  };
  return reply;
};

/** `warning and above`, as journalctl -p reads a level. */
export function levelsFrom(level: EventLevel): string {
  const i = EVENT_LEVELS.indexOf(level);
  return i === EVENT_LEVELS.length - 1 ? level : `${level} and above`;
}

export const events: Handler = async (cmd, env) => {
  const level = typeof cmd.options.level === 'string' ? (cmd.options.level as EventLevel) : undefined;
  const page = await env.engine.eventList({ ...pageQuery(cmd), ...(level ? { minLevel: level } : {}) });
  const reply: TableReply = {
    kind: 'table',
    title: `Events${level ? ` (${levelsFrom(level)})` : ''}`,
    columns: EVENT_COLUMNS,
    rows: eventRows(page.items),
    empty: level ? `No events at ${levelsFrom(level)}.` : 'No events yet.',
    page: pageBlock(page, cmd, env),
    data: listData(page),
  };
  return reply;
};
