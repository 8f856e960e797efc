/**
 * Incremental report aggregates.
 *
 * Design (why `report today` stays fast at any volume):
 * - Every batch the engine logs is folded into a small delta {@link Agg} per
 *   15-minute UTC slot, written as one `r!a!<slot>!<seq>` record in the
 *   engine's own batch: the aggregates commit with the log or not at all, and
 *   nothing is ever read back inside `collect` (it is synchronous).
 * - The slots being written are also kept whole in memory. When traffic moves
 *   on to a newer slot (or a slot gathers 500 records in a burst), its records
 *   are replaced, in the next batch, by one compacted record, so a day is about
 *   96 records on disk (100 on a 25-hour day) however many messages it had.
 * - A day in any zone is the merge of its slots, so the `timezone` setting can
 *   change and past days still come out right. Merged days live in a small LRU
 *   cache that `collect` updates with every later delta: a repeated report does
 *   no I/O and only picks the top lists.
 * - The day of the zone reports are asked in (`r!z`) is started in that cache
 *   at its first write, complete, so a running engine never loads today. A
 *   process started mid-day loads that day in the background at its first
 *   write (from the snapshot below, so it reads little).
 * - Snapshots bound the cold path (`snapshots.ts`: the merged day over its
 *   slots before a boundary). A cached day that is not finished keeps, beside
 *   the whole day, the day over its closed slots (every slot before the newest
 *   one written) and the open slots' data apart. Whenever traffic moves to a
 *   new slot, the closed slots advance and the day's snapshot is rewritten at
 *   the new boundary in the engine's own batch (one put, the old snapshot
 *   deleted in the same batch), so a fresh process reads one snapshot plus at
 *   most the current slot's records (about 15 minutes), whatever the volume.
 *   A finished day is stored whole once traffic is past it, then kept as is.
 * - A cold load of a day without a fresh snapshot (a past day, another zone)
 *   merges the slots after the latest snapshot and stores a new snapshot
 *   outside the engine's batch when at least an hour more is closed; a write
 *   into a covered slot (an entry stamped in the past) drops the snapshots
 *   covering it in the same batch, and a cached day rewrites its own at the
 *   next slot change.
 * - While a day loads (async), deltas collected meanwhile are kept per slot
 *   beside it and their record keys in an exclusion set; the load skips those
 *   keys and the keys of slots it took from memory, so nothing counts twice
 *   even when a compaction lands mid-load.
 * Batches must be written in the order `collect` returned them (the engine's
 * store writes queued batches one at a time, in order): a compaction deletes
 * the records of earlier batches, and one landing before them would let them
 * reappear and count twice. Separate concurrent `db.batch` calls give no such
 * order in LevelDB (they run on libuv's thread pool).
 * One caveat: memory is updated when `collect` returns, before the engine's
 * batch is written; if that write fails the engine is in a store failure
 * (E_STORE) and the in-memory figures may run ahead until the next start.
 */
import { randomBytes } from 'node:crypto';
import type { Level } from 'level';
import type { EventEntry, LogEntry } from '../types.js';
import type { BatchOp } from './types.js';
import { addCounts, addEntry, addEvent, DAY_EVENT_CAP, emptyAgg, emptyCounts, mergeAgg, mergeSerialized, serializeAgg, type Agg, type Counts } from './aggregate.js';
import { dayOf, dayRange, hourIndex, resolveZone, type DayRange } from './day.js';
import { ALL_RECORDS, recordKey, recordRange, SLOT_MS, slotOf, slotOfKey, ZONE_KEY } from './keys.js';
import { ALL_SNAPSHOTS, decodeSnapshot, encodeSnapshot, parseSnapshotKey, snapshotKey, type SnapshotInfo } from './snapshots.js';

/** A merged day: the aggregate and its per-hour counters. */
export interface DayAgg {
  range: DayRange;
  agg: Agg;
  hours: Counts[];
}

/** One slot written during this run. */
interface SlotState {
  slot: number;
  /** Everything collected for the slot in this run (records from earlier runs stay on disk, separate). */
  agg: Agg;
  /** Record keys holding `agg` on disk (journal records, or one compacted record). */
  keys: string[];
  /** Keys deleted by compaction (kept so a load racing the compaction batch can skip them). */
  retired: string[];
  compacted: boolean;
}

/**
 * What a cached, unfinished day keeps to rewrite its snapshot in the engine's
 * batches: `closed` is the day over its slots before `until`, `open` the data
 * of each later slot (the whole day is `closed` plus `open`).
 */
interface Upkeep {
  until: number;
  /** Null until first needed after a load from a fresh snapshot: then `lazy` holds what it is made of. */
  closed: DayAgg | null;
  /** The snapshot text read by the load and the data of the closed slots after it (decoded at the next snapshot write, not in the report's path). */
  lazy: { text: string; slots: Map<number, Agg> } | null;
  open: Map<number, Agg>;
  /** `closed` differs from the stored snapshot (none stored, or a late entry): write it at the next slot change. */
  dirty: boolean;
}

interface CachedDay {
  day: DayAgg;
  /** Set while loading: record keys whose data is already in `live`. */
  exclude: Set<string> | null;
  /** While loading: the deltas collected meanwhile, per slot. */
  live: Map<number, Agg>;
  ready: Promise<void>;
  /** Null once the day is finished and stored whole (or while loading). */
  upkeep: Upkeep | null;
}

/** Days kept merged in memory (today, yesterday, and a couple asked for). */
const DAY_CACHE = 4;
/** Journal records a slot may gather before it is compacted while still current. */
const JOURNAL_MAX = 500;
/** A new snapshot is stored when at least this much more of the day is closed than the stored one covers. */
const SNAPSHOT_STEP = 4 * SLOT_MS;
/** Slots older than this behind the newest are dropped from memory once compacted. */
const KEEP_SLOTS = 4;

function emptyDay(range: DayRange): DayAgg {
  return { range, agg: emptyAgg(), hours: range.hours.map(() => emptyCounts()) };
}

function mergeSlotIntoDay(day: DayAgg, slot: number, agg: Agg): void {
  mergeAgg(day.agg, agg, DAY_EVENT_CAP);
  addCounts(day.hours[hourIndex(day.range, slot)], agg.totals);
}

function mergeRecordIntoDay(day: DayAgg, slot: number, text: string): void {
  addCounts(day.hours[hourIndex(day.range, slot)], mergeSerialized(day.agg, text, DAY_EVENT_CAP));
}

function closedOf(u: Upkeep, range: DayRange): DayAgg {
  if (!u.closed) {
    const closed = decodeSnapshot(range, u.lazy!.text);
    for (const [slot, agg] of u.lazy!.slots) mergeSlotIntoDay(closed, slot, agg);
    u.closed = closed;
    u.lazy = null;
  }
  return u.closed;
}

function addToSlot(map: Map<number, Agg>, slot: number, delta: Agg): void {
  let a = map.get(slot);
  if (!a) map.set(slot, (a = emptyAgg()));
  mergeAgg(a, delta);
}

function mergeDayInto(into: DayAgg, from: DayAgg): void {
  mergeAgg(into.agg, from.agg, DAY_EVENT_CAP);
  from.hours.forEach((h, i) => addCounts(into.hours[i], h));
}

function inDay(day: DayAgg, slot: number): boolean {
  return slot >= day.range.start && slot < day.range.end;
}

/** Collects deltas into slot records and serves merged days. */
export class SlotAggregator {
  private readonly slots = new Map<number, SlotState>();
  private readonly days = new Map<string, CachedDay>();
  private readonly run = randomBytes(4).toString('hex');
  private seq = 0;
  private newest = 0;
  /** Stored day snapshots by key; `invalid` marks one whose write is in flight when a covered slot changed. */
  private readonly snapshots = new Map<string, SnapshotInfo & { invalid?: boolean }>();
  /** Highest snapshot boundary: deltas at or past it touch no snapshot (the usual case, checked in O(1)). */
  private maxBoundary = 0;
  /** Snapshots being computed by a load: a delta into a slot they cover meanwhile cancels them. */
  private readonly pending = new Set<SnapshotInfo & { invalid?: boolean }>();
  /** The zone reports are asked in (the last one used, kept across restarts); days start in it. */
  private zone = resolveZone('');
  /** Snapshot keys being written outside the engine's batch (an in-batch rewrite of the same key waits). */
  private readonly inflight = new Set<string>();
  /** The newest slot whose day was checked to be cached. */
  private watched = -1;

  constructor(private readonly db: Level<string, string>) {}

  private nextKey(slot: number): string {
    return recordKey(slot, `${this.run}.${(this.seq++).toString(36).padStart(6, '0')}`);
  }

  /** Compact slots left with several records by an earlier run (a crash, or the last slot before a stop). */
  async open(): Promise<void> {
    const bySlot = new Map<number, string[]>();
    for await (const key of this.db.keys(ALL_RECORDS)) {
      const slot = slotOfKey(key);
      if (slot > this.newest) this.newest = slot;
      const list = bySlot.get(slot);
      if (list) list.push(key);
      else bySlot.set(slot, [key]);
    }
    const ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[] = [];
    for (const [slot, keys] of bySlot) {
      if (keys.length < 2) continue;
      const values = await this.db.getMany(keys);
      const agg = emptyAgg();
      for (const v of values) if (v !== undefined) mergeSerialized(agg, v);
      ops.push({ type: 'put', key: this.nextKey(slot), value: serializeAgg(agg) });
      for (const k of keys) ops.push({ type: 'del', key: k });
      if (ops.length > 5000) await this.db.batch(ops.splice(0));
    }
    if (ops.length > 0) await this.db.batch(ops);
    this.zone = (await this.db.get(ZONE_KEY)) ?? this.zone;
    for await (const key of this.db.keys(ALL_SNAPSHOTS)) {
      const info = parseSnapshotKey(key);
      if (info) this.snapshots.set(key, info);
    }
    this.updateMaxBoundary();
  }

  private updateMaxBoundary(): void {
    this.maxBoundary = 0;
    for (const s of this.snapshots.values()) if (s.boundary > this.maxBoundary) this.maxBoundary = s.boundary;
    for (const s of this.pending) if (s.boundary > this.maxBoundary) this.maxBoundary = s.boundary;
  }

  /** Told of every delta's slot, to drop other caches covering it (day summaries) in the same batch. */
  onLate: ((slot: number, ops: BatchOp[]) => void) | null = null;

  /** A delta for a slot a snapshot covers (an entry stamped in the past): drop the snapshot in the same batch. */
  private invalidate(slot: number, ops: BatchOp[]): void {
    this.onLate?.(slot, ops);
    if (slot >= this.maxBoundary) return;
    for (const s of this.snapshots.values()) {
      if (slot < s.start || slot >= s.boundary) continue;
      ops.push({ type: 'del', key: s.key });
      s.invalid = true;
      this.snapshots.delete(s.key);
    }
    for (const s of this.pending) if (slot >= s.start && slot < s.boundary) s.invalid = true;
    this.updateMaxBoundary();
  }

  /** Counted outside the mail log (intake connections), written with the next batch. */
  private readonly unlogged = new Map<number, Agg>();

  /** Add to what the next batch writes, in the slot of `time`. */
  addPending(time: number, fn: (agg: Agg) => void): void {
    const slot = slotOf(time);
    let a = this.unlogged.get(slot);
    if (!a) this.unlogged.set(slot, (a = emptyAgg()));
    fn(a);
  }

  get hasPending(): boolean {
    return this.unlogged.size > 0;
  }

  collect(entries: readonly LogEntry[], events: readonly EventEntry[]): BatchOp[] {
    if (entries.length === 0 && events.length === 0 && this.unlogged.size === 0) return [];
    const deltas = new Map<number, Agg>(this.unlogged);
    this.unlogged.clear();
    const deltaOf = (time: number): Agg => {
      const slot = slotOf(time);
      let d = deltas.get(slot);
      if (!d) deltas.set(slot, (d = emptyAgg()));
      return d;
    };
    for (const e of entries) addEntry(deltaOf(e.time), e);
    for (const ev of events) addEvent(deltaOf(ev.time), ev);

    const ops: BatchOp[] = [];
    // Everything stored so far is before `before`: a day of the report zone starting after it has no data but these deltas.
    const before = this.newest;
    for (const [slot, delta] of deltas) {
      let st = this.slots.get(slot);
      if (!st) this.slots.set(slot, (st = { slot, agg: emptyAgg(), keys: [], retired: [], compacted: false }));
      mergeAgg(st.agg, delta);
      const key = this.nextKey(slot);
      ops.push({ type: 'put', key, value: serializeAgg(delta) });
      st.keys.push(key);
      st.compacted = false;
      this.invalidate(slot, ops);
      for (const c of this.days.values()) {
        if (!inDay(c.day, slot)) continue;
        if (c.exclude) {
          addToSlot(c.live, slot, delta);
          c.exclude.add(key);
          continue;
        }
        mergeSlotIntoDay(c.day, slot, delta);
        const u = c.upkeep;
        if (!u) continue;
        if (slot >= u.until) addToSlot(u.open, slot, delta);
        else {
          if (u.lazy) addToSlot(u.lazy.slots, slot, delta);
          // A finished day loaded whole shares its aggregate with `closed`.
          else if (u.closed !== c.day) mergeSlotIntoDay(u.closed!, slot, delta);
          u.dirty = true;
        }
      }
      if (slot > this.newest) this.newest = slot;
    }
    this.startDays(deltas, before);
    this.keepSnapshots(ops, before);
    this.compact(ops);
    this.watchDay();
    return ops;
  }

  /**
   * The first write into a new day of the report zone starts that day's cached
   * aggregate right away (it is complete: nothing of the day is stored yet), so
   * a long-running engine answers `report today` and `report yesterday` warm,
   * without ever loading them.
   */
  private startDays(deltas: Map<number, Agg>, before: number): void {
    for (const slot of deltas.keys()) {
      if (slot <= before) continue;
      const range = dayRange(dayOf(slot, this.zone), this.zone);
      const id = `${range.timezone}|${range.day}`;
      if (range.start <= before || this.days.has(id)) continue;
      const day = emptyDay(range);
      const open = new Map<number, Agg>();
      for (const [s, d] of deltas) {
        if (s < range.start || s >= range.end) continue;
        mergeSlotIntoDay(day, s, d);
        addToSlot(open, s, d);
      }
      const upkeep: Upkeep = { until: range.start, closed: emptyDay(range), lazy: null, open, dirty: false };
      this.days.set(id, { day, exclude: null, live: new Map(), ready: Promise.resolve(), upkeep });
      while (this.days.size > DAY_CACHE) this.days.delete(this.days.keys().next().value as string);
    }
  }

  /**
   * A process started mid-day has not got the current day of the report zone
   * cached: load it in the background at the first write of each new slot, so
   * it is kept (and its snapshot rewritten) from then on. The load reads the
   * snapshot the previous run kept plus the slots since.
   */
  private watchDay(): void {
    if (this.newest === this.watched) return;
    this.watched = this.newest;
    const range = dayRange(dayOf(this.newest, this.zone), this.zone);
    if (this.days.has(`${range.timezone}|${range.day}`)) return;
    void this.loadDay(range, this.newest + SLOT_MS).catch(() => undefined);
  }

  /**
   * When traffic moves to a new slot, advance each cached day's closed slots
   * and rewrite its snapshot at the new boundary in this batch. A day traffic
   * has moved past is stored whole, then no longer kept up.
   */
  private keepSnapshots(ops: BatchOp[], before: number): void {
    const moved = this.newest > before;
    for (const c of this.days.values()) {
      const u = c.upkeep;
      if (!u || c.exclude) continue;
      const r = c.day.range;
      const target = Math.min(r.end, this.newest);
      let write = u.dirty && moved;
      if (target > u.until) {
        for (const [slot, agg] of u.open) {
          if (slot >= target) continue;
          if (u.lazy) addToSlot(u.lazy.slots, slot, agg);
          else mergeSlotIntoDay(u.closed!, slot, agg);
          u.open.delete(slot);
        }
        u.until = target;
        write = true;
      }
      if (write) this.writeSnapshot(r, u, ops);
      if (!u.dirty && u.until === r.end) c.upkeep = null;
    }
  }

  private writeSnapshot(r: DayRange, u: Upkeep, ops: BatchOp[]): void {
    const key = snapshotKey(r.timezone, r.day, u.until);
    // A load's write of this very key is in flight (and may delete itself): try again at the next slot change.
    if (this.inflight.has(key)) {
      u.dirty = true;
      return;
    }
    for (const old of [...this.snapshots.values()]) {
      if (old.zone !== r.timezone || old.day !== r.day || old.key === key) continue;
      ops.push({ type: 'del', key: old.key });
      // One still being written deletes itself once written.
      old.invalid = true;
      this.snapshots.delete(old.key);
    }
    ops.push({ type: 'put', key, value: encodeSnapshot(closedOf(u, r)) });
    this.snapshots.set(key, { key, zone: r.timezone, day: r.day, start: r.start, boundary: u.until });
    u.dirty = false;
    this.updateMaxBoundary();
  }

  /** Replace the journal records of slots traffic has moved past by one record each. */
  private compact(ops: BatchOp[]): void {
    for (const st of this.slots.values()) {
      if (st.slot < this.newest) {
        if (!st.compacted) this.compactSlot(st, ops);
        if (st.slot < this.newest - KEEP_SLOTS * SLOT_MS) this.slots.delete(st.slot);
      } else if (st.keys.length >= JOURNAL_MAX) {
        // A burst within one slot: bound the records a cold load would read.
        this.compactSlot(st, ops);
      }
    }
  }

  private compactSlot(st: SlotState, ops: BatchOp[]): void {
    st.compacted = true;
    if (st.keys.length < 2) return;
    const key = this.nextKey(st.slot);
    ops.push({ type: 'put', key, value: serializeAgg(st.agg) });
    for (const k of st.keys) ops.push({ type: 'del', key: k });
    st.retired.push(...st.keys);
    st.keys = [key];
    for (const c of this.days.values()) if (c.exclude && inDay(c.day, st.slot)) c.exclude.add(key);
  }

  /**
   * The merged aggregate of a day (cached; kept current by `collect`). A cold
   * load starts from the day's snapshot when there is one, merges the slots
   * after it, and stores a new snapshot when at least an hour more of the day
   * is closed (`now` says which slots are: all but the current and previous).
   */
  async loadDay(range: DayRange, now: number): Promise<DayAgg> {
    if (range.timezone !== this.zone) {
      this.zone = range.timezone;
      void this.db.put(ZONE_KEY, this.zone).catch(() => undefined);
    }
    const id = `${range.timezone}|${range.day}`;
    const hit = this.days.get(id);
    if (hit) {
      this.days.delete(id);
      this.days.set(id, hit);
      await hit.ready;
      return hit.day;
    }
    // Deltas collected while loading go to `live`; the slots already in memory are copied now.
    const exclude = new Set<string>();
    const memory: [number, Agg][] = [];
    for (const st of this.slots.values()) {
      if (st.slot < range.start || st.slot >= range.end) continue;
      const copy = emptyAgg();
      mergeAgg(copy, st.agg, DAY_EVENT_CAP);
      memory.push([st.slot, copy]);
      for (const k of st.keys) exclude.add(k);
      for (const k of st.retired) exclude.add(k);
    }
    memory.sort((a, b) => a[0] - b[0]);
    const entry: CachedDay = { day: emptyDay(range), exclude, live: new Map(), ready: Promise.resolve(), upkeep: null };
    const closedUntil = Math.min(range.end, slotOf(now) - SLOT_MS);
    const pending: SnapshotInfo & { invalid?: boolean } = { key: snapshotKey(range.timezone, range.day, closedUntil), zone: range.timezone, day: range.day, start: range.start, boundary: closedUntil };
    this.pending.add(pending);
    this.updateMaxBoundary();
    entry.ready = this.readDay(range, pending, memory, exclude).then(
      (read) => {
        const { closed, mid, text, until, open } = read;
        let dirty = !read.covered;
        for (const [slot, agg] of entry.live) {
          if (slot >= until) addToSlot(open, slot, agg);
          else {
            if (text !== null) addToSlot(mid, slot, agg);
            else mergeSlotIntoDay(closed, slot, agg);
            dirty = true;
          }
        }
        entry.exclude = null;
        entry.live = new Map();
        if (until === range.end) {
          // A finished day: nothing is open, so the whole day is `closed` itself (no copy).
          entry.day = closed;
          entry.upkeep = dirty ? { until, closed, lazy: null, open, dirty } : null;
          return;
        }
        let day: DayAgg;
        let u: Upkeep;
        if (text !== null) {
          // The whole day is the decoded snapshot plus every slot after it; `closed` is decoded again when first written.
          day = closed;
          for (const [slot, agg] of mid) mergeSlotIntoDay(day, slot, agg);
          u = { until, closed: null, lazy: { text, slots: mid }, open, dirty };
        } else {
          day = emptyDay(range);
          mergeDayInto(day, closed);
          u = { until, closed, lazy: null, open, dirty };
        }
        for (const [slot, agg] of open) mergeSlotIntoDay(day, slot, agg);
        entry.day = day;
        entry.upkeep = u;
      },
      (err: unknown) => {
        this.days.delete(id);
        throw err;
      },
    ).finally(() => {
      this.pending.delete(pending);
      this.updateMaxBoundary();
    });
    this.days.set(id, entry);
    while (this.days.size > DAY_CACHE) this.days.delete(this.days.keys().next().value as string);
    await entry.ready;
    return entry.day;
  }

  private latestSnapshot(zone: string, day: string): SnapshotInfo | undefined {
    let best: SnapshotInfo | undefined;
    for (const s of this.snapshots.values()) if (s.zone === zone && s.day === day && (!best || s.boundary > best.boundary)) best = s;
    return best;
  }

  /**
   * Read a day: `closed` is the day over its slots before `until` (the latest
   * snapshot plus the closed slots after it), `open` the data of each later
   * slot; `covered` says whether a snapshot at `until` is stored (or being).
   * From a fresh snapshot (less than {@link SNAPSHOT_STEP} behind `until`, the
   * usual case), the closed slots after it are returned apart in `mid` with
   * the snapshot's `text`, so the caller need not copy `closed`.
   */
  private async readDay(
    range: DayRange,
    pending: SnapshotInfo & { invalid?: boolean },
    memory: [number, Agg][],
    exclude: Set<string>,
  ): Promise<{ closed: DayAgg; mid: Map<number, Agg>; text: string | null; until: number; open: Map<number, Agg>; covered: boolean }> {
    let base: DayAgg | null = null;
    let text: string | null = null;
    let from = range.start;
    const snap = this.latestSnapshot(range.timezone, range.day);
    if (snap) {
      const stored = await this.db.get(snap.key);
      // Dropped meanwhile (a covered slot changed), or its batch not written yet: the slots are the truth.
      if (stored !== undefined && this.snapshots.has(snap.key)) {
        base = decodeSnapshot(range, stored);
        text = stored;
        from = snap.boundary;
      }
    }
    const closed = base ?? emptyDay(range);
    const until = Math.max(pending.boundary, from);
    if (until === range.end || until - from >= SNAPSHOT_STEP) text = null;
    const rows = from < range.end ? await this.db.iterator(recordRange(from, range.end)).all() : [];
    const mid = new Map<number, Agg>();
    const open = new Map<number, Agg>();
    for (const [slot, agg] of memory) {
      if (slot < from) continue;
      if (slot >= until) open.set(slot, agg);
      else if (text !== null) mid.set(slot, agg);
      else mergeSlotIntoDay(closed, slot, agg);
    }
    for (const [key, value] of rows) {
      if (exclude.has(key)) continue;
      const slot = slotOfKey(key);
      if (slot < until && text === null) {
        mergeRecordIntoDay(closed, slot, value);
        continue;
      }
      const into = slot < until ? mid : open;
      let a = into.get(slot);
      if (!a) into.set(slot, (a = emptyAgg()));
      mergeSerialized(a, value);
    }
    let covered = until === from;
    if (!covered && until - from >= SNAPSHOT_STEP && !pending.invalid) {
      const w: Promise<void> = this.storeSnapshot(pending, encodeSnapshot(closed), snap).finally(() => this.writes.delete(w));
      this.writes.add(w);
      covered = true;
    }
    return { closed, mid, text, until, open, covered };
  }

  private readonly writes = new Set<Promise<void>>();

  /** Resolves when the snapshot writes under way have landed. */
  async settle(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** Write a snapshot outside the engine's batch (it is a cache); drop it again if a covered slot changed meanwhile. */
  private async storeSnapshot(info: SnapshotInfo & { invalid?: boolean }, text: string, old: SnapshotInfo | undefined): Promise<void> {
    this.snapshots.set(info.key, info);
    this.inflight.add(info.key);
    this.updateMaxBoundary();
    try {
      await this.db.put(info.key, text);
      if (old && old.key !== info.key && this.snapshots.delete(old.key)) await this.db.del(old.key);
      if (info.invalid) await this.db.del(info.key);
    } catch {
      this.snapshots.delete(info.key);
      this.updateMaxBoundary();
    } finally {
      this.inflight.delete(info.key);
    }
  }
}
