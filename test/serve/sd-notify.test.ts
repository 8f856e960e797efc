/**
 * Readiness for Type=notify: serve runs `systemd-notify --ready` when
 * $NOTIFY_SOCKET is set. A small python receiver stands in for PID 1 on a
 * Unix datagram socket (Node has none): it prints each message and closes the
 * barrier fd systemd-notify passes, as the service manager does.
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
    for fd in fds:
        os.close(fd)
    print(repr(msg.decode()), flush=True)
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

describe.skipIf(!have && process.env.CI !== 'true')('sd_notify', () => {
  it('READY=1 with MAINPID once everything is up, STOPPING=1 on SIGTERM', async () => {
    const sock = join(dir, 'notify.sock');
    const receiver = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let heard = '';
    receiver.stdout!.on('data', (c) => (heard += c));
    receiver.stderr!.on('data', (c) => (heard += c));
    let serve: ChildProcess | undefined;
    try {
      await until(() => heard.includes('listening'), 'the receiver');
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, SMTP_OPS_SECRET_KEY: randomBytes(32).toString('hex'), SMTP_OPS_LISTEN: '127.0.0.1:0', NOTIFY_SOCKET: sock };
      serve = spawn(process.execPath, [main, '--store', join(dir, 'store'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      serve.stdout!.on('data', (c) => (out += c));
      serve.stderr!.on('data', (c) => (out += c));
      const exited = new Promise<number | null>((r) => serve!.on('exit', (c) => r(c)));
      await until(() => /READY=1/.test(heard), `READY=1 (serve said:\n${out})`);
      expect(heard).toMatch(new RegExp(`'READY=1\\\\nSTATUS=serving [^']*\\\\nMAINPID=${serve.pid}'`));
      // systemd-notify waited until the manager had the message (the barrier), so it is attributed to the service.
      expect(heard).toContain("'BARRIER=1'");
      await until(() => /running on store/.test(out), 'serve to log that it runs');
      // Ready came after the listeners: both were logged before.
      expect(out.indexOf('intake listening')).toBeLessThan(out.indexOf('running on store'));
      expect(out).not.toMatch(/systemd-notify .* failed/);
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(heard).toMatch(/'STATUS=stopping\\nSTOPPING=1'/);
    } finally {
      serve?.kill('SIGKILL');
      receiver.kill();
    }
  }, 60_000);
});
