/** A whole report as plain text (the `report --full` file attachment), laid out like pflogsumm, with its section names. */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { QueueSummary, Report } from '../../engine/index.js';
import { chartLines } from '../render/unicode-chart.js';
import { reportChart } from './report-chart.js';
import { formatBytes, formatCount, formatDuration } from './format.js';

/** `HH:mm:ss` wall-clock time in the report's zone (with the date in a report of several days). */
export function localTime(time: number, zone: string, withDate = false): string {
  return format(new TZDate(time, zone), withDate ? 'yyyy-MM-dd HH:mm:ss' : 'HH:mm:ss');
}

function section(title: string, lines: string[]): string[] {
  return ['', title, '-'.repeat(title.length), ...lines];
}

/** Aligned columns; `right` marks right-aligned columns. */
function table(head: string[], rows: string[][], right: boolean[]): string[] {
  if (rows.length === 0) return ['  (none)'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

function parties(list: Report['senders']['byCount']): string[] {
  return table(
    ['messages', 'bytes', 'address'],
    list.map((p) => [formatCount(p.messages), formatCount(p.bytes), p.address]),
    [true, true, false],
  );
}

function reasons(list: Report['deferralReasons']): string[] {
  return table(
    ['count', 'reason'],
    list.map((x) => [formatCount(x.count), x.reason]),
    [true, false],
  );
}

function hosts(list: Report['deferralHosts']): string[] {
  if (list.length === 0) return ['  (none)'];
  const w = Math.max(5, ...list.map((h) => formatCount(h.count).length));
  const out: string[] = [];
  for (const h of list) {
    out.push(`  ${formatCount(h.count).padStart(w)}  ${h.host}`);
    for (const x of h.reasons) out.push(`  ${''.padStart(w)}    ${formatCount(x.count).padStart(6)}  ${x.reason}`);
  }
  return out;
}

const ms = (v: number) => formatDuration(v);

/** pflogsumm's "Per-Day Traffic Summary". */
export function perDayLines(r: Report): string[] {
  return table(
    ['date', 'received', 'delivered', 'deferred', 'bounced', 'rejected', 'bytes received', 'bytes delivered'],
    r.perDay.map((d) => [
      `${d.day}${d.hours === 24 ? '' : ` (${d.hours} h)`}${d.complete ? '' : ' *'}`,
      formatCount(d.received),
      formatCount(d.delivered),
      formatCount(d.deferrals),
      formatCount(d.bounced + d.expired),
      formatCount(d.rejected),
      formatBytes(d.bytesReceived),
      formatBytes(d.bytesDelivered),
    ]),
    [false, true, true, true, true, true, true, true],
  );
}

/** The queue's shape (qshape) as lines. */
export function queueLines(q: QueueSummary, top = 20): string[] {
  const head = ['domain', 'T', ...q.ages];
  const row = (x: QueueSummary['total']) => [x.domain, formatCount(x.recipients), ...x.byAge.map((n) => formatCount(n))];
  const rows = [row(q.total), ...q.domains.slice(0, top).map(row)];
  const lines = table(head, rows, head.map((_, i) => i > 0));
  const states = Object.entries(q.states)
    .map(([s, n]) => `${formatCount(n)} ${s}`)
    .join(', ');
  return [
    `  ${formatCount(q.total.messages)} messages (${states}), ${formatCount(q.total.recipients)} recipients to deliver; columns are age in minutes (up to)`,
    ...(q.total.messages > 0 ? lines : []),
    ...(q.domains.length > top ? [`  … ${formatCount(q.domains.length - top)} more domains`] : []),
    ...(q.truncated ? [`  only the oldest ${formatCount(q.scanned)} messages were read`] : []),
  ];
}

export function reportText(r: Report, opts: { problemsFirst?: boolean; queue?: QueueSummary } = {}): string {
  const t = r.totals;
  const n = (v: number) => formatCount(v).padStart(12);
  const range = r.days > 1;
  const totals = section('Grand Totals', [
    `${n(t.received)}  received (${formatCount(t.addressed)} recipients)`,
    `${n(t.delivered)}  delivered`,
    `${n(t.deferred)}  deferred (${formatCount(t.deferrals)} deferrals)`,
    `${n(t.bounced)}  bounced`,
    `${n(t.expired)}  expired`,
    `${n(t.rejected)}  rejected at intake`,
    `${n(t.held)}  held`,
    `${n(t.deleted)}  deleted by operators`,
    '',
    `${n(t.bytesReceived)}  bytes received (${formatBytes(t.bytesReceived)})`,
    `${n(t.bytesDelivered)}  bytes delivered (${formatBytes(t.bytesDelivered)})`,
    `${n(t.senders)}  senders`,
    `${n(t.senderDomains)}  sending domains`,
    `${n(t.clients)}  sending clients`,
    `${n(t.recipients)}  recipients`,
    `${n(t.recipientDomains)}  recipient domains`,
    `${n(t.connections)}  intake connections`,
    '',
    r.counting,
  ]);
  const traffic = [
    ...(range ? section('Per-Day Traffic Summary', perDayLines(r)) : []),
    ...section(range ? 'Per-Day Traffic' : 'Per-Hour Traffic', chartLines(reportChart(r), { style: 'rows', barWidth: 24 }).map((l) => `  ${l}`)),
    ...(range
      ? section(
          'Per-Hour Traffic Daily Average',
          table(
            ['hour', 'received', 'delivered', 'deferred', 'bounced', 'rejected'],
            r.hourly.map((h) => [h.label, String(h.received), String(h.delivered), String(h.deferred), String(h.bounced), String(h.rejected)]),
            [false, true, true, true, true, true],
          ),
        )
      : []),
    ...section(
      'Host/Domain Summary: Message Delivery',
      table(
        ['delivered', 'bytes', 'deferrals', 'bounced', 'avg delay', 'max delay', 'domain'],
        r.domains.map((d) => [
          formatCount(d.delivered),
          formatCount(d.bytes),
          formatCount(d.deferrals),
          formatCount(d.bounced),
          d.delivered > 0 ? ms(d.avgDelayMs) : '-',
          d.delivered > 0 ? ms(d.maxDelayMs) : '-',
          d.domain,
        ]),
        [true, true, true, true, true, true, false],
      ),
    ),
    ...section(
      'Host/Domain Summary: Messages Received (sender domains)',
      table(
        ['messages', 'bytes', 'domain'],
        r.senderDomains.map((d) => [formatCount(d.messages), formatCount(d.bytes), d.domain]),
        [true, true, false],
      ),
    ),
    ...section(
      'Messages Received by Client',
      table(
        ['messages', 'bytes', 'connections', 'rejected', 'client', 'HELO'],
        r.clients.map((c) => [formatCount(c.messages), formatCount(c.bytes), formatCount(c.connections), formatCount(c.rejected), c.client, c.helo.join(', ')]),
        [true, true, true, true, false, false],
      ),
    ),
    ...section('Senders by message count', parties(r.senders.byCount)),
    ...section('Recipients by message count', parties(r.recipients.byCount)),
    ...section('Senders by message size', parties(r.senders.bySize)),
    ...section('Recipients by message size', parties(r.recipients.bySize)),
    ...section('SMTPD Connection Summary', [
      `  ${formatCount(r.connections.total)} connections from ${formatCount(r.connections.clients)} clients; time connected: total ${ms(r.connections.totalMs)}, average ${ms(r.connections.avgMs)}, longest ${ms(r.connections.maxMs)}`,
      ...table(
        ['connections', 'avg time', 'max time', 'client'],
        r.clients.filter((c) => c.connections > 0).map((c) => [formatCount(c.connections), ms(c.avgConnectMs), ms(c.maxConnectMs), c.client]),
        [true, true, true, false],
      ),
    ]),
  ];
  const problems = [
    ...section(
      `Message Reject Detail (${formatCount(r.rejects.total)})`,
      table(
        ['count', 'reason', 'code'],
        r.rejects.byReason.map((x) => [formatCount(x.count), x.reason, [x.code, x.status].filter(Boolean).join(' ') || '-']),
        [true, false, false],
      ),
    ),
    ...section('Message Deferral Detail: reasons', reasons(r.deferralReasons)),
    ...section('Message Deferral Detail: by relay/MX host', hosts(r.deferralHosts)),
    ...section('Message Bounce Detail: reasons', reasons(r.bounceReasons)),
    ...section('Message Bounce Detail: by relay/MX host', hosts(r.bounceHosts)),
    ...section(`Warnings (${formatCount(r.events.warnings)}) and errors (${formatCount(r.events.errors)})`, [
      ...table(
        ['count', 'level', 'code'],
        r.events.byCode.map((c) => [formatCount(c.count), c.level, c.code]),
        [true, false, false],
      ),
      '',
      ...table(
        ['time', 'level', 'code', 'message'],
        r.events.list.map((e) => [localTime(e.time, r.timezone, range), e.level, e.code, e.message.replace(/\s+/g, ' ')]),
        [false, false, false, false],
      ),
      ...(r.events.omitted > 0 ? [`  … ${formatCount(r.events.omitted)} more not listed`] : []),
    ]),
  ];
  const queue = opts.queue ? section('Current Mail Queue', queueLines(opts.queue)) : [];
  const span = range ? `${r.day}..${r.lastDay} (${r.timezone}, ${r.days} days, ${r.hours} hours)` : `${r.day} (${r.timezone}, ${r.hours} hours)`;
  const out: string[] = [
    `SMTP report ${span}${r.complete ? '' : ', last day in progress'}`,
    `From ${new Date(r.start).toISOString()} to ${new Date(r.end).toISOString()}, generated ${new Date(r.generatedAt).toISOString()}`,
    ...totals,
    ...(opts.problemsFirst ? [...problems, ...queue, ...traffic] : [...traffic, ...problems, ...queue]),
  ];
  return out.join('\n') + '\n';
}
