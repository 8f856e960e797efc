/** `status`: the dashboard of the admin guide. */
import type { AlertStatus, EventEntry, LogEntry, QueueCounts, QueueItem, SettingsView } from '../../engine/index.js';
import { QUEUE_COLUMNS, listItem, queueRows, type QueueListItem } from './queue-rows.js';
import type { FieldsReply, GroupReply, TableReply } from '../reply.js';
import type { Handler } from './context.js';
import { settingsJson } from './settings-json.js';
import { formatCount, formatDuration, formatTime, oneLine } from './format.js';

/** JSON shape of `status --json`. */
export interface StatusData {
  /** Every setting (secrets masked), with tlsMode and route. */
  settings: Record<string, unknown>;
  enabled: boolean;
  queue: QueueCounts;
  /** The five newest messages in the queue (the dashboard's Mail Queue section). */
  queueItems: QueueListItem[];
  log: LogEntry[];
  events: EventEntry[];
  /** Open alert groups and each target's notices waiting or failing. */
  alerts: AlertStatus;
}

const LATEST = 5;

export const status: Handler = async (_cmd, { engine, now }) => {
  const [settings, queue, queued, log, events, alerts] = await Promise.all([
    engine.getSettings(),
    engine.queueCounts(),
    engine.queueList({ limit: LATEST }),
    engine.logList({ limit: LATEST }),
    engine.eventList({ limit: LATEST }),
    engine.alertStatus(),
  ]);
  const data: StatusData = { settings: settingsJson(settings), enabled: settings.enabled, queue, queueItems: queued.items.map(listItem), log: log.items, events: events.items, alerts };
  const parts = [settingsSummary(settings), queueSummary(queue, now()), queueTable(queued.items, queue.total, now()), alertSummary(alerts, now()), logTable(log.items), eventTable(events.items)];
  const reply: GroupReply = { kind: 'group', title: `SMTP ${settings.enabled ? 'enabled' : 'DISABLED'}`, parts, data };
  return reply;
};

function settingsSummary(s: SettingsView): FieldsReply {
  return {
    kind: 'fields',
    title: 'Settings',
    fields: [
      { label: 'Enabled', value: s.enabled ? 'yes' : 'no', inline: true },
      { label: 'Route', value: s.route, inline: true },
      { label: 'TLS', value: s.tlsMode + (s.tlsVerify ? '' : ' (certificates NOT verified)'), inline: true },
      { label: 'Hostname', value: s.hostname || '(not set)', inline: true },
      { label: 'From', value: s.fromName ? `${s.fromName} <${s.fromAddress}>` : s.fromAddress || '(not set)', inline: true },
      { label: 'SASL', value: s.sasl ? `on, ${s.saslUsername || '(no user)'}, password ${s.saslPassword}` : 'off', inline: true },
    ],
  };
}

function queueSummary(q: QueueCounts, now: number): FieldsReply {
  return {
    kind: 'fields',
    title: 'Mail queue',
    fields: [
      { label: 'Queued', value: formatCount(q.queued), inline: true },
      { label: 'Sending', value: formatCount(q.sending), inline: true },
      { label: 'Deferred', value: formatCount(q.deferred), inline: true },
      { label: 'Held', value: formatCount(q.held), inline: true },
      { label: 'Total', value: formatCount(q.total), inline: true },
      { label: 'Oldest', value: q.oldest === null ? '-' : `${formatDuration(now - q.oldest)} old`, inline: true },
    ],
  };
}

/** Alert groups firing, and alert targets that wait or fail (a failing target is what on-call must know first). */
function alertSummary(a: AlertStatus, now: number): FieldsReply {
  const fields: FieldsReply['fields'] = [
    { label: 'Firing', value: `${formatCount(a.firing)} alert group${a.firing === 1 ? '' : 's'}${a.muted ? ` (${formatCount(a.muted)} muted)` : ''}`, inline: true },
  ];
  for (const t of a.targets) {
    const state = t.failingSince !== null ? `FAILING for ${formatDuration(now - t.failingSince)}: ${oneLine(t.lastError, 120)}` : 'sending';
    fields.push({ label: `Alerts to ${t.target}`, value: `${formatCount(t.pending)} waiting, ${state}${t.connected ? '' : ' (no adapter for it in this process)'}` });
  }
  const failing = a.targets.some((t) => t.failingSince !== null);
  return { kind: 'fields', title: failing ? 'Alerts (a target is failing)' : 'Alerts', fields, footer: 'More: `alerts list`' };
}

/** Mail log rows (shared with `log`). */
export function logRows(items: readonly LogEntry[]): Record<string, string>[] {
  return items.map((e) => ({
    time: formatTime(e.time),
    status: e.status,
    id: e.id,
    from: e.from,
    to: e.to.join(', '),
    detail: oneLine(e.response ?? ''),
  }));
}

export const LOG_COLUMNS: TableReply['columns'] = [
  { key: 'time', label: 'Time' },
  { key: 'status', label: 'Status' },
  { key: 'id', label: 'Id' },
  { key: 'from', label: 'From', drop: 2 },
  { key: 'to', label: 'To' },
  { key: 'detail', label: 'Detail', fit: 'wrap', drop: 1 },
];

/** Event rows (shared with `events`). */
export function eventRows(items: readonly EventEntry[]): Record<string, string>[] {
  return items.map((e) => ({ time: formatTime(e.time), level: e.level, code: e.code, message: oneLine(e.message), actor: e.actor }));
}

export const EVENT_COLUMNS: TableReply['columns'] = [
  { key: 'time', label: 'Time' },
  { key: 'level', label: 'Level' },
  { key: 'code', label: 'Code', drop: 1 },
  { key: 'message', label: 'Message', fit: 'wrap' },
  { key: 'actor', label: 'By', drop: 2 },
];

/** The admin guide's Mail Queue section: the most recent entries, and where the rest are. */
function queueTable(items: QueueItem[], total: number, now: number): TableReply {
  const more = total > items.length ? `${formatCount(total - items.length)} more: \`queue list\`, by domain and age: \`queue summary\`` : 'More: `queue list`';
  return { kind: 'table', title: 'Latest in the mail queue', columns: QUEUE_COLUMNS, rows: queueRows(items, now), empty: 'The queue is empty.', footer: more };
}

function logTable(items: LogEntry[]): TableReply {
  return { kind: 'table', title: 'Latest mail log', columns: LOG_COLUMNS, rows: logRows(items), empty: 'No mail yet.', footer: 'More: `log`' };
}

function eventTable(items: EventEntry[]): TableReply {
  return { kind: 'table', title: 'Latest events', columns: EVENT_COLUMNS, rows: eventRows(items), empty: 'No events yet.', footer: 'More: `events`' };
}
