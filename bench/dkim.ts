/**
 * What DKIM signing at delivery time costs, measured against the real relay in the same run:
 *  1. the signature alone: median ms to sign a 2 KB alert, a 64 KB and a 1 MB message
 *     (nodemailer's signer, 2048-bit RSA, relaxed/relaxed);
 *  2. delivery through Postfix: N queued messages drained by the engine to the Postfix relay on
 *     127.0.0.1:10025, which forwards bench.test to an smtp-sink on 127.0.0.1:10126, unsigned
 *     and signed, alternating; the clock runs from enabling delivery until the sink counted N.
 * Prints medians and the signed/unsigned ratio.
 *
 *   npm run bench:dkim -- [--n 1000] [--size 2048] [--runs 3]
 *
 * Needs root (smtp-sink), and the peers of test/peers/peers.sh (Postfix on 10025).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createEngine } from '../src/engine/index.js';
import { compose } from '../src/engine/compose.js';
import { DkimSigner } from '../src/engine/dkim/signer.js';

const root = resolve(import.meta.dirname, '..');
const KEY = await readFile(join(root, 'test/engine/dkim/fixtures/sel1.pem'), 'utf8');
const SINK_PORT = 10126;
const actor = { platform: 'cli' as const, id: 'bench' };

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, size: { type: 'string', default: '2048' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.n);
const SIZE = Number(values.size);
const RUNS = Number(values.runs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function message(bytes: number): Promise<Buffer> {
  const line = 'The disk on node-7 is 91% full; the alert clears below 85%. '.padEnd(76, '.');
  const text = Array.from({ length: Math.ceil(bytes / 78) }, () => line).join('\n');
  return compose({ fromName: 'Alerts', fromAddress: 'alerts@dkim.doctor.test', to: ['oncall@bench.test'], subject: 'disk space', text, messageId: `<${randomBytes(8).toString('hex')}@bench>`, date: new Date() });
}

async function signCost(): Promise<void> {
  const signer = new DkimSigner({ domain: 'dkim.doctor.test', selector: 'sel1', privateKey: KEY });
  for (const [label, bytes, iterations] of [['2 KB', 2048, 300], ['64 KB', 65536, 100], ['1 MB', 1 << 20, 20]] as const) {
    const raw = await message(bytes);
    for (let i = 0; i < 10; i++) await signer.sign(raw);
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await signer.sign(raw);
      times.push(performance.now() - t);
    }
    console.log(`sign ${label.padEnd(6)} median ${median(times).toFixed(3)} ms  (${iterations} signatures, ${raw.length} bytes)`);
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), res(true)));
    c.once('error', () => res(false));
  });
}

async function startSink(dir: string) {
  if (await listening(SINK_PORT)) throw new Error(`127.0.0.1:${SINK_PORT} is taken (another benchmark?)`);
  const p = spawn('smtp-sink', ['-u', 'nobody', '-c', `127.0.0.1:${SINK_PORT}`, '1024'], { stdio: ['ignore', 'pipe', 'ignore'], cwd: dir });
  let count = 0;
  p.stdout.on('data', (d: Buffer) => {
    const m = /mesg=(\d+)\r?$/.exec(d.toString().trimEnd().split('\r').at(-1) ?? '');
    if (m) count = Number(m[1]);
  });
  for (let i = 0; i < 100 && !(await listening(SINK_PORT)); i++) await new Promise((r) => setTimeout(r, 50));
  return { count: () => count, stop: () => new Promise<void>((r) => (p.exitCode !== null ? r() : (p.once('exit', () => r()), p.kill('SIGTERM')))) };
}

/** ms to drain N queued messages through Postfix to the sink. */
async function drain(signed: boolean, sink: Awaited<ReturnType<typeof startSink>>): Promise<number> {
  const storeDir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-dkim-'));
  const e = await createEngine({ storeDir, pollMs: 200 });
  try {
    await e.updateSettings({ enabled: 'off', hostname: 'mail.doctor.test', 'from-address': 'alerts@dkim.doctor.test', 'relay-host': '127.0.0.1', 'relay-port': '10025', 'use-tls': 'off', ...(signed ? { 'dkim-domain': 'dkim.doctor.test', 'dkim-selector': 'sel1', 'dkim-private-key': KEY } : {}) }, actor);
    const raw = await message(SIZE);
    for (let i = 0; i < N; i++) await e.submit({ from: 'alerts@dkim.doctor.test', to: [`m${i}@bench.test`], raw }, actor);
    const start = sink.count();
    const t = performance.now();
    await e.updateSettings({ enabled: 'on' }, actor);
    await e.queueFlush(actor);
    const end = Date.now() + 10 * 60_000;
    while (sink.count() - start < N) {
      if (Date.now() > end) throw new Error(`sink counted ${sink.count() - start} of ${N}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now() - t;
  } finally {
    await e.close();
    await rm(storeDir, { recursive: true, force: true });
  }
}

await signCost();
if (!(await listening(10025))) {
  console.log('Postfix relay on 127.0.0.1:10025 is not running (bash test/peers/peers.sh up): delivery leg skipped');
} else {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-sink-'));
  const sink = await startSink(dir);
  try {
    const plain: number[] = [];
    const signed: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      plain.push(await drain(false, sink));
      signed.push(await drain(true, sink));
    }
    const rate = (ms: number) => N / (ms / 1000);
    console.log(`delivery via Postfix, ${N} x ${SIZE} B, medians of ${RUNS}:`);
    console.log(`  unsigned ${rate(median(plain)).toFixed(0)} msg/s (${median(plain).toFixed(0)} ms)`);
    console.log(`  signed   ${rate(median(signed)).toFixed(0)} msg/s (${median(signed).toFixed(0)} ms)`);
    console.log(`  signed/unsigned throughput ${(rate(median(signed)) / rate(median(plain))).toFixed(2)}x`);
  } finally {
    await sink.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
