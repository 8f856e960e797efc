/**
 * The LevelDB store: key layout in one place, and a group-commit writer.
 *
 * Key layout (utf8 keys; values utf8 JSON unless noted):
 *
 * | key                                  | value                      | for                                    |
 * |--------------------------------------|----------------------------|----------------------------------------|
 * | `cfg!settings`                       | Settings JSON              | settings (no secrets)                  |
 * | `cfg!secret!<key>`                   | sealed secret (secrets.ts) | sasl-password, intake-password         |
 * | `m!<id>`                             | QueueRecord JSON           | one queued message; id = time order    |
 * | `b!<id>`                             | raw bytes (binary)         | the message as received/composed       |
 * | `s!<state>!<id>`                     | ''                         | messages by state                      |
 * | `d!<due:13 digits>!<id>`             | ''                         | due index: queued/deferred, range scan |
 * | `cnt!queue`                          | counts JSON                | O(1) counts, written in every batch    |
 * | `l!<key>`                            | LogEntry JSON              | mail log, time ordered                 |
 * | `Lt!<addr>!<key>` `Lf!` `Ls!` `Li!`  | ''                         | log by recipient, sender, status, id   |
 * | `e!<key>`                            | EventEntry JSON            | system events, time ordered            |
 * | `El!<level>!<key>`                   | ''                         | events by level                        |
 * | `acc!<subject>`                      | AccessGrant JSON           | access roles                           |
 * | `sub!<platform>!<channel>`           | AlertSubscription JSON     | alert subscriptions (email: address)   |
 * | `subr!<platform>!<channel>`          | ReportSubscription JSON    | daily report subscriptions             |
 * | `mute!<kind>!<match>`                | AlertSilence JSON          | silences                               |
 * | `ag!g!<group id>`                    | AlertGroup JSON            | alert groups (kept 7 days after close) |
 * | `ag!m!<group id>!<queue id>`         | ''                         | messages counted in a firing group     |
 * | `ao!<subject>!<target>`              | outbox Delivery JSON       | notices to send, and the message ref   |
 * | `idem!<key>`                         | SubmitResult JSON + time   | submit idempotency keys (7 days)       |
 * | `r!…`                                | reports module             | daily aggregates                       |
 * | `hc!probe`                           | time of the last probe     | health check: the store takes writes   |
 *
 * Ids and log keys start with a fixed-width base-36 millisecond time, so key
 * order is time order and paging is a bounded range scan.
 */
import { Level } from 'level';
import type { BatchOp } from './reports/types.js';
import { SmtpOpsError, ErrorCode } from './errors.js';

export type { BatchOp };

/** A batch op whose value is raw bytes. */
export type BinaryPut = { type: 'put'; key: string; value: Uint8Array; valueEncoding: 'view' };
export type Op = BatchOp | BinaryPut;

export const K = {
  settings: 'cfg!settings',
  secret: (name: string) => `cfg!secret!${name}`,
  msg: (id: string) => `m!${id}`,
  body: (id: string) => `b!${id}`,
  state: (state: string, id: string) => `s!${state}!${id}`,
  due: (due: number, id: string) => `d!${String(Math.max(0, Math.floor(due))).padStart(13, '0')}!${id}`,
  counts: 'cnt!queue',
  log: (key: string) => `l!${key}`,
  logBy: (kind: 't' | 'f' | 's' | 'i', value: string, key: string) => `L${kind}!${value}!${key}`,
  event: (key: string) => `e!${key}`,
  eventBy: (level: string, key: string) => `El!${level}!${key}`,
  access: (subject: string) => `acc!${subject}`,
  sub: (platform: string, channel: string) => `sub!${platform}!${channel}`,
  reportSub: (platform: string, channel: string) => `subr!${platform}!${channel}`,
  silence: (kind: string, match: string) => `mute!${kind}!${match}`,
  alertGroup: (id: string) => `ag!g!${id}`,
  alertMember: (group: string, id: string) => `ag!m!${group}!${id}`,
  outbox: (subject: string, target: string) => `ao!${subject}!${target}`,
  idem: (key: string) => `idem!${key}`,
  healthProbe: 'hc!probe',
} as const;

/** The id inside a `prefix…!<id>` index key. */
export function idOf(indexKey: string): string {
  return indexKey.slice(indexKey.lastIndexOf('!') + 1);
}

/** The due time encoded in a `d!` key. */
export function dueOf(dueKey: string): number {
  return Number(dueKey.slice(2, 15));
}

/** The bounds of every key under a prefix. */
export function prefixRange(prefix: string): { gt: string; lt: string } {
  return { gt: prefix, lt: prefix + '\xff' };
}

/** Time-ordered unique keys: 9 base-36 chars of ms time, then a per-store sequence. */
export class KeyMaker {
  private last = 0;
  private seq = 0;
  next(time: number): string {
    if (time === this.last) this.seq++;
    else {
      this.last = time;
      this.seq = 0;
    }
    return time.toString(36).padStart(9, '0') + this.seq.toString(36).padStart(4, '0');
  }
}

interface Pending {
  ops: Op[];
  sync: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The one LevelDB handle. `commit()` queues a mutation; while a write is in
 * flight, later mutations gather and are written together in one batch, so
 * many concurrent submissions share one fsync (group commit). Batches are
 * written in the order their mutations were queued.
 */
export class Store {
  readonly db: Level<string, string>;
  private pending: Pending[] = [];
  private writing = false;
  private closed = false;
  private readonly hooks: (() => Op | null)[] = [];

  private constructor(db: Level<string, string>) {
    this.db = db;
  }

  static async open(dir: string): Promise<Store> {
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause;
      const why = cause?.message ?? (e as Error).message;
      if (/lock/i.test(why)) {
        throw new SmtpOpsError(ErrorCode.Store, `the store ${dir} is in use by another smtp-ops process (is "smtp-ops serve" running?)`, { cause: e });
      }
      throw new SmtpOpsError(ErrorCode.Store, `cannot open the store ${dir}: ${why}`, { cause: e });
    }
    return new Store(db);
  }

  /**
   * Register ops computed when a group is written rather than per mutation
   * (the queue counts: one put per batch instead of one per message).
   */
  onGroup(hook: () => Op | null): void {
    this.hooks.push(hook);
  }

  /** Write `ops` atomically; resolves when written (and fsynced when `sync`). */
  commit(ops: Op[], sync = false): Promise<void> {
    if (this.closed) return Promise.reject(new SmtpOpsError(ErrorCode.Closed, 'the store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ops, sync, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      const ops: Op[] = [];
      let sync = false;
      for (const p of group) {
        for (const op of p.ops) ops.push(op);
        sync ||= p.sync;
      }
      for (const h of this.hooks) {
        const op = h();
        if (op) ops.push(op);
      }
      try {
        // Binary puts carry their own valueEncoding; level's batch typing does not model that.
        await (this.db.batch as unknown as (o: Op[], opt: { sync: boolean }) => Promise<void>).call(this.db, ops, { sync });
        for (const p of group) p.resolve();
      } catch (e) {
        const err = new SmtpOpsError(ErrorCode.Store, `store write failed: ${(e as Error).message}`, { cause: e });
        for (const p of group) p.reject(err);
      }
    }
    this.writing = false;
  }

  async get(key: string): Promise<string | undefined> {
    return this.db.get(key);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const v = await this.db.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const vals = await this.db.getMany(keys);
    return vals.map((v) => (v === undefined ? undefined : (JSON.parse(v) as T)));
  }

  async getBinary(key: string): Promise<Buffer | undefined> {
    const v = (await this.db.get(key, { valueEncoding: 'view' } as never)) as unknown as Uint8Array | undefined;
    return v === undefined ? undefined : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }

  /** Keys in a range (keys only, no values). */
  async keys(range: { gt?: string; gte?: string; lt?: string; lte?: string; reverse?: boolean; limit?: number }): Promise<string[]> {
    return this.db.keys(range).all();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
    await this.db.close();
  }
}
