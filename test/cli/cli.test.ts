import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpPeer } from '../commands/setup.js';
import { buildDist, ROOT } from './build.js';
import { createEngine } from '../../src/engine/index.js';
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
async function scenario(store: string, env: NodeJS.ProcessEnv, mode: 'local' | 'serve') {
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

  // Flush: with no serve the CLI attempts the messages itself and says what came of them (exit 1: not all
  // delivered); through serve, serve's worker attempts them and the reply says so (exit 0), unless --wait.
  const flush = await cli(store, ['queue', 'flush', '--yes', '--json'], env);
  if (mode === 'local') {
    expect(flush.code, flush.stderr).toBe(1);
    expect(json(flush)).toMatchObject({ count: 1, attempted: 1, delivered: 0, deferred: 1, bounced: 0 });
  } else {
    expect(flush.code, flush.stderr).toBe(0);
    expect(json(flush)).toEqual({ count: 1, disabled: false });
    const waited = await cli(store, ['queue', 'flush', '--yes', '--wait', '--json'], env);
    expect(waited.code).toBe(1);
    expect(json(waited)).toMatchObject({ attempted: 1, deferred: 1 });
  }
  const hold = await cli(store, ['queue', 'hold', d.id], env);
  expect(hold.code, hold.stderr).toBe(0);
  const release = await cli(store, ['queue', 'release', d.id], env);
  if (mode === 'local') {
    expect(release.code).toBe(1);
    expect(release.stdout).toContain(`Message ${d.id} was released and attempted: 0 delivered, 1 deferred`);
  } else {
    expect(release.code).toBe(0);
    expect(release.stdout).toContain(`Message ${d.id} is released and due now; the delivery worker attempts it next`);
  }
  expect(release.stdout + release.stderr).not.toMatch(/will be (retried|attempted) now/);

  const list = await cli(store, ['queue', 'list', '--json'], env);
  expect(list.code).toBe(0);
  const q = json(list) as { items: Record<string, unknown>[]; next: unknown; prev: unknown };
  expect(q).toHaveProperty('next');
  expect(q).toHaveProperty('prev');
  const item = q.items.find((i) => i.id === d.id)!;
  expect(Object.keys(item).sort()).toEqual(['attempts', 'createdAt', 'from', 'id', 'lastError', 'nextAttempt', 'size', 'state', 'to']);
  expect(item).toMatchObject({ state: 'deferred', to: ['defer@sink.test'] });
  expect(item.attempts).toBeGreaterThanOrEqual(2);
  expect(String(item.lastError)).toContain('try later');

  const status = json(await cli(store, ['/smtp', 'status', '--json'], env)) as { queue: Record<string, number>; enabled: boolean };
  expect(status.queue).toMatchObject({ deferred: 1, total: 1 });
  expect(Object.keys(status).sort()).toEqual(['alerts', 'enabled', 'events', 'log', 'queue', 'queueItems', 'settings']);
  expect((status as unknown as { queueItems: { id: string }[] }).queueItems.map((m) => m.id)).toEqual([d.id]);

  const log = json(await cli(store, ['log', '--status', 'bounced', '--json'], env)) as { items: { status: string; to: string[] }[] };
  expect(log.items.length).toBeGreaterThanOrEqual(1);
  expect(log.items.every((e) => e.status === 'bounced')).toBe(true);
  const events = json(await cli(store, ['events', '--json'], env)) as { items: { code: string }[] };
  expect(events.items.some((e) => e.code === 'config.changed')).toBe(true);

  // report --png: the terminal writes the chart (also when serve built the report) and says where; --json still prints the report.
  const png = join(store, '..', `chart-${randomBytes(3).toString('hex')}.png`);
  const rep = await cli(store, ['report', '--png', png, '--json'], env);
  expect(rep.code, rep.stderr).toBe(0);
  // The defer@ message was deferred by `test`, then by the flush and the release above (serve may still be at it).
  const totals = (json(rep) as { days: number; totals: Record<string, number> }).totals;
  expect(json(rep)).toMatchObject({ days: 1, totals: { received: 3, delivered: 1, bounced: 1 } });
  if (mode === 'local') expect(totals.deferrals).toBe(3);
  else expect(totals.deferrals).toBeGreaterThanOrEqual(3);
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
  expect(shown.stdout).toContain('"sasl-password":"********"');
  expect(json(shown)).toMatchObject({ settings: { 'relay-port': peer.port, 'use-tls': false, 'tls-mode': 'none', route: `relay 127.0.0.1:${peer.port}` } });
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
    await scenario(store, env, 'local');
    const help = await cli(store, ['help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/queue delete \[id\] \[--all\] \[--domain <domain>\]/);
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
      await scenario(store, env, 'serve');
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/stopped/);
      expect(existsSync(sock)).toBe(false);
    } finally {
      serve.kill('SIGKILL');
    }
  }, 120_000);
});

describe('CLI conventions', () => {
  const env = baseEnv();
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => cli(newStore(), args, { ...env, ...extra });

  it('--help is yargs\' own: global options, repl, serve, completion, every mail command and every variable', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const want of ['--store', '--json', '--yes', '--password-stdin', '--wait', '--version', 'smtp-ops repl', 'smtp-ops serve', 'smtp-ops completion', 'queue delete [id]', 'SMTP_OPS_SECRET_KEY', 'SLACK_BOT_TOKEN', 'DISCORD_TOKEN', 'NO_COLOR', 'COLUMNS', 'Exit status']) expect(r.stdout).toContain(want);
    // Nothing given at all: the same help.
    expect((await run([])).stdout).toBe(r.stdout);
    const serve = await run(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/smtp-ops \[--store DIR\] serve/);
    for (const want of ['SMTP_OPS_LISTEN', 'SLACK_APP_TOKEN', 'DISCORD_GUILD_ID', 'SMTP_OPS_ADMINS']) expect(serve.stdout).toContain(want);
    expect(serve.stdout).not.toMatch(/^ +NO_COLOR /m);
    const repl = await run(['repl', '--help']);
    expect(repl.code).toBe(0);
    for (const want of ['NO_COLOR', 'COLUMNS', 'SMTP_OPS_STORE', 'first line that failed']) expect(repl.stdout).toContain(want);
    expect(repl.stdout).not.toMatch(/^ +SLACK_BOT_TOKEN /m);
    // With mail-command words, --help is the grammar's help of that command.
    const cmd = await run(['queue', 'delete', '--help']);
    expect(cmd.code).toBe(0);
    expect(cmd.stdout).toMatch(/Usage +queue delete \[id\]/);
    // The grammar's own help command stays.
    expect((await run(['help', 'queue', 'flush'])).stdout).toMatch(/Usage +queue flush/);
  });

  it('--version prints the package version; a stray argument to serve or repl is a usage error', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const bad = await run(['serve', 'now']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/serve takes no arguments/);
    const store = await run(['--store']);
    expect(store.code).toBe(2);
    expect(store.stderr).toMatch(/--store needs a directory/);
  });

  it('completion: yargs\' bash and zsh scripts, answered from the grammar', async () => {
    const bash = await run(['completion'], { SHELL: '/bin/bash' });
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _smtp-ops_yargs_completions smtp-ops');
    const zsh = await run(['completion'], { SHELL: '/usr/bin/zsh' });
    expect(zsh.stdout).toMatch(/^#compdef smtp-ops/);
    expect((await run(['completion', 'zsh'], { SHELL: '/bin/bash' })).stdout).toMatch(/^#compdef smtp-ops/);
    expect((await run(['completion', 'bash'], { SHELL: '/bin/zsh' })).stdout).toContain('complete -o bashdefault');
    expect((await run(['completion', 'fish'])).code).toBe(2);
    const ask = async (...words: string[]) => (await run(['--get-yargs-completions', 'smtp-ops', ...words], { SHELL: '/bin/bash' })).stdout.trim().split('\n');
    expect(await ask('queue', 'fl')).toEqual(['flush']);
    expect(await ask('config', 'set', 'relay-')).toEqual(['relay-host=', 'relay-port=']);
    expect(await ask('events', '--level', '')).toEqual(['error', 'info', 'warning']);
    expect(await ask('--store', '/tmp/x', 're')).toEqual(['repl', 'report']);
    expect(await ask('se')).toEqual(['sendmail', 'serve']);
    expect(await ask('queue', 'list', '--j')).toEqual(['--json']);
    expect(await ask('')).toEqual(expect.arrayContaining(['repl', 'serve', 'completion', 'status', 'queue', 'config']));
    // zsh reads name:description: a colon in a value is escaped.
    const z = await run(['--get-yargs-completions', 'smtp-ops', 'access', 'grant', ''], { SHELL: '/bin/zsh' });
    expect(z.stdout.trim().split('\n')).toEqual(['discord-role\\:', 'discord\\:', 'slack\\:']);
  });

  it('grammar words are passed as typed: --page -1 is explained, not eaten', async () => {
    const r = await run(['queue', 'list', '--page', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--page must be a whole number of at least 1 \(got "-1"\)/);
  });
});

describe('the queue by shape from a shell', () => {
  /** A store with SMTP off and `n` messages: two thirds to example.com, a third to other.org. */
  async function filled(n: number, env: NodeJS.ProcessEnv): Promise<string> {
    const store = newStore();
    const engine = await createEngine({ storeDir: store, secretKey: env.SMTP_OPS_SECRET_KEY, worker: false });
    await engine.updateSettings({ enabled: 'off' }, { platform: 'cli', id: 'test' });
    for (let i = 0; i < n; i++) await engine.submit({ to: [i % 3 ? `u${i}@example.com` : `v${i}@other.org`], subject: `m${i}`, text: 'x', source: 'api' });
    await engine.close();
    return store;
  }

  async function shapeScenario(store: string, env: NodeJS.ProcessEnv, mode: 'local' | 'serve') {
    // postqueue -j: every message, one JSON object per line, however many pages that takes.
    const nd = await cli(store, ['queue', 'list', '--all', '--json'], env);
    expect(nd.code, nd.stderr).toBe(0);
    const lines = nd.stdout.trim().split('\n');
    expect(lines).toHaveLength(450);
    const items = lines.map((l) => JSON.parse(l) as { id: string; to: string[] });
    expect(new Set(items.map((i) => i.id)).size).toBe(450);
    expect(Object.keys(items[0]).sort()).toEqual(['attempts', 'createdAt', 'from', 'id', 'lastError', 'nextAttempt', 'size', 'state', 'to']);
    // Through a pipe every record is one whole line: a title, a header, 450 rows, the counts.
    const text = await cli(store, ['queue', 'list', '--all'], env);
    expect(text.stdout.trim().split('\n')).toHaveLength(453);
    for (const i of items.slice(0, 5)) expect(text.stdout).toContain(i.id);
    // A reader that stops early ends the listing quietly.
    const head = spawnSync('bash', ['-c', `"${process.execPath}" "${main}" --store "${store}" queue list --all --json | head -1; exit \${PIPESTATUS[0]}`], { env, encoding: 'utf8' });
    expect(head.status, head.stderr).toBe(0);
    expect(head.stderr).toBe('');
    expect(head.stdout.trim().split('\n')).toHaveLength(1);

    const summary = json(await cli(store, ['queue', 'summary', '--json'], env)) as { total: { messages: number }; domains: { domain: string; messages: number }[] };
    expect(summary.total.messages).toBe(450);
    expect(summary.domains.map((d) => [d.domain, d.messages])).toEqual([['example.com', 300], ['other.org', 150]]);
    const shape = await cli(store, ['queue', 'summary'], env);
    expect(shape.stdout).toMatch(/TOTAL +450 +450 /);

    const ask = await cli(store, ['queue', 'delete', '--domain', 'other.org', '--json'], env);
    expect(ask.code).toBe(2);
    expect(json(ask)).toMatchObject({ count: 150, error: 'usage', message: expect.stringContaining('150 messages with a recipient at other.org') });
    const del = await cli(store, ['queue', 'delete', '--domain', 'other.org', '--yes', '--json'], env);
    expect(del.code, del.stderr).toBe(0);
    expect(json(del)).toMatchObject({ count: 150, filter: { domain: 'other.org' } });
    const hold = await cli(store, ['queue', 'hold', '--domain', 'example.com', '--older-than', '0', '--yes'], env);
    expect(hold.stdout).toContain('300 messages with a recipient at example.com, queued more than 0s ago held');
    const flush = await cli(store, ['queue', 'release', '--all', '--yes', '--json'], env);
    // SMTP is off: released, nothing sent; the CLI that holds the store says so and exits 1, through serve it is due (0).
    expect(json(flush)).toMatchObject({ count: 300, disabled: true });
    expect(flush.code).toBe(mode === 'local' ? 1 : 0);
  }

  it('against a store it opens itself', async () => {
    const env = baseEnv();
    await shapeScenario(await filled(450, env), env, 'local');
  }, 180_000);

  it('through serve: every page comes over the control socket', async () => {
    const env = baseEnv();
    const store = await filled(450, env);
    const serve: ChildProcess = spawn(process.execPath, [main, '--store', store, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    serve.stdout!.on('data', (c) => (out += c));
    serve.stderr!.on('data', (c) => (out += c));
    try {
      const start = Date.now();
      while (!/running on store/.test(out)) {
        if (Date.now() - start > 30_000) throw new Error(`serve did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await shapeScenario(store, env, 'serve');
    } finally {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
    }
  }, 180_000);
});
