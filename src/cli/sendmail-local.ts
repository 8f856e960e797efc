/** sendmail with no serve running: open the store here (no worker), queue, sync, close. */
import { createEngine } from '../engine/index.js';
import type { Actor, Engine } from '../engine/index.js';
import { pickup, toSysexit, type PickupRequest } from '../serve/pickup.js';
import { openError } from './sysexits.js';

/** `queued`, or `busy` when another process holds the store (the caller retries through the socket). Throws a SysexitError otherwise. */
export async function submitLocal(storeDir: string, req: PickupRequest, actor: Actor): Promise<'queued' | 'busy'> {
  let engine: Engine;
  try {
    engine = await createEngine({ storeDir, worker: false });
  } catch (e) {
    if (/in use by another/i.test((e as Error).message)) return 'busy';
    throw openError(storeDir, e);
  }
  try {
    await pickup(engine, req, actor);
    return 'queued';
  } catch (e) {
    throw toSysexit(e);
  } finally {
    await engine.close();
  }
}
