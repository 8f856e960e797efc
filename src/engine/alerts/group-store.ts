/**
 * Alert groups on disk and in memory. Firing groups (and resolved ones whose notices are still
 * going out) live in memory with the ids of the messages they counted; every change is written
 * back, one write in flight at a time, so a burst of failures costs a few batches rather than
 * one per failure. A restart continues the same groups (and so edits the same chat messages).
 */
import type { Store, Op } from '../store.js';
import { K, idOf, prefixRange } from '../store.js';
import type { AlertGroup, AlertScope } from './types.js';
import { groupKey } from './groups.js';

/** How long a closed group is kept (its buttons still work, `alerts list` still shows it). */
export const CLOSED_RETENTION_MS = 7 * 86_400_000;

interface Live {
  group: AlertGroup;
  /** Queue ids counted (distinct messages). */
  members: Set<string>;
  /** Members not yet written. */
  newMembers: string[];
}

export class GroupStore {
  private readonly live = new Map<string, Live>();
  /** Firing group id by (code, scope). */
  private readonly byKey = new Map<string, string>();
  private readonly dirty = new Set<string>();
  /** Groups let go of, to be written (kept) or deleted (dropped) with their member keys. */
  private readonly pendingRelease = new Map<string, { group: AlertGroup; drop: boolean; members: string[] }>();
  private writing: Promise<void> | null = null;
  private again = false;
  private seq = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly onWriteError: (e: unknown) => void,
  ) {}

  /** Load groups still open (firing, or resolved with notices to send); prune closed ones past retention. */
  async load(open: (g: AlertGroup) => boolean): Promise<void> {
    const prune: Op[] = [];
    for await (const [k, v] of this.store.db.iterator(prefixRange('ag!g!'))) {
      const g = JSON.parse(v) as AlertGroup;
      if (g.state === 'firing' || open(g)) {
        this.live.set(g.id, { group: g, members: new Set(), newMembers: [] });
        if (g.state === 'firing') this.byKey.set(groupKey(g.code, g.scope), g.id);
      } else if ((g.resolvedAt ?? g.lastAt) < this.now() - CLOSED_RETENTION_MS) {
        prune.push({ type: 'del', key: k });
      }
    }
    for (const l of this.live.values()) {
      if (l.group.state !== 'firing') continue;
      for (const k of await this.store.keys(prefixRange(`ag!m!${l.group.id}!`))) l.members.add(idOf(k));
    }
    if (prune.length) await this.store.commit(prune);
  }

  /** A new id: time-ordered, unique in this process and across restarts. */
  newId(): string {
    const t = this.now();
    return `${t.toString(36).padStart(9, '0')}${(this.seq++ % 1296).toString(36).padStart(2, '0')}${Math.floor(Math.random() * 1296).toString(36).padStart(2, '0')}`;
  }

  firing(code: string, scope: AlertScope): AlertGroup | undefined {
    const id = this.byKey.get(groupKey(code, scope));
    return id ? this.live.get(id)?.group : undefined;
  }

  add(g: AlertGroup): void {
    this.live.set(g.id, { group: g, members: new Set(), newMembers: [] });
    this.byKey.set(groupKey(g.code, g.scope), g.id);
    this.touch(g.id);
  }

  get(id: string): AlertGroup | undefined {
    return this.live.get(id)?.group;
  }

  /** Read a group, also one closed earlier (from disk). */
  async read(id: string): Promise<AlertGroup | undefined> {
    return this.get(id) ?? (await this.store.getJson<AlertGroup>(K.alertGroup(id)));
  }

  /** Every group in memory (firing, or resolved with notices under way). */
  all(): AlertGroup[] {
    return [...this.live.values()].map((l) => l.group);
  }

  /** Count a message in a group; false when it was counted before. */
  member(id: string, queueId: string): boolean {
    const l = this.live.get(id);
    if (!l || l.members.has(queueId)) return false;
    l.members.add(queueId);
    l.newMembers.push(queueId);
    return true;
  }

  /** The group is no longer firing: a new failure of its kind and place starts a new group. */
  close(id: string): void {
    const l = this.live.get(id);
    if (!l) return;
    const key = groupKey(l.group.code, l.group.scope);
    if (this.byKey.get(key) === id) this.byKey.delete(key);
    this.touch(id);
  }

  /** Forget a group: `drop` deletes it (it was never told), otherwise it is kept on disk for its retention. */
  release(id: string, drop: boolean): void {
    const l = this.live.get(id);
    if (!l) return;
    this.close(id);
    this.live.delete(id);
    this.pendingRelease.set(id, { group: l.group, drop, members: [...l.members] });
    this.touch(id);
  }

  /** Mark changed; written soon. */
  touch(id: string): void {
    this.dirty.add(id);
    if (this.writing) {
      this.again = true;
      return;
    }
    this.writing = this.flushLoop();
  }

  /** Resolves when everything changed so far is on disk. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async flushLoop(): Promise<void> {
    try {
      do {
        this.again = false;
        // Let the failures of this turn gather into one batch.
        await new Promise((r) => setImmediate(r));
        const ids = [...this.dirty];
        this.dirty.clear();
        const ops: Op[] = [];
        for (const id of ids) {
          const rel = this.pendingRelease.get(id);
          if (rel) {
            this.pendingRelease.delete(id);
            for (const m of rel.members) ops.push({ type: 'del', key: K.alertMember(id, m) });
            ops.push(rel.drop ? { type: 'del', key: K.alertGroup(id) } : { type: 'put', key: K.alertGroup(id), value: JSON.stringify(rel.group) });
            continue;
          }
          const l = this.live.get(id);
          if (!l) continue;
          for (const m of l.newMembers.splice(0)) ops.push({ type: 'put', key: K.alertMember(id, m), value: '' });
          ops.push({ type: 'put', key: K.alertGroup(id), value: JSON.stringify(l.group) });
        }
        if (ops.length) {
          try {
            await this.store.commit(ops);
          } catch (e) {
            this.onWriteError(e);
          }
        }
      } while (this.again || this.dirty.size > 0);
    } finally {
      this.writing = null;
    }
  }
}
