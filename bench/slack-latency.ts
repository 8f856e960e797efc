/**
 * Slack adapter latency: time from a slash command leaving "Slack" (the
 * loopback fake) to Bolt's ack, and to the rendered reply arriving on the
 * response_url, over the HTTP receiver and Socket Mode. Real Bolt, runner and
 * engine (temp store, 1,000 queued messages); prints medians and p95. Slack
 * wants the ack within 3 s.
 *
 *   npm run bench:slack [-- --runs 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLevel } from '@slack/bolt';
import { startSlackApp } from '../src/adapters/slack/index.js';
import { createRunner } from '../src/commands/run.js';
import { createEngine } from '../src/engine/index.js';
import { FakeSlack } from '../test/doubles/slack/fake-slack.js';
import { HttpDriver, SocketDriver, type SlackDriver } from '../test/doubles/slack/drivers.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const SECRET = 'bench-signing-secret';
const USER = { id: 'UBENCH', name: 'bench' };

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function measure(mode: 'http' | 'socket', line: string, seed: (e: Awaited<ReturnType<typeof createEngine>>) => Promise<void>) {
  const fake = await FakeSlack.start();
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-slack-'));
  const engine = await createEngine({ storeDir: dir, worker: false });
  await seed(engine);
  const runner = createRunner(engine, { admins: [`slack:${USER.id}`] });
  const handle = await startSlackApp(
    engine,
    runner,
    { botToken: fake.botToken, appToken: mode === 'socket' ? fake.appToken : undefined, signingSecret: mode === 'http' ? SECRET : undefined, port: 0, host: '127.0.0.1', apiUrl: fake.apiUrl },
    { retries: 0, logLevel: LogLevel.ERROR },
  );
  if (mode === 'socket') await fake.waitForSocket();
  const driver: SlackDriver = mode === 'socket' ? new SocketDriver(fake) : new HttpDriver(`http://127.0.0.1:${handle.port}/slack/events`, SECRET);
  const acks: number[] = [];
  const replies: number[] = [];
  for (let i = 0; i < RUNS + 10; i++) {
    const form = fake.slashCommand(USER, line);
    const t0 = performance.now();
    await driver.slash(form);
    const t1 = performance.now();
    await fake.waitFor(() => fake.postedTo(form.response_url)[0], 10_000, 'reply');
    const t2 = performance.now();
    if (i >= 10) {
      // The first ten warm up JIT and the store.
      acks.push(t1 - t0);
      replies.push(t2 - t0);
    }
  }
  await handle.stop();
  await fake.waitForSocketsClosed();
  await fake.stop();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
  return { acks, replies };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const seed1000 = async (engine: Awaited<ReturnType<typeof createEngine>>) => {
    for (let i = 0; i < 1000; i++) await engine.submit({ to: [`u${i}@bench.test`], subject: `bench ${i}`, text: 'x' });
  };
  console.log(`Slack adapter latency, ${RUNS} sequential slash commands per row (1,000 queued messages)`);
  console.log('mode    command      ack median  ack p95   reply median  reply p95');
  for (const mode of ['http', 'socket'] as const) {
    for (const line of ['status', 'queue list']) {
      const { acks, replies } = await measure(mode, line, seed1000);
      console.log(
        `${mode.padEnd(7)} ${line.padEnd(12)} ${fmt(quantile(acks, 0.5)).padStart(10)}  ${fmt(quantile(acks, 0.95)).padStart(8)}  ${fmt(quantile(replies, 0.5)).padStart(12)}  ${fmt(quantile(replies, 0.95)).padStart(9)}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
