/**
 * Alert subscriptions and fan-out. Adapters register one sink per platform;
 * the engine sends warnings, errors and bounces to every subscribed channel
 * whose least level they reach. A burst is capped per minute and summarised,
 * so a storm of failures cannot flood a channel.
 */
import type { Actor, Alert, AlertSink, AlertSubscription, AlertTarget, EventEntry, EventLevel } from './types.js';
import { EVENT_LEVELS, actorKey } from './types.js';
import { ValidationError } from './errors.js';
import type { Clock } from './facade.js';
import { K, prefixRange, type Store } from './store.js';

const PER_MINUTE = 20;

export class Alerts {
  private readonly sinks = new Map<AlertTarget['platform'], AlertSink>();
  private windowStart = 0;
  private sentInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onSinkError: (target: AlertTarget, e: unknown) => void,
  ) {}

  addSink(platform: AlertTarget['platform'], sink: AlertSink): () => void {
    this.sinks.set(platform, sink);
    return () => {
      if (this.sinks.get(platform) === sink) this.sinks.delete(platform);
    };
  }

  async subscribe(target: AlertTarget, minLevel: EventLevel, actor: Actor): Promise<AlertSubscription> {
    checkTarget(target);
    if (!EVENT_LEVELS.includes(minLevel)) throw ValidationError.one('level', 'choice', `level must be one of ${EVENT_LEVELS.join(', ')} (got ${JSON.stringify(minLevel)})`);
    const sub: AlertSubscription = { ...target, minLevel, createdBy: actorKey(actor), createdAt: this.clock.now() };
    await this.store.commit([{ type: 'put', key: K.sub(target.platform, target.channel), value: JSON.stringify(sub) }], true);
    return sub;
  }

  async unsubscribe(target: AlertTarget): Promise<boolean> {
    checkTarget(target);
    const key = K.sub(target.platform, target.channel);
    if ((await this.store.get(key)) === undefined) return false;
    await this.store.commit([{ type: 'del', key }], true);
    return true;
  }

  async list(): Promise<AlertSubscription[]> {
    const out: AlertSubscription[] = [];
    for await (const [, v] of this.store.db.iterator(prefixRange('sub!'))) out.push(JSON.parse(v) as AlertSubscription);
    return out;
  }

  /** Deliver to the alert's own target, or to every matching subscription. Never throws. */
  async send(alert: Alert): Promise<void> {
    const targets: AlertTarget[] = alert.target ? [alert.target] : (await this.list()).filter((s) => rank(alert.level) >= rank(s.minLevel));
    if (targets.length === 0) return;
    if (!alert.target && !this.admit()) return;
    const pending = this.takeSuppressed();
    const text = pending > 0 ? `${alert.text}\n(${pending} more alerts were held back in the last minute; see the events log)` : alert.text;
    await Promise.all(
      targets.map(async (t) => {
        const sink = this.sinks.get(t.platform);
        if (!sink) return;
        try {
          await sink(t, { ...alert, text });
        } catch (e) {
          this.onSinkError(t, e);
        }
      }),
    );
  }

  /** Events just recorded: every warning and error goes out as an alert (bounces as `bounce`). */
  forward(events: readonly EventEntry[]): void {
    for (const e of events) {
      if (e.level === 'info') continue;
      void this.send({ kind: e.code === 'delivery.bounced' ? 'bounce' : 'event', level: e.level, title: e.code, text: e.message, time: e.time, data: { code: e.code, actor: e.actor } });
    }
  }

  private admit(): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    if (this.sentInWindow >= PER_MINUTE) {
      this.suppressed++;
      return false;
    }
    this.sentInWindow++;
    return true;
  }

  private takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}

function rank(l: EventLevel): number {
  return EVENT_LEVELS.indexOf(l);
}

function checkTarget(t: AlertTarget): void {
  if (t.platform !== 'slack' && t.platform !== 'discord') throw ValidationError.one('channel', 'platform', 'alerts can be subscribed from a Slack or Discord channel only');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(t.channel)) throw ValidationError.one('channel', 'format', 'channel must be a Slack or Discord channel id');
}
