/**
 * The durable queue. Every state change is one LevelDB batch that moves the
 * message between indexes and rewrites the counts, so counts are O(1) and
 * always agree with the indexes. Messages being sent are owned by the worker
 * (`inflight`); operator actions check it first.
 */
import type { Actor, EventEntry, LogEntry, Page, ProgressFn, QueueCounts, MessageBody, QueueItem, QueueQuery, QueueState, RecipientResult } from '../types.js';
import { QUEUE_STATES, actorKey } from '../types.js';
import { ErrorCode, NotFoundError, SmtpOpsError, ValidationError } from '../errors.js';
import type { Clock } from '../facade.js';
import { K, dueOf, idOf, prefixRange, type Op, type Store } from '../store.js';
import type { Journal } from '../journal.js';
import { pageKeys } from '../logs/pager.js';
import { backoffSeconds, expired, type RetryPolicy } from './backoff.js';

/** What is stored under `m!<id>`. */
export interface QueueRecord extends QueueItem {
  messageId: string;
  /** Time of the `d!` key while queued/deferred, else null. */
  due: number | null;
  client?: string;
  /** BODY= as declared at intake (or 8BITMIME found in the bytes of another submission); absent = 7-bit. */
  body?: MessageBody;
  /** SMTPUTF8 was declared at intake (or a non-ASCII address or header found in another submission). */
  smtputf8?: true;
}

type Counts = Record<QueueState, number>;

const CHUNK = 1000;
const ID_RE = /^[0-9a-z]{13,40}$/;

export function checkId(id: string): void {
  if (typeof id !== 'string' || !ID_RE.test(id)) throw ValidationError.one('id', 'format', `id must be a queue id as shown by "queue list" (13 or more lowercase letters and digits) (got ${JSON.stringify(String(id).slice(0, 60))})`);
}

/** A tiny async mutex: operator actions and claims take turns. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class Queue {
  private counts: Counts = { queued: 0, sending: 0, deferred: 0, held: 0 };
  /** Messages claimed by the worker, by id. `deleted` is set when an operator deletes one mid-send; `flushed` when a flush came during the send. */
  readonly inflight = new Map<string, QueueRecord & { deleted?: boolean; flushed?: boolean }>();
  private readonly mutex = new Mutex();
  /** While a delete-all runs, the worker claims nothing. */
  private deleting = false;
  /** Counts changed since the last batch was formed. */
  private countsDirty = false;
  /** Bodies of messages just submitted, so the first attempt need not read them back; bounded. */
  private readonly bodies = new Map<string, Buffer>();
  private bodyBytes = 0;
  /**
   * No live due key is below this time. Scans of the due index start here
   * instead of at `d!`, so they do not walk over the deletion markers of every
   * message already sent (LevelDB keeps those until compaction).
   */
  private lowWater = 0;
  /** Scans in progress, each with the least due time put since it began (a put racing a scan must not be skipped). */
  private readonly scans = new Set<{ min: number }>();
  /** Due times put in batches formed but not yet written: a scan cannot see them yet. */
  private readonly unwritten = new Set<{ min: number }>();
  /** Least due time noted since the last `track()`: ops being formed right now. */
  private forming = Infinity;

  private constructor(
    private readonly store: Store,
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {
    store.onGroup(() => {
      if (!this.countsDirty) return null;
      this.countsDirty = false;
      return { type: 'put', key: K.counts, value: JSON.stringify(this.counts) };
    });
  }

  /** Open the queue; messages left in `sending` by a crash go back to `queued` (at-least-once). */
  static async open(store: Store, journal: Journal, clock: Clock): Promise<Queue> {
    const q = new Queue(store, journal, clock);
    const saved = await store.getJson<Counts>(K.counts);
    if (saved) q.counts = { ...q.counts, ...saved };
    const stuck = await store.keys(prefixRange('s!sending!'));
    for (let i = 0; i < stuck.length; i += CHUNK) {
      const ids = stuck.slice(i, i + CHUNK).map(idOf);
      const recs = await store.getMany<QueueRecord>(ids.map(K.msg));
      const ops: Op[] = [];
      const now = clock.now();
      recs.forEach((r, j) => {
        if (!r) {
          ops.push({ type: 'del', key: K.state('sending', ids[j]) });
          q.counts.sending = Math.max(0, q.counts.sending - 1);
          q.countsDirty = true;
          return;
        }
        ops.push(...q.move({ ...r, state: 'sending', due: null }, 'queued', now));
      });
      await q.track(store.commit(ops, true));
    }
    return q;
  }

  // ------------------------------------------------------------ reads

  getCounts(oldest: number | null): QueueCounts {
    const c = this.counts;
    return { ...c, total: c.queued + c.sending + c.deferred + c.held, oldest };
  }

  async oldest(): Promise<number | null> {
    const [k] = await this.store.keys({ ...prefixRange('m!'), limit: 1 });
    if (!k) return null;
    const r = await this.store.getJson<QueueRecord>(K.msg(idOf(k)));
    return r ? r.createdAt : null;
  }

  async list(q: QueueQuery = {}): Promise<Page<QueueItem>> {
    if (q.state !== undefined && !QUEUE_STATES.includes(q.state)) {
      throw ValidationError.one('state', 'choice', `state must be one of ${QUEUE_STATES.join(', ')} (got ${JSON.stringify(q.state)})`);
    }
    if (q.order !== undefined && q.order !== 'newest' && q.order !== 'oldest') throw ValidationError.one('order', 'choice', 'order must be newest or oldest');
    const prefix = q.state ? `s!${q.state}!` : 'm!';
    const load = async (ids: string[]) => (await this.store.getMany<QueueRecord>(ids.map(K.msg))).map((r) => (r ? this.overlay(r) : undefined));
    return pageKeys(this.store, prefix, q, load, undefined, q.order ?? 'newest');
  }

  async get(id: string): Promise<QueueRecord> {
    checkId(id);
    const r = this.inflight.get(id) ?? (await this.store.getJson<QueueRecord>(K.msg(id)));
    if (!r || (r as { deleted?: boolean }).deleted) throw new NotFoundError(`message ${id}`);
    return this.overlay(r);
  }

  async body(id: string): Promise<Buffer | undefined> {
    return this.bodies.get(id) ?? this.store.getBinary(K.body(id));
  }

  /** The earliest due time, or null. */
  async nextDue(): Promise<number | null> {
    const k = await this.firstDue(Infinity, 1);
    return k[0] ? dueOf(k[0]) : null;
  }

  // ------------------------------------------------------------ writes

  /** Ops that put a new message in the queue, due now. */
  submitOps(rec: QueueRecord, raw: Buffer): Op[] {
    this.counts.queued++;
    this.countsDirty = true;
    this.cacheBody(rec.id, raw);
    return [
      { type: 'put', key: K.body(rec.id), value: raw, valueEncoding: 'view' },
      { type: 'put', key: K.msg(rec.id), value: JSON.stringify(rec) },
      { type: 'put', key: K.state('queued', rec.id), value: '' },
      { type: 'put', key: K.due(this.noteDue(rec.due ?? rec.createdAt), rec.id), value: '' },
    ];
  }

  /** Claim up to `max` due messages for delivery (they move to `sending`). */
  claimDue(max: number): Promise<QueueRecord[]> {
    if (this.deleting || max <= 0) return Promise.resolve([]);
    return this.mutex.run(async () => {
      if (this.deleting) return [];
      const now = this.clock.now();
      const keys = await this.firstDue(now, max + this.inflight.size);
      const ids = keys.map(idOf).filter((id) => !this.inflight.has(id)).slice(0, max);
      if (ids.length === 0) return [];
      const recs = await this.store.getMany<QueueRecord>(ids.map(K.msg));
      const ops: Op[] = [];
      const claimed: QueueRecord[] = [];
      recs.forEach((r, i) => {
        if (!r) {
          ops.push({ type: 'del', key: keys[i] });
          return;
        }
        if (r.state !== 'queued' && r.state !== 'deferred') return;
        // The m! record is not rewritten: s!sending and `inflight` say it is being sent,
        // and start-up recovery treats everything under s!sending as sending.
        if (r.due !== null) ops.push({ type: 'del', key: K.due(r.due, r.id) });
        ops.push({ type: 'del', key: K.state(r.state, r.id) }, { type: 'put', key: K.state('sending', r.id), value: '' });
        this.counts[r.state] = Math.max(0, this.counts[r.state] - 1);
        this.counts.sending++;
        this.countsDirty = true;
        const sending: QueueRecord = { ...r, state: 'sending', due: null, nextAttempt: null };
        this.inflight.set(r.id, sending);
        claimed.push(sending);
      });
      if (ops.length > 0) await this.store.commit(ops);
      return claimed;
    });
  }

  /**
   * Record the outcome of one attempt. Sent and bounced recipients leave the
   * message; if any are deferred it waits for its next try (or expires).
   * Returns the log entries written.
   */
  async complete(rec: QueueRecord, results: RecipientResult[], policy: RetryPolicy): Promise<LogEntry[]> {
    const now = this.clock.now();
    const live = this.inflight.get(rec.id);
    const deleted = live?.deleted === true;
    const attempt = rec.attempts + 1;
    const log: LogEntry[] = [];
    const byTo = new Map(results.map((r) => [r.to.toLowerCase(), r]));
    const deferred: string[] = [];
    const delivered = [...(rec.delivered ?? [])];
    let lastError: string | null = null;
    let deferError: string | null = null;
    const lifetimeOver = expired(rec.createdAt, now, policy);
    for (const to of rec.to) {
      const r = byTo.get(to.toLowerCase()) ?? { to, status: 'deferred' as const, response: 'no result for this recipient (connection lost)', failure: 'protocol' as const };
      const base = { id: rec.id, messageId: rec.messageId, from: rec.from, to: [to], size: rec.size, host: r.host, code: r.code, failure: r.failure, delay: now - rec.createdAt, attempt, source: rec.source };
      if (r.status === 'sent') {
        delivered.push(to);
        log.push(this.journal.entry({ ...base, status: 'sent', response: r.response }, now));
      } else if (r.status === 'bounced') {
        log.push(this.journal.entry({ ...base, status: 'bounced', response: r.response }, now));
        lastError = r.response;
      } else if (deleted) {
        lastError = r.response;
      } else if (lifetimeOver) {
        log.push(this.journal.entry({ ...base, status: 'expired', response: `message expired after ${Math.round(policy.maxQueueLifetime / 3600)}h in the queue; last error: ${r.response}` }, now));
        lastError = r.response;
      } else {
        deferred.push(to);
        log.push(this.journal.entry({ ...base, status: 'deferred', response: r.response }, now));
        deferError ??= r.response;
      }
    }
    const ops: Op[] = [];
    if (deleted) {
      // Deleted while being sent: its keys are gone already; just log what happened.
    } else if (deferred.length === 0) {
      ops.push(...this.removeOps(rec, 'sending'));
    } else {
      const next: QueueRecord = { ...rec, to: deferred, delivered, attempts: attempt, lastError: deferError ?? lastError };
      // A flush during the attempt asked for every message now: this one too, not after its backoff.
      const due = live?.flushed ? now : now + backoffSeconds(attempt, policy) * 1000;
      ops.push(...this.move(next, 'deferred', due));
    }
    if (deferred.length > 0 || deleted) this.dropBody(rec.id);
    try {
      await this.track(this.journal.commit({ ops, log }));
    } finally {
      this.inflight.delete(rec.id);
    }
    return log;
  }

  /** Make every queued and deferred message due now; one being sent is retried at once if its attempt defers. Returns how many. */
  flush(onProgress?: ProgressFn): Promise<number> {
    return this.mutex.run(async () => {
      const now = this.clock.now();
      // Messages being sent are retried at once if this attempt defers them (see complete()).
      // Counted by id: one whose deferral lands during the scan has a due key as well, and counts once.
      const counted = new Set<string>();
      for (const live of this.inflight.values()) {
        if (live.deleted) continue;
        live.flushed = true;
        counted.add(live.id);
      }
      const total = this.counts.queued + this.counts.deferred + counted.size;
      let bound = 'd!';
      onProgress?.({ done: counted.size, total, label: 'flushing' });
      for (;;) {
        const keys = await this.store.keys({ gt: bound, lt: 'd!\xff', limit: CHUNK });
        if (keys.length === 0) break;
        bound = keys[keys.length - 1];
        const later = keys.filter((k) => dueOf(k) > now);
        for (const k of keys) if (dueOf(k) <= now) counted.add(idOf(k));
        const ids = later.map(idOf);
        const recs = await this.store.getMany<QueueRecord>(ids.map(K.msg));
        const ops: Op[] = [];
        recs.forEach((r, i) => {
          if (!r || (r.state !== 'queued' && r.state !== 'deferred')) return;
          ops.push({ type: 'del', key: later[i] });
          const next = { ...r, due: now, nextAttempt: now };
          ops.push({ type: 'put', key: K.msg(r.id), value: JSON.stringify(next) }, { type: 'put', key: K.due(this.noteDue(now), r.id), value: '' });
          // A due key exists, so its deferral is on disk even if the worker has not let go of it yet (then it was counted above).
          counted.add(r.id);
        });
        if (ops.length > 0) await this.track(this.store.commit(ops));
        onProgress?.({ done: counted.size, total: Math.max(total, counted.size), label: 'flushing' });
        if (keys.length < CHUNK) break;
      }
      return counted.size;
    });
  }

  /** Delete every message queued when it starts; those being sent are not re-queued. */
  async deleteAll(onProgress?: ProgressFn): Promise<number> {
    this.deleting = true;
    try {
      return await this.mutex.run(async () => {
        const [last] = await this.store.keys({ ...prefixRange('m!'), reverse: true, limit: 1 });
        if (!last) return 0;
        const total = this.getCounts(null).total;
        let done = 0;
        let bound = 'm!';
        onProgress?.({ done, total, label: 'deleting' });
        for (;;) {
          const keys = await this.store.keys({ gt: bound, lte: last, limit: CHUNK });
          if (keys.length === 0) break;
          bound = keys[keys.length - 1];
          const ids = keys.map(idOf);
          const recs = await this.store.getMany<QueueRecord>(ids.map(K.msg));
          const ops: Op[] = [];
          recs.forEach((r, i) => {
            const live = this.inflight.get(ids[i]);
            if (live) {
              live.deleted = true;
              ops.push(...this.removeOps(live, 'sending'));
            } else if (r) ops.push(...this.removeOps(r, r.state));
            else ops.push({ type: 'del', key: keys[i] });
            done++;
          });
          await this.store.commit(ops, keys.length < CHUNK);
          onProgress?.({ done, total: Math.max(total, done), label: 'deleting' });
          if (keys.length < CHUNK) break;
        }
        return done;
      });
    } finally {
      this.deleting = false;
    }
  }

  /** Delete one message; `eventOf` is the event that reports it, written in the same batch. */
  deleteOne(id: string, actor: Actor, eventOf: (r: QueueRecord) => EventEntry): Promise<QueueRecord> {
    checkId(id);
    return this.mutex.run(async () => {
      const live = this.inflight.get(id);
      const r = live ?? (await this.store.getJson<QueueRecord>(K.msg(id)));
      if (!r || live?.deleted) throw new NotFoundError(`message ${id}`);
      if (live) live.deleted = true;
      const now = this.clock.now();
      const entry = this.journal.entry({ status: 'deleted', id, messageId: r.messageId, from: r.from, to: r.to, size: r.size, response: `deleted by ${actorKey(actor)}`, delay: now - r.createdAt, source: r.source }, now);
      await this.journal.commit({ ops: this.removeOps(r, live ? 'sending' : r.state), log: [entry], events: [eventOf(r)], sync: true });
      return r;
    });
  }

  /** Hold a message; `event` reports it and is written in the same batch. */
  hold(id: string, event: EventEntry): Promise<QueueRecord> {
    checkId(id);
    return this.mutex.run(async () => {
      if (this.inflight.has(id)) throw new SmtpOpsError(ErrorCode.Conflict, `message ${id} is being sent right now; try again in a moment`);
      const r = await this.store.getJson<QueueRecord>(K.msg(id));
      if (!r) throw new NotFoundError(`message ${id}`);
      if (r.state === 'held') throw new SmtpOpsError(ErrorCode.Conflict, `message ${id} is already held`);
      const ops = this.move(r, 'held', null);
      await this.journal.record(event, ops, { sync: true });
      return { ...r, state: 'held' };
    });
  }

  /** Release a held message, due now; `event` reports it and is written in the same batch. */
  release(id: string, event: EventEntry): Promise<QueueRecord> {
    checkId(id);
    return this.mutex.run(async () => {
      const r = this.inflight.has(id) ? undefined : await this.store.getJson<QueueRecord>(K.msg(id));
      if (!r) throw new NotFoundError(`message ${id}`);
      if (r.state !== 'held') throw new SmtpOpsError(ErrorCode.Conflict, `message ${id} is ${r.state}, not held`);
      const ops = this.move(r, 'queued', this.clock.now());
      await this.track(this.journal.record(event, ops, { sync: true }));
      return { ...r, state: 'queued' };
    });
  }

  // ------------------------------------------------------------ bulk, by id (filtered flush, delete, hold, release)

  /**
   * Apply `step` to each of `ids` in batches of CHUNK, each batch one write
   * under the mutex (claims and operator actions take turns with it). `step`
   * sees the record as stored (or the live one while it is sent) and returns
   * whether it acted. Returns how many it acted on.
   */
  private async byIds(ids: readonly string[], step: (r: QueueRecord, live: (QueueRecord & { deleted?: boolean; flushed?: boolean }) | undefined, b: { ops: Op[]; log: LogEntry[] }) => boolean, sync: boolean): Promise<number> {
    let acted = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      acted += await this.mutex.run(async () => {
        const recs = await this.store.getMany<QueueRecord>(chunk.map(K.msg));
        const b = { ops: [] as Op[], log: [] as LogEntry[] };
        let n = 0;
        recs.forEach((r, j) => {
          const live = this.inflight.get(chunk[j]);
          if ((!r && !live) || live?.deleted) return;
          if (step(live ?? r!, live, b)) n++;
        });
        if (b.ops.length || b.log.length) await this.track(this.journal.commit({ ops: b.ops, log: b.log, sync: sync && i + CHUNK >= ids.length }));
        return n;
      });
    }
    return acted;
  }

  /** Make these queued and deferred messages due now (one being sent is retried at once if it defers). */
  flushIds(ids: readonly string[]): Promise<number> {
    const now = this.clock.now();
    return this.byIds(ids, (r, live, b) => {
      if (live) {
        live.flushed = true;
        return true;
      }
      if (r.state !== 'queued' && r.state !== 'deferred') return false;
      if (r.due !== null && r.due <= now) return true;
      if (r.due !== null) b.ops.push({ type: 'del', key: K.due(r.due, r.id) });
      b.ops.push({ type: 'put', key: K.msg(r.id), value: JSON.stringify({ ...r, due: now, nextAttempt: now }) }, { type: 'put', key: K.due(this.noteDue(now), r.id), value: '' });
      return true;
    }, false);
  }

  /** Delete these messages, each with its `deleted` mail log entry (`response`: by whom and why) in its batch; one being sent is not re-queued. */
  deleteIds(ids: readonly string[], actor: Actor, why: string): Promise<number> {
    const now = this.clock.now();
    return this.byIds(ids, (r, live, b) => {
      if (live) live.deleted = true;
      b.ops.push(...this.removeOps(r, live ? 'sending' : r.state));
      b.log.push(this.journal.entry({ status: 'deleted', id: r.id, messageId: r.messageId, from: r.from, to: r.to, size: r.size, response: `deleted by ${actorKey(actor)}${why}`, delay: now - r.createdAt, source: r.source }, now));
      return true;
    }, true);
  }

  /** Hold these queued and deferred messages (one being sent is left alone). */
  holdIds(ids: readonly string[]): Promise<number> {
    return this.byIds(ids, (r, live, b) => {
      if (live || (r.state !== 'queued' && r.state !== 'deferred')) return false;
      b.ops.push(...this.move(r, 'held', null));
      return true;
    }, true);
  }

  /** Release these held messages: queued, due now. */
  releaseIds(ids: readonly string[]): Promise<number> {
    const now = this.clock.now();
    return this.byIds(ids, (r, live, b) => {
      if (live || r.state !== 'held') return false;
      b.ops.push(...this.move(r, 'queued', now));
      return true;
    }, true);
  }

  // ------------------------------------------------------------ helpers

  /** Up to `limit` due-index keys with due <= `upTo`, scanning from the low-water mark. */
  private async firstDue(upTo: number, limit: number): Promise<string[]> {
    let min = Infinity;
    for (const u of this.unwritten) if (u.min < min) min = u.min;
    const scan = { min };
    this.scans.add(scan);
    let keys: string[];
    try {
      const hi = upTo === Infinity ? { lt: 'd!\xff' } : { lte: K.due(upTo, '\xff') };
      keys = await this.store.keys({ gte: K.due(this.lowWater, ''), ...hi, limit });
    } finally {
      this.scans.delete(scan);
    }
    // Everything below the first key found (or below upTo, if none) is gone, unless put meanwhile.
    const seen = keys[0] ? dueOf(keys[0]) : upTo;
    const next = Math.min(seen, scan.min);
    if (next !== Infinity && next > this.lowWater) this.lowWater = next;
    return keys;
  }

  private noteDue(due: number): number {
    if (due < this.lowWater) this.lowWater = due;
    if (due < this.forming) this.forming = due;
    for (const scan of this.scans) if (due < scan.min) scan.min = due;
    return due;
  }

  /**
   * Call with the write of ops just formed (same tick): until it is on disk,
   * scans do not raise the low-water mark past the due times it puts.
   */
  track<T>(write: Promise<T>): Promise<T> {
    if (this.forming === Infinity) return write;
    const entry = { min: this.forming };
    this.forming = Infinity;
    this.unwritten.add(entry);
    return write.finally(() => this.unwritten.delete(entry));
  }

  /** Ops that move `r` to `state` (due at `due` when queued/deferred), keeping counts. */
  private move(r: QueueRecord, state: QueueState, due: number | null): Op[] {
    const ops: Op[] = [];
    if (r.due !== null) ops.push({ type: 'del', key: K.due(r.due, r.id) });
    ops.push({ type: 'del', key: K.state(r.state, r.id) });
    this.counts[r.state] = Math.max(0, this.counts[r.state] - 1);
    this.countsDirty = true;
    const waiting = state === 'queued' || state === 'deferred';
    const next: QueueRecord = { ...r, state, due: waiting ? due : null, nextAttempt: waiting ? due : null };
    ops.push({ type: 'put', key: K.state(state, r.id), value: '' }, { type: 'put', key: K.msg(r.id), value: JSON.stringify(next) });
    if (waiting && due !== null) ops.push({ type: 'put', key: K.due(this.noteDue(due), r.id), value: '' });
    this.counts[state]++;
    return ops;
  }

  private removeOps(r: QueueRecord, state: QueueState): Op[] {
    this.counts[state] = Math.max(0, this.counts[state] - 1);
    this.countsDirty = true;
    this.dropBody(r.id);
    const ops: Op[] = [
      { type: 'del', key: K.msg(r.id) },
      { type: 'del', key: K.body(r.id) },
      { type: 'del', key: K.state(state, r.id) },
    ];
    if (r.due !== null) ops.push({ type: 'del', key: K.due(r.due, r.id) });
    return ops;
  }

  /** Body cache: at most this many bytes; a million queued messages never means a million bodies in RAM. */
  private static readonly BODY_CACHE_BYTES = 32 * 1024 * 1024;

  private cacheBody(id: string, raw: Buffer): void {
    if (raw.length > 1024 * 1024 || this.bodyBytes + raw.length > Queue.BODY_CACHE_BYTES) return;
    this.bodies.set(id, raw);
    this.bodyBytes += raw.length;
  }

  private dropBody(id: string): void {
    const b = this.bodies.get(id);
    if (!b) return;
    this.bodies.delete(id);
    this.bodyBytes -= b.length;
  }

  /** What callers see: the worker's view wins for messages in flight. */
  private overlay(r: QueueRecord): QueueRecord {
    const live = this.inflight.get(r.id);
    return live ? { ...live, state: 'sending', nextAttempt: null } : r;
  }
}
