/**
 * Adding many days up: summarised days into arrays by dictionary id (senders,
 * recipients, recipient domains) and number-keyed maps (host-by-reason cells),
 * days loaded the slow way from their maps; the usual aggregate is made once
 * at the end, with names only for what is in it.
 */
import { COUNT_KEYS, D_DMAX, emptyAgg, emptyCounts, mergeAgg, mergeSerialized, R_ADDR, R_BYTES, R_DLV, S_BYTES, S_MSG, SEP, type Agg } from './aggregate.js';
import type { DayAgg } from './aggregator.js';
import type { DayRange } from './day.js';
import type { NameDictionary } from './names.js';
import type { ReportEvent } from './types.js';
import { VarintReader } from './varint.js';
import { deferredOfSet, VERSION, type Meta, type SummaryDay } from './summary-codec.js';

/**
 * Host-by-reason cells of many days: hosts are dictionary ids and each reason
 * text gets a small number once, so a cell is a number key; {@link into}
 * writes the usual `host\treason` keys once at the end.
 */
class ReasonCells {
  private readonly ids = new Map<string, number>();
  private readonly texts: { reason: string; ex: string }[] = [];
  private readonly cells = { defer: new Map<number, number>(), bounce: new Map<number, number>() };

  /** Global numbers of a day's reasons ([reason, example] flattened). */
  numbers(reasons: string[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < reasons.length; i += 2) {
      let id = this.ids.get(reasons[i]);
      if (id === undefined) {
        this.ids.set(reasons[i], (id = this.texts.length));
        this.texts.push({ reason: reasons[i], ex: reasons[i + 1] });
      }
      out.push(id);
    }
    return out;
  }

  add(kind: 'defer' | 'bounce', host: number, reason: number, n: number): void {
    const k = host * 1_048_576 + reason;
    const cells = this.cells[kind];
    cells.set(k, (cells.get(k) ?? 0) + n);
  }

  into(agg: Agg, names: NameDictionary): void {
    for (const [kind, map] of [['defer', agg.deferReasons], ['bounce', agg.bounceReasons]] as const) {
      for (const [k, n] of this.cells[kind]) {
        const t = this.texts[k % 1_048_576];
        const key = `${names.nameOf(Math.floor(k / 1_048_576)) ?? '(unknown)'}${SEP}${t.reason}`;
        const c = map.get(key);
        if (c) c.n += n;
        else map.set(key, { n, ex: t.ex });
      }
      this.cells[kind].clear();
    }
  }
}

/** What a range adds up: the small maps in an aggregate, senders and recipients in arrays by dictionary id. */
export class RangeAccumulator {
  private readonly agg_ = emptyAgg();
  private readonly reasons = new ReasonCells();
  /** Summarised days whose events are not read yet, in order; `events()` reads them while the list has room. */
  private readonly pendingEvents: { range: DayRange; listed: number; omitted: number }[] = [];
  /** Days loaded the slow way, with their events, in the same order as the others. */
  private readonly loadedEvents = new Map<string, { list: ReportEvent[]; omitted: number }>();

  /** Recipient domain cells by dictionary id, 7 numbers each (the aggregate's domain cell). */
  private dom = new Float64Array(0);

  /** The merged aggregate (domains and host-by-reason cells folded in). */
  get agg(): Agg {
    this.reasons.into(this.agg_, this.names);
    for (let id = 0; id * 7 < this.dom.length; id++) {
      const o = id * 7;
      let any = false;
      for (let k = 0; k < 7; k++) if (this.dom[o + k] !== 0) any = true;
      if (!any) continue;
      const name = this.names.nameOf(id) ?? '(unknown)';
      const c = this.agg_.domains.get(name);
      const v = Array.from(this.dom.subarray(o, o + 7));
      if (!c) this.agg_.domains.set(name, v);
      else for (let k = 0; k < 7; k++) c[k] = k === D_DMAX ? Math.max(c[k], v[k]) : c[k] + v[k];
    }
    this.dom = new Float64Array(0);
    return this.agg_;
  }
  sMsg = new Float64Array(0);
  sBytes = new Float64Array(0);
  rDlv = new Float64Array(0);
  rBytes = new Float64Array(0);
  rAddr = new Float64Array(0);

  /** Ids below this have known names (checked once: summaries are read after the dictionary is loaded). */
  private readonly knownBelow: number;

  constructor(
    readonly names: NameDictionary,
    private readonly eventCap: number,
  ) {
    this.knownBelow = names.knownBelow;
  }

  private fit(id: number): void {
    if (id < this.sMsg.length) return;
    const n = Math.max(id + 1, this.names.size, this.sMsg.length * 2, 1024);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const dom = new Float64Array(n * 7);
    dom.set(this.dom);
    this.dom = dom;
    this.sMsg = grow(this.sMsg);
    this.sBytes = grow(this.sBytes);
    this.rDlv = grow(this.rDlv);
    this.rBytes = grow(this.rBytes);
    this.rAddr = grow(this.rAddr);
  }

  /** Add a summary; false (and nothing added) when it names ids the dictionary does not know, or has another version. */
  addSummary(buf: Uint8Array, range: DayRange): SummaryDay | null {
    const r = new VarintReader(buf);
    const text = (n: number) => {
      const s = Buffer.from(buf.buffer, buf.byteOffset + r.at, n).toString('utf8');
      r.at += n;
      return s;
    };
    const aggText = text(r.uint());
    const meta = JSON.parse(text(r.uint())) as Meta;
    if (meta.v !== VERSION) return null;
    // A summary naming an id whose name is unknown (a dictionary chunk went missing) is not trusted.
    if (meta.mx >= this.knownBelow) return null;
    this.fit(meta.mx);
    let id = 0;
    for (let n = r.uint(); n > 0; n--) {
      id += r.uint();
      this.sMsg[id] += r.uint();
      this.sBytes[id] += r.uint();
    }
    id = 0;
    for (let n = r.uint(); n > 0; n--) {
      id += r.uint();
      this.rDlv[id] += r.uint();
      this.rBytes[id] += r.uint();
      this.rAddr[id] += r.uint();
    }
    id = 0;
    for (let n = r.uint(); n > 0; n--) {
      id += r.uint();
      const o = id * 7;
      for (let k = 0; k < 7; k++) {
        const v = r.uint();
        this.dom[o + k] = k === D_DMAX ? Math.max(this.dom[o + k], v) : this.dom[o + k] + v;
      }
    }
    for (const [kind, texts] of [['defer', meta.dR], ['bounce', meta.bR]] as const) {
      const numbers = this.reasons.numbers(texts);
      id = 0;
      for (let n = r.uint(); n > 0; n--) {
        id += r.uint();
        const reason = r.uint();
        this.reasons.add(kind, id, numbers[reason], r.uint());
      }
    }
    mergeSerialized(this.agg_, aggText, this.eventCap);
    this.pendingEvents.push({ range, listed: meta.en, omitted: meta.eo });
    const hours = range.hours.map((_, i) => {
      const c = emptyCounts();
      COUNT_KEYS.forEach((k, j) => (c[k] = meta.h[i * COUNT_KEYS.length + j] ?? 0));
      return c;
    });
    return { range, hours, deferred: { count: meta.dn, carried: meta.dc, has: null } };
  }

  /**
   * The events of the days, oldest first, as a one-day report lists them: a
   * summarised day's events are read only while the list has room; the rest
   * are counted as omitted.
   */
  async events(read: (range: DayRange) => Promise<ReportEvent[]>): Promise<void> {
    const a = this.agg_;
    for (const d of this.pendingEvents) {
      if (a.events.length >= this.eventCap || d.listed === 0) {
        a.eventsOmitted += d.listed + d.omitted;
        continue;
      }
      const list = this.loadedEvents.get(d.range.day)?.list ?? (await read(d.range));
      const room = this.eventCap - a.events.length;
      a.events.push(...list.slice(0, room));
      a.eventsOmitted += d.omitted + Math.max(0, list.length - room) + Math.max(0, d.listed - list.length);
    }
    this.pendingEvents.length = 0;
  }

  /** Add a day loaded the slow way (its maps of strings). */
  addDay(day: DayAgg): SummaryDay {
    const a = day.agg;
    mergeAgg(this.agg_, { ...a, senders: new Map(), recipients: new Map(), deferredIds: new Set(), events: [], eventsOmitted: 0 }, this.eventCap);
    this.pendingEvents.push({ range: day.range, listed: a.events.length, omitted: a.eventsOmitted });
    this.loadedEvents.set(day.range.day, { list: a.events, omitted: a.eventsOmitted });
    for (const [name, c] of a.senders) {
      const id = this.names.idOf(name);
      this.fit(id);
      this.sMsg[id] += c[S_MSG];
      this.sBytes[id] += c[S_BYTES];
    }
    for (const [name, c] of a.recipients) {
      const id = this.names.idOf(name);
      this.fit(id);
      this.rDlv[id] += c[R_DLV];
      this.rBytes[id] += c[R_BYTES];
      this.rAddr[id] += c[R_ADDR];
    }
    return { range: day.range, hours: day.hours, deferred: deferredOfSet(a.deferredIds, day.range) };
  }
}
