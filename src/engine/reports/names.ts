/**
 * The names dictionary of day summaries (`summaries.ts`): every sender and
 * recipient address a summary holds gets a small integer id, once per store,
 * so a report of many days adds numbers into arrays instead of merging maps of
 * strings (what makes 30 days of 25,000 recipients cost milliseconds).
 *
 * | key                     | value                                  |
 * |-------------------------|----------------------------------------|
 * | `r!n!<first id:10>`     | JSON array of the names from that id   |
 *
 * Ids are given in memory and written in the same batch as the first summary
 * using them. A chunk whose batch has not landed yet is "unconfirmed" and is
 * put again with every later summary batch (the same key and value), so no
 * summary on disk can name an id whose name is not: batches written apart
 * (outside the engine's ordered store) need not land in order.
 */
import type { Level } from 'level';

const PREFIX = 'r!n!';
const ALL = { gte: PREFIX, lt: `${PREFIX}\xff` };

function chunkKey(first: number): string {
  return `${PREFIX}${String(first).padStart(10, '0')}`;
}

export class NameDictionary {
  /** id -> name; `undefined` where a chunk is missing (its ids are unknown: summaries using them are not trusted). */
  private names: (string | undefined)[] = [];
  private index: Map<string, number> | null = null;
  private loading: Promise<void> | null = null;
  /** Chunks given in memory whose batch has not landed: first id -> names. */
  private readonly unconfirmed = new Map<number, string[]>();
  /** The chunk being filled by the current write (first id), if any. */
  private open: { first: number; names: string[] } | null = null;

  constructor(private readonly db: Level<string, string>) {}

  /** Read the stored chunks once. */
  load(): Promise<void> {
    this.loading ??= (async () => {
      const names: (string | undefined)[] = [];
      for await (const [key, value] of this.db.iterator(ALL)) {
        const first = Number(key.slice(PREFIX.length));
        const list = JSON.parse(value) as string[];
        // A missing chunk leaves a gap: those ids stay unknown.
        if (first > names.length) names.length = first;
        list.forEach((n, i) => (names[first + i] = n));
      }
      this.names = names;
    })();
    return this.loading;
  }

  get size(): number {
    return this.names.length;
  }

  /** Every id below this has a known name (the first gap, or the size). */
  get knownBelow(): number {
    const gap = this.names.findIndex((n) => n === undefined);
    return gap < 0 ? this.names.length : gap;
  }

  /** The name of an id, or undefined when unknown. */
  nameOf(id: number): string | undefined {
    return this.names[id];
  }

  /** The id of a name, given now if new (call {@link load} first). */
  idOf(name: string): number {
    if (!this.index) {
      this.index = new Map();
      this.names.forEach((n, i) => n !== undefined && this.index!.set(n, i));
    }
    const hit = this.index.get(name);
    if (hit !== undefined) return hit;
    const id = this.names.length;
    this.names.push(name);
    this.index.set(name, id);
    if (!this.open) this.open = { first: id, names: [] };
    this.open.names.push(name);
    return id;
  }

  /**
   * Close the chunk the ids given since the last call belong to, and return
   * the ops that put every chunk not yet known to be on disk; call `landed`
   * with the same ops once their batch is written.
   */
  pendingOps(): { type: 'put'; key: string; value: string }[] {
    if (this.open) {
      this.unconfirmed.set(this.open.first, this.open.names);
      this.open = null;
    }
    return [...this.unconfirmed].map(([first, names]) => ({ type: 'put' as const, key: chunkKey(first), value: JSON.stringify(names) }));
  }

  landed(ops: { key: string }[]): void {
    for (const op of ops) if (op.key.startsWith(PREFIX)) this.unconfirmed.delete(Number(op.key.slice(PREFIX.length)));
  }
}
