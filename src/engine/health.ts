/** The engine's half of `/healthz`: can the store take a write, and is the worker running. */
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Clock, EngineHealth, HealthCheck } from './facade.js';
import { K, type Store } from './store.js';

/** Bytes of the probe file: more than one page, so a full disk cannot absorb it in a page already allocated. */
const PROBE_BYTES = 8192;

/**
 * A file written and fsynced in the store directory (a full, read-only or
 * re-permissioned disk fails it even while LevelDB still has buffer room),
 * then a synced LevelDB put through the store's one writer.
 */
export async function checkStore(store: Store, dir: string, now: number): Promise<HealthCheck> {
  const probe = path.join(dir, `.health-probe-${process.pid}`);
  try {
    const fh = await open(probe, 'w', 0o600);
    try {
      await fh.write(Buffer.alloc(PROBE_BYTES));
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { ok: false, detail: `cannot write in the store directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  } finally {
    await unlink(probe).catch(() => undefined);
  }
  try {
    await store.commit([{ type: 'put', key: K.healthProbe, value: String(now) }], true);
  } catch (e) {
    return { ok: false, detail: `the store does not take writes: ${(e as Error).message}` };
  }
  return { ok: true, detail: 'writable' };
}

/** The worker check: started in this process, and its last pass did not fail. */
export function checkWorker(started: boolean, state: { running: boolean; fault: string | null }): HealthCheck {
  if (!started) return { ok: false, detail: 'the delivery worker is not started in this process' };
  if (!state.running) return { ok: false, detail: 'the delivery worker has stopped' };
  if (state.fault) return { ok: false, detail: `the delivery worker is retrying after a fault: ${state.fault}` };
  return { ok: true, detail: 'running' };
}

/** The engine's `health()`: the store and worker checks, answered from what it was wired with. */
export class Health {
  constructor(
    private readonly d: {
      store: Store;
      /** The store's directory, where the probe file is written. */
      dir: string;
      clock: Clock;
      worker: { state(): { running: boolean; fault: string | null } };
      /** Whether this process started the worker (`worker: false` engines deliver nothing). */
      workerStarted: boolean;
    },
  ) {}

  async check(closed: boolean): Promise<EngineHealth> {
    const store = closed ? { ok: false, detail: 'the engine is closed' } : await checkStore(this.d.store, this.d.dir, this.d.clock.now());
    return { store, worker: checkWorker(this.d.workerStarted && !closed, this.d.worker.state()) };
  }
}
