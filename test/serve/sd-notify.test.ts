/**
 * Readiness for Type=notify: serve runs `systemd-notify --ready` when
 * $NOTIFY_SOCKET is set. A small python receiver stands in for PID 1 on a
 * Unix datagram socket (Node has none): it prints each message, then closes
 * the barrier fd systemd-notify passes, as the service manager does (it
 * handles a message before it closes the fds that came with it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, ROOT } from '../cli/build.js';

const RECEIVER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, fds, _flags, _addr = socket.recv_fds(s, 4096, 16)
    print(repr(msg.decode()), flush=True)
    for fd in fds:
        os.close(fd)
`;

const have = existsSync('/usr/bin/systemd-notify') || existsSync('/bin/systemd-notify');
let main: string;
let dir: string;

beforeAll(() => {
  main = buildDist('sd-notify');
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-notify-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A receiver on a fresh socket and serve told to notify it; `kill` stops both. */
async function start(name: string) {
  const sock = join(dir, `${name}.sock`);
  const receiver = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = { heard: '', out: '' };
  receiver.stdout!.on('data', (c) => (seen.heard += c));
  receiver.stderr!.on('data', (c) => (seen.heard += c));
  await until(() => seen.heard.includes('listening'), 'the receiver');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, SMTP_OPS_SECRET_KEY: randomBytes(32).toString('hex'), SMTP_OPS_LISTEN: '127.0.0.1:0', NOTIFY_SOCKET: sock };
  const serve: ChildProcess = spawn(process.execPath, [main, '--store', join(dir, name), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stdout!.on('data', (c) => (seen.out += c));
  serve.stderr!.on('data', (c) => (seen.out += c));
  const exited = new Promise<string>((r) => serve.on('exit', (code, signal) => r(`${code ?? signal}`)));
  const kill = () => {
    serve.kill('SIGKILL');
    receiver.kill();
  };
  return { seen, serve, exited, kill };
}

describe.skipIf(!have && process.env.CI !== 'true')('sd_notify', () => {
  it('READY=1 with MAINPID once everything is up, STOPPING=1 on SIGTERM', async () => {
    const { seen, serve, exited, kill } = await start('store');
    try {
      await until(() => /READY=1/.test(seen.heard), `READY=1 (serve said:\n${seen.out})`);
      expect(seen.heard).toMatch(new RegExp(`'READY=1\\\\nSTATUS=serving [^']*\\\\nMAINPID=${serve.pid}'`));
      // systemd-notify waited until the manager had the message (the barrier), so it is attributed to
      // the service; serve says it runs only once systemd-notify returned, so after the barrier.
      await until(() => /running on store/.test(seen.out), 'serve to log that it runs');
      await until(() => seen.heard.includes("'BARRIER=1'"), `BARRIER=1 after READY=1 (heard:\n${seen.heard})`);
      expect(seen.heard.indexOf("'BARRIER=1'")).toBeGreaterThan(seen.heard.indexOf('READY=1'));
      // Ready came after the listeners: both were logged before.
      expect(seen.out.indexOf('intake listening')).toBeLessThan(seen.out.indexOf('running on store'));
      expect(seen.out).not.toMatch(/systemd-notify .* failed/);
      serve.kill('SIGTERM');
      expect(await exited, seen.out).toBe('0');
      await until(() => /'STATUS=stopping\\nSTOPPING=1'/.test(seen.heard), `STOPPING=1 (heard:\n${seen.heard})`);
    } finally {
      kill();
    }
  }, 60_000);

  it('a SIGTERM while serve starts stops it cleanly once it is up, not by the signal', async () => {
    const { seen, serve, exited, kill } = await start('early');
    try {
      // The first line comes halfway through starting: the intake, http and adapters are still to come.
      await until(() => /control socket/.test(seen.out), 'the first line of serve');
      serve.kill('SIGTERM');
      expect(await exited, seen.out).toBe('0');
      expect(seen.out).toMatch(/SIGTERM: stopping[\s\S]*stopped/);
      await until(() => /'STATUS=stopping\\nSTOPPING=1'/.test(seen.heard), `STOPPING=1 (heard:\n${seen.heard})`);
    } finally {
      kill();
    }
  }, 60_000);
});
