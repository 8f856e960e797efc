/**
 * What a flush or release that waits needs from the queue, through its
 * public reads only: the ids of the messages a flush makes due (listed after
 * the watch exists, so none of their attempts is missed), and the probe that
 * tells the watch when no attempt is coming.
 */
import type { Clock } from '../facade.js';
import type { QueueState, Settings } from '../types.js';
import type { Queue } from '../queue/queue.js';
import type { WatchProbe } from './attempt-watch.js';

const PAGE = 200;

/** Ids of every queued and deferred message, and of those being sent: what a flush makes due (or retries at once). */
export async function flushedIds(queue: Queue): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const state of ['queued', 'deferred', 'sending'] as QueueState[]) {
    let cursor: string | undefined;
    for (;;) {
      const page = await queue.list({ state, limit: PAGE, order: 'oldest', ...(cursor ? { cursor } : {}) });
      for (const m of page.items) ids.add(m.id);
      if (!page.next || page.items.length === 0) break;
      cursor = page.next;
    }
  }
  for (const [id, live] of queue.inflight) if (!(live as { deleted?: boolean }).deleted) ids.add(id);
  return ids;
}

/** The watch's probe on this queue: busy while SMTP is on and something is in flight or due; held or gone messages will not be attempted. */
export function queueProbe(queue: Queue, settings: () => Settings, clock: Clock): WatchProbe {
  return {
    async busy() {
      if (!settings().enabled) return false;
      if (queue.inflight.size > 0) return true;
      const due = await queue.nextDue();
      return due !== null && due <= clock.now();
    },
    async unattemptable(ids) {
      const out: string[] = [];
      for (const id of ids) {
        try {
          if ((await queue.get(id)).state === 'held') out.push(id);
        } catch {
          // Gone (deleted meanwhile, or finished by an attempt this watch will still hear about).
          if (!queue.inflight.has(id)) out.push(id);
        }
      }
      return out;
    },
  };
}
