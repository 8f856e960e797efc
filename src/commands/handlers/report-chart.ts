/** The chart of a report: a ChartReply the renderers draw as Unicode bars (and chat adapters and `--png` as an image). */
import type { Report } from '../../engine/index.js';
import type { ChartReply } from '../reply.js';

/** `2026-11-23 (Europe/Berlin)`, with the day's length when it is not 24 hours; a range as `FROM..TO (zone, N days)`. */
export function dayTitle(r: Report): string {
  if (r.days > 1) return `${r.day}..${r.lastDay} (${r.timezone}, ${r.days} days)`;
  const hours = r.hours === 24 ? '' : `, ${r.hours}-hour day`;
  return `${r.day} (${r.timezone}${hours})`;
}

/** Per hour for one day, per day for several. Problems are drawn apart (own panel, own scale); every series names its unit. */
export function reportChart(r: Report): ChartReply {
  const rows = r.days > 1 ? r.perDay.map((d) => ({ label: d.day.slice(5), received: d.received, delivered: d.delivered, deferred: d.deferrals, bounced: d.bounced, rejected: d.rejected })) : r.hourly.map((h) => ({ ...h, label: h.label }));
  return {
    kind: 'chart',
    title: r.days > 1 ? `Traffic per day, ${dayTitle(r)}` : `Traffic per hour, ${dayTitle(r)}`,
    xName: r.days > 1 ? 'day' : 'hour',
    labels: rows.map((x) => x.label),
    series: [
      { name: 'received', unit: 'messages', values: rows.map((x) => x.received) },
      { name: 'delivered', unit: 'recipients', values: rows.map((x) => x.delivered) },
      { name: 'deferred', unit: 'recipients', panel: 'problems', values: rows.map((x) => x.deferred) },
      { name: 'bounced', unit: 'recipients', panel: 'problems', values: rows.map((x) => x.bounced) },
      { name: 'rejected', unit: 'submissions', panel: 'problems', values: rows.map((x) => x.rejected) },
    ],
  };
}
