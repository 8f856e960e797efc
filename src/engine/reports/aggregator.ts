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
 *   at its first write, complete, so a running engine never loads today.
 * - A fresh process loads a day from its snapshot (`snapshots.ts`: the merged
 *   day up to a boundary, stored when a load finds an hour more closed) plus
 *   the slots after it; a write into a covered slot drops the snapshot.
 * - While a day loads (async), deltas collected meanwhile go both into the
 *   loading day and into an exclusion set of record keys; the load skips
 *   those keys and the keys of slots it took from memory, so nothing counts
 *   twice even when a compaction lands mid-load.
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

interface CachedDay {
  day: DayAgg;
  /** Set while loading: record keys whose data is already in `day`. */
  exclude: Set<string> | null;
  ready: Promise<void>;
  /** A snapshot of the whole day was stored (or is not needed). */
  sealed?: boolean;
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

  /** A delta for a slot a snapshot covers (an entry stamped in the past): drop the snapshot in the same batch. */
  private invalidate(slot: number, ops: BatchOp[]): void {
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

  collect(entries: readonly LogEntry[], events: readonly EventEntry[]): BatchOp[] {
    if (entries.length === 0 && events.length === 0) return [];
    const deltas = new Map<number, Agg>();
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
        mergeSlotIntoDay(c.day, slot, delta);
        c.exclude?.add(key);
      }
      if (slot > this.newest) this.newest = slot;
    }
    this.startDays(deltas, before);
    this.sealDays(ops);
    this.compact(ops);
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
      for (const [s, d] of deltas) if (s >= range.start && s < range.end) mergeSlotIntoDay(day, s, d);
      this.days.set(id, { day, exclude: null, ready: Promise.resolve() });
      while (this.days.size > DAY_CACHE) this.days.delete(this.days.keys().next().value as string);
    }
  }

  /**
   * Once traffic is a slot past the end of a cached day, store the whole day as
   * its snapshot in this batch, so `report yesterday` after a restart reads one record.
   */
  private sealDays(ops: BatchOp[]): void {
    for (const c of this.days.values()) {
      const r = c.day.range;
      if (c.sealed || c.exclude || this.newest < r.end + SLOT_MS) continue;
      c.sealed = true;
      if (this.latestSnapshot(r.timezone, r.day)?.boundary === r.end) continue;
      const info: SnapshotInfo = { key: snapshotKey(r.timezone, r.day, r.end), zone: r.timezone, day: r.day, start: r.start, boundary: r.end };
      ops.push({ type: 'put', key: info.key, value: encodeSnapshot(c.day) });
      for (const old of [...this.snapshots.values()]) {
        if (old.zone !== r.timezone || old.day !== r.day) continue;
        ops.push({ type: 'del', key: old.key });
        // One still being written deletes itself once written.
        old.invalid = true;
        this.snapshots.delete(old.key);
      }
      this.snapshots.set(info.key, info);
      this.updateMaxBoundary();
    }
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
    const live = emptyDay(range);
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
    const entry: CachedDay = { day: live, exclude, ready: Promise.resolve() };
    const closedUntil = Math.min(range.end, slotOf(now) - SLOT_MS);
    const pending: SnapshotInfo & { invalid?: boolean } = { key: snapshotKey(range.timezone, range.day, closedUntil), zone: range.timezone, day: range.day, start: range.start, boundary: closedUntil };
    this.pending.add(pending);
    this.updateMaxBoundary();
    entry.ready = this.readDay(range, pending, memory, exclude).then(
      (base) => {
        mergeDayInto(base, live);
        entry.day = base;
        entry.exclude = null;
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

  private async readDay(range: DayRange, pending: SnapshotInfo & { invalid?: boolean }, memory: [number, Agg][], exclude: Set<string>): Promise<DayAgg> {
    let base: DayAgg | null = null;
    let from = range.start;
    const snap = this.latestSnapshot(range.timezone, range.day);
    if (snap) {
      const text = await this.db.get(snap.key);
      // Dropped meanwhile (a covered slot changed): the slots are the truth.
      if (text !== undefined && this.snapshots.has(snap.key)) {
        base = decodeSnapshot(range, text);
        from = snap.boundary;
      }
    }
    base ??= emptyDay(range);
    const closedUntil = pending.boundary;
    const rows = from < range.end ? await this.db.iterator(recordRange(from, range.end)).all() : [];
    const day = base;
    const merge = (upTo: number, atLeast: number) => {
      for (const [slot, agg] of memory) if (slot >= atLeast && slot >= from && slot < upTo) mergeSlotIntoDay(day, slot, agg);
      for (const [key, value] of rows) {
        const slot = slotOfKey(key);
        if (slot >= atLeast && slot < upTo && !exclude.has(key)) mergeRecordIntoDay(day, slot, value);
      }
    };
    merge(closedUntil, 0);
    const snapshot = closedUntil - from >= SNAPSHOT_STEP ? encodeSnapshot(day) : null;
    merge(Number.MAX_SAFE_INTEGER, Math.max(closedUntil, from));
    if (snapshot && !pending.invalid) void this.storeSnapshot(pending, snapshot, snap);
    return day;
  }

  /** Write a snapshot outside the engine's batch (it is a cache); drop it again if a covered slot changed meanwhile. */
  private async storeSnapshot(info: SnapshotInfo & { invalid?: boolean }, text: string, old: SnapshotInfo | undefined): Promise<void> {
    this.snapshots.set(info.key, info);
    this.updateMaxBoundary();
    try {
      await this.db.put(info.key, text);
      if (old && old.key !== info.key && this.snapshots.delete(old.key)) await this.db.del(old.key);
      if (info.invalid) await this.db.del(info.key);
    } catch {
      this.snapshots.delete(info.key);
      this.updateMaxBoundary();
    }
  }
}
