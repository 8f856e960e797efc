/**
 * Alerting: every warning and error becomes part of an alert group (Alertmanager-style:
 * group_wait, group_interval, repeat_interval, resolved notices, silences), and every
 * notification goes through the durable outbox to the subscribed Slack and Discord channels
 * and email addresses. Deliveries call `attempted` after each delivery attempt; every system
 * event recorded through the rate-limited event log is counted as it happens (`occurred`), and
 * `observeEvents` hears everything else the journal writes.
 */
import type { Clock } from '../facade.js';
import type { DailyReport } from '../reports/types.js';
import type { Store } from '../store.js';
import type { Actor, EventEntry, EventLevel, QueueCounts, Settings } from '../types.js';
import type { Occurrence, RateLimitedEvents } from '../logs/rate-limited-events.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { BacklogWatch } from './backlog.js';
import { failureEvents, recoveries, type AttemptFacts } from './failure-events.js';
import { GroupStore } from './group-store.js';
import { addSignal, decide, markNotified, markResolved, newGroup, type AlertSignal, type Timing } from './groups.js';
import { codesClearedBy, kindOf, scopeOf } from './kinds.js';
import { Outbox, type Delivery, type DeliveryOp } from './outbox.js';
import { ReportSchedule } from './report-schedule.js';
import { Silences, parseDuration } from './silences.js';
import { Subscriptions, checkTarget, parseReportTime } from './subscriptions.js';
import { targetKey, type AdhocAlert, type AlertGroup, type AlertNotice, type AlertPlatform, type AlertScope, type AlertSilence, type AlertSink, type AlertStatus, type AlertSubscription, type AlertTarget, type ReportSubscription } from './types.js';

export { parseTarget, parseCodes, parseReportTime } from './subscriptions.js';
export { parseDuration } from './silences.js';
export type { AttemptFacts, RecipientOutcome } from './failure-events.js';
export { outcomesOf } from './failure-events.js';

/** A target failing this long records `alerts.undeliverable`. */
export const UNDELIVERABLE_AFTER_MS = 3_600_000;

export interface AlertServiceDeps {
  store: Store;
  clock: Clock;
  /** The engine's system events, rate limited: failures are written there and counted here as they occur. */
  events: RateLimitedEvents;
  settings(): Settings;
  queueCounts(): QueueCounts;
  report(day: string): Promise<DailyReport>;
  log(message: string): void;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** An SMTP reply code under another name (`intake.rejected` names the reply it sent `code`). */
function replyCode(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 200 && v <= 599 ? v : null;
}

/** An RFC 3463 status under another name (`intake.rejected` names it `status`). */
function enhancedStatus(v: unknown): string | null {
  return typeof v === 'string' && /^[245]\.\d{1,3}\.\d{1,3}$/.test(v) ? v : null;
}

/** A journal event as a signal groups count. */
function signalOf(e: { level: EventLevel; code: string; message: string; time: number; data?: Record<string, unknown> }, count: number, alertMail = false): AlertSignal {
  const d = e.data ?? {};
  const reasons = Array.isArray(d.reasons)
    ? (d.reasons as { smtpCode: number | null; enhanced: string; stage: AlertSignal['reasons'][number]['stage']; text: string; recipients: number }[]).map((r) => ({ smtpCode: r.smtpCode, enhanced: r.enhanced, stage: r.stage, text: r.text, count: r.recipients }))
    : [{ smtpCode: num(d.smtpCode) ?? replyCode(d.code), enhanced: str(d.enhanced) ?? enhancedStatus(d.status), stage: null, text: e.message, count }];
  return {
    level: e.level,
    code: e.code,
    message: e.message,
    time: e.time,
    scope: scopeOf(e.code, d),
    count,
    ...(str(d.id) ? { messageId: d.id as string, recipients: num(d.recipients) ?? 1 } : {}),
    alertMail,
    reasons,
  };
}

export class AlertService {
  readonly subscriptions: Subscriptions;
  readonly silences: Silences;
  private readonly groups: GroupStore;
  private readonly outbox: Outbox;
  private readonly backlog: BacklogWatch;
  private readonly schedule: ReportSchedule;
  /** Targets whose `alerts.undeliverable` was recorded in this failing streak. */
  private readonly undeliverable = new Set<string>();
  private timer: unknown = null;
  private timerAt = Infinity;
  private ticking = false;
  private tickAgain = false;
  private started = false;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(private readonly d: AlertServiceDeps) {
    this.subscriptions = new Subscriptions(d.store, d.clock);
    this.silences = new Silences(d.store, d.clock);
    this.groups = new GroupStore(d.store, () => d.clock.now(), (e) => d.log(`alert groups not saved: ${(e as Error).message}`));
    this.outbox = new Outbox({
      store: d.store,
      clock: d.clock,
      render: (rec, op, key) => this.render(rec, op, key),
      delivered: (t) => this.delivered(t),
      failing: (t, since, error, pending) => this.failing(t, since, error, pending),
      finished: (subject) => this.finished(subject),
      log: d.log,
    });
    this.backlog = new BacklogWatch({
      store: d.store,
      clock: d.clock,
      settings: d.settings,
      counts: d.queueCounts,
      firing: () => this.groups.firing('queue.backlog', { kind: 'queue', value: '' }) !== undefined,
      record: (level, code, message, data) => this.record(level, code, message, data),
    });
    this.schedule = new ReportSchedule({
      clock: d.clock,
      zone: () => d.settings().timezone,
      list: () => this.subscriptions.reportList(),
      fire: (sub, day) => this.fireReport(sub, day),
      log: d.log,
    });
  }

  static async open(d: AlertServiceDeps): Promise<AlertService> {
    const s = new AlertService(d);
    await s.subscriptions.load();
    await s.silences.load();
    await s.outbox.load();
    await s.groups.load((g) => s.outbox.has(g.id));
    d.events.observe((o) => s.occurred(o));
    return s;
  }

  /** Start the timers and the outbox (the engine runs its worker). */
  start(): void {
    this.started = true;
    this.outbox.start();
    this.backlog.start();
    this.schedule.start();
    this.wake(this.d.clock.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.backlog.stop();
    this.schedule.stop();
    await Promise.all([...this.pending]);
    while (this.ticking) await new Promise((r) => setTimeout(r, 5));
    await this.outbox.close();
    await this.groups.settled();
  }

  // ------------------------------------------------------------ failures in

  /** One delivery attempt: what got through clears groups, every failure is an event. */
  async attempted(facts: AttemptFacts, alertMail: boolean): Promise<void> {
    const ok = recoveries(facts);
    if (ok.relay) this.recover({ kind: 'relay', value: ok.relay });
    for (const domain of ok.domains) this.recover({ kind: 'domain', value: domain });
    for (const ev of failureEvents(facts)) await this.record(ev.level, ev.code, ev.message, ev.data as unknown as Record<string, unknown>, alertMail);
  }

  /**
   * A system event of the engine, recorded through the rate-limited event log: counted into its
   * group at once (`occurred`), written to the event log at most once a minute per code and place;
   * the repeats in between are written as one summary event whose `data.count` says how many it
   * stands for.
   */
  record(level: EventLevel, code: string, message: string, data: Record<string, unknown> = {}, alertMail = false): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.d.events.record(level, code, message, data, { alertMail });
  }

  /** One occurrence of a system event, as it is recorded (before rate limiting). */
  private occurred(o: Occurrence): void {
    if (this.closed) return;
    if (o.level === 'info') this.clearBy(o.code);
    else this.observe(signalOf(o, 1, o.alertMail));
  }

  /** Events others wrote (the journal's listener): warnings and errors are counted, info events may clear groups. */
  observeEvents(events: readonly EventEntry[]): void {
    for (const e of events) {
      // The rate-limited log's own events were counted as they occurred.
      if (this.d.events.wrote(e)) continue;
      if (e.level === 'info') {
        this.clearBy(e.code);
        continue;
      }
      const count = num(e.data?.count) ?? 1;
      this.observe(signalOf(e, Math.max(1, count)));
    }
  }

  private observe(s: AlertSignal): void {
    if (this.closed) return;
    let g = this.groups.firing(s.code, s.scope);
    if (!g) {
      g = newGroup(this.groups.newId(), s);
      this.groups.add(g);
    }
    const first = s.messageId ? this.groups.member(g.id, s.messageId) : false;
    addSignal(g, s, first);
    this.groups.touch(g.id);
    this.wakeFor(g);
  }

  /** Mail got through to this place: its groups that clear on recovery resolve at their next notification. */
  private recover(scope: AlertScope): void {
    const now = this.d.clock.now();
    const value = scope.value.toLowerCase();
    for (const g of this.groups.all()) {
      if (g.state !== 'firing' || g.scope.kind !== scope.kind || g.scope.value.toLowerCase() !== value) continue;
      if (kindOf(g.code).clears !== 'recovery' || (g.recoveredAt !== null && g.recoveredAt >= g.lastAt)) continue;
      g.recoveredAt = now;
      this.groups.touch(g.id);
      this.wakeFor(g);
    }
  }

  private clearBy(code: string): void {
    const codes = codesClearedBy(code);
    if (codes.length === 0) return;
    const now = this.d.clock.now();
    for (const g of this.groups.all()) {
      if (g.state !== 'firing' || !codes.includes(g.code)) continue;
      g.recoveredAt = now;
      this.groups.touch(g.id);
      this.wakeFor(g);
    }
  }

  // ------------------------------------------------------------ lifecycle

  private timing(): Timing {
    const s = this.d.settings();
    return { wait: s.alertGroupWait * 1000, interval: s.alertGroupInterval * 1000, repeat: s.alertRepeatInterval * 1000, retryMax: s.retryMax * 1000 };
  }

  private wakeFor(g: AlertGroup): void {
    const dec = decide(g, this.d.clock.now(), kindOf(g.code).clears, this.timing(), this.silences.covering(g) !== undefined);
    this.wake(dec.action === 'none' ? dec.at : this.d.clock.now());
  }

  /** Run the lifecycle at `at` (or sooner if it is already due). */
  private wake(at: number | null): void {
    if (!this.started || this.closed || at === null) return;
    const now = this.d.clock.now();
    if (at <= now) {
      if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
      setImmediate(() => void this.tick());
      return;
    }
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      void this.tick();
    }, at - now);
  }

  /** Look at every open group: notify, repeat, resolve; then sleep until the next thing is due. */
  private async tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    let next: number | null = null;
    try {
      do {
        this.tickAgain = false;
        next = null;
        const now = this.d.clock.now();
        const timing = this.timing();
        for (const g of this.groups.all()) {
          if (this.closed) return;
          const dec = decide(g, now, kindOf(g.code).clears, timing, this.silences.covering(g) !== undefined);
          try {
            if (dec.action === 'notify') await this.notify(g, dec.kind, now);
            else if (dec.action === 'resolve') await this.resolve(g, dec.resolution, now);
            else if (dec.action === 'drop') this.groups.release(g.id, true);
            else if (dec.at !== null) next = next === null ? dec.at : Math.min(next, dec.at);
          } catch (e) {
            this.d.log(`alert group ${g.id}: ${(e as Error).message}`);
            next = now + 5_000;
          }
          if (dec.action === 'notify') {
            const after = decide(g, now, kindOf(g.code).clears, timing, false);
            if (after.action === 'none' && after.at !== null) next = next === null ? after.at : Math.min(next, after.at);
          }
        }
        const mute = this.silences.nextEnd();
        if (mute !== null) next = next === null ? mute : Math.min(next, mute);
      } while (this.tickAgain && !this.closed);
    } finally {
      this.ticking = false;
    }
    this.wake(next);
  }

  /** Targets a group goes to now. */
  private targetsFor(g: AlertGroup): AlertSubscription[] {
    return this.subscriptions.matching(g.code, g.level).filter((s) => {
      // A target does not hear that it cannot be reached (it would not hear it anyway).
      if (g.code === 'alerts.undeliverable' && targetKey(s) === g.scope.value) return false;
      // Failures of alert emails alone are not emailed (they would fail the same way).
      if (s.platform === 'email' && g.messages > 0 && g.alertMail >= g.messages) return false;
      return true;
    });
  }

  private async notify(g: AlertGroup, kind: 'firing' | 'update' | 'repeat', now: number): Promise<void> {
    const seq = g.notified.count + 1;
    for (const t of this.targetsFor(g)) {
      await this.outbox.enqueue(g.id, t, kind === 'update' ? 'edit' : 'post', { seq, postKind: kind });
    }
    markNotified(g, kind, now);
    this.groups.touch(g.id);
  }

  private async resolve(g: AlertGroup, resolution: string, now: number): Promise<void> {
    const seq = g.notified.count + 1;
    for (const t of this.outbox.targetsOf(g.id)) await this.outbox.enqueue(g.id, t, 'resolve', { seq, final: true });
    markResolved(g, resolution, now);
    this.groups.close(g.id);
    if (!this.outbox.has(g.id)) this.groups.release(g.id, false);
  }

  private finished(subject: string): void {
    const g = this.groups.get(subject);
    if (g && g.state === 'resolved') this.groups.release(subject, false);
  }

  // ------------------------------------------------------------ outbox callbacks

  private render(rec: Delivery, op: DeliveryOp, key: string): AlertNotice | null {
    const now = this.d.clock.now();
    if (rec.payload?.report) return { key, kind: 'report', level: 'info', title: `SMTP report ${rec.payload.report.day}`, time: now, report: rec.payload.report, notes: [] };
    if (rec.payload?.adhoc) {
      const a = rec.payload.adhoc;
      return { key, kind: 'event', level: a.level, title: a.title, text: a.text, time: a.time, notes: [] };
    }
    const g = this.groups.get(rec.subject);
    if (!g) return null;
    const kind = kindOf(g.code);
    const notes: string[] = [];
    if (kind.mailPath && g.state === 'firing' && rec.target.platform !== 'email') {
      const emails = this.targetsFor(g).filter((s) => s.platform === 'email').map((s) => s.channel);
      if (emails.length) notes.push(`Email alerts to ${emails.join(', ')} wait in the queue behind this failure, like any mail.`);
    }
    const silence = this.silences.covering(g);
    if (silence && g.state === 'firing') notes.push(`Muted until ${new Date(silence.until).toISOString().replace('T', ' ').slice(0, 16)} UTC (${silence.kind} ${silence.match}): changes are not posted meanwhile.`);
    return {
      key,
      kind: op === 'notice' ? 'resolved' : op === 'edit' ? 'update' : rec.postKind,
      level: g.level,
      title: kind.title(g.scope),
      time: now,
      group: JSON.parse(JSON.stringify(g)) as AlertGroup,
      hint: kind.hint,
      mailWaits: kind.mailPath === true,
      notes,
    };
  }

  private delivered(t: AlertTarget): void {
    const tk = targetKey(t);
    this.undeliverable.delete(tk);
    this.recover({ kind: 'target', value: tk });
  }

  private failing(t: AlertTarget, since: number, error: string, pending: number): void {
    const tk = targetKey(t);
    const now = this.d.clock.now();
    if (now - since < UNDELIVERABLE_AFTER_MS || this.undeliverable.has(tk)) return;
    this.undeliverable.add(tk);
    const minutes = Math.round((now - since) / 60_000);
    this.track(this.record('error', 'alerts.undeliverable', `alerts to ${tk} could not be delivered for ${minutes} min (${pending} waiting): ${error}`, { target: tk, since, lastError: error, pending }));
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.d.log(`alerts: ${(e as Error).message}`));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  // ------------------------------------------------------------ reports and one-offs

  private async fireReport(sub: ReportSubscription, day: string): Promise<void> {
    const report = await this.d.report(day);
    await this.outbox.enqueue(`rep-${day}`, sub, 'post', { seq: 1, postKind: 'report', final: true, payload: { report }, extra: [this.subscriptions.reportSentOp(sub, day)] });
  }

  async adhoc(a: AdhocAlert): Promise<void> {
    if (!a || typeof a.title !== 'string' || typeof a.text !== 'string') throw ValidationError.one('alert', 'required', 'an alert needs a level, a title and a text');
    const targets: AlertTarget[] = a.target ? [checkTarget(a.target)] : this.subscriptions.list().filter((s) => s.codes.length === 0 && ['info', 'warning', 'error'].indexOf(a.level) >= ['info', 'warning', 'error'].indexOf(s.minLevel));
    const subject = `adh-${this.groups.newId()}`;
    const adhoc = { level: a.level, title: a.title.slice(0, 200), text: a.text.slice(0, 3000), time: this.d.clock.now() };
    for (const t of targets) await this.outbox.enqueue(subject, t, 'post', { seq: 1, postKind: 'event', final: true, payload: { adhoc } });
  }

  // ------------------------------------------------------------ commands

  async subscribe(target: AlertTarget, minLevel: EventLevel, actor: Actor, codes: string[] = []): Promise<AlertSubscription> {
    return this.subscriptions.subscribe(target, minLevel, actor, codes);
  }

  /** Remove a target's subscription and the notices still waiting for it. */
  async unsubscribe(target: AlertTarget): Promise<boolean> {
    const t = checkTarget(target);
    const { ops, had } = this.subscriptions.unsubscribeOps(t);
    const subjects = this.outbox.targetSubjects(t);
    const dropped = this.outbox.removeTarget(t);
    await this.d.store.commit([...ops, ...dropped], true);
    this.subscriptions.forget(t);
    // A resolved group whose last notice was for this target is done.
    for (const subject of subjects) if (!this.outbox.has(subject)) this.finished(subject);
    return had;
  }

  list(): AlertSubscription[] {
    return this.subscriptions.list();
  }

  async subscribeReport(target: AlertTarget, at: string, actor: Actor): Promise<ReportSubscription> {
    const time = parseReportTime(at);
    const sub = await this.subscriptions.subscribeReport(target, time, actor, this.schedule.currentDay(time));
    this.schedule.reschedule();
    return sub;
  }

  async unsubscribeReport(target: AlertTarget): Promise<boolean> {
    const had = await this.subscriptions.unsubscribeReport(target);
    this.schedule.reschedule();
    return had;
  }

  reportList(): ReportSubscription[] {
    return this.subscriptions.reportList();
  }

  async mute(match: string, duration: string, actor: Actor): Promise<AlertSilence> {
    const ms = parseDuration(duration);
    const s = await this.silences.mute(match, ms, actor);
    this.wake(s.until);
    return s;
  }

  async unmute(match: string): Promise<AlertSilence | null> {
    const s = await this.silences.unmute(match);
    // What the silence held back goes out now.
    if (s) this.wake(this.d.clock.now());
    return s;
  }

  silenceList(): AlertSilence[] {
    return this.silences.list();
  }

  /** Open groups, newest first. */
  groupList(): AlertGroup[] {
    return this.groups.all().sort((a, b) => b.lastAt - a.lastAt);
  }

  async group(id: string): Promise<AlertGroup> {
    if (typeof id !== 'string' || !/^[0-9a-z]{9,20}$/.test(id)) throw ValidationError.one('group', 'format', `a group id is 9 to 20 lowercase letters and digits (got ${JSON.stringify(String(id).slice(0, 40))})`);
    const g = await this.groups.read(id);
    if (!g) throw new NotFoundError(`alert group ${id}`);
    return g;
  }

  /** Notices waiting in the outbox (posts, edits, resolved notices not yet delivered). */
  outboxBacklog(): number {
    return this.outbox.backlog();
  }

  status(): AlertStatus {
    const firing = this.groups.all().filter((g) => g.state === 'firing');
    return { firing: firing.length, muted: firing.filter((g) => this.silences.covering(g)).length, targets: this.outbox.status() };
  }

  addSink(platform: AlertPlatform, sink: AlertSink): () => void {
    return this.outbox.addSink(platform, sink);
  }

  /** Everything changed so far is written (tests, benchmarks). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
    await this.groups.settled();
  }
}
