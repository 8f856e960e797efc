/** A whole daily report as plain text (the `report --full` file attachment), laid out like pflogsumm. */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { DailyReport } from '../../engine/index.js';
import { chartLines } from '../render/unicode-chart.js';
import { hourlyChart } from './report-chart.js';
import { formatBytes, formatCount, formatDuration } from './format.js';

/** `HH:mm:ss` wall-clock time in the report's zone. */
export function localTime(time: number, zone: string): string {
  return format(new TZDate(time, zone), 'HH:mm:ss');
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

function parties(list: DailyReport['senders']['byCount']): string[] {
  return table(
    ['messages', 'bytes', 'address'],
    list.map((p) => [formatCount(p.messages), formatCount(p.bytes), p.address]),
    [true, true, false],
  );
}

function reasons(list: DailyReport['deferralReasons']): string[] {
  return table(
    ['count', 'reason'],
    list.map((x) => [formatCount(x.count), x.reason]),
    [true, false],
  );
}

export function reportText(r: DailyReport): string {
  const t = r.totals;
  const n = (v: number) => formatCount(v).padStart(12);
  const out: string[] = [
    `SMTP report ${r.day} (${r.timezone}, ${r.hours} hours)${r.complete ? '' : ', day in progress'}`,
    `From ${new Date(r.start).toISOString()} to ${new Date(r.end).toISOString()}, generated ${new Date(r.generatedAt).toISOString()}`,
    ...section('Grand totals', [
      `${n(t.received)}  received (${formatCount(t.addressed)} recipients)`,
      `${n(t.delivered)}  delivered`,
      `${n(t.deferred)}  deferred (${formatCount(t.deferrals)} deferrals)`,
      `${n(t.bounced)}  bounced`,
      `${n(t.expired)}  expired`,
      `${n(t.held)}  held`,
      `${n(t.deleted)}  deleted by operators`,
      `${n(t.rejected)}  rejected at intake`,
      '',
      `${n(t.bytesReceived)}  bytes received (${formatBytes(t.bytesReceived)})`,
      `${n(t.bytesDelivered)}  bytes delivered (${formatBytes(t.bytesDelivered)})`,
      `${n(t.senders)}  senders`,
      `${n(t.recipients)}  recipients`,
      `${n(t.recipientDomains)}  recipient domains`,
      '',
      r.counting,
    ]),
    ...section('Per-hour traffic', chartLines(hourlyChart(r), { style: 'rows', barWidth: 24 }).map((l) => `  ${l}`)),
    ...section('Senders by message count', parties(r.senders.byCount)),
    ...section('Senders by size', parties(r.senders.bySize)),
    ...section('Recipients by message count', parties(r.recipients.byCount)),
    ...section('Recipients by size', parties(r.recipients.bySize)),
    ...section(
      'Recipient domains',
      table(
        ['delivered', 'bytes', 'deferrals', 'bounced', 'avg delay', 'max delay', 'domain'],
        r.domains.map((d) => [
          formatCount(d.delivered),
          formatCount(d.bytes),
          formatCount(d.deferrals),
          formatCount(d.bounced),
          d.delivered > 0 ? formatDuration(d.avgDelayMs) : '-',
          d.delivered > 0 ? formatDuration(d.maxDelayMs) : '-',
          d.domain,
        ]),
        [true, true, true, true, true, true, false],
      ),
    ),
    ...section('Deferral reasons', reasons(r.deferralReasons)),
    ...section('Bounce reasons', reasons(r.bounceReasons)),
    ...section(`Warnings (${formatCount(r.events.warnings)}) and errors (${formatCount(r.events.errors)})`, [
      ...table(
        ['count', 'level', 'code'],
        r.events.byCode.map((c) => [formatCount(c.count), c.level, c.code]),
        [true, false, false],
      ),
      '',
      ...table(
        ['time', 'level', 'code', 'message'],
        r.events.list.map((e) => [localTime(e.time, r.timezone), e.level, e.code, e.message.replace(/\s+/g, ' ')]),
        [false, false, false, false],
      ),
      ...(r.events.omitted > 0 ? [`  … ${formatCount(r.events.omitted)} more not listed`] : []),
    ]),
  ];
  return out.join('\n') + '\n';
}
