/**
 * A separate process running the real engine with its SMTP intake listener,
 * for the crash test (SIGKILL right after a 250) and the throughput benchmark.
 * Run with `node --import tsx test/engine/intake/engine-process.ts`.
 *
 * Input: env `SMTP_OPS_CHILD` = JSON {@link ChildConfig}.
 * Output (stdout, one JSON object per line): `{"ready":true,"port":N,"cpuUserMs":N,"cpuSystemMs":N}`
 * once listening; on a `stop` line on stdin or SIGTERM it closes cleanly and prints
 * `{"stopped":true,"maxRssKb":N,"cpuUserMs":N,"cpuSystemMs":N}`.
 */
import { createInterface } from 'node:readline';
import { createEngine, type Actor, type SettingsPatch } from '../../../src/engine/index.js';

export interface ChildConfig {
  storeDir: string;
  /** Settings to apply before the listener starts (relay-host, relay-port, use-tls...). */
  settings: SettingsPatch;
  /** `host:port` for the listener (port 0 = ephemeral). */
  listen: string;
  /** Start the delivery worker (default true). */
  worker?: boolean;
}

const actor: Actor = { platform: 'system', id: 'engine-process' };

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.SMTP_OPS_CHILD ?? '') as ChildConfig;
  const engine = await createEngine({ storeDir: cfg.storeDir, worker: cfg.worker ?? true });
  if (Object.keys(cfg.settings).length > 0) await engine.updateSettings(cfg.settings, actor);
  const intake = await engine.startIntake({ listen: cfg.listen });
  const u0 = process.resourceUsage();
  // CPU so far (start-up, TypeScript compile) so a benchmark can count only what the mail cost.
  process.stdout.write(JSON.stringify({ ready: true, port: intake.port, cpuUserMs: Math.round(u0.userCPUTime / 1000), cpuSystemMs: Math.round(u0.systemCPUTime / 1000) }) + '\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await intake.close();
    await engine.close();
    const u = process.resourceUsage();
    process.stdout.write(
      JSON.stringify({ stopped: true, maxRssKb: u.maxRSS, cpuUserMs: Math.round(u.userCPUTime / 1000), cpuSystemMs: Math.round(u.systemCPUTime / 1000) }) + '\n',
    );
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l.trim() === 'stop') void stop();
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`engine-process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
