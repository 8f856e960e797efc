/**
 * `smtp-ops serve`: the long-running process. Engine and delivery worker,
 * the control socket for local terminals, the SMTP intake listener, and the
 * chat adapters that are configured.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createRunner } from '../commands/run.js';
import { createEngine, hostPort } from '../engine/index.js';
import type { Engine } from '../engine/index.js';
import { startSlack } from '../adapters/slack/index.js';
import { startDiscord } from '../adapters/discord/index.js';
import { attachEmailAlerts } from '../adapters/email/index.js';
import { SOCKET_NAME } from './control-protocol.js';
import { probe, startControlServer } from './control-server.js';
import { pickupReply } from './pickup.js';
import { createMetrics } from './metrics.js';
import { httpAddress, startHttp } from './http.js';
import { sdNotify } from './sd-notify.js';

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
  let ready = false;
  const stopAll = async () => {
    ready = false;
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
    const control = await startControlServer(runner, storeDir, { submit: pickupReply(engine) });
    parts.push({ name: 'control socket', stop: () => control.close() });
    log(`control socket ${control.path}`);
    try {
      const intake = await engine.startIntake();
      parts.push({ name: 'intake', stop: () => intake.close() });
      log(`intake listening on ${hostPort(intake.host, intake.port)}`);
    } catch (e) {
      // Mail from the API and the CLI still flows; the event log says why intake is down.
      log(`intake not started: ${(e as Error).message}`);
    }
    try {
      const addr = httpAddress(env, (await engine.getSettings()).httpListen);
      if (addr) {
        const metrics = await createMetrics(engine);
        const web = await startHttp(addr, { engine, metrics, ready: () => ready });
        parts.push({ name: 'http', stop: async () => (await web.close(), metrics.close()) });
        log(`metrics and health on http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${web.port}/metrics and /healthz`);
      }
    } catch (e) {
      // Mail still flows without metrics; the event says why (and reaches alert channels).
      log(`http not started: ${(e as Error).message}`);
      await engine.recordEvent('error', 'http.failed', `the metrics and health listener did not start: ${(e as Error).message}`, 'system').catch(() => undefined);
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
  ready = true;
  const notified = await sdNotify(env, 'ready', `serving ${storeDir}`);
  if (notified) log(notified);
  const stop = async () => {
    const n = await sdNotify(env, 'stopping', 'stopping');
    if (n) log(n);
    await stopAll();
  };
  return { engine, socketPath, stop };
}

/** `smtp-ops serve`: start everything, log to stdout, stop on SIGINT/SIGTERM (a second signal exits at once). */
export async function runServe(storeDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const log = (l: string) => process.stdout.write(`smtp-ops serve: ${l}\n`);
  // The handlers come first: a signal while serve starts (systemd may stop a unit that is still
  // starting), or right after it says it runs, stops it cleanly instead of killing it by default.
  let signalled = false;
  let wake = () => {};
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      log(`${sig} again: exiting now`);
      process.exit(130);
    }
    signalled = true;
    log(`${sig}: stopping`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let served: Served;
  try {
    served = await startServe(storeDir, env, log);
  } catch (e) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw e;
  }
  if (!signalled) {
    log(`running on store ${storeDir}`);
    await new Promise<void>((resolve) => (wake = resolve));
  }
  await served.stop();
  log('stopped');
  return 0;
}
