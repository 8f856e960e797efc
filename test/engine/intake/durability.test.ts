/**
 * The intake listener on the real engine and store: a 250 means the message
 * survives SIGKILL; a store that cannot take a message answers 4xx and keeps
 * nothing of it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';
import { createEngine, type Engine, type IntakeServer } from '../../../src/engine/index.js';
import { RawSmtp, missingTools, run, swaks } from './clients.js';
import type { ChildConfig } from './engine-process.js';

const missing = missingTools('swaks', 'mount', 'umount');
const childScript = resolve(import.meta.dirname, 'engine-process.ts');

/** An in-process relay that keeps every message it is given, keyed by its X-Test-Token header. */
async function recordingRelay() {
  const tokens: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const token = /^X-Test-Token: (\S+)/im.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
        if (token) tokens.push(token);
        cb();
      });
    },
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.server.address() as { port: number }).port)));
  return { tokens, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Start engine-process.ts; resolves with the child and its intake port once it is listening. */
function startChild(cfg: ChildConfig): Promise<{ child: ChildProcess; port: number; err: () => string }> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      env: { ...process.env, SMTP_OPS_CHILD: JSON.stringify(cfg), SMTP_OPS_LISTEN: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      const msg = JSON.parse(l) as { ready?: boolean; port?: number };
      if (msg.ready) resolveStart({ child, port: msg.port!, err: () => err });
    });
    child.once('exit', (code, signal) => reject(new Error(`engine-process exited (${code ?? signal}) before listening: ${err}`)));
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One message over an open raw session; returns the DATA reply. */
async function sendRaw(c: RawSmtp, token: string): Promise<string> {
  expect(await c.cmd('MAIL FROM:<monitor@example.com>')).toMatch(/^250/);
  expect(await c.cmd('RCPT TO:<oncall@sink.test>')).toMatch(/^250/);
  expect(await c.cmd('DATA')).toMatch(/^354/);
  return c.cmd(`From: monitor@example.com\r\nTo: oncall@sink.test\r\nSubject: alert ${token}\r\nX-Test-Token: ${token}\r\n\r\nbody of ${token}\r\n.`);
}

describe.skipIf(missing.length > 0)(`intake durability on the real store${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`, () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ops-intake-dur-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every message acknowledged with 250 after the process is killed with SIGKILL and restarted', async () => {
    const relay = await recordingRelay();
    const storeDir = join(dir, 'crash-store');
    const settings = { 'relay-host': '127.0.0.1', 'relay-port': String(relay.port), 'use-tls': 'off', hostname: 'smtp-ops.test' };
    try {
      // First life: no delivery worker, so whatever is delivered later came from the disk.
      const first = await startChild({ storeDir, settings, listen: '127.0.0.1:0', worker: false });
      children.push(first.child);
      const c = await RawSmtp.open(first.port);
      expect(await c.reply()).toMatch(/^220/);
      await c.cmd('EHLO monitor.test');
      const tokens = Array.from({ length: 10 }, (_, i) => `crash-${i}-${Date.now()}`);
      for (const t of tokens.slice(0, -1)) expect(await sendRaw(c, t)).toMatch(/^250 /);
      expect(await sendRaw(c, tokens.at(-1)!)).toMatch(/^250 /);
      first.child.kill('SIGKILL'); // right after the last 250, before QUIT
      await new Promise((r) => first.child.once('exit', r));
      expect(first.child.signalCode).toBe('SIGKILL');
      expect(relay.tokens).toEqual([]);

      const second = await startChild({ storeDir, settings: {}, listen: '127.0.0.1:0', worker: true });
      children.push(second.child);
      await waitFor(() => relay.tokens.length >= tokens.length, 20_000, `${tokens.length} deliveries after restart (${second.err()})`);
      await new Promise((r) => setTimeout(r, 300)); // a duplicate would show up now
      expect([...relay.tokens].sort()).toEqual([...tokens].sort());
      second.child.stdin!.write('stop\n');
      await new Promise((r) => second.child.once('exit', r));
    } finally {
      await relay.close();
    }
  });

  // Mounting the tiny file system needs root; CI runs as root, so there a failure to mount fails the test.
  const canMount = process.getuid?.() === 0 || process.env.CI === 'true';
  describe.skipIf(!canMount)(`a store that runs out of space${canMount ? '' : ' (skipped: needs root to mount a tmpfs)'}`, () => {
    let mnt: string;
    let engine: Engine | undefined;
    let intake: IntakeServer | undefined;

    beforeAll(async () => {
      mnt = join(dir, 'tiny');
      await mkdir(mnt);
      const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
      if (m.code !== 0) throw new Error(`mounting a tmpfs for the store failed (needs root): ${m.out}`);
    });
    afterAll(async () => {
      await intake?.close().catch(() => undefined);
      await engine?.close().catch(() => undefined);
      await run('umount', ['-l', mnt]);
    });

    it('answers 451 4.3.0 and queues nothing of the refused message', async () => {
      const storeDir = join(mnt, 'store');
      engine = await createEngine({ storeDir, worker: false, secretKey: '11'.repeat(32) });
      intake = await engine.startIntake({ listen: '127.0.0.1:0' });
      const ok = await swaks(intake.port, ['--from', 'monitor@example.com', '--to', 'oncall@sink.test', '--header', 'Subject: before the disk filled']);
      expect(ok.out).toMatch(/250 2\.0\.0 Ok: queued/);

      // Fill the file system to the last byte.
      const filler = await open(join(mnt, 'filler'), 'w');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) await filler.write(block);
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      for (let n = 4096; n >= 1; n = Math.floor(n / 2)) {
        try {
          for (;;) await filler.write(block.subarray(0, n));
        } catch {
          // next smaller size
        }
      }
      await filler.close();

      const body = join(dir, 'big-body.txt');
      await writeFile(body, 'line of an alert that will not fit on the disk\n'.repeat(5000));
      const refused = await swaks(intake.port, ['--from', 'monitor@example.com', '--to', 'oncall@sink.test', '--header', 'Subject: no room', '--body', `@${body}`]);
      expect(refused.out).toMatch(/<\*\* 451 4\.3\.0 /);
      await intake.close();
      intake = undefined;
      await engine.close().catch(() => undefined);
      engine = undefined;
      await rm(join(mnt, 'filler'));

      // Reopened on the freed disk: exactly the one acknowledged message.
      engine = await createEngine({ storeDir, worker: false, secretKey: '11'.repeat(32) });
      const page = await engine.queueList({ limit: 50 });
      expect(page.items.map((i) => i.subject)).toEqual(['before the disk filled']);
      expect((await engine.queueCounts()).total).toBe(1);
    });
  });
});
