import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpPeer } from '../commands/setup.js';
import { buildDist, ROOT } from './build.js';
import { decodePng } from '../commands/render/png-decode.js';
import { generateKeyPairSync } from 'node:crypto';
import { ensureZone, PEERS, peersOrSkip } from '../peers/peers.js';

let main: string;
let peer: Awaited<ReturnType<typeof smtpPeer>>;
const dirs: string[] = [];

function newStore(): string {
  const d = mkdtempSync(join(tmpdir(), 'smtp-ops-cli-'));
  dirs.push(d);
  return join(d, 'store');
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', SMTP_OPS_SECRET_KEY: randomBytes(32).toString('hex'), SMTP_OPS_LISTEN: '127.0.0.1:0' };
  return env;
};

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(store: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, '--store', store, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = (r: Result) => {
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
};

beforeAll(async () => {
  main = buildDist('cli-test-dist');
  peer = await smtpPeer();
}, 180_000);

afterAll(async () => {
  await peer?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The scenario every mode must pass; `store` is local or behind serve. */
async function scenario(store: string, env: NodeJS.ProcessEnv) {
  const set = await cli(store, ['config', 'set', 'hostname=cli.smtp-ops.test', 'from-address=alerts@smtp-ops.test', 'relay-host=127.0.0.1', `relay-port=${peer.port}`, 'use-tls=off', '--json'], env);
  expect(set.code, set.stderr + set.stdout).toBe(0);
  expect(json(set)).toMatchObject({ changed: ['hostname', 'from-address', 'relay-host', 'relay-port', 'use-tls'] });

  const sent = await cli(store, ['test', 'oncall@sink.test', '--wait', '--json'], env);
  expect(sent.code, sent.stdout + sent.stderr).toBe(0);
  expect(json(sent)).toMatchObject({ status: 'sent' });

  const bounced = await cli(store, ['test', 'bounce@sink.test', '--wait'], env);
  expect(bounced.code).toBe(1);
  expect(bounced.stdout).toMatch(/bounced/);

  const deferred = await cli(store, ['test', 'defer@sink.test', '--wait', '--json'], env);
  expect(deferred.code).toBe(1);
  const d = json(deferred) as { id: string; status: string };
  expect(d.status).toBe('deferred');

  const list = await cli(store, ['queue', 'list', '--json'], env);
  expect(list.code).toBe(0);
  const q = json(list) as { items: Record<string, unknown>[]; next: unknown; prev: unknown };
  expect(q).toHaveProperty('next');
  expect(q).toHaveProperty('prev');
  const item = q.items.find((i) => i.id === d.id)!;
  expect(Object.keys(item).sort()).toEqual(['attempts', 'createdAt', 'from', 'id', 'lastError', 'nextAttempt', 'size', 'state', 'to']);
  expect(item).toMatchObject({ state: 'deferred', to: ['defer@sink.test'], attempts: 1 });
  expect(String(item.lastError)).toContain('try later');

  const status = json(await cli(store, ['/smtp', 'status', '--json'], env)) as { queue: Record<string, number>; enabled: boolean };
  expect(status.queue).toMatchObject({ deferred: 1, total: 1 });
  expect(Object.keys(status).sort()).toEqual(['alerts', 'enabled', 'events', 'log', 'queue', 'settings']);

  const log = json(await cli(store, ['log', '--status', 'bounced', '--json'], env)) as { items: { status: string; to: string[] }[] };
  expect(log.items.length).toBeGreaterThanOrEqual(1);
  expect(log.items.every((e) => e.status === 'bounced')).toBe(true);
  const events = json(await cli(store, ['events', '--json'], env)) as { items: { code: string }[] };
  expect(events.items.some((e) => e.code === 'config.changed')).toBe(true);

  // report --png: the terminal writes the chart (also when serve built the report) and says where; --json still prints the report.
  const png = join(store, '..', `chart-${randomBytes(3).toString('hex')}.png`);
  const rep = await cli(store, ['report', '--png', png, '--json'], env);
  expect(rep.code, rep.stderr).toBe(0);
  expect(json(rep)).toMatchObject({ days: 1, totals: { received: 3, delivered: 1, bounced: 1, deferrals: 1 } });
  expect(rep.stderr).toContain(`Chart written to ${png} (1920×1120 PNG, 2x).`);
  const picture = decodePng(readFileSync(png));
  expect([picture.width, picture.height]).toEqual([1920, 1120]);
  const week = await cli(store, ['report', 'week', '--problems-first'], env);
  expect(week.code).toBe(0);
  expect(week.stdout).toMatch(/Per day/);
  expect(week.stdout.indexOf('Problems')).toBeLessThan(week.stdout.indexOf('Traffic per day'));
  const unwritable = await cli(store, ['report', '--png', join(store, 'no-such-dir', 'x.png')], env);
  expect(unwritable.code).toBe(1);
  expect(unwritable.stdout + unwritable.stderr).toMatch(/The chart was not written to .*no-such-dir/);

  // Usage and validation errors: exit 2, JSON says why.
  const typo = await cli(store, ['queue', 'lst', '--json'], env);
  expect(typo.code).toBe(2);
  expect(json(typo)).toMatchObject({ error: 'usage', suggestion: 'did you mean `queue list`?' });
  const bad = await cli(store, ['config', 'set', 'relay-port=70000'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/relay-port/);

  // Destructive: refused without --yes (no TTY), done with it.
  const ask = await cli(store, ['queue', 'delete', '--all', '--json'], env);
  expect(ask.code).toBe(2);
  expect(json(ask)).toMatchObject({ count: 1, error: 'usage' });
  const del = await cli(store, ['queue', 'delete', '--all', '--yes', '--json'], env);
  expect(del.code).toBe(0);
  expect(json(del)).toEqual({ count: 1 });

  // Secrets: --password-stdin, never printed.
  const pw = await cli(store, ['config', 'set', 'sasl-password', '--password-stdin'], env, 'pipe-secret-42\n');
  expect(pw.code, pw.stderr).toBe(0);
  expect(pw.stdout + pw.stderr).not.toContain('pipe-secret-42');
  const shown = await cli(store, ['config', 'show', '--json'], env);
  expect(shown.stdout).toContain('"saslPassword":"********"');
  const noStdin = await cli(store, ['config', 'set', 'intake-password'], env);
  expect(noStdin.code).toBe(2);
  expect(noStdin.stderr).toMatch(/--password-stdin/);
}

const peers = await peersOrSkip('CLI doctor and DKIM');

describe.skipIf(!peers.ok)('one-shot CLI: DKIM and doctor', () => {
  it('a PEM on stdin, dkim keygen (confirmed with --yes), doctor --json with its exit code', async () => {
    await ensureZone();
    const store = newStore();
    const env = { ...baseEnv(), SMTP_OPS_DNS: PEERS.dns };
    const setup = await cli(store, ['config', 'set', 'hostname=mail.doctor.test', 'from-address=alerts@fail.doctor.test', 'relay-host=127.0.0.1', `relay-port=${peer.port}`, 'use-tls=off', 'dnsbl-zones=dnsbl.doctor.test', 'dkim-domain=fail.doctor.test', 'dkim-selector=s1'], env);
    expect(setup.code, setup.stderr).toBe(0);
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const set = await cli(store, ['config', 'set', 'dkim-private-key', '--password-stdin'], env, pem);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(pem.split('\n')[1]);
    const shown = await cli(store, ['dkim', 'show', '--json'], env);
    expect(json(shown)).toMatchObject({ record: { name: 's1._domainkey.fail.doctor.test', bits: 1024 } });
    const ask = await cli(store, ['dkim', 'keygen', '--json'], env);
    expect(ask.code).toBe(2);
    expect(json(ask)).toMatchObject({ error: 'usage', confirm: 'dkim keygen' });
    const made = await cli(store, ['dkim', 'keygen', '--bits', '1024', '--yes', '--json'], env);
    expect(made.code, made.stderr).toBe(0);
    expect(json(made)).toMatchObject({ record: { domain: 'fail.doctor.test', bits: 1024, value: expect.stringMatching(/^v=DKIM1; k=rsa; p=/) } });
    const doctor = await cli(store, ['doctor', '--to', 'oncall@example.com', '--json'], env);
    expect(doctor.code).toBe(1);
    const d = json(doctor) as { checks: { id: string; status: string; section: string }[]; summary: { fail: number }; elapsedMs: number };
    expect(d.checks.find((c) => c.id === 'spf')).toMatchObject({ status: 'fail', section: 'sender-domain' });
    expect(d.checks.find((c) => c.id === 'relay-permission')).toMatchObject({ status: 'ok' });
    expect(d.summary.fail).toBeGreaterThan(0);
    expect(d.elapsedMs).toBeLessThan(10_000);
    const text = await cli(store, ['doctor'], env);
    expect(text.stdout).toMatch(/✗ FAIL {2}SPF allows the sending IP\n {10}spf=fail for 127\.0\.0\.31/);
  }, 120_000);
});

describe('one-shot CLI', () => {
  it('against a store it opens itself', async () => {
    const store = newStore();
    const env = baseEnv();
    await scenario(store, env);
    const help = await cli(store, ['help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/queue delete \[id\] \[--all\] \[--yes\]/);
  }, 120_000);

  it('through the control socket of a running serve', async () => {
    const store = newStore();
    const env = baseEnv();
    const serve: ChildProcess = spawn(process.execPath, [main, '--store', store, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    serve.stdout!.on('data', (c) => (out += c));
    serve.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((r) => serve.on('exit', (code) => r(code)));
    try {
      const start = Date.now();
      while (!/running on store/.test(out)) {
        if (Date.now() - start > 30_000) throw new Error(`serve did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const sock = join(store, 'control.sock');
      expect(statSync(sock).mode & 0o777).toBe(0o600);
      expect(out).toMatch(/intake listening on 127\.0\.0\.1:\d+/);
      // serve holds the LevelDB lock: these only work through the socket.
      await scenario(store, env);
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/stopped/);
      expect(existsSync(sock)).toBe(false);
    } finally {
      serve.kill('SIGKILL');
    }
  }, 120_000);
});
