/**
 * `smtp-ops serve`: the long-running process. Engine and delivery worker,
 * the control socket for local terminals, the SMTP intake listener, and the
 * chat adapters that are configured.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createRunner } from '../commands/run.js';
import { createEngine } from '../engine/index.js';
import type { Engine } from '../engine/index.js';
import { startSlack } from '../adapters/slack/index.js';
import { startDiscord } from '../adapters/discord/index.js';
import { attachEmailAlerts } from '../adapters/email/index.js';
import { SOCKET_NAME } from './protocol.js';
import { probe, startControlServer } from './server.js';

export interface Served {
  engine: Engine;
  socketPath: string;
  /** Stop adapters, intake, socket and engine, in that order. */
  stop(): Promise<void>;
}

type Stoppable = { name: string; stop(): Promise<void> };

/** Start everything; `log` gets one line per component. */
export async function startServe(storeDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<Served> {
  const socketPath = path.join(storeDir, SOCKET_NAME);
  if (await probe(socketPath)) throw new Error(`smtp-ops is already serving this store (${socketPath})`);
  await mkdir(storeDir, { recursive: true });
  const engine = await createEngine({ storeDir, worker: true });
  const parts: Stoppable[] = [{ name: 'engine', stop: () => engine.close() }];
  // Email alerts go through the engine itself.
  const detachEmail = attachEmailAlerts(engine);
  parts.push({ name: 'email alerts', stop: async () => detachEmail() });
  const stopAll = async () => {
    for (const p of parts.reverse()) {
      try {
        await p.stop();
      } catch (e) {
        log(`stopping ${p.name} failed: ${(e as Error).message}`);
      }
    }
    parts.length = 0;
  };
  try {
    const runner = createRunner(engine, { env });
    const control = await startControlServer(runner, storeDir);
    parts.push({ name: 'control socket', stop: () => control.close() });
    log(`control socket ${control.path}`);
    try {
      const intake = await engine.startIntake();
      parts.push({ name: 'intake', stop: () => intake.close() });
      log(`intake listening on ${intake.host}:${intake.port}`);
    } catch (e) {
      // Mail from the API and the CLI still flows; the event log says why intake is down.
      log(`intake not started: ${(e as Error).message}`);
    }
    for (const [name, start] of [['slack', startSlack], ['discord', startDiscord]] as const) {
      try {
        const handle = await start(engine, runner, env);
        if (handle) {
          parts.push({ name, stop: () => handle.stop() });
          log(`${name} adapter started`);
        } else log(`${name} not configured`);
      } catch (e) {
        log(`${name} adapter not started: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  return { engine, socketPath, stop: stopAll };
}
