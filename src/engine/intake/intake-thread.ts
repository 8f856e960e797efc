/**
 * The body of the intake listener's thread: the smtp-server listener (server.ts)
 * with its {@link IntakeDeps} answered by the engine on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IntakeServer } from '../facade.js';
import type { IntakeDeps } from './types.js';
import type { ConnectionEvent } from '../reports/types.js';
import { startIntake } from './server.js';
import { batcher, fromWire, toWire, type Call, type DepCall, type FromIntake, type IntakeThreadData, type ToIntake } from './thread-protocol.js';

const port = parentPort!;
const post = (m: FromIntake) => port.postMessage(m);
const request = batcher<Call>((items) => post({ t: 'calls', items }));
const connections = batcher<ConnectionEvent>((items) => post({ t: 'connections', items }));
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let seq = 0;

function call<T>(c: DepCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const n = ++seq;
    waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
    request({ n, ...c });
  });
}

const deps: IntakeDeps = {
  submit: (input, actor) => call({ fn: 'submit', args: [input, actor] }),
  settings: () => call({ fn: 'settings', args: [] }),
  checkCredentials: (username, password) => call({ fn: 'checkCredentials', args: [username, password] }),
  recordEvent: (...args) => call({ fn: 'recordEvent', args }),
  connection: (ev) => connections(ev),
};

let server: IntakeServer | null = null;
let closeAsked = false;

port.on('message', (m: ToIntake) => {
  if (m.t === 'replies') {
    for (const r of m.items) {
      const w = waiting.get(r.n);
      waiting.delete(r.n);
      if (r.ok) w?.resolve(r.value);
      else w?.reject(fromWire(r.error));
    }
    return;
  }
  closeAsked = true;
  if (server) void server.close().finally(done);
});

function done(): void {
  // The sessions' last connection events reach the engine before it hears the listener closed.
  connections.flush();
  post({ t: 'closed' });
  port.close();
}

startIntake(deps, (workerData as IntakeThreadData).opts).then(
  (s) => {
    server = s;
    post({ t: 'listening', host: s.host, port: s.port });
    if (closeAsked) void s.close().finally(done);
  },
  (e: unknown) => {
    post({ t: 'failed', error: toWire(e) });
    port.close();
  },
);
