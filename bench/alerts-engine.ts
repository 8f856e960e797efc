/**
 * The process under measurement for `npm run bench:alerts`: the real engine with its worker,
 * intake listener and Slack adapter (Bolt, HTTP receiver) posting alerts to the loopback fake
 * Slack of the parent. Its CPU is its own.
 *
 * Input: env `SMTP_OPS_BENCH` = JSON {@link BenchChild}. Output, one JSON line each:
 * `{"ready":true,"port":N}`; on `cpu` a line `{"cpuMs":N}`; on `stop` `{"stopped":true,"cpuMs":N}`.
 */
import { createInterface } from 'node:readline';
import { LogLevel } from '@slack/bolt';
import { createEngine, type Actor, type SettingsPatch } from '../src/engine/index.js';
import { createRunner } from '../src/commands/run.js';
import { startSlackApp } from '../src/adapters/slack/index.js';

export interface BenchChild {
  storeDir: string;
  settings: SettingsPatch;
  slack: { botToken: string; apiUrl: string; signingSecret: string };
  channel: string;
}

const actor: Actor = { platform: 'system', id: 'bench' };

function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.SMTP_OPS_BENCH ?? '') as BenchChild;
  const engine = await createEngine({ storeDir: cfg.storeDir, worker: true });
  await engine.updateSettings(cfg.settings, actor);
  await engine.alertSubscribe({ platform: 'slack', channel: cfg.channel }, 'warning', actor);
  const intake = await engine.startIntake({ listen: '127.0.0.1:0' });
  const runner = createRunner(engine, { admins: [] });
  const slack = await startSlackApp(engine, runner, { botToken: cfg.slack.botToken, signingSecret: cfg.slack.signingSecret, port: 0, host: '127.0.0.1', apiUrl: cfg.slack.apiUrl }, { retries: 0, logLevel: LogLevel.ERROR });
  process.stdout.write(JSON.stringify({ ready: true, port: intake.port }) + '\n');
  let stopping = false;
  createInterface({ input: process.stdin }).on('line', (l) => {
    const cmd = l.trim();
    if (cmd === 'cpu') process.stdout.write(JSON.stringify({ cpuMs: cpuMs() }) + '\n');
    if (cmd === 'stop' && !stopping) {
      stopping = true;
      void (async () => {
        await slack.stop();
        await intake.close();
        await engine.close();
        process.stdout.write(JSON.stringify({ stopped: true, cpuMs: cpuMs() }) + '\n');
        process.exit(0);
      })();
    }
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`alerts-engine: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
