/**
 * Intake connections in the report, through the real engine and listener: the
 * listener on its own thread (the default) and on the engine's thread. Each
 * session's open and close crosses to the engine's reports; the engine's
 * close writes what was counted since the last batch, so a fresh engine on
 * the same store reports them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { dayOf } from '../../../src/engine/reports/index.js';

const admin = { platform: 'cli' as const, id: 'connections-test' };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** One SMTP session from `local`: the greeting, then each line's reply; the socket is closed after. */
async function session(port: number, local: string, lines: string[]): Promise<string[]> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: local }, () => resolve(s));
    s.once('error', reject);
  });
  socket.setEncoding('utf8');
  let buf = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: string) => {
    buf += d;
    for (const w of waiters.splice(0)) w();
  });
  const reply = async (): Promise<string> => {
    for (;;) {
      const m = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(buf);
      if (m) {
        buf = buf.slice(m[0].length);
        return m[0].trim();
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const out = [await reply()];
  for (const l of lines) {
    socket.write(`${l}\r\n`);
    out.push(await reply());
  }
  await new Promise<void>((r) => {
    if (socket.closed) return r();
    socket.once('close', () => r());
    socket.end();
  });
  return out;
}

async function withThread<T>(mode: 'on' | 'off', fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SMTP_OPS_INTAKE_THREAD;
  process.env.SMTP_OPS_INTAKE_THREAD = mode;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SMTP_OPS_INTAKE_THREAD;
    else process.env.SMTP_OPS_INTAKE_THREAD = saved;
  }
}

describe('intake connections reach the report', () => {
  for (const mode of ['on', 'off'] as const) {
    it(`with the listener ${mode === 'on' ? 'on its own thread (default)' : 'on the engine thread'}: sessions per client with HELO names, a 552 for SIZE as a size reject, written when the engine closes`, async () => {
      const storeDir = await mkdtemp(join(tmpdir(), 'reports-intake-conn-'));
      cleanup.push(() => rm(storeDir, { recursive: true, force: true }));
      const secretKey = randomBytes(32).toString('hex');
      const started = Date.now();
      let e: Engine = await createEngine({ storeDir, secretKey, worker: false });
      cleanup.push(() => e.close());
      await e.updateSettings({ hostname: 'smtp-ops.test', timezone: 'UTC', 'intake-max-size': '20000' }, admin);
      const { port } = await withThread(mode, () => e.startIntake({ listen: '127.0.0.1:0' }));

      expect(await session(port, '127.0.0.1', ['EHLO app-a.ok.test', 'QUIT'])).toEqual([expect.stringMatching(/^220 /), expect.stringMatching(/^250/), expect.stringMatching(/^221 /)]);
      await session(port, '127.0.0.2', ['HELO App-B.ok.test', 'QUIT']);
      const refused = await session(port, '127.0.0.2', ['EHLO app-b.ok.test', 'MAIL FROM:<big@ok.test> SIZE=900000', 'QUIT']);
      expect(refused[2]).toMatch(/^552 5\.3\.4 /);
      // A client that hangs up without QUIT is a connection too.
      await session(port, '127.0.0.3', ['EHLO cron.ok.test']);

      // Closed at once: no 2 s flush of the counted connections has run; close writes them.
      await e.close();
      e = await createEngine({ storeDir, secretKey, worker: false });
      const [from, to] = [dayOf(started, 'UTC'), dayOf(Date.now(), 'UTC')];
      const r = await e.report({ day: from === to ? from : `${from}..${to}`, full: true });

      expect(r.connections).toMatchObject({ total: 4, clients: 3 });
      expect(r.totals.connections).toBe(4);
      const client = (c: string) => r.clients.find((x) => x.client === c);
      expect(client('127.0.0.1')).toMatchObject({ connections: 1, helo: ['app-a.ok.test'], rejected: 0 });
      expect(client('127.0.0.2')).toMatchObject({ connections: 2, helo: ['app-b.ok.test'], rejected: 1 });
      expect(client('127.0.0.3')).toMatchObject({ connections: 1, helo: ['cron.ok.test'] });
      expect(r.rejects.total).toBe(1);
      expect(r.rejects.byReason).toEqual([expect.objectContaining({ reason: 'size', count: 1, code: '552', status: '5.3.4' })]);
      const rejected = (await e.eventList({})).items.filter((x) => x.code === 'intake.rejected');
      expect(rejected.map((x) => x.data?.reason)).toEqual(['size']);
    }, 30_000);
  }
});
