/**
 * The reply of `report [today|yesterday|YYYY-MM-DD] [--full]`: a compact
 * summary (totals, the per-hour chart, top 5s, problems) by default; every
 * section with `--full`, plus the whole report as a text file when it is long.
 */
import type { DailyReport } from '../../engine/index.js';
import type { FieldsReply, FileReply, GroupReply, MessageReply, Reply, TableReply } from '../reply.js';
import { formatBytes, formatCount, formatDuration, oneLine, plural } from './format.js';
import { localTime, reportText } from './report-text.js';
import { dayTitle, hourlyChart } from './report-chart.js';

/** Rows of each top list in the compact summary. */
const COMPACT_TOP = 5;
/** A full report whose text is longer than this is also attached as a file (chat message limits are ~3,000-4,000). */
const FILE_OVER_CHARS = 3000;

type PartyStat = DailyReport['senders']['byCount'][number];
type ReasonStat = DailyReport['deferralReasons'][number];

function totals(r: DailyReport): FieldsReply {
  const t = r.totals;
  const f = (label: string, value: string) => ({ label, value, inline: true });
  return {
    kind: 'fields',
    title: 'Totals',
    fields: [
      f('Received', `${formatCount(t.received)} (${plural(t.addressed, 'recipient')})`),
      f('Delivered', formatCount(t.delivered)),
      f('Deferred', `${plural(t.deferred, 'message')} (${plural(t.deferrals, 'deferral')})`),
      f('Bounced', formatCount(t.bounced)),
      f('Expired', formatCount(t.expired)),
      f('Held', formatCount(t.held)),
      f('Deleted by operators', formatCount(t.deleted)),
      f('Rejected at intake', formatCount(t.rejected)),
      f('Bytes received', formatBytes(t.bytesReceived)),
      f('Bytes delivered', formatBytes(t.bytesDelivered)),
      f('Senders', formatCount(t.senders)),
      f('Recipients', formatCount(t.recipients)),
      f('Recipient domains', formatCount(t.recipientDomains)),
    ],
    footer: r.complete ? r.counting : `Day in progress. ${r.counting}`,
  };
}

function partyTable(title: string, rows: PartyStat[], n: number, what: string): TableReply {
  return {
    kind: 'table',
    title,
    columns: [
      { key: 'address', label: 'Address' },
      { key: 'messages', label: 'Messages', align: 'right' },
      { key: 'bytes', label: 'Bytes', align: 'right' },
    ],
    rows: rows.slice(0, n).map((p) => ({ address: p.address, messages: formatCount(p.messages), bytes: formatBytes(p.bytes) })),
    empty: `No ${what} this day.`,
  };
}

function domainTable(r: DailyReport, n: number): TableReply {
  return {
    kind: 'table',
    title: 'Recipient domains',
    columns: [
      { key: 'domain', label: 'Domain' },
      { key: 'delivered', label: 'Delivered', align: 'right' },
      { key: 'bytes', label: 'Bytes', align: 'right', drop: 3 },
      { key: 'deferrals', label: 'Deferrals', align: 'right' },
      { key: 'bounced', label: 'Bounced', align: 'right' },
      { key: 'avg', label: 'Avg delay', align: 'right', drop: 1 },
      { key: 'max', label: 'Max delay', align: 'right', drop: 2 },
    ],
    rows: r.domains.slice(0, n).map((d) => ({
      domain: d.domain,
      delivered: formatCount(d.delivered),
      bytes: formatBytes(d.bytes),
      deferrals: formatCount(d.deferrals),
      bounced: formatCount(d.bounced),
      avg: d.delivered > 0 ? formatDuration(d.avgDelayMs) : '-',
      max: d.delivered > 0 ? formatDuration(d.maxDelayMs) : '-',
    })),
    empty: 'No recipient domains this day.',
    footer: r.domains.length < r.totals.recipientDomains ? `${formatCount(r.domains.length)} of ${formatCount(r.totals.recipientDomains)} domains shown.` : undefined,
  };
}

function reasonTable(title: string, rows: ReasonStat[], empty: string): TableReply {
  return {
    kind: 'table',
    title,
    columns: [
      { key: 'count', label: 'Count', align: 'right' },
      { key: 'reason', label: 'Reason', fit: 'wrap' },
    ],
    rows: rows.map((x) => ({ count: formatCount(x.count), reason: oneLine(x.reason) })),
    empty,
  };
}

function eventsTable(r: DailyReport): TableReply {
  return {
    kind: 'table',
    title: 'Warnings and errors',
    columns: [
      { key: 'time', label: 'Time' },
      { key: 'level', label: 'Level' },
      { key: 'code', label: 'Code', drop: 1 },
      { key: 'message', label: 'Message', fit: 'wrap' },
    ],
    rows: r.events.list.map((e) => ({ time: localTime(e.time, r.timezone), level: e.level, code: e.code, message: oneLine(e.message) })),
    empty: 'No warnings or errors this day.',
    footer: r.events.omitted > 0 ? `${formatCount(r.events.omitted)} more not listed.` : undefined,
  };
}

function hourlyTable(r: DailyReport): TableReply {
  const right = 'right' as const;
  return {
    kind: 'table',
    title: 'Per hour',
    columns: [
      { key: 'hour', label: 'Hour' },
      { key: 'received', label: 'Received', align: right },
      { key: 'delivered', label: 'Delivered', align: right },
      { key: 'deferred', label: 'Deferred', align: right },
      { key: 'bounced', label: 'Bounced', align: right },
    ],
    rows: r.hourly.map((h) => ({ hour: h.label, received: formatCount(h.received), delivered: formatCount(h.delivered), deferred: formatCount(h.deferred), bounced: formatCount(h.bounced) })),
    empty: 'No hours.',
  };
}

/** One paragraph on what went wrong, for the compact summary. */
function problems(r: DailyReport): MessageReply {
  const t = r.totals;
  const e = r.events;
  const lines: string[] = [];
  if (t.deferrals > 0) lines.push(`${plural(t.deferrals, 'deferral')}${r.deferralReasons[0] ? `, mostly: ${oneLine(r.deferralReasons[0].reason, 90)} (${formatCount(r.deferralReasons[0].count)})` : ''}`);
  if (t.bounced + t.expired > 0) lines.push(`${plural(t.bounced + t.expired, 'bounce')}${r.bounceReasons[0] ? `, mostly: ${oneLine(r.bounceReasons[0].reason, 90)} (${formatCount(r.bounceReasons[0].count)})` : ''}`);
  if (e.warnings + e.errors > 0) {
    const codes = e.byCode.slice(0, 3).map((c) => `${c.code} ×${formatCount(c.count)}`).join(', ');
    lines.push(`${plural(e.errors, 'error')} and ${plural(e.warnings, 'warning')}: ${codes}`);
  }
  if (lines.length === 0) return { kind: 'message', tone: 'success', title: 'Problems', text: 'No deferrals, bounces, warnings or errors.' };
  return { kind: 'message', tone: e.errors > 0 || t.bounced > 0 ? 'error' : 'warning', title: 'Problems', text: lines.join('\n') };
}

/** The reply for a built report. `data` is the report itself (the `--json` payload). */
export function reportReply(report: DailyReport, full: boolean): Reply {
  const title = `SMTP report ${dayTitle(report)}${report.complete ? '' : ', so far'}`;
  if (!full) {
    const parts: Reply[] = [
      totals(report),
      hourlyChart(report),
      partyTable('Top senders', report.senders.byCount, COMPACT_TOP, 'senders'),
      partyTable('Top recipients', report.recipients.byCount, COMPACT_TOP, 'deliveries'),
      domainTable(report, COMPACT_TOP),
      problems(report),
    ];
    const reply: GroupReply = { kind: 'group', title, parts, data: report };
    return reply;
  }
  const top = report.limits.top;
  const parts: Reply[] = [
    totals(report),
    hourlyChart(report),
    hourlyTable(report),
    partyTable('Senders by message count', report.senders.byCount, top, 'senders'),
    partyTable('Senders by size', report.senders.bySize, top, 'senders'),
    partyTable('Recipients by message count', report.recipients.byCount, top, 'deliveries'),
    partyTable('Recipients by size', report.recipients.bySize, top, 'deliveries'),
    domainTable(report, report.domains.length),
    reasonTable('Deferral reasons', report.deferralReasons, 'No deferrals this day.'),
    reasonTable('Bounce reasons', report.bounceReasons, 'No bounces this day.'),
    eventsTable(report),
  ];
  const text = reportText(report);
  if (text.length > FILE_OVER_CHARS) {
    const file: FileReply = { kind: 'file', title: `Full report ${report.day}`, filename: `smtp-report-${report.day}.txt`, mime: 'text/plain', content: text };
    parts.push(file);
  }
  const reply: GroupReply = { kind: 'group', title, parts, data: report };
  return reply;
}
