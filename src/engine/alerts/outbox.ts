/**
 * The durable outbox: what each target must be shown, written to LevelDB before anything is
 * sent, and sent through the platform's sink with retries (backoff, Retry-After) through outages
 * and restarts.
 *
 * One record per (subject, target): the subject is an alert group, a day's report or a one-off
 * alert. A record holds the message posted for it (its ref, edited by later notices) and the
 * operations still to do, in order: `post` a new message, `edit` the posted one, post the
 * resolved `notice`. Notices are rendered when they are sent, so a backlog of changes during an
 * outage becomes one edit showing the latest state.
 *
 * Exactly once: every post has a stable key (`<subject>.<n>`). Before a post is sent its key is
 * written down (`unsure`); if the process dies or the connection drops before the answer, the next
 * attempt first asks the sink to find the message by that key, and sinks that can also pass the
 * key to the platform (Discord's nonce, the engine's submit) so it recognises a repeat.
 */
import { AlertDeliveryError } from '../errors.js';
import type { Clock } from '../facade.js';
import type { DailyReport } from '../reports/types.js';
import { K, prefixRange, type Op, type Store } from '../store.js';
import type { EventLevel } from '../types.js';
import { targetKey, type AlertNotice, type AlertNoticeKind, type AlertPlatform, type AlertSink, type AlertTarget, type AlertTargetStatus } from './types.js';

export type DeliveryOp = 'post' | 'edit' | 'notice';

/** One subject's notices for one target (`ao!<subject>!<target>`). */
export interface Delivery {
  subject: string;
  target: AlertTarget;
  /** The message posted for this subject (edited by later notices), or null before the first post. */
  ref: string | null;
  /** Posts made so far (the next post's key is `<subject>.<posts + 1>`). */
  posts: number;
  /** Still to do, in order. */
  ops: DeliveryOp[];
  /** What the next post shows. */
  postKind: AlertNoticeKind;
  /** Last notification number applied (a repeat of the same notification after a restart changes nothing). */
  seq: number;
  /** Nothing will be added any more: the record goes once its operations are done. */
  final: boolean;
  attempts: number;
  nextAt: number;
  failingSince: number | null;
  lastError: string | null;
  /** Key of a post that was sent but whose outcome is unknown. */
  unsure: string | null;
  unsureAt: number | null;
  createdAt: number;
  /** What non-group subjects show. */
  payload?: { report?: DailyReport; adhoc?: { level: EventLevel; title: string; text: string; time: number } };
}

/** What the rest of alerting does for the outbox. */
export interface OutboxDeps {
  store: Store;
  clock: Clock;
  /** The notice for an operation (null: its subject is gone, drop the record). */
  render(d: Delivery, op: DeliveryOp, key: string): AlertNotice | null;
  /** A call to this target succeeded. */
  delivered(target: AlertTarget): void;
  /** A call failed; the target has been failing since `since`. */
  failing(target: AlertTarget, since: number, error: string, pending: number): void;
  /** The last record of a subject is gone. */
  finished(subject: string): void;
  log(message: string): void;
}

/** Retry waits: 5 s, doubling, at most 5 minutes (a platform's Retry-After wins). */
export function backoffMs(attempts: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}

export class Outbox {
  private readonly recs = new Map<string, Delivery & { removed?: boolean }>();
  private readonly sinks = new Map<AlertPlatform, AlertSink>();
  private readonly busy = new Set<string>();
  private readonly lastCall = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private timer: unknown = null;
  private timerAt = Infinity;
  private immediate = false;
  private closed = false;
  private active = false;

  constructor(private readonly d: OutboxDeps) {}

  async load(): Promise<void> {
    for await (const [k, v] of this.d.store.db.iterator(prefixRange('ao!'))) this.recs.set(k, JSON.parse(v) as Delivery);
  }

  /** Start sending (the engine runs with its worker). */
  start(): void {
    this.active = true;
    this.schedule();
  }

  addSink(platform: AlertPlatform, sink: AlertSink): () => void {
    this.sinks.set(platform, sink);
    this.schedule();
    return () => {
      if (this.sinks.get(platform) === sink) this.sinks.delete(platform);
    };
  }

  hasSink(platform: AlertPlatform): boolean {
    return this.sinks.has(platform);
  }

  /**
   * Add a notification for a target and write it down. `seq` numbers the subject's
   * notifications: one already applied is ignored.
   */
  async enqueue(subject: string, target: AlertTarget, intent: 'post' | 'edit' | 'resolve', o: { seq: number; postKind?: AlertNoticeKind; final?: boolean; payload?: Delivery['payload']; extra?: Op[] }): Promise<void> {
    const key = K.outbox(subject, targetKey(target));
    const now = this.d.clock.now();
    const rec: Delivery = this.recs.get(key) ?? { subject, target, ref: null, posts: 0, ops: [], postKind: o.postKind ?? 'firing', seq: 0, final: false, attempts: 0, nextAt: now, failingSince: null, lastError: null, unsure: null, unsureAt: null, createdAt: now, ...(o.payload ? { payload: o.payload } : {}) };
    if (o.seq <= rec.seq) {
      if (o.extra?.length) await this.d.store.commit(o.extra, true);
      return;
    }
    rec.seq = o.seq;
    const idle = rec.ops.length === 0;
    const posting = rec.ops.includes('post');
    if (intent === 'post') {
      // A new post shows the latest state: edits waiting before it add nothing.
      rec.ops = rec.ops.filter((x) => x !== 'edit' && x !== 'post');
      rec.ops.unshift('post');
      rec.postKind = o.postKind ?? rec.postKind;
    } else if (intent === 'edit') {
      if (!posting && rec.posts === 0) {
        rec.ops.push('post');
      } else if (!posting && !rec.ops.includes('edit')) rec.ops.push('edit');
    } else {
      if (rec.posts === 0) {
        // Never shown: one post with the final state says it all.
        if (!posting) rec.ops.push('post');
      } else {
        if (!posting && !rec.ops.includes('edit')) rec.ops.push('edit');
        rec.ops.push('notice');
      }
      rec.final = true;
    }
    if (o.final) rec.final = true;
    if (idle) rec.nextAt = Math.max(now, rec.failingSince === null ? now : rec.nextAt);
    this.recs.set(key, rec);
    await this.save(key, rec, o.extra);
    this.schedule();
  }

  /** Ops that remove every record of a target (it was unsubscribed); applied in memory now. */
  removeTarget(target: AlertTarget): Op[] {
    const tk = targetKey(target);
    const ops: Op[] = [];
    for (const [k, r] of this.recs) {
      if (targetKey(r.target) !== tk) continue;
      r.removed = true;
      this.recs.delete(k);
      ops.push({ type: 'del', key: k });
    }
    return ops;
  }

  /** Subjects a target has records of. */
  targetSubjects(target: AlertTarget): string[] {
    const tk = targetKey(target);
    return [...this.recs.values()].filter((r) => targetKey(r.target) === tk).map((r) => r.subject);
  }

  /** Targets that have a record of a subject (were told about it). */
  targetsOf(subject: string): AlertTarget[] {
    return [...this.recs.values()].filter((r) => r.subject === subject).map((r) => r.target);
  }

  /** Records of a subject still in the outbox. */
  has(subject: string): boolean {
    for (const r of this.recs.values()) if (r.subject === subject) return true;
    return false;
  }

  /** Operations waiting over every target (what `status` adds up per target). */
  backlog(): number {
    let n = 0;
    for (const r of this.recs.values()) n += r.ops.length;
    return n;
  }

  /** Per target: what waits, since when it fails, the last error. */
  status(): AlertTargetStatus[] {
    const by = new Map<string, AlertTargetStatus>();
    for (const r of this.recs.values()) {
      const tk = targetKey(r.target);
      const s = by.get(tk) ?? { target: tk, pending: 0, failingSince: null, lastError: null, connected: this.sinks.has(r.target.platform) };
      s.pending += r.ops.length;
      if (r.failingSince !== null && (s.failingSince === null || r.failingSince < s.failingSince)) {
        s.failingSince = r.failingSince;
      }
      if (r.lastError) s.lastError = r.lastError;
      by.set(tk, s);
    }
    return [...by.values()].filter((s) => s.pending > 0 || s.failingSince !== null);
  }

  /** Stop sending; waits for calls under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.running]);
  }

  // ------------------------------------------------------------ sending

  private async save(key: string, rec: Delivery & { removed?: boolean }, extra: Op[] = []): Promise<void> {
    if (rec.removed) return;
    const { removed: _r, ...plain } = rec;
    void _r;
    await this.d.store.commit([{ type: 'put', key, value: JSON.stringify(plain) }, ...extra], true);
  }

  private async remove(key: string, rec: Delivery): Promise<void> {
    this.recs.delete(key);
    await this.d.store.commit([{ type: 'del', key }], true);
    if (!this.has(rec.subject)) this.d.finished(rec.subject);
  }

  private spacing(platform: AlertPlatform): number {
    return this.sinks.get(platform)?.spacingMs ?? 0;
  }

  /** When a record can go next. */
  private readyAt(r: Delivery): number {
    const tk = targetKey(r.target);
    const last = this.lastCall.get(tk);
    return Math.max(r.nextAt, last === undefined ? -Infinity : last + this.spacing(r.target.platform));
  }

  private schedule(): void {
    if (this.closed || !this.active) return;
    let at = Infinity;
    for (const r of this.recs.values()) {
      if (r.ops.length === 0 || !this.sinks.has(r.target.platform) || this.busy.has(targetKey(r.target))) continue;
      at = Math.min(at, this.readyAt(r));
    }
    if (at === Infinity) return;
    const now = this.d.clock.now();
    if (at <= now) {
      if (this.immediate) return;
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.run();
      });
      return;
    }
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    }, at - now);
  }

  private run(): void {
    if (this.closed) return;
    const now = this.d.clock.now();
    const next = new Map<string, [string, Delivery]>();
    for (const [k, r] of this.recs) {
      const tk = targetKey(r.target);
      if (r.ops.length === 0 || this.busy.has(tk) || !this.sinks.has(r.target.platform) || this.readyAt(r) > now) continue;
      const cur = next.get(tk);
      if (!cur || r.nextAt < cur[1].nextAt || (r.nextAt === cur[1].nextAt && r.createdAt < cur[1].createdAt)) next.set(tk, [k, r]);
    }
    for (const [tk, [k, r]] of next) {
      this.busy.add(tk);
      this.lastCall.set(tk, now);
      const p: Promise<void> = this.attempt(k, r)
        .catch((e) => this.d.log(`alert outbox: ${errorText(e)}`))
        .finally(() => {
          this.busy.delete(tk);
          this.lastCall.set(tk, this.d.clock.now());
          this.running.delete(p);
          this.schedule();
        });
      this.running.add(p);
    }
    this.schedule();
  }

  private async attempt(key: string, rec: Delivery & { removed?: boolean }): Promise<void> {
    const sink = this.sinks.get(rec.target.platform);
    if (!sink) return;
    let op = rec.ops[0];
    if (op === 'edit' && !sink.edit) {
      // The platform cannot edit (email): changes reach it with the next post.
      rec.ops.shift();
      return this.settle(key, rec);
    }
    if (op === 'edit' && rec.ref === null) {
      rec.ops[0] = 'post';
      op = 'post';
    }
    // An edit shows the key of the message it edits; a post the key of the message it creates.
    const postKey = op === 'notice' ? `${rec.subject}.r` : op === 'edit' ? `${rec.subject}.${rec.posts}` : `${rec.subject}.${rec.posts + 1}`;
    const notice = this.d.render(rec, op, postKey);
    if (!notice) return this.remove(key, rec);
    const now = this.d.clock.now();
    try {
      if (op === 'edit') {
        await sink.edit!(rec.target, rec.ref!, notice);
      } else {
        let ref: string | null = null;
        if (rec.unsure === postKey && sink.find) ref = await sink.find(rec.target, notice, rec.unsureAt ?? rec.createdAt);
        if (ref === null) {
          rec.unsure = postKey;
          rec.unsureAt = now;
          await this.save(key, rec);
          ref = await sink.post(rec.target, notice);
        }
        if (op === 'post') {
          rec.ref = ref;
          rec.posts++;
        }
      }
    } catch (e) {
      if (rec.removed) return;
      const err = e instanceof AlertDeliveryError ? e : null;
      if (err?.gone && op === 'edit') {
        // The message was deleted in the channel: post the card again.
        rec.ops[0] = 'post';
        rec.ref = null;
        await this.save(key, rec);
        return;
      }
      rec.attempts++;
      rec.failingSince ??= now;
      rec.lastError = errorText(e);
      rec.nextAt = now + (err?.retryAfterMs ?? backoffMs(rec.attempts));
      if (err?.definite) rec.unsure = null;
      await this.save(key, rec);
      this.d.failing(rec.target, this.failingSince(rec.target) ?? now, rec.lastError, this.pendingOf(rec.target));
      return;
    }
    if (rec.removed) return;
    rec.ops.shift();
    rec.attempts = 0;
    rec.failingSince = null;
    rec.lastError = null;
    rec.unsure = null;
    rec.unsureAt = null;
    rec.nextAt = now;
    this.clearFailing(rec.target);
    await this.settle(key, rec);
    this.d.delivered(rec.target);
  }

  private async settle(key: string, rec: Delivery): Promise<void> {
    if (rec.ops.length === 0 && rec.final) await this.remove(key, rec);
    else await this.save(key, rec);
  }

  /** A target that answered is no longer failing for any of its records (their next try is now). */
  private clearFailing(target: AlertTarget): void {
    const tk = targetKey(target);
    const now = this.d.clock.now();
    for (const [k, r] of this.recs) {
      if (targetKey(r.target) !== tk || r.failingSince === null) continue;
      r.failingSince = null;
      r.attempts = 0;
      r.nextAt = Math.min(r.nextAt, now);
      void this.save(k, r).catch((e) => this.d.log(`alert outbox: ${errorText(e)}`));
    }
  }

  private failingSince(target: AlertTarget): number | null {
    const tk = targetKey(target);
    let since: number | null = null;
    for (const r of this.recs.values()) if (targetKey(r.target) === tk && r.failingSince !== null && (since === null || r.failingSince < since)) since = r.failingSince;
    return since;
  }

  private pendingOf(target: AlertTarget): number {
    const tk = targetKey(target);
    let n = 0;
    for (const r of this.recs.values()) if (targetKey(r.target) === tk) n += r.ops.length;
    return n;
  }
}
