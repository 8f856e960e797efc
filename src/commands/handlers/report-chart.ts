/** The per-hour chart of a report: a ChartReply the renderers draw as Unicode bars (and chat adapters as PNG). */
import type { DailyReport } from '../../engine/index.js';
import type { ChartReply } from '../reply.js';

/** `2026-11-23 (Europe/Berlin)`, with the day's length when it is not 24 hours. */
export function dayTitle(r: DailyReport): string {
  const hours = r.hours === 24 ? '' : `, ${r.hours}-hour day`;
  return `${r.day} (${r.timezone}${hours})`;
}

/** The per-hour chart of a report (also what chat adapters draw as PNG). */
export function hourlyChart(r: DailyReport): ChartReply {
  return {
    kind: 'chart',
    title: `Traffic per hour, ${dayTitle(r)}`,
    labels: r.hourly.map((h) => h.label),
    series: [
      { name: 'received', values: r.hourly.map((h) => h.received) },
      { name: 'delivered', values: r.hourly.map((h) => h.delivered) },
      { name: 'deferred', values: r.hourly.map((h) => h.deferred) },
      { name: 'bounced', values: r.hourly.map((h) => h.bounced) },
    ],
  };
}

