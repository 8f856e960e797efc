/**
 * Discord adapter latency: time from an INTERACTION_CREATE leaving the
 * loopback fake gateway to the interaction callback arriving at the fake REST
 * API (Discord wants it within 3 s), for slash commands and a paging button.
 * Real discord.js, runner and engine (temp store, 1,000 queued messages);
 * prints medians and p95, and the start-up time (register + gateway READY).
 *
 *   npm run bench:discord [-- --runs 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDiscord, type DiscordStartOptions } from '../src/adapters/discord/index.js';
import { createRunner } from '../src/commands/run.js';
import { createEngine } from '../src/engine/index.js';
import { startFakeDiscord } from '../test/doubles/discord/fake-discord.js';
import { interactionFactory, type WireOption } from '../test/doubles/discord/interactions.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const USER = { id: '100000000000000001', username: 'bench' };

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const fmt = (xs: number[]) => `median ${quantile(xs, 0.5).toFixed(1)} ms, p95 ${quantile(xs, 0.95).toFixed(1)} ms`;

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-discord-'));
  const engine = await createEngine({ storeDir: dir, worker: false });
  const cli = { platform: 'cli' as const, id: 'bench' };
  await Promise.all(Array.from({ length: 1000 }, (_, i) => engine.submit({ from: 'app@example.com', to: [`r${i}@sink.test`], subject: `m${i}`, text: 'x' }, cli)));
  const runner = createRunner(engine, { admins: [`discord:${USER.id}`] });
  const fake = await startFakeDiscord();
  const env = { DISCORD_TOKEN: fake.identity.token, DISCORD_APPLICATION_ID: fake.identity.applicationId, DISCORD_GUILD_ID: fake.identity.guildId, DISCORD_API_URL: fake.apiUrl };
  const opts = { client: { ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } } } as DiscordStartOptions;

  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const h = await startDiscord(engine, runner, env, opts);
    starts.push(performance.now() - t0);
    await h!.stop();
  }
  console.log(`start-up (PUT /smtp + gateway READY), 5 runs: ${fmt(starts)}`);

  const handle = await startDiscord(engine, runner, env, opts);
  const ix = interactionFactory(fake.identity);
  const callbackOf = async (payload: Record<string, unknown>) => {
    const from = fake.requests.length;
    const t0 = performance.now();
    fake.interact(payload);
    const cb = await fake.waitForRequest((r) => r.path === `/api/v10/interactions/${payload.id}/${payload.token}/callback`, { from });
    return { ms: performance.now() - t0, body: cb.body };
  };
  const cases: [string, () => Record<string, unknown>][] = [
    ['/smtp status', () => ix.command(USER, ['status'])],
    ['/smtp queue list (1,000 queued)', () => ix.command(USER, ['queue', 'list'])],
    ['/smtp queue list state:queued page:3', () => ix.command(USER, ['queue', 'list'], [{ name: 'state', type: 3, value: 'queued' }, { name: 'page', type: 4, value: 3 }] as WireOption[])],
  ];
  for (const [name, make] of cases) {
    const xs: number[] = [];
    for (let i = 0; i < RUNS + 10; i++) {
      const { ms } = await callbackOf(make());
      if (i >= 10) xs.push(ms);
    }
    console.log(`${name}: ${fmt(xs)} (${RUNS} runs)`);
  }
  const presses: number[] = [];
  for (let i = 0; i < RUNS + 10; i++) {
    const list = await callbackOf(ix.command(USER, ['queue', 'list']));
    const next = list.body.data.components[0].components.find((b: { label: string }) => b.label === 'Next');
    const { ms } = await callbackOf(ix.button(USER, next.custom_id));
    if (i >= 10) presses.push(ms);
  }
  console.log(`Next button (update): ${fmt(presses)} (${RUNS} runs)`);

  await handle!.stop();
  await fake.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
