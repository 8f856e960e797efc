/**
 * One way for terminals to run commands whoever holds the store: through the
 * control socket when a `serve` (or another REPL) runs, else by opening the
 * store in this process. LevelDB allows one process per store.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import type { ProgressReply, Reply } from '../commands/reply.js';
import type { Runner } from '../commands/types.js';
import { createRunner } from '../commands/run.js';
import { createEngine } from '../engine/index.js';
import type { Actor, Engine } from '../engine/index.js';
import { connectControl } from './control-client.js';
import type { ControlClient } from './control-client.js';
import { startControlServer } from '../serve/control-server.js';
import type { ControlServer } from '../serve/control-server.js';
import { pickupReply } from '../serve/pickup.js';
import { attachEmailAlerts } from '../adapters/email/index.js';

/** Per-request options of a terminal call (the RunContext parts a terminal controls). */
export interface Call {
  confirmed?: boolean;
  onProgress?: (p: ProgressReply) => void;
  followUp?: (r: Reply) => void;
  /** Stop waiting for delivery attempts (local mode; serve keeps its own). */
  signal?: AbortSignal;
}

export interface Backend {
  /** `socket`: another process holds the store; `local`: this one does. */
  readonly mode: 'socket' | 'local';
  /** The live engine (local mode only): the REPL's debugging escape uses it. */
  readonly engine?: Engine;
  /** Run a grammar line. */
  run(text: string, call?: Call): Promise<Reply>;
  action(token: string, call?: Call): Promise<Reply>;
  secret(field: string, value: string, call?: Call): Promise<Reply>;
  /** Resolves when the other process goes away (socket mode). */
  readonly lost?: Promise<void>;
  close(): Promise<void>;
}

/** The local OS user as an actor. */
export function localActor(platform: 'cli' | 'repl'): Actor {
  let id = 'unknown';
  try {
    id = os.userInfo().username || id;
  } catch {
    id = process.env.USER ?? id;
  }
  return { platform, id, name: id };
}

export interface OpenOptions {
  storeDir: string;
  actor: Actor;
  /** Run the delivery worker when this process opens the store. */
  worker: boolean;
  /** Also serve the control socket when this process opens the store (REPL). */
  serveSocket?: boolean;
  env?: NodeJS.ProcessEnv;
}

function remote(client: ControlClient, actor: Actor): Backend {
  const call = (req: Parameters<ControlClient['request']>[0], c: Call = {}) => {
    // Requests are forgotten once answered; a later follow-up goes to the latest listener.
    if (c.followUp) client.onFollowUp(c.followUp);
    return client.request({ ...req, confirmed: c.confirmed, followUps: Boolean(c.followUp) }, { onProgress: c.onProgress });
  };
  return {
    mode: 'socket',
    lost: client.closed,
    run: (text, c) => call({ actor, text }, c),
    action: (token, c) => call({ actor, action: token }, c),
    secret: (field, value, c) => call({ actor, secret: { field, value } }, c),
    close: async () => client.close(),
  };
}

function local(engine: Engine, runner: Runner, actor: Actor, server: ControlServer | null): Backend {
  const ctx = (c: Call = {}) => ({ actor, surface: 'terminal' as const, confirmed: c.confirmed, onProgress: c.onProgress, followUp: c.followUp, signal: c.signal });
  return {
    mode: 'local',
    engine,
    run: (text, c) => runner.run(text, ctx(c)),
    action: (token, c) => runner.action(token, ctx(c)),
    secret: (field, value, c) => runner.secret(field, value, ctx(c)),
    close: async () => {
      await server?.close();
      await engine.close();
    },
  };
}

/** Connect to the process holding the store, or open it here. */
export async function openBackend(o: OpenOptions): Promise<Backend> {
  const client = await connectControl(o.storeDir);
  if (client) return remote(client, o.actor);
  await mkdir(o.storeDir, { recursive: true });
  let engine: Engine;
  try {
    engine = await createEngine({ storeDir: o.storeDir, worker: o.worker });
  } catch (e) {
    // The engine already names the store and the reason (e.g. held by another process).
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(msg.includes(o.storeDir) ? msg : `could not open the store ${o.storeDir}: ${msg}`);
  }
  const runner = createRunner(engine, { env: o.env });
  // With its worker this process sends mail, so email alerts too.
  if (o.worker) attachEmailAlerts(engine);
  let server: ControlServer | null = null;
  if (o.serveSocket) {
    try {
      server = await startControlServer(runner, o.storeDir, { submit: pickupReply(engine) });
    } catch {
      // Another process races us for the socket; this one still works on its own.
      server = null;
    }
  }
  return local(engine, runner, o.actor, server);
}
