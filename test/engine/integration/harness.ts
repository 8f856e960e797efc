/** Engine + real peers: a throw-away store per test, the dnsmasq resolver, a unique marker per run. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Actor, type Engine, type EngineOptions } from '../../../src/engine/index.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import { PEERS } from '../../peers/peers.js';

export const actor: Actor = { platform: 'cli', id: 'itest', name: 'integration test' };

export function marker(label: string): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export interface Harness {
  storeDir: string;
  secretKey: string;
  open(extra?: Partial<EngineOptions>): Promise<Engine>;
  /** Close every engine opened and remove the store. */
  dispose(): Promise<void>;
}

export function harness(): Harness {
  const storeDir = mkdtempSync(join(tmpdir(), 'smtp-ops-it-'));
  const secretKey = randomBytes(32).toString('hex');
  const engines: Engine[] = [];
  return {
    storeDir,
    secretKey,
    async open(extra = {}) {
      const e = await createEngine({ storeDir, secretKey, resolver: resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns }), pollMs: 500, ...extra });
      engines.push(e);
      return e;
    },
    async dispose() {
      await Promise.all(engines.splice(0).map((e) => e.close().catch(() => undefined)));
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Settings for the Postfix relay on one of its ports. */
export function relaySettings(port: number, over: Record<string, string> = {}): Record<string, string> {
  return {
    hostname: 'it.smtp-ops.test',
    'from-name': 'Integration',
    'from-address': 'alerts@smtp-ops.test',
    'relay-host': PEERS.relayHost,
    'relay-port': String(port),
    ...over,
  };
}

/** A TCP forwarder: "the relay comes back" on a port where nothing listened before. */
export async function forward(listenPort: number, targetPort: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
