/**
 * sendmail and /metrics, measured against the real peer in the same run:
 *
 * - wall time of one `sendmail` invocation (process start to exit 0, message
 *   acknowledged on disk): smtp-ops through a running serve, smtp-ops with
 *   serve down (straight into the store), and Postfix's own /usr/sbin/sendmail
 *   (postdrop into the peers' Postfix);
 * - a `/metrics` scrape with an empty queue and with `--queued` messages
 *   (scrapes read O(1) counts, so the two should be alike).
 *
 * Prints medians and p95 per leg and the ratios; never fails.
 *
 *   npm run bench:sendmail [-- --runs 30 --queued 20000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/engine/index.js';
import { freePort } from '../test/peers/peers.js';
import { buildDist } from '../test/cli/build.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 30);
const QUEUED = arg('queued', 20000);
const key = randomBytes(32).toString('hex');
const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: process.env.HOME, SMTP_OPS_SECRET_KEY: key, SMTP_OPS_LISTEN: '127.0.0.1:0', ...extra });
const MESSAGE = `Subject: bench\nFrom: ops@smtp-ops.test\n\n${'line of a cron job output\n'.repeat(40)}`;

function q(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
const show = (xs: number[]) => `median ${q(xs, 0.5).toFixed(1)} ms, p95 ${q(xs, 0.95).toFixed(1)} ms (n=${xs.length})`;

function once(cmd: string, args: string[], e: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = spawn(cmd, args, { env: e, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (x) => (err += x));
    c.stdin.end(MESSAGE);
    c.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e6) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

async function times(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

async function startServe(main: string, store: string, extra: NodeJS.ProcessEnv = {}): Promise<{ stop(): Promise<void>; out: () => string }> {
  const child: ChildProcess = spawn(process.execPath, [main, '--store', store, 'serve'], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const start = Date.now();
  while (!/running on store/.test(out)) {
    if (Date.now() - start > 60_000) throw new Error(`serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    out: () => out,
    stop: () =>
      new Promise<void>((r) => {
        child.on('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const main = buildDist('bench-sendmail');
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-sendmail-'));
  try {
    // Nothing is sent: the legs time the hand-over, not delivery.
    const store = join(dir, 'store');
    const off = spawn(process.execPath, [main, '--store', store, 'config', 'set', 'enabled=off'], { env: env(), stdio: 'ignore' });
    await new Promise((r) => off.on('close', r));

    // As programs run it: a link named sendmail, the store from the environment.
    const link = join(dir, 'sendmail');
    symlinkSync(main, link);
    const sendmail = () => once(process.execPath, [link, '-i', 'x@sink.test'], env({ SMTP_OPS_STORE: store }));
    const serve = await startServe(main, store);
    const viaServe = await times(RUNS, sendmail);
    await serve.stop();
    const direct = await times(RUNS, sendmail);
    const postfix = existsSync('/usr/sbin/sendmail') ? await times(RUNS, () => once('/usr/sbin/sendmail', ['-i', '-f', 'ops@smtp-ops.test', 'bench-sendmail@sink.test'], { PATH: process.env.PATH })) : [];
    const node = await times(RUNS, () => once(process.execPath, ['-e', 'process.stdin.resume();process.stdin.on("end",()=>{})'], {}));

    console.log(`sendmail, ${RUNS} invocations each (process start to exit 0, message on disk):`);
    console.log(`  smtp-ops via serve:       ${show(viaServe)}`);
    console.log(`  smtp-ops, serve down:     ${show(direct)}`);
    if (postfix.length) console.log(`  Postfix /usr/sbin/sendmail: ${show(postfix)}`);
    console.log(`  (node start-up alone:     ${show(node)})`);
    if (postfix.length) console.log(`  ratio smtp-ops via serve / Postfix: ${(q(viaServe, 0.5) / q(postfix, 0.5)).toFixed(2)}x, serve down / Postfix: ${(q(direct, 0.5) / q(postfix, 0.5)).toFixed(2)}x`);

    // Scrapes: empty store, then one with QUEUED messages queued (sending off).
    const scrape = async (s: string): Promise<number[]> => {
      const port = await freePort();
      const srv = await startServe(main, s, { SMTP_OPS_HTTP: `127.0.0.1:${port}` });
      try {
        await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
        return await times(RUNS * 3, async () => {
          const t = process.hrtime.bigint();
          const body = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
          if (!body.includes('smtp_ops_queue_messages')) throw new Error('no metrics');
          return Number(process.hrtime.bigint() - t) / 1e6;
        });
      } finally {
        await srv.stop();
      }
    };
    const empty = join(dir, 'empty');
    const full = join(dir, 'full');
    const e = await createEngine({ storeDir: full, secretKey: key, worker: false });
    await e.updateSettings({ enabled: 'off' }, { platform: 'cli', id: 'bench' });
    for (let i = 0; i < QUEUED; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, QUEUED - i) }, (_, j) => e.submit({ from: 'ops@smtp-ops.test', to: [`r${i + j}@sink.test`], raw: MESSAGE }, { platform: 'cli', id: 'bench' })));
    }
    await e.close();
    const s0 = await scrape(empty);
    const s1 = await scrape(full);
    console.log(`GET /metrics, ${RUNS * 3} scrapes each:`);
    console.log(`  empty queue:              ${show(s0)}`);
    console.log(`  ${QUEUED.toLocaleString('en')} queued:           ${show(s1)}`);
    console.log(`  ratio: ${(q(s1, 0.5) / q(s0, 0.5)).toFixed(2)}x`);
    console.log(JSON.stringify({ runs: RUNS, viaServeMs: q(viaServe, 0.5), serveDownMs: q(direct, 0.5), postfixMs: postfix.length ? q(postfix, 0.5) : null, nodeStartMs: q(node, 0.5), scrapeEmptyMs: q(s0, 0.5), scrapeQueuedMs: q(s1, 0.5), queued: QUEUED }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
