/**
 * `smtp-ops sendmail` end to end: the built program, a real serve (or none),
 * the worker, and Postfix's smtp-sink as the relay, which dumps each message
 * with its envelope (X-Mail-Args, X-Rcpt-Args) and its own Received line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, statSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peersOrSkip, startSmtpSink, type SmtpSink } from '../peers/peers.js';
import { buildDist, ROOT } from './build.js';

const peers = await peersOrSkip('sendmail');
let main: string;
let sink: SmtpSink;
const dirs: string[] = [];
const HOST = 'cron.smtp-ops.test';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', SMTP_OPS_SECRET_KEY: key, SMTP_OPS_LISTEN: '127.0.0.1:0' });
const key = randomBytes(32).toString('hex');

function run(args: string[], stdin: Buffer | string = '', opts: { argv1?: string; uid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [opts.argv1 ?? main, ...args], { cwd: ROOT, env: { ...env(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function newStore(): Promise<string> {
  const d = mkdtempSync(join(tmpdir(), 'smtp-ops-sendmail-'));
  dirs.push(d);
  const store = join(d, 'store');
  const set = await run(['--store', store, 'config', 'set', `hostname=${HOST}`, 'relay-host=127.0.0.1', `relay-port=${sink.port}`, 'use-tls=off', 'retry-first=1s']);
  expect(set.code, set.stderr).toBe(0);
  return store;
}

async function startServe(store: string): Promise<{ stop(): Promise<number | null> }> {
  const serve: ChildProcess = spawn(process.execPath, [main, '--store', store, 'serve'], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  serve.stdout!.on('data', (c) => (out += c));
  serve.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => serve.on('exit', (code) => r(code)));
  const start = Date.now();
  while (!/running on store/.test(out)) {
    if (Date.now() - start > 30_000 || serve.exitCode !== null) {
      serve.kill('SIGKILL');
      throw new Error(`serve did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    stop: async () => {
      serve.kill('SIGTERM');
      return exited;
    },
  };
}

/** Dumps holding `marker`, read as bytes (latin1: one character per byte), waiting for `count`. */
function dumps(marker: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(sink.dir)) {
    try {
      const text = readFileSync(join(sink.dir, f), 'latin1');
      if (text.includes(marker)) out.push(text);
    } catch {
      // being written: seen on the next poll
    }
  }
  return out;
}

async function delivered(marker: string, count = 1, timeoutMs = 30_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let got = dumps(marker);
  while (got.length < count && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    got = dumps(marker);
  }
  return got;
}

/** A dump split into the envelope smtp-sink saw and the message after its own and our Received lines. */
function parseDump(dump: string): { from: string; rcpts: string[]; trace: string; message: string } {
  const m = /^((?:X-[A-Za-z-]+: [^\n]*\n)*)Received: from [^\n]*\n\tby sink\.local \(smtp-sink\)[^\n]*\n\t[^\n]*\n(Received: by [^\n]*\n\t[^\n]*\n)([\s\S]*)$/.exec(dump);
  if (!m) throw new Error(`unexpected dump:\n${dump}`);
  const env = m[1];
  return {
    from: /X-Mail-Args: <([^>]*)>/.exec(env)?.[1] ?? '?',
    rcpts: [...env.matchAll(/X-Rcpt-Args: <([^>]*)>/g)].map((x) => x[1]),
    trace: m[2],
    message: m[3],
  };
}

beforeAll(async () => {
  if (!peers.ok) return;
  main = buildDist('sendmail');
  sink = await startSmtpSink('127.0.0.1');
}, 180_000);

afterAll(async () => {
  await sink?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A message exercising -t, Bcc, dot lines and 8-bit bytes; returns it and what must arrive. */
function message(marker: string): { input: Buffer; expected: Buffer } {
  const head = `From: Ops <ops@sink.test>\nTo: To One <to1@sink.test>, to2@sink.test\nCc: cc@sink.test\nBcc: hidden@sink.test\nSubject: ${marker}\nDate: Wed, 02 Dec 2026 10:00:00 +0000\nMessage-ID: <${marker}@example.com>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n`;
  const body = Buffer.concat([
    Buffer.from('first line\n..two dots stay two\n.one dot at the start\n', 'latin1'),
    Buffer.from('grüße, ñ, 日本\n', 'utf8'),
    Buffer.from([0xe9, 0x20, 0xff, 0x0a]),
    Buffer.from('last line\n', 'latin1'),
  ]);
  const input = Buffer.concat([Buffer.from(head, 'latin1'), body, Buffer.from('.\nthis is after the dot line and is not sent\n')]);
  const expected = Buffer.concat([Buffer.from(head.replace('Bcc: hidden@sink.test\n', ''), 'latin1'), body]);
  return { input, expected };
}

function checkDelivery(dump: string, expected: Buffer, sender: string, rcpts: string[]): void {
  const d = parseDump(dump);
  expect(d.from).toBe(sender);
  expect(d.rcpts.sort()).toEqual(rcpts.sort());
  expect(d.trace).toMatch(new RegExp(`^Received: by ${HOST.replace(/\./g, '\\.')} \\(smtp-ops, from userid \\d+\\);\\n\\t\\w{3}, \\d\\d \\w{3} \\d{4} `));
  // Byte for byte apart from the trace line (smtp-sink writes lines with LF, as the input had).
  expect(Buffer.from(d.message, 'latin1').toString('hex')).toBe(Buffer.concat([expected, Buffer.from('\n')]).toString('hex'));
  expect(d.message).not.toMatch(/hidden|^Bcc:/im);
}

describe.skipIf(!peers.ok)('sendmail', () => {
  it('-t with To, Cc and Bcc, -f and a dot line: through a running serve to smtp-sink, byte for byte, Bcc stripped', async () => {
    const store = await newStore();
    const serve = await startServe(store);
    try {
      const marker = `sm-serve-${randomBytes(4).toString('hex')}`;
      const { input, expected } = message(marker);
      const r = await run(['--store', store, 'sendmail', '-t', '-f', 'ops@sink.test', '-F', 'Unused Name'], input);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
      const [dump] = await delivered(marker);
      expect(dump, 'delivered').toBeDefined();
      checkDelivery(dump, expected, 'ops@sink.test', ['to1@sink.test', 'to2@sink.test', 'cc@sink.test', 'hidden@sink.test']);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 90_000);

  it('with serve stopped: queued in the store (exit 0, mailq shows it), delivered once serve starts', async () => {
    const store = await newStore();
    const marker = `sm-down-${randomBytes(4).toString('hex')}`;
    const { input, expected } = message(marker);
    // Through a link named sendmail (as /usr/sbin/sendmail would be), the store from SMTP_OPS_STORE.
    const link = (name: string) => {
      const p = join(dirs[dirs.length - 1], name);
      if (!existsSync(p)) symlinkSync(main, p);
      return p;
    };
    const r = await run(['-t', '-rops@sink.test', 'extra@sink.test'], input, { argv1: link('sendmail'), env: { SMTP_OPS_STORE: store } });
    expect(r.code, r.stderr).toBe(0);
    const q = await run(['--store', store, 'mailq']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/^-Queue ID- +--Size-- ----Arrival Time---- -Sender\/Recipient-------\n/);
    const id = /^([0-9a-z]{13,40}) +\d+ /m.exec(q.stdout)?.[1];
    expect(id, q.stdout).toBeDefined();
    expect(q.stdout).toMatch(/ops@sink\.test\n +extra@sink\.test\n +to1@sink\.test\n +to2@sink\.test\n +cc@sink\.test\n +hidden@sink\.test\n\n-- \d+ Kbytes in 1 Request\.\n$/);
    // Nothing delivers it while serve is down (sendmail does not start the worker).
    await new Promise((res) => setTimeout(res, 500));
    expect(dumps(marker)).toHaveLength(0);

    const serve = await startServe(store);
    try {
      const [dump] = await delivered(marker);
      expect(dump, 'delivered after serve started').toBeDefined();
      checkDelivery(dump, expected, 'ops@sink.test', ['extra@sink.test', 'to1@sink.test', 'to2@sink.test', 'cc@sink.test', 'hidden@sink.test']);
      // Through a link named mailq, via the running serve: the queue is empty again once the sink has it.
      let listed = await run([], '', { argv1: link('mailq'), env: { SMTP_OPS_STORE: store } });
      for (let i = 0; i < 50 && listed.stdout !== 'Mail queue is empty\n'; i++) {
        await new Promise((res) => setTimeout(res, 100));
        listed = await run([], '', { argv1: link('mailq'), env: { SMTP_OPS_STORE: store } });
      }
      expect(listed).toEqual({ code: 0, stdout: 'Mail queue is empty\n', stderr: '' });
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 90_000);

  it("cron's exact invocation: sendmail -FCronDaemon -i -B8BITMIME -oem <user>", async () => {
    const store = await newStore();
    const serve = await startServe(store);
    try {
      const marker = `cron-${randomBytes(4).toString('hex')}`;
      // What Debian's cron writes: no From (it relies on -F), a lone dot in the job output is data (-i).
      const input = Buffer.from(`Subject: Cron <root@${HOST}> /usr/local/bin/${marker}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\nX-Cron-Env: <HOME=/root>\n\nbackup done: 3 files\n.\nstill output after a lone dot\n\xc3\xa9t\xc3\xa9\n`, 'latin1');
      const r = await run(['--store', store, 'sendmail', '-FCronDaemon', '-i', '-B8BITMIME', '-oem', 'root'], input);
      expect(r.code, r.stderr).toBe(0);
      const [dump] = await delivered(marker);
      expect(dump, 'delivered').toBeDefined();
      const d = parseDump(dump);
      // A bare user gets @<hostname setting> (Postfix's $myorigin); the sender is the login name there too.
      expect(d.rcpts).toEqual([`root@${HOST}`]);
      expect(d.from).toMatch(new RegExp(`^[^@]+@${HOST.replace(/\./g, '\\.')}$`));
      expect(d.message).toContain(`\nFrom: CronDaemon <${d.from}>\n`);
      expect(d.message).toMatch(/\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\nMessage-ID: <\d{14}\.[0-9a-f]{12}@cron\.smtp-ops\.test>\n\nbackup done/);
      expect(d.message.endsWith('\n\nbackup done: 3 files\n.\nstill output after a lone dot\n\xc3\xa9t\xc3\xa9\n\n')).toBe(true);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 90_000);

  it.skipIf(process.getuid?.() !== 0)('root queueing into a store owned by the service user leaves every file the owner\'s', async () => {
    const store = await newStore();
    const walk = (d: string): string[] => [d, ...readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]))];
    for (const f of walk(store)) chownSync(f, 65534, 65534);
    // As /var/lib is: others may pass through to the service's directory.
    chmodSync(join(store, '..'), 0o755);
    const r = await run(['--store', store, 'sendmail', 'x@sink.test'], 'Subject: owned\n\nbody\n');
    expect(r.code, r.stderr).toBe(0);
    const notOwned = walk(store).filter((f) => statSync(f).uid !== 65534);
    expect(notOwned).toEqual([]);
    const q = await run(['--store', store, 'mailq']);
    expect(q.stdout).toMatch(/ root@cron\.smtp-ops\.test\n +x@sink\.test\n/);
  }, 60_000);

  it('exit codes follow sysexits.h', async () => {
    const store = await newStore();
    const code = async (args: string[], stdin = 'Subject: x\n\nbody\n') => (await run(['--store', store, 'sendmail', ...args], stdin)).code;
    expect(await code(['-k', 'x@sink.test'])).toBe(64);
    expect(await code([])).toBe(64);
    expect(await code(['-t'])).toBe(64);
    expect(await code(['-B', 'BINARYMIME', 'x@sink.test'])).toBe(64);
    expect(await code(['not an address@'])).toBe(67);
    const big = await run(['--store', store, 'config', 'set', 'intake-max-size=1024']);
    expect(big.code).toBe(0);
    const tooBig = await run(['--store', store, 'sendmail', 'x@sink.test'], `Subject: x\n\n${'y'.repeat(4000)}\n`);
    expect(tooBig.code).toBe(69);
    expect(tooBig.stderr).toMatch(/^sendmail: message too big: \d+ bytes, intake-max-size is 1024\n$/);
    const list = await run(['--store', store, 'queue', 'list', '--json']);
    expect(JSON.parse(list.stdout).items).toEqual([]);
    // A store the caller may not use: EX_NOPERM (run as nobody against root's 0700 store).
    if (process.getuid?.() === 0) {
      const locked = join(dirs[dirs.length - 1], 'locked');
      mkdirSync(locked, { mode: 0o700 });
      chmodSync(locked, 0o700);
      const r = await run(['--store', join(locked, 'store'), 'sendmail', 'x@sink.test'], 'Subject: x\n\nb\n', { uid: 65534 });
      expect(r.code, r.stderr).toBe(77);
      expect(r.stderr).toMatch(/no permission/);
      expect(existsSync(join(locked, 'store'))).toBe(false);
    }
  }, 90_000);
});
