/**
 * The Prometheus metrics of `serve` (prom-client, a registry of its own).
 *
 * Gauges are read from the engine at each scrape (queue counts are O(1) in the
 * store, so a scrape never scans the queue). Counters count what the journal
 * reports as it lands on disk, from the start of this process: Prometheus
 * counters reset on restart by design, and `rate()`/`increase()` handle that.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine, EventEntry, LogEntry } from '../engine/index.js';
import { QUEUE_STATES } from '../engine/index.js';

/** Recipient domains that get a label of their own; the rest count as `other`. */
export const TOP_DOMAINS = 20;
export const OTHER_DOMAIN = 'other';
const OUTCOMES = ['sent', 'deferred', 'bounced', 'expired'] as const;
const SOURCES = ['intake', 'api', 'cli', 'test'] as const;
/**
 * Intake refusals by reason: the `data.reason` of the listener's `intake.rejected`
 * events (README: Events of the intake), `auth` for `intake.auth-failed`, and
 * `other` for a reason this list does not know yet (the label set stays bounded).
 */
const REJECT_REASONS = ['client', 'connections', 'sender', 'address', 'parameter', 'size', 'recipients', 'auth', 'other'] as const;

export interface Metrics {
  readonly registry: Registry;
  /** The text exposition of every metric, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
  /** Stop listening to the engine. */
  close(): void;
}

/** Lower-cased domain of an address, or '' when it has none. */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/**
 * Label values for recipient domains, bounded: the busiest domains of today
 * and yesterday (from the reports) first, then new domains in the order they
 * are first seen, until `limit` are taken. A domain keeps its label for the
 * life of the process, so no series ever moves between labels.
 */
class DomainLabels {
  private readonly named = new Set<string>();
  constructor(private readonly limit: number) {}
  seed(domains: Iterable<string>): void {
    for (const d of domains) if (d && this.named.size < this.limit) this.named.add(d.toLowerCase());
  }
  label(domain: string): string {
    if (!domain) return OTHER_DOMAIN;
    if (this.named.has(domain)) return domain;
    if (this.named.size < this.limit && domain !== OTHER_DOMAIN) {
      this.named.add(domain);
      return domain;
    }
    return OTHER_DOMAIN;
  }
}

/** Build the registry and start counting. `now` is for tests. */
export async function createMetrics(engine: Engine, opts: { topDomains?: number; now?: () => number } = {}): Promise<Metrics> {
  const now = opts.now ?? (() => Date.now());
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'smtp_ops_queue_messages',
    help: 'Messages in the queue by state (queued, sending, deferred, held), as status shows them',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const c = await engine.queueCounts();
      for (const s of QUEUE_STATES) this.set({ state: s }, c[s]);
    },
  });
  new Gauge({
    name: 'smtp_ops_queue_oldest_message_age_seconds',
    help: 'Age of the oldest message in the queue (0 when the queue is empty)',
    registers: [registry],
    async collect() {
      const c = await engine.queueCounts();
      this.set(c.oldest === null ? 0 : Math.max(0, (now() - c.oldest) / 1000));
    },
  });
  new Gauge({
    name: 'smtp_ops_alert_outbox_messages',
    help: 'Alert notices waiting in the durable alert outbox to reach their Slack, Discord or email target',
    registers: [registry],
    async collect() {
      this.set(await engine.alertBacklog());
    },
  });
  const lastDelivery = new Gauge({
    name: 'smtp_ops_last_delivery_timestamp_seconds',
    help: 'Time of the last successful delivery (unix seconds; 0 = none in the mail log)',
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'smtp_ops_deliveries_total',
    help: `Recipient delivery outcomes since the process started, by outcome and recipient domain (the ${opts.topDomains ?? TOP_DOMAINS} busiest domains, "other" for the rest)`,
    labelNames: ['outcome', 'domain'],
    registers: [registry],
  });
  const received = new Counter({
    name: 'smtp_ops_messages_received_total',
    help: 'Messages accepted into the queue since the process started, by source (intake = the SMTP listener; cli = sendmail and the CLI)',
    labelNames: ['source'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'smtp_ops_intake_rejected_total',
    help: 'Connections and commands refused by the SMTP listener since the process started, by reason (client, connections, sender, address, parameter, size, recipients, auth, other)',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every known series exists from the first scrape, so rate() has a start.
  for (const o of OUTCOMES) deliveries.inc({ outcome: o, domain: OTHER_DOMAIN }, 0);
  for (const s of SOURCES) received.inc({ source: s }, 0);
  for (const r of REJECT_REASONS) rejected.inc({ reason: r }, 0);

  // Seeds read once, not per scrape: the last delivery, and the busiest domains.
  const domains = new DomainLabels(opts.topDomains ?? TOP_DOMAINS);
  const [lastSent, today, yesterday] = await Promise.all([
    engine.logList({ status: 'sent', limit: 1 }).catch(() => null),
    engine.report({ day: 'today' }).catch(() => null),
    engine.report({ day: 'yesterday' }).catch(() => null),
  ]);
  let lastSentAt = lastSent?.items[0]?.time ?? 0;
  lastDelivery.set(lastSentAt / 1000);
  domains.seed([...(today?.domains ?? []), ...(yesterday?.domains ?? [])].sort((a, b) => b.delivered - a.delivered).map((d) => d.domain));

  const onLog = (e: LogEntry) => {
    if (e.status === 'received') {
      received.inc({ source: e.source ?? 'api' });
      return;
    }
    if (!(OUTCOMES as readonly string[]).includes(e.status)) return;
    // Outcomes are one entry per recipient.
    for (const to of e.to) deliveries.inc({ outcome: e.status, domain: domains.label(domainOf(to)) });
    if (e.status === 'sent' && e.time > lastSentAt) {
      lastSentAt = e.time;
      lastDelivery.set(lastSentAt / 1000);
    }
  };
  const onEvent = (e: EventEntry) => {
    // Repeats are summarised in one event whose `count` says how many refusals it stands for.
    const count = typeof e.data?.count === 'number' && e.data.count > 0 ? e.data.count : 1;
    if (e.code === 'intake.rejected') {
      const given = e.data?.reason;
      const reason = typeof given === 'string' && given !== 'auth' && (REJECT_REASONS as readonly string[]).includes(given) ? given : 'other';
      rejected.inc({ reason }, count);
    } else if (e.code === 'intake.auth-failed') rejected.inc({ reason: 'auth' }, count);
  };
  const stop = engine.onJournal((log, events) => {
    for (const e of log) onLog(e);
    for (const e of events) onEvent(e);
  });

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close: stop,
  };
}
