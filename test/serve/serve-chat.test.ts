/** `serve` starts the Slack adapter when its variables are set: the same store answers `/smtp` in Slack and the CLI through the socket. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../doubles/slack/fake-slack.js';
import { buildDist, ROOT } from '../cli/build.js';

let main: string;
let fake: FakeSlack;
let serve: ChildProcess | undefined;
let dir: string;

beforeAll(async () => {
  main = buildDist('serve-chat-test-dist');
  fake = await FakeSlack.start();
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-serve-chat-'));
}, 180_000);

afterAll(async () => {
  serve?.kill('SIGKILL');
  await fake?.waitForSocketsClosed(10_000).catch(() => undefined);
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serve with Slack configured', () => {
  it('answers a slash command and the CLI from the same store, and stops cleanly', async () => {
    const store = join(dir, 'store');
    const env = {
      PATH: process.env.PATH,
      SMTP_OPS_SECRET_KEY: randomBytes(32).toString('hex'),
      SMTP_OPS_LISTEN: '127.0.0.1:0',
      SMTP_OPS_ADMINS: 'slack:UADMIN',
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_APP_TOKEN: fake.appToken,
      SLACK_API_URL: fake.apiUrl,
    };
    let out = '';
    serve = spawn(process.execPath, [main, '--store', store, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout!.on('data', (c) => (out += c));
    serve.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((r) => serve!.once('exit', (code) => r(code)));
    const start = Date.now();
    while (!/running on store/.test(out)) {
      if (Date.now() - start > 30_000) throw new Error(`serve did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(out).toMatch(/slack adapter started/);
    expect(out).toMatch(/discord not configured/);
    await fake.waitForSocket(10_000);

    const set = spawnSync(process.execPath, [main, '--store', store, 'config', 'set', 'enabled=off', '--json'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(set.status, set.stderr).toBe(0);

    const form = fake.slashCommand({ id: 'UADMIN', name: 'admin' }, 'status');
    await fake.sendEnvelope('slash_commands', form);
    const posted = await fake.waitFor(() => fake.postedTo(form.response_url)[0], 10_000, 'the status reply');
    expect(JSON.stringify(posted.blocks)).toMatch(/DISABLED/);

    const denied = fake.slashCommand({ id: 'UNOBODY', name: 'nobody' }, 'queue flush');
    await fake.sendEnvelope('slash_commands', denied);
    const no = await fake.waitFor(() => fake.postedTo(denied.response_url)[0], 10_000, 'the denial');
    expect(JSON.stringify(no)).toMatch(/needs the operator role/);

    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped/);
  }, 120_000);
});
