/**
 * Command layer timings: parsing a line, running commands through the runner
 * on a store with 1,000 queued messages, a round trip over the control
 * socket, and the wall time of a one-shot CLI command on its own store and
 * through a running `serve`. Prints medians and p95; never fails.
 *
 *   npm run bench:commands [-- --runs 200]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLine } from '../src/commands/parse.js';
import { createRunner } from '../src/commands/run.js';
import { createEngine } from '../src/engine/index.js';
import { connectControl } from '../src/cli/control-client.js';
import { startControlServer } from '../src/serve/control-server.js';
import { buildDist, ROOT } from '../test/cli/build.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const actor = { platform: 'cli' as const, id: 'bench' };

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(3)} ms, p95 ${q(0.95).toFixed(3)} ms (n=${s.length})`;
}

async function time(n: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

const LINES = ['/smtp queue list --state deferred --page 2', 'config set relay-host=smtp.example.com relay-port=587 use-tls=on', 'qeue lsit', 'log --to a@example.com --status bounced', 'test "unbalanced'];

async function main() {
  console.log(`parse (5 lines per sample): ${stats(await time(RUNS, () => LINES.forEach((l) => parseLine(l))))}`);

  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-cmd-'));
  const engine = await createEngine({ storeDir: dir, worker: false, secretKey: randomBytes(32).toString('hex') });
  for (let i = 0; i < 1000; i++) await engine.submit({ to: [`u${i}@example.com`], subject: `m${i}`, text: 'x' }, actor);
  const runner = createRunner(engine, { admins: [] });
  const ctx = { actor, surface: 'terminal' as const };
  for (const line of ['status', 'queue list', 'queue list --page 5', 'log', 'help']) console.log(`runner "${line}" (1,000 queued): ${stats(await time(RUNS, () => runner.run(line, ctx)))}`);

  const server = await startControlServer(runner, dir);
  const client = (await connectControl(dir))!;
  console.log(`control socket round trip "status": ${stats(await time(RUNS, () => client.request({ actor, text: 'status' })))}`);
  client.close();
  await server.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });

  const main = buildDist('bench-commands-dist');
  const store = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-cli-'));
  const env = { PATH: process.env.PATH, SMTP_OPS_SECRET_KEY: randomBytes(32).toString('hex'), SMTP_OPS_LISTEN: '127.0.0.1:0' };
  const one = (args: string[]) => spawnSync(process.execPath, [main, '--store', store, ...args], { cwd: ROOT, env });
  const cliRuns = Math.max(5, Math.min(20, Math.floor(RUNS / 10)));
  console.log(`one-shot CLI "status --json", own store: ${stats(await time(cliRuns, () => one(['status', '--json'])))}`);
  const serve = spawn(process.execPath, [main, '--store', store, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => {
    let out = '';
    serve.stdout.on('data', (c) => {
      out += c;
      if (/running on store/.test(out)) resolve();
    });
  });
  console.log(`one-shot CLI "status --json", through serve: ${stats(await time(cliRuns, () => one(['status', '--json'])))}`);
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('exit', r));
  await rm(store, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 0;
});
