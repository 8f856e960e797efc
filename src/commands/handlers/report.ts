/**
 * The reply of `report`: a compact summary (totals, the chart, top 5s,
 * problems, the queue) by default; every section with `--full`, plus the
 * whole report as a text file when it is long. `--problems-first` puts
 * rejects, deferrals, bounces and warnings before the traffic.
 */
import type { QueueSummary, Report } from '../../engine/index.js';
import type { FieldsReply, FileReply, GroupReply, MessageReply, Reply, TableReply } from '../reply.js';
import { formatBytes, formatCount, formatDuration, oneLine, plural } from './format.js';
import { localTime, reportText } from './report-text.js';
import { dayTitle, reportChart } from './report-chart.js';

/** Rows of each top list in the compact summary. */
const COMPACT_TOP = 5;
/** A full report whose text is longer than this is also attached as a file (chat message limits are ~3,000-4,000). */
const FILE_OVER_CHARS = 3000;

type PartyStat = Report['senders']['byCount'][number];
type ReasonStat = Report['deferralReasons'][number];

export interface ReportReplyOptions {
  full: boolean;
  problemsFirst?: boolean;
  /** The queue now (a section of its own). */
  queue?: QueueSummary;
  /** Terminal `--png FILE`: the chart is written there by the terminal. */
  png?: string;
}

const right = 'right' as const;

function span(r: Report): string {
  return r.days > 1 ? 'these days' : 'this day';
}

function totals(r: Report): FieldsReply {
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
      f('Rejected at intake', formatCount(t.rejected)),
      f('Held', formatCount(t.held)),
      f('Deleted by operators', formatCount(t.deleted)),
      f('Bytes received', formatBytes(t.bytesReceived)),
      f('Bytes delivered', formatBytes(t.bytesDelivered)),
      f('Senders', `${formatCount(t.senders)} (${plural(t.senderDomains, 'domain')})`),
      f('Recipients', `${formatCount(t.recipients)} (${plural(t.recipientDomains, 'domain')})`),
      f('Clients', `${formatCount(t.clients)} (${plural(t.connections, 'intake connection')})`),
    ],
    footer: r.complete ? r.counting : `${r.days > 1 ? 'Last day' : 'Day'} in progress. ${r.counting}`,
  };
}

function perDayTable(r: Report): TableReply {
  return {
    kind: 'table',
    title: 'Per day',
    columns: [
      { key: 'day', label: 'Day' },
      { key: 'received', label: 'Received', align: right },
      { key: 'delivered', label: 'Delivered', align: right },
      { key: 'deferred', label: 'Deferred', align: right },
      { key: 'bounced', label: 'Bounced', align: right },
      { key: 'rejected', label: 'Rejected', align: right },
    ],
    rows: r.perDay.map((d) => ({
      day: `${d.day}${d.hours === 24 ? '' : ` (${d.hours} h)`}${d.complete ? '' : ' *'}`,
      received: formatCount(d.received),
      delivered: formatCount(d.delivered),
      deferred: formatCount(d.deferrals),
      bounced: formatCount(d.bounced + d.expired),
      rejected: formatCount(d.rejected),
    })),
    empty: 'No days.',
    footer: r.perDay.some((d) => !d.complete) ? '* still running. Deferred counts deferrals; bounced includes expired.' : 'Deferred counts deferrals; bounced includes expired.',
  };
}

function partyTable(title: string, rows: PartyStat[], n: number, what: string, r: Report): TableReply {
  return {
    kind: 'table',
    title,
    columns: [
      { key: 'address', label: 'Address' },
      { key: 'messages', label: 'Messages', align: right },
      { key: 'bytes', label: 'Bytes', align: right },
    ],
    rows: rows.slice(0, n).map((p) => ({ address: p.address, messages: formatCount(p.messages), bytes: formatBytes(p.bytes) })),
    empty: `No ${what} ${span(r)}.`,
  };
}

function domainTable(r: Report, n: number): TableReply {
  return {
    kind: 'table',
    title: 'Recipient domains',
    columns: [
      { key: 'domain', label: 'Domain' },
      { key: 'delivered', label: 'Delivered', align: right },
      { key: 'bytes', label: 'Bytes', align: right },
      { key: 'deferrals', label: 'Deferrals', align: right },
      { key: 'bounced', label: 'Bounced', align: right },
      { key: 'avg', label: 'Avg delay', align: right },
      { key: 'max', label: 'Max delay', align: right },
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
    empty: `No recipient domains ${span(r)}.`,
    footer: Math.min(n, r.domains.length) < r.totals.recipientDomains ? `${formatCount(Math.min(n, r.domains.length))} of ${formatCount(r.totals.recipientDomains)} domains shown.` : undefined,
  };
}

function senderDomainTable(r: Report): TableReply {
  return {
    kind: 'table',
    title: 'Sender domains',
    columns: [
      { key: 'domain', label: 'Domain' },
      { key: 'messages', label: 'Messages', align: right },
      { key: 'bytes', label: 'Bytes', align: right },
    ],
    rows: r.senderDomains.map((d) => ({ domain: d.domain, messages: formatCount(d.messages), bytes: formatBytes(d.bytes) })),
    empty: `No messages received ${span(r)}.`,
    footer: r.senderDomains.length < r.totals.senderDomains ? `${formatCount(r.senderDomains.length)} of ${formatCount(r.totals.senderDomains)} domains shown.` : undefined,
  };
}

function clientTable(r: Report): TableReply {
  return {
    kind: 'table',
    title: 'Clients',
    columns: [
      { key: 'client', label: 'Client' },
      { key: 'messages', label: 'Messages', align: right },
      { key: 'bytes', label: 'Bytes', align: right },
      { key: 'connections', label: 'Connections', align: right },
      { key: 'avg', label: 'Avg time', align: right },
      { key: 'rejected', label: 'Rejected', align: right },
      { key: 'helo', label: 'HELO' },
    ],
    rows: r.clients.map((c) => ({
      client: c.client,
      messages: formatCount(c.messages),
      bytes: formatBytes(c.bytes),
      connections: formatCount(c.connections),
      avg: c.connections > 0 ? formatDuration(c.avgConnectMs) : '-',
      rejected: formatCount(c.rejected),
      helo: oneLine(c.helo.join(', '), 60),
    })),
    empty: `No clients ${span(r)}.`,
    footer: `${plural(r.connections.total, 'intake connection')} from ${plural(r.connections.clients, 'client')}, ${formatDuration(r.connections.avgMs)} on average, longest ${formatDuration(r.connections.maxMs)}.`,
  };
}

function rejectTable(r: Report): TableReply {
  return {
    kind: 'table',
    title: `Rejected at intake (${formatCount(r.rejects.total)})`,
    columns: [
      { key: 'count', label: 'Count', align: right },
      { key: 'reason', label: 'Reason' },
      { key: 'code', label: 'Reply' },
    ],
    rows: r.rejects.byReason.map((x) => ({ count: formatCount(x.count), reason: x.reason, code: [x.code, x.status].filter(Boolean).join(' ') || '-' })),
    empty: `No submissions refused ${span(r)}.`,
  };
}

function reasonTable(title: string, rows: ReasonStat[], empty: string): TableReply {
  return {
    kind: 'table',
    title,
    columns: [
      { key: 'count', label: 'Count', align: right },
      { key: 'reason', label: 'Reason' },
    ],
    rows: rows.map((x) => ({ count: formatCount(x.count), reason: oneLine(x.reason, 120) })),
    empty,
  };
}

function hostTable(title: string, rows: Report['deferralHosts'], empty: string): TableReply {
  return {
    kind: 'table',
    title,
    columns: [
      { key: 'host', label: 'Relay/MX host' },
      { key: 'count', label: 'Count', align: right },
      { key: 'reason', label: 'Most frequent reason' },
    ],
    rows: rows.map((h) => ({ host: h.host, count: formatCount(h.count), reason: h.reasons[0] ? oneLine(`${h.reasons[0].reason} (${formatCount(h.reasons[0].count)})`, 100) : '' })),
    empty,
  };
}

function eventsTable(r: Report): TableReply {
  return {
    kind: 'table',
    title: 'Warnings and errors',
    columns: [
      { key: 'time', label: 'Time' },
      { key: 'level', label: 'Level' },
      { key: 'code', label: 'Code' },
      { key: 'message', label: 'Message' },
    ],
    rows: r.events.list.map((e) => ({ time: localTime(e.time, r.timezone, r.days > 1), level: e.level, code: e.code, message: oneLine(e.message, 100) })),
    empty: `No warnings or errors ${span(r)}.`,
    footer: r.events.omitted > 0 ? `${formatCount(r.events.omitted)} more not listed.` : undefined,
  };
}

function hourlyTable(r: Report): TableReply {
  return {
    kind: 'table',
    title: r.hourlyAverage ? 'Per hour, daily average' : 'Per hour',
    columns: [
      { key: 'hour', label: 'Hour' },
      { key: 'received', label: 'Received', align: right },
      { key: 'delivered', label: 'Delivered', align: right },
      { key: 'deferred', label: 'Deferred', align: right },
      { key: 'bounced', label: 'Bounced', align: right },
      { key: 'rejected', label: 'Rejected', align: right },
    ],
    rows: r.hourly.map((h) => ({ hour: h.label, received: formatCount(h.received), delivered: formatCount(h.delivered), deferred: formatCount(h.deferred), bounced: formatCount(h.bounced), rejected: formatCount(h.rejected) })),
    empty: 'No hours.',
  };
}

/** The queue now: qshape's table (recipients by domain and age). */
export function queueTable(q: QueueSummary, top: number): TableReply {
  const columns = [{ key: 'domain', label: 'Domain' }, { key: 'T', label: 'T', align: right }, ...q.ages.map((a) => ({ key: a, label: a, align: right }))];
  const row = (x: QueueSummary['total']) => Object.fromEntries([['domain', x.domain], ['T', formatCount(x.recipients)], ...q.ages.map((a, i) => [a, formatCount(x.byAge[i])])]);
  const states = Object.entries(q.states)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${formatCount(n)} ${s}`)
    .join(', ');
  return {
    kind: 'table',
    title: 'Queue now (recipients by domain and age in minutes)',
    columns,
    rows: q.total.messages > 0 ? [row(q.total), ...q.domains.slice(0, top).map(row)] : [],
    empty: 'The queue is empty.',
    footer: q.total.messages > 0 ? `${plural(q.total.messages, 'message')} (${states})${q.domains.length > top ? `; ${formatCount(q.domains.length - top)} more domains` : ''}${q.truncated ? `; only the oldest ${formatCount(q.scanned)} read` : ''}.` : undefined,
  };
}

/** One paragraph on what went wrong, for the compact summary. */
function problems(r: Report, q: QueueSummary | undefined): MessageReply {
  const t = r.totals;
  const e = r.events;
  const lines: string[] = [];
  const top = (x: ReasonStat | undefined) => (x ? `, mostly: ${oneLine(x.reason, 90)} (${formatCount(x.count)})` : '');
  if (t.rejected > 0) lines.push(`${plural(t.rejected, 'submission')} rejected at intake: ${r.rejects.byReason.slice(0, 3).map((x) => `${x.reason}${x.code ? ` ${x.code}` : ''} ×${formatCount(x.count)}`).join(', ')}`);
  if (t.deferrals > 0) lines.push(`${plural(t.deferrals, 'deferral')}${top(r.deferralReasons[0])}${r.deferralHosts[0] ? `; most at ${r.deferralHosts[0].host} (${formatCount(r.deferralHosts[0].count)})` : ''}`);
  if (t.bounced + t.expired > 0) lines.push(`${plural(t.bounced + t.expired, 'bounce')}${top(r.bounceReasons[0])}`);
  if (e.warnings + e.errors > 0) {
    const codes = e.byCode.slice(0, 3).map((c) => `${c.code} ×${formatCount(c.count)}`).join(', ');
    lines.push(`${plural(e.errors, 'error')} and ${plural(e.warnings, 'warning')}: ${codes}`);
  }
  if (q && q.total.messages > 0) {
    let oldest = -1;
    q.total.byAge.forEach((n, i) => (oldest = n > 0 ? i : oldest));
    lines.push(`Queue now: ${plural(q.total.messages, 'message')} for ${plural(q.total.recipients, 'recipient')}${oldest >= 0 ? `, the oldest ${q.ages[oldest].endsWith('+') ? `over ${q.ages[oldest].slice(0, -1)}` : `up to ${q.ages[oldest]}`} minutes old` : ''}`);
  }
  if (lines.length === 0) return { kind: 'message', tone: 'success', title: 'Problems', text: 'No rejects, deferrals, bounces, warnings or errors, and the queue is empty.' };
  return { kind: 'message', tone: e.errors > 0 || t.bounced > 0 ? 'error' : 'warning', title: 'Problems', text: lines.join('\n') };
}

/** The reply for a built report. `data` is the report itself plus the queue (the `--json` payload). */
export function reportReply(report: Report, o: ReportReplyOptions): Reply {
  const range = report.days > 1;
  const title = `SMTP report ${dayTitle(report)}${report.complete ? '' : ', so far'}`;
  const chart = { ...reportChart(report), ...(o.png ? { savePng: o.png } : {}) };
  const data = o.queue ? { ...report, queue: o.queue } : report;
  if (!o.full) {
    const traffic: Reply[] = [
      ...(range ? [perDayTable(report)] : []),
      chart,
      partyTable('Top senders', report.senders.byCount, COMPACT_TOP, 'senders', report),
      partyTable('Top recipients', report.recipients.byCount, COMPACT_TOP, 'deliveries', report),
      domainTable(report, COMPACT_TOP),
    ];
    const problem = problems(report, o.queue);
    const parts = o.problemsFirst ? [totals(report), problem, ...traffic] : [totals(report), ...traffic, problem];
    const reply: GroupReply = { kind: 'group', title, parts, data };
    return reply;
  }
  const top = report.limits.top;
  const traffic: Reply[] = [
    ...(range ? [perDayTable(report)] : []),
    chart,
    hourlyTable(report),
    domainTable(report, report.domains.length),
    senderDomainTable(report),
    clientTable(report),
    partyTable('Senders by message count', report.senders.byCount, top, 'senders', report),
    partyTable('Recipients by message count', report.recipients.byCount, top, 'deliveries', report),
    partyTable('Senders by size', report.senders.bySize, top, 'senders', report),
    partyTable('Recipients by size', report.recipients.bySize, top, 'deliveries', report),
  ];
  const problem: Reply[] = [
    rejectTable(report),
    reasonTable('Deferral reasons', report.deferralReasons, `No deferrals ${span(report)}.`),
    hostTable('Deferrals by relay/MX host', report.deferralHosts, `No deferrals ${span(report)}.`),
    reasonTable('Bounce reasons', report.bounceReasons, `No bounces ${span(report)}.`),
    hostTable('Bounces by relay/MX host', report.bounceHosts, `No bounces ${span(report)}.`),
    eventsTable(report),
    ...(o.queue ? [queueTable(o.queue, 20)] : []),
  ];
  const parts: Reply[] = [totals(report)];
  const text = reportText(report, { problemsFirst: o.problemsFirst, queue: o.queue });
  if (text.length > FILE_OVER_CHARS) {
    // Right after the totals: chat shows a bounded number of blocks, and the file is the whole report.
    const name = range ? `${report.day}..${report.lastDay}` : report.day;
    const file: FileReply = { kind: 'file', title: `Full report ${name}`, filename: `smtp-report-${name.replace('..', '_')}.txt`, mime: 'text/plain', content: text };
    parts.push(file);
  }
  parts.push(...(o.problemsFirst ? [...problem, ...traffic] : [...traffic, ...problem]));
  const reply: GroupReply = { kind: 'group', title, parts, data };
  return reply;
}
