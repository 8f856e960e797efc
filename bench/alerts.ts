/**
 * Alerting, measured on loopback with real parts: the engine's worker relays to an smtp-server
 * peer that refuses the failing domains, the Slack adapter (Bolt) posts to the loopback fake Slack.
 *
 * 1. Latency (in this process, real time): from the first failure (the peer's refusal) to the
 *    first post, against alert-group-wait; from the last change to the edited post, against the
 *    time the edit was due (first post + alert-group-interval).
 * 0. The alert path alone (in this process): CPU per failure for the mapping, the rate-limited event
 *    log, the group and its writes, 10,000 bounces across 100 domains.
 * 2. Throughput (the engine in its own process, bench/alerts-engine.ts): 10,000 failures a
 *    minute across 100 domains submitted through the intake listener for a minute, while
 *    Postfix's smtp-source injects a stream of good mail: alert posts per minute, the engine's
 *    CPU, and the intake rate of the good stream, compared in the same run with the good stream
 *    alone and with the same 10,000 a minute of mail that is delivered (no failures).
 *
 *   npm run bench:alerts -- [--runs 3] [--wait 5] [--interval 10] [--rate 10000] [--domains 100]
 *                           [--duration 60] [--good 10000] [--sessions 10] [--skip-latency] [--skip-throughput]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { LogLevel } from '@slack/bolt';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { startSlackApp } from '../src/adapters/slack/index.js';
import { createRunner } from '../src/commands/run.js';
import { createEngine, type Actor } from '../src/engine/index.js';
import { FakeSlack } from '../test/doubles/slack/fake-slack.js';
import { Store } from '../src/engine/store.js';
import { Journal } from '../src/engine/journal.js';
import { AlertService } from '../src/engine/alerts/index.js';
import { defaultSettings } from '../src/engine/settings/table.js';
import { RateLimitedEvents } from '../src/engine/logs/rate-limited-events.js';
import { placeOf } from '../src/engine/alerts/kinds.js';
import type { BenchChild } from './alerts-engine.js';

const root = resolve(import.meta.dirname, '..');
const actor: Actor = { platform: 'system', id: 'bench' };
const SECRET = 'bench-signing-secret';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    wait: { type: 'string', default: '5' },
    interval: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10000' },
    domains: { type: 'string', default: '100' },
    duration: { type: 'string', default: '60' },
    good: { type: 'string', default: '10000' },
    sessions: { type: 'string', default: '10' },
    'skip-latency': { type: 'boolean', default: false },
    'skip-throughput': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
/** Good-stream bursts per leg. */
const BURSTS = 3;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The relay: refuses every recipient of a domain matching `fails` (550), takes the rest; notes when it refused what. */
async function startRelay(fails: RegExp) {
  const refusals = new Map<string, number[]>();
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 200,
    onRcptTo(address, _s, cb) {
      const domain = address.address.split('@')[1] ?? '';
      if (fails.test(domain)) {
        const l = refusals.get(domain) ?? [];
        l.push(Date.now());
        refusals.set(domain, l);
        return cb(Object.assign(new Error('5.1.1 Recipient address rejected: User unknown'), { responseCode: 550 }));
      }
      cb();
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => {
        accepted++;
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as { port: number }).port, refusals, accepted: () => accepted, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// ---------------------------------------------------------------- 0. the alert path

async function alertPath(): Promise<Record<string, number>> {
  const n = 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-alertpath-'));
  const store = await Store.open(dir);
  const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const journal = new Journal(store, clock);
  const settings = defaultSettings();
  const events = new RateLimitedEvents(journal, clock, placeOf);
  const a = await AlertService.open({ store, clock, events, settings: () => settings, queueCounts: () => ({ queued: 0, sending: 0, deferred: 0, held: 0, total: 0, oldest: null }), report: () => Promise.reject(new Error('no reports here')), log: () => undefined });
  journal.listen((_l, ev) => a.observeEvents(ev));
  a.start();
  const per: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const to = `u${run}x${i}@d${i % 100}.fail.test`;
        await a.attempted({ id: `0mwun${run}${String(i).padStart(8, '0')}`, relay: '127.0.0.1:2525', outcomes: [{ to, status: 'bounced', result: { to, status: 'bounced', code: 550, stage: 'rcpt', failure: 'rejected', response: `550 5.1.1 <${to}>: Recipient address rejected: User unknown` } }] }, false);
      }
      await a.settled();
      const c = process.cpuUsage(c0);
      per.push((c.user + c.system) / n);
      console.log(`alert path run ${run + 1}: ${(per.at(-1)!).toFixed(0)} µs CPU per failure`);
    }
  } finally {
    await a.close();
    await events.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  const m = { cpuUsPerFailure: Math.round(median(per)), coreShareAt10kPerMinute: Number(((median(per) * (10_000 / 60)) / 1e6).toFixed(4)) };
  console.log(`median   alert path ${m.cpuUsPerFailure} µs CPU per failure: ${(m.coreShareAt10kPerMinute * 100).toFixed(1)}% of a core at 10,000 failures a minute`);
  return m;
}

// ---------------------------------------------------------------- 1. latency

async function latency(): Promise<Record<string, number>> {
  const wait = Number(values.wait);
  const interval = Number(values.interval);
  const fake = await FakeSlack.start();
  const relay = await startRelay(/\.lat\.test$/);
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-alerts-'));
  const engine = await createEngine({ storeDir: dir, worker: true, pollMs: 200 });
  await engine.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(relay.port), 'use-tls': 'off', hostname: 'bench.smtp-ops.test', 'alert-group-wait': String(wait), 'alert-group-interval': String(interval) }, actor);
  await engine.alertSubscribe({ platform: 'slack', channel: 'CLAT' }, 'warning', actor);
  const slack = await startSlackApp(engine, createRunner(engine, { admins: [] }), { botToken: fake.botToken, signingSecret: SECRET, port: 0, host: '127.0.0.1', apiUrl: fake.apiUrl }, { retries: 0, logLevel: LogLevel.ERROR });
  const first: number[] = [];
  const edit: number[] = [];
  const editLate: number[] = [];
  console.log(`latency: alert-group-wait ${wait} s, alert-group-interval ${interval} s, ${RUNS} run(s)`);
  try {
    for (let run = 1; run <= RUNS; run++) {
      const domain = `r${run}.lat.test`;
      for (let i = 0; i < 20; i++) await engine.submit({ to: [`u${i}@${domain}`], subject: `lat ${run}.${i}`, text: 'x' }, actor);
      const post = await until(() => fake.calls('chat.postMessage').find((r) => r.body.channel === 'CLAT' && String(r.body.text).includes(domain)), (wait + 30) * 1000, `the post for ${domain}`);
      const t0 = relay.refusals.get(domain)![0];
      const ts = (fake.messages.find((m) => m.channel === 'CLAT' && m.text.includes(domain)) ?? { ts: '' }).ts;
      await sleep(1000);
      for (let i = 20; i < 30; i++) await engine.submit({ to: [`u${i}@${domain}`], subject: `lat ${run}.${i}`, text: 'x' }, actor);
      await until(() => (relay.refusals.get(domain)?.length ?? 0) >= 30, 30_000, 'the second batch refused');
      const lastChange = relay.refusals.get(domain)!.at(-1)!;
      const upd = await until(() => fake.calls('chat.update').find((r) => r.body.ts === ts && r.at >= lastChange && JSON.stringify(r.body.blocks).includes('30 messages')), (interval + 30) * 1000, `the edit for ${domain}`);
      first.push(post.at - t0);
      edit.push(upd.at - lastChange);
      editLate.push(upd.at - (post.at + interval * 1000));
      console.log(`run ${run}  first failure -> first post ${(post.at - t0).toFixed(0)} ms (group wait ${wait * 1000} ms)  last change -> edit ${(upd.at - lastChange).toFixed(0)} ms (edit due at first post + ${interval} s; ${(upd.at - post.at - interval * 1000).toFixed(0)} ms after that)`);
    }
  } finally {
    await slack.stop();
    await engine.close();
    await relay.close();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const m = { firstPostMs: median(first), overFirstWaitMs: median(first) - wait * 1000, editMs: median(edit), editAfterDueMs: median(editLate), groupWaitMs: wait * 1000, groupIntervalMs: interval * 1000 };
  console.log(`median   first post ${m.firstPostMs.toFixed(0)} ms = group wait + ${m.overFirstWaitMs.toFixed(0)} ms; edit ${m.editMs.toFixed(0)} ms after the last change, ${m.editAfterDueMs.toFixed(0)} ms after it was due`);
  return m;
}

// ---------------------------------------------------------------- 2. throughput

interface Child {
  port: number;
  cpu(): Promise<number>;
  stop(): Promise<number>;
}

async function startChild(cfg: BenchChild): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/alerts-engine.ts')], { cwd: root, env: { ...process.env, SMTP_OPS_BENCH: JSON.stringify(cfg), SMTP_OPS_LISTEN: '' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<Record<string, number | boolean>>((res, rej) => {
      lines.once('line', (l) => res(JSON.parse(l)));
      child.once('exit', (c) => rej(new Error(`engine process exited (${c})`)));
    });
  const ready = await next();
  return {
    port: Number(ready.port),
    async cpu() {
      const p = next();
      child.stdin!.write('cpu\n');
      return Number((await p).cpuMs);
    },
    async stop() {
      const p = next();
      child.stdin!.write('stop\n');
      const r = await p.catch(() => ({ cpuMs: NaN }));
      if (child.exitCode === null) child.kill('SIGKILL');
      return Number(r.cpuMs);
    },
  };
}

function smtpSource(port: number, n: number, sessions: number): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn('smtp-source', ['-d', '-s', String(sessions), '-m', String(n), '-l', '1024', '-f', 'bench@example.com', '-t', 'good@good.test', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(`smtp-source exited ${code}: ${err.trim()}`))));
  });
}

/** Submit `perMinute` messages a minute through the intake, spread over `domains` domains, for `seconds`. */
function stream(port: number, suffix: string, perMinute: number, domains: number, seconds: number) {
  const t = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 4, maxMessages: Infinity });
  let sent = 0;
  let failed = 0;
  const start = performance.now();
  const done = (async () => {
    let owed = 0;
    for (let tick = 0; performance.now() - start < seconds * 1000; tick++) {
      owed += perMinute / 600;
      const batch: Promise<unknown>[] = [];
      for (; owed >= 1; owed--) {
        const i = sent + failed + batch.length;
        const to = `user${i}@d${i % domains}.${suffix}`;
        batch.push(t.sendMail({ envelope: { from: 'app@example.com', to: [to] }, raw: `From: app@example.com\r\nTo: ${to}\r\nSubject: m${i}\r\n\r\nbody ${i}\r\n` }).then(() => sent++, () => failed++));
      }
      await Promise.all(batch);
      const due = start + (tick + 1) * 100;
      await sleep(Math.max(0, due - performance.now()));
    }
    t.close();
  })();
  return { done, sent: () => sent, failed: () => failed };
}

interface Leg {
  name: string;
  goodRate: number;
  cpuPct: number;
  posts: number;
  edits: number;
  postsPerMinute: number;
  background: number;
}

async function leg(name: 'alone' | 'delivered' | 'failing'): Promise<Leg> {
  const rate = Number(values.rate);
  const domains = Number(values.domains);
  const duration = Number(values.duration);
  const fake = await FakeSlack.start();
  const relay = await startRelay(/\.fail\.test$/);
  const storeDir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-alerts-'));
  const child = await startChild({
    storeDir,
    channel: 'CBENCH',
    settings: { 'relay-host': '127.0.0.1', 'relay-port': String(relay.port), 'use-tls': 'off', hostname: 'bench.smtp-ops.test', 'intake-max-connections': '200', 'alert-backlog-count': '0', 'alert-backlog-age': '0' },
    slack: { botToken: fake.botToken, apiUrl: fake.apiUrl, signingSecret: SECRET },
  });
  try {
    const cpu0 = await child.cpu();
    const w0 = performance.now();
    const bg = name === 'alone' ? null : stream(child.port, name === 'failing' ? 'fail.test' : 'ok.test', rate, domains, duration);
    // Every leg has the same shape: from 30 s in (when alert-group-wait ends and the groups are being
    // posted) the good stream is injected in bursts, one every 10 s; the median burst is the leg's rate
    // (the machine is shared: single bursts swing with its load). The leg lasts the whole duration.
    await sleep(30_000);
    const rates: number[] = [];
    const burst = Math.max(100, Math.round(Number(values.good) / BURSTS));
    for (let b = 0; b < BURSTS; b++) {
      const t = performance.now();
      const ms = await smtpSource(child.port, burst, Number(values.sessions));
      rates.push(burst / (ms / 1000));
      await sleep(Math.max(0, t + 10_000 - performance.now()));
    }
    await bg?.done;
    await sleep(Math.max(0, w0 + duration * 1000 - performance.now()));
    const cpu1 = await child.cpu();
    const wall = performance.now() - w0;
    let posts = 0;
    let edits = 0;
    let postsPerMinute = 0;
    if (name === 'failing') {
      const cards = () => fake.calls('chat.postMessage').filter((r) => r.body.channel === 'CBENCH');
      await until(() => cards().length >= domains, 300_000, `${domains} alert posts`).catch(() => undefined);
      const c = cards();
      posts = c.length;
      edits = fake.calls('chat.update').length;
      postsPerMinute = c.length > 1 ? ((c.length - 1) / (c.at(-1)!.at - c[0].at)) * 60_000 : 0;
    }
    const out: Leg = { name, goodRate: median(rates), cpuPct: ((cpu1 - cpu0) / wall) * 100, posts, edits, postsPerMinute, background: bg ? bg.sent() : 0 };
    console.log(
      `  ${name.padEnd(9)} good stream ${out.goodRate.toFixed(0).padStart(5)} msg/s at intake  engine CPU ${out.cpuPct.toFixed(0).padStart(3)}% of a core  background ${out.background} msgs${name === 'failing' ? `  alert posts ${posts} (${postsPerMinute.toFixed(0)}/min; edits follow alert-group-interval later)` : ''}`,
    );
    return out;
  } finally {
    await child.stop();
    await relay.close();
    await fake.stop();
    await rm(storeDir, { recursive: true, force: true });
  }
}

async function throughput(): Promise<Record<string, unknown>> {
  console.log(`throughput: ${values.rate} failures a minute across ${values.domains} domains for ${values.duration} s; good stream ${values.good} messages in ${BURSTS} bursts over ${values.sessions} sessions (smtp-source); ${RUNS} run(s)`);
  const legs: Leg[] = [];
  for (let run = 1; run <= RUNS; run++) {
    console.log(`run ${run}`);
    // The order rotates, so a change in the machine's load does not always hit the same leg.
    const order = (['alone', 'delivered', 'failing'] as const).map((_, i, a) => a[(i + run - 1) % a.length]);
    for (const name of order) legs.push(await leg(name));
  }
  const med = (name: string, k: keyof Leg) => median(legs.filter((l) => l.name === name).map((l) => Number(l[k])));
  const s = {
    goodAloneRate: Math.round(med('alone', 'goodRate')),
    goodWithDeliveredRate: Math.round(med('delivered', 'goodRate')),
    goodWithFailuresRate: Math.round(med('failing', 'goodRate')),
    cpuAlonePct: Math.round(med('alone', 'cpuPct')),
    cpuDeliveredPct: Math.round(med('delivered', 'cpuPct')),
    cpuFailingPct: Math.round(med('failing', 'cpuPct')),
    alertPosts: med('failing', 'posts'),
    postsPerMinute: Math.round(med('failing', 'postsPerMinute')),
  };
  console.log(
    `median   good stream at intake: alone ${s.goodAloneRate} msg/s, with 10k/min delivered ${s.goodWithDeliveredRate} msg/s, with 10k/min failing ${s.goodWithFailuresRate} msg/s (${((s.goodWithFailuresRate / s.goodWithDeliveredRate) * 100).toFixed(0)}% of the same load delivered)`,
  );
  console.log(`median   engine CPU over the minute: ${s.cpuAlonePct}% of a core with the good stream alone, ${s.cpuDeliveredPct}% with 10k/min delivered, ${s.cpuFailingPct}% with 10k/min failing and their alerts; alert posts ${s.alertPosts} at ${s.postsPerMinute}/min`);
  return s;
}

async function main(): Promise<void> {
  const summary: Record<string, unknown> = {};
  summary.alertPath = await alertPath();
  if (!values['skip-latency']) summary.latency = await latency();
  if (!values['skip-throughput']) summary.throughput = await throughput();
  console.log(JSON.stringify(summary));
}

main().catch((e: unknown) => {
  console.error(`bench:alerts: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
