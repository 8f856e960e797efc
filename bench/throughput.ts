/**
 * Throughput on loopback, smtp-ops against a stock Postfix relay, same path:
 *   smtp-source (N messages, L bytes, S sessions) -> relay -> smtp-sink
 * in two client styles, both in every run:
 *   per-message  a new connection for every message (smtp-source without -d), as
 *                cron mailers, Alertmanager and Grafana connect
 *   reused       each of the S sessions sends message after message (smtp-source -d)
 * The clock runs from the first connection until smtp-sink has counted N.
 * Every message is durably queued before its 250 (smtp-ops syncs its store,
 * Postfix fsyncs its queue file); the sink's dump is checked for exactly N
 * distinct Message-Ids (nothing lost, nothing duplicated).
 *
 *   npm run bench:throughput -- [--n 10000] [--size 2048] [--sessions 10] [--runs 3]
 *                               [--styles per-message,reused] [--skip-postfix]
 *                               [--concurrency C] [--cpu-prof DIR]
 * (--concurrency sets smtp-ops's delivery concurrency; default: the engine's default)
 *
 * smtp-ops runs in its own process (test/engine/intake/engine-process.ts) so its
 * peak RSS and CPU are its own. Needs root (smtp-sink drops to `nobody`), the
 * postfix package's smtp-source/smtp-sink, and for the Postfix leg the relay of
 * test/peers/peers.sh on 127.0.0.1:10025 forwarding bench.test to 127.0.0.1:10126.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const POSTFIX = { host: '127.0.0.1', port: 10025, sinkPort: 10126 };
const root = resolve(import.meta.dirname, '..');
const childScript = join(root, 'test/engine/intake/engine-process.ts');

/** How smtp-source connects: `-d` keeps each session's connection for the next message. */
type Style = 'per-message' | 'reused';
const STYLES: readonly Style[] = ['per-message', 'reused'];
/** The targets: smtp-ops / Postfix, per client style. */
const TARGET: Record<Style, number> = { 'per-message': 1.5, reused: 2 };

interface Leg {
  /** ms from start of injection until the sink counted N. */
  ms: number;
  /** ms until smtp-source had its last 250. */
  injectMs: number;
  rate: number;
  received: number;
  unique: number;
  maxRssKb?: number;
  cpuMs?: number;
  /** Median ms from connect to the 220 greeting over {@link GREETINGS} sequential connections (per-message legs). */
  greetingMs?: number;
}

/** Connections whose greeting latency is measured before a per-message leg. */
const GREETINGS = 100;

/** Median ms from TCP connect to a complete 220 line, one connection after the other (each then QUITs). */
async function greetingLatency(port: number, count = GREETINGS): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(
      await new Promise<number>((res, rej) => {
        const t0 = performance.now();
        const c = connect(port, '127.0.0.1');
        let buf = '';
        c.setEncoding('latin1');
        c.on('data', (d: string) => {
          buf += d;
          if (!buf.includes('\r\n')) return;
          const ms = performance.now() - t0;
          if (!buf.startsWith('220')) return rej(new Error(`greeting on ${port}: ${buf.trim()}`));
          c.end('QUIT\r\n');
          res(ms);
        });
        c.once('error', rej);
      }),
    );
  }
  return median(samples);
}

/** Postfix daemons (the master and its children), for the CPU time the Postfix leg costs. */
const POSTFIX_DAEMONS = new Set(['smtpd', 'cleanup', 'qmgr', 'smtp', 'trivial-rewrite', 'anvil', 'scache', 'postlogd', 'proxymap', 'tlsmgr', 'pickup', 'bounce', 'showq', 'flush', 'verify', 'error', 'discard', 'local']);

/**
 * CPU seconds used so far by Postfix: the master with its reaped children, plus the
 * live children (Linux /proc). Other users of the shared relay add to it too, so it
 * is an upper bound for one leg.
 */
async function postfixCpuSeconds(): Promise<number> {
  const hz = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || close < 0) continue;
    const comm = stat.slice(open + 1, close);
    const f = stat.slice(close + 2).split(' ');
    if (comm === 'master') ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (POSTFIX_DAEMONS.has(comm)) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / hz;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      res(true);
    });
    c.once('error', () => res(false));
  });
}

/** smtp-sink with running counters and a dump of every message; `count` follows its `mesg=` counter. */
async function startSink(port: number, dir: string) {
  const dump = join(dir, `sink-${port}.dump`);
  const p = spawn('smtp-sink', ['-u', 'nobody', '-c', '-D', dump, `127.0.0.1:${port}`, '1024'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let count = 0;
  let err = '';
  p.stdout.on('data', (d: Buffer) => {
    const m = /mesg=(\d+)\r?$/.exec(d.toString().trimEnd().split('\r').at(-1) ?? '');
    if (m) count = Number(m[1]);
  });
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await listening(port))) throw new Error(`smtp-sink did not listen on 127.0.0.1:${port}: ${err}`);
  return {
    count: () => count,
    /** Stop the sink and drop its dump. */
    async stop(): Promise<void> {
      await new Promise<void>((r) => (p.exitCode !== null ? r() : (p.once('exit', () => r()), p.kill('SIGTERM'))));
      await rm(dump, { force: true });
    },
    /** Messages in the dump and how many distinct Message-Ids they carry. */
    async verify(): Promise<{ received: number; unique: number }> {
      const text = await readFile(dump, 'latin1').catch(() => '');
      const ids = text.match(/^Message-Id: .*$/gim) ?? [];
      const received = (text.match(/^X-Client-Addr: /gm) ?? []).length;
      return { received, unique: new Set(ids.map((l) => l.slice(12).trim())).size };
    },
  };
}

function smtpSource(port: number, n: number, size: number, sessions: number, style: Style): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const args = [...(style === 'reused' ? ['-d'] : []), '-s', String(sessions), '-m', String(n), '-l', String(size), '-f', 'bench@example.com', '-t', 'sink@bench.test', `127.0.0.1:${port}`];
    const p = spawn('smtp-source', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(`smtp-source exited ${code}: ${err.trim()}`))));
  });
}

async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function timeLeg(port: number, sink: Awaited<ReturnType<typeof startSink>>, n: number, size: number, sessions: number, style: Style): Promise<Omit<Leg, 'received' | 'unique'>> {
  const t0 = performance.now();
  const injectMs = await smtpSource(port, n, size, sessions, style);
  await until(() => sink.count() >= n, 15 * 60_000, () => `sink counted ${sink.count()} of ${n}`);
  const ms = performance.now() - t0;
  return { ms, injectMs, rate: n / (ms / 1000) };
}

async function smtpOpsLeg(dir: string, n: number, size: number, sessions: number, style: Style, concurrency: string | undefined, cpuProf?: string): Promise<Leg> {
  const sinkPort = await freePort();
  const sink = await startSink(sinkPort, dir);
  const storeDir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-store-'));
  const cfg = {
    storeDir,
    listen: '127.0.0.1:0',
    settings: { 'relay-host': '127.0.0.1', 'relay-port': String(sinkPort), 'use-tls': 'off', hostname: 'smtp-ops.bench.test', 'intake-max-connections': '100', ...(concurrency ? { concurrency } : {}) },
  };
  const nodeArgs = ['--import', 'tsx', ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []), childScript];
  const child: ChildProcess = spawn(process.execPath, nodeArgs, { env: { ...process.env, SMTP_OPS_CHILD: JSON.stringify(cfg), SMTP_OPS_LISTEN: '' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<Record<string, number | boolean>>((res, rej) => {
    lines.once('line', (l) => res(JSON.parse(l)));
    child.once('exit', (c) => rej(new Error(`smtp-ops process exited (${c})`)));
  });
  try {
    const ready = await next();
    const greetingMs = style === 'per-message' ? await greetingLatency(Number(ready.port)) : undefined;
    const cpuReady = Number(ready.cpuUserMs) + Number(ready.cpuSystemMs);
    const timing = await timeLeg(Number(ready.port), sink, n, size, sessions, style);
    const stopped = next();
    child.stdin!.write('stop\n');
    const usage = await stopped;
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would land now
    const cpuMs = Number(usage.cpuUserMs) + Number(usage.cpuSystemMs) - cpuReady;
    return { ...timing, ...(await sink.verify()), maxRssKb: Number(usage.maxRssKb), cpuMs, ...(greetingMs !== undefined ? { greetingMs } : {}) };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await sink.stop();
    await rm(storeDir, { recursive: true, force: true });
  }
}

async function postfixLeg(dir: string, n: number, size: number, sessions: number, style: Style): Promise<Leg> {
  if (!(await listening(POSTFIX.port))) throw new Error(`no Postfix relay on ${POSTFIX.host}:${POSTFIX.port}: run sudo bash test/peers/peers.sh up (or --skip-postfix)`);
  if (await listening(POSTFIX.sinkPort)) throw new Error(`127.0.0.1:${POSTFIX.sinkPort} is taken: the bench starts its own smtp-sink there`);
  const sink = await startSink(POSTFIX.sinkPort, dir);
  try {
    const greetingMs = style === 'per-message' ? await greetingLatency(POSTFIX.port) : undefined;
    const cpu0 = await postfixCpuSeconds();
    const timing = await timeLeg(POSTFIX.port, sink, n, size, sessions, style);
    const cpuMs = (await postfixCpuSeconds()) - cpu0;
    await new Promise((r) => setTimeout(r, 300));
    return { ...timing, ...(await sink.verify()), cpuMs: cpuMs * 1000, ...(greetingMs !== undefined ? { greetingMs } : {}) };
  } finally {
    await sink.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function show(name: string, l: Leg, n: number): string {
  const ok = l.received === n && l.unique === n ? 'ok' : `MISMATCH received=${l.received} unique=${l.unique}`;
  const mem = l.maxRssKb ? `  peak RSS ${(l.maxRssKb / 1024).toFixed(0)} MB` : '';
  const cpu = l.cpuMs !== undefined ? `  CPU ${(l.cpuMs / 1000).toFixed(1)} s (${(l.cpuMs / n).toFixed(2)} ms/msg)` : '';
  const greet = l.greetingMs !== undefined ? `  greeting ${l.greetingMs.toFixed(2)} ms` : '';
  return `${name.padEnd(8)} ${l.rate.toFixed(0).padStart(6)} msg/s  ${(l.ms / 1000).toFixed(2)} s (injected in ${(l.injectMs / 1000).toFixed(2)} s)  sink ${ok}${mem}${cpu}${greet}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '10000' },
      size: { type: 'string', default: '2048' },
      sessions: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      styles: { type: 'string', default: STYLES.join(',') },
      'skip-postfix': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const n = Number(values.n);
  const size = Number(values.size);
  const sessions = Number(values.sessions);
  const runs = Number(values.runs);
  const styles = values.styles.split(',').map((s) => s.trim()) as Style[];
  const bad = styles.filter((s) => !STYLES.includes(s));
  if (bad.length > 0 || styles.length === 0) throw new Error(`--styles must list ${STYLES.join(' and/or ')} (got ${JSON.stringify(values.styles)})`);
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-'));
  await chmod(dir, 0o777); // smtp-sink writes its dump as nobody
  const legs = new Map<Style, { ops: Leg[]; pf: Leg[] }>(styles.map((s) => [s, { ops: [], pf: [] }]));
  console.log(`throughput: ${n} messages of ${size} bytes over ${sessions} sessions, styles ${styles.join(' + ')}, ${runs} run(s)`);
  try {
    for (let i = 1; i <= runs; i++) {
      for (const style of styles) {
        const l = legs.get(style)!;
        const o = await smtpOpsLeg(dir, n, size, sessions, style, values.concurrency, values['cpu-prof']);
        l.ops.push(o);
        console.log(`run ${i}  ${style.padEnd(11)} ${show('smtp-ops', o, n)}`);
        if (!values['skip-postfix']) {
          const p = await postfixLeg(dir, n, size, sessions, style);
          l.pf.push(p);
          console.log(`run ${i}  ${style.padEnd(11)} ${show('postfix', p, n)}`);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const all = [...legs.values()].flatMap((l) => [...l.ops, ...l.pf]);
  const failed = all.some((l) => l.received !== n || l.unique !== n);
  const summary: Record<string, unknown> = { n, size, sessions, runs, lossless: !failed };
  for (const [style, l] of legs) {
    const opsRate = median(l.ops.map((x) => x.rate));
    const s: Record<string, unknown> = {
      smtpOps: {
        medianRate: Math.round(opsRate),
        rates: l.ops.map((x) => Math.round(x.rate)),
        medianPeakRssMb: Math.round(median(l.ops.map((x) => x.maxRssKb! / 1024))),
        medianCpuMsPerMsg: Number(median(l.ops.map((x) => x.cpuMs! / n)).toFixed(3)),
        ...(style === 'per-message' ? { medianGreetingMs: Number(median(l.ops.map((x) => x.greetingMs!)).toFixed(2)) } : {}),
      },
    };
    console.log(`median   ${style.padEnd(11)} smtp-ops ${opsRate.toFixed(0)} msg/s, peak RSS ${(s.smtpOps as { medianPeakRssMb: number }).medianPeakRssMb} MB`);
    if (l.pf.length) {
      const pfRate = median(l.pf.map((x) => x.rate));
      s.postfix = {
        medianRate: Math.round(pfRate),
        rates: l.pf.map((x) => Math.round(x.rate)),
        medianCpuMsPerMsg: Number(median(l.pf.map((x) => x.cpuMs! / n)).toFixed(3)),
        ...(style === 'per-message' ? { medianGreetingMs: Number(median(l.pf.map((x) => x.greetingMs!)).toFixed(2)) } : {}),
      };
      s.ratio = Number((opsRate / pfRate).toFixed(2));
      s.target = TARGET[style];
      console.log(`median   ${style.padEnd(11)} postfix  ${pfRate.toFixed(0)} msg/s`);
      console.log(`ratio    ${style.padEnd(11)} smtp-ops / postfix = ${(opsRate / pfRate).toFixed(2)} (target >= ${TARGET[style]})`);
    }
    summary[style] = s;
  }
  console.log(JSON.stringify(summary));
  if (failed) {
    console.error('FAILED: the sink did not receive exactly N distinct messages');
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(`bench:throughput: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
