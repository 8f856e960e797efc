/** Real engine on a throw-away store, plus a local SMTP peer (smtp-server) that accepts, defers or bounces by recipient. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createEngine, type Actor, type Engine, type EngineOptions } from '../../src/engine/index.js';

export const cli: Actor = { platform: 'cli', id: 'tester', name: 'tester' };
export const slack = (id: string, name = id): Actor => ({ platform: 'slack', id, name });
export const discord = (id: string, roles: string[] = []): Actor => ({ platform: 'discord', id, roles });

export interface TestStore {
  dir: string;
  engine: Engine;
  close(): Promise<void>;
}

export async function openStore(extra: Partial<EngineOptions> = {}): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-ops-cmd-'));
  const engine = await createEngine({ storeDir: dir, secretKey: randomBytes(32).toString('hex'), worker: false, ...extra });
  return {
    dir,
    engine,
    async close() {
      await engine.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An SMTP peer on an ephemeral loopback port: `bounce@` gets 550, `defer@` gets 451, others are accepted. */
export async function smtpPeer(): Promise<{ port: number; received: { to: string[] }[]; close(): Promise<void> }> {
  const received: { to: string[] }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(addr, _s, cb) {
      if (addr.address.startsWith('bounce@')) return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      if (addr.address.startsWith('defer@')) return cb(Object.assign(new Error('4.2.0 try later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address) });
        cb(null, 'Queued as TEST123');
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Relay settings pointing at a plain local peer. */
export function relayTo(port: number): string {
  return `config set hostname=cmd.smtp-ops.test from-address=alerts@smtp-ops.test relay-host=127.0.0.1 relay-port=${port} use-tls=off`;
}
