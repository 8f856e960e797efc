import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { createEngine, type Engine } from '../../../src/engine/index.js';

const admin = { platform: 'cli' as const, id: 'root' };
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

/** EHLO and return the server's capability lines. */
function ehlo(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (/^220 /m.test(buf) && !buf.includes('EHLO-SENT')) {
        buf += 'EHLO-SENT\n';
        s.write('EHLO client.example.com\r\n');
      } else if (/^250 /m.test(buf.split('EHLO-SENT')[1] ?? '')) {
        s.end('QUIT\r\n');
        resolve(buf.split('EHLO-SENT')[1]);
      }
    });
    s.on('error', reject);
  });
}

describe('intake restarts on settings changes', () => {
  it('a running listener takes a new intake-max-size without a restart of serve', async () => {
    const e = await createEngine({ storeDir: await mkdtemp(join(tmpdir(), 'intake-restart-')), worker: false });
    engines.push(e);
    const intake = await e.startIntake({ listen: '127.0.0.1:0' });
    expect(await ehlo(intake.port)).toMatch(/250[- ]SIZE 10240000/);
    await e.updateSettings({ 'intake-max-size': '4096' }, admin);
    expect(await ehlo(intake.port)).toMatch(/250[- ]SIZE 4096/);
    await intake.close();
  });

  it('a listener that cannot come back records why', async () => {
    const e = await createEngine({ storeDir: await mkdtemp(join(tmpdir(), 'intake-restart-')), worker: false });
    engines.push(e);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    await e.updateSettings({ listen: `127.0.0.1:${port}` }, admin);
    const intake = await e.startIntake();
    expect(intake.port).toBe(port);
    // The listener follows the listen setting: point it at a port someone else holds.
    await e.updateSettings({ listen: `127.0.0.1:${taken}` }, admin);
    const ev = (await e.eventList({ level: 'error' })).items.find((x) => x.code === 'intake.restart-failed');
    expect(ev?.message).toMatch(/could not restart/);
    await intake.close();
    blocker.close();
  });
});

describe('intake start failure', () => {
  it('records why the listener is down', async () => {
    const e = await createEngine({ storeDir: await mkdtemp(join(tmpdir(), 'intake-fail-')), worker: false });
    engines.push(e);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as { port: number }).port;
    await expect(e.startIntake({ listen: `127.0.0.1:${taken}` })).rejects.toThrow(/cannot listen/);
    const ev = (await e.eventList({ level: 'error' })).items.find((x) => x.code === 'intake.failed');
    expect(ev?.message).toMatch(/did not start.*cannot listen/);
    blocker.close();
  });
});
