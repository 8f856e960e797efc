/**
 * `serve` with SMTP_OPS_HTTP: /metrics parsed by a Prometheus text-format
 * parser agrees with `status --json` and the mail log; /healthz turns 503
 * when the store's disk is full (a tmpfs filled up) and 200 again when freed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { buildDist, ROOT } from '../cli/build.js';
import { smtpPeer } from '../commands/setup.js';
import { freePort } from '../peers/peers.js';

const root = process.getuid?.() === 0;
let main: string;
let peer: Awaited<ReturnType<typeof smtpPeer>>;
let dir: string;
let mounted = false;
const key = randomBytes(32).toString('hex');
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', SMTP_OPS_SECRET_KEY: key, SMTP_OPS_LISTEN: '127.0.0.1:0', ...extra });

function cli(store: string, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [main, '--store', store, ...args], { cwd: ROOT, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (x) => (stdout += x));
    c.stderr.on('data', (x) => (stderr += x));
    c.stdin.end(stdin);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = async (store: string, args: string[]) => {
  const r = await cli(store, [...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

beforeAll(async () => {
  main = buildDist('http');
  peer = await smtpPeer();
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-http-'));
  if (root) {
    // A small disk of its own, so the test can fill it.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', dir]);
    mounted = true;
  }
}, 180_000);

afterAll(async () => {
  await peer?.close();
  if (mounted) execFileSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
});

type Families = ReturnType<typeof parsePrometheusTextFormat>;
function sample(f: Families, name: string, labels: Record<string, string> = {}): number {
  const fam = f.find((x) => x.name === name);
  if (!fam) throw new Error(`no metric ${name}`);
  const m = fam.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  if (!m) throw new Error(`no ${name} ${JSON.stringify(labels)}`);
  return Number(m.value);
}
const sum = (f: Families, name: string, labels: Record<string, string>) =>
  (f.find((x) => x.name === name)?.metrics ?? []).filter((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v)).reduce((a, x) => a + Number(x.value), 0);

describe('metrics and health over HTTP', () => {
  it('/metrics equals status --json and the mail log; /healthz fails while the disk is full', async () => {
    const store = join(dir, 'store');
    mkdirSync(store);
    const set = await cli(store, ['config', 'set', 'hostname=http.smtp-ops.test', 'relay-host=127.0.0.1', `relay-port=${peer.port}`, 'use-tls=off', 'intake-allow-senders=@smtp-ops.test']);
    expect(set.code, set.stderr).toBe(0);
    const port = await freePort();
    const serve: ChildProcess = spawn(process.execPath, [main, '--store', store, 'serve'], { cwd: ROOT, env: env({ SMTP_OPS_HTTP: `127.0.0.1:${port}` }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    serve.stdout!.on('data', (c) => (out += c));
    serve.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((r) => serve.on('exit', (c) => r(c)));
    const base = `http://127.0.0.1:${port}`;
    try {
      for (const start = Date.now(); !/running on store/.test(out); ) {
        if (Date.now() - start > 30_000) throw new Error(`serve did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain(`metrics and health on ${base}/metrics and /healthz`);

      for (const to of ['ok@a.test', 'bounce@b.test', 'defer@c.test', 'ok@a.test, ok2@d.test']) {
        const r = await cli(store, ['sendmail', '-f', 'ops@smtp-ops.test', to], 'Subject: m\n\nbody\n');
        expect(r.code, r.stderr).toBe(0);
      }
      // One refused submission at the SMTP listener (sender not allowed).
      const intakePort = /intake listening on 127\.0\.0\.1:(\d+)/.exec(out)![1];
      const swaks = spawn('swaks', ['--server', `127.0.0.1:${intakePort}`, '--from', 'intruder@elsewhere.test', '--to', 'x@a.test', '--quit-after', 'MAIL'], { stdio: 'ignore' });
      await new Promise((r) => swaks.on('close', r));
      let status: { queue: Record<string, number | null> } = { queue: {} };
      for (const start = Date.now(); ; ) {
        status = (await json(store, ['status'])) as typeof status;
        const sentLog = (await json(store, ['log', '--status', 'sent'])) as { items: unknown[] };
        if (status.queue.total === 1 && status.queue.deferred === 1 && sentLog.items.length === 3) break;
        if (Date.now() - start > 30_000) throw new Error(`deliveries did not settle: ${JSON.stringify(status.queue)}`);
        await new Promise((r) => setTimeout(r, 200));
      }

      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const f = parsePrometheusTextFormat(await res.text());
      for (const s of ['queued', 'sending', 'deferred', 'held']) expect(sample(f, 'smtp_ops_queue_messages', { state: s }), s).toBe(status.queue[s]);
      const age = sample(f, 'smtp_ops_queue_oldest_message_age_seconds');
      expect(age).toBeGreaterThan(0);
      expect(Math.abs(age - (Date.now() - (status.queue.oldest as number)) / 1000)).toBeLessThan(30);
      for (const outcome of ['sent', 'deferred', 'bounced']) {
        const log = (await json(store, ['log', '--status', outcome])) as { items: { to: string[]; time: number }[] };
        expect(sum(f, 'smtp_ops_deliveries_total', { outcome }), outcome).toBe(log.items.length);
        if (outcome === 'sent') expect(sample(f, 'smtp_ops_last_delivery_timestamp_seconds')).toBe(Math.max(...log.items.map((i) => i.time)) / 1000);
      }
      expect(sample(f, 'smtp_ops_deliveries_total', { outcome: 'sent', domain: 'a.test' })).toBe(2);
      expect(sample(f, 'smtp_ops_messages_received_total', { source: 'cli' })).toBe(4);
      expect(sample(f, 'smtp_ops_intake_rejected_total', { reason: 'sender' })).toBe(1);
      expect(sample(f, 'smtp_ops_alert_outbox_messages')).toBe(0);
      expect(sample(f, 'process_resident_memory_bytes')).toBeGreaterThan(0);

      const healthy = await fetch(`${base}/healthz`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toEqual({ status: 'ok', checks: { ready: { ok: true, detail: 'serving' }, store: { ok: true, detail: 'writable' }, worker: { ok: true, detail: 'running' } } });
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);

      if (mounted) {
        // Fill the store's disk to the last byte.
        const filler = join(dir, 'filler');
        const fd = openSync(filler, 'w');
        const chunk = Buffer.alloc(64 * 1024, 1);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (e) {
          expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          closeSync(fd);
        }
        const sick = await fetch(`${base}/healthz`);
        expect(sick.status).toBe(503);
        const body = (await sick.json()) as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
        expect(body.status).toBe('unhealthy');
        expect(body.checks.store.ok).toBe(false);
        expect(body.checks.store.detail).toMatch(/ENOSPC|No space/);
        expect(body.checks.ready.ok).toBe(true);
        unlinkSync(filler);
        const again = await fetch(`${base}/healthz`);
        expect(again.status, JSON.stringify(await again.clone().json())).toBe(200);
      } else {
        console.warn('SKIP the full-disk part of /healthz: mounting a tmpfs needs root');
      }
    } finally {
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 120_000);
});
