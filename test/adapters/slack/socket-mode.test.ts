/**
 * The Slack adapter in Socket Mode against the fake: envelopes in, acks with
 * the envelope_id out, the secret modal end to end, and a clean disconnect.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSlack } from '../../../src/adapters/slack/index.js';
import { createRunner } from '../../../src/commands/run.js';
import { createEngine } from '../../../src/engine/index.js';
import { FakeSlack } from '../../doubles/slack/fake-slack.js';
import { SocketDriver } from '../../doubles/slack/drivers.js';
import { SECRET_BLOCK_ID, SECRET_INPUT_ID } from '../../../src/adapters/slack/modal.js';
import { ADMIN, Harness, OPERATOR, VIEWER, byActionId, byKind, textOf } from './harness.js';

const SECRET = 'Tr0ub4dor&3-correct-horse';
let h: Harness;

beforeAll(async () => {
  h = await Harness.start({ mode: 'socket' });
  await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', { platform: 'cli', id: 'setup' });
  await h.engine.accessGrant(`slack:${VIEWER.id}`, 'viewer', { platform: 'cli', id: 'setup' });
});

afterAll(async () => {
  await h?.close();
});

describe('Socket Mode', () => {
  test('connects with the app token through apps.connections.open', () => {
    const open = h.fake.calls('apps.connections.open');
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open[0].headers.authorization).toBe(`Bearer ${h.fake.appToken}`);
    expect(h.fake.socketCount).toBe(1);
  });

  test('a slash_commands envelope is acked and answered through response_url', async () => {
    const { responseUrl, delivered } = await h.slash(ADMIN, 'queue list');
    expect(delivered.status).toBe(200);
    const m = await h.posted(responseUrl);
    expect(textOf(m)).toContain('The queue is empty.');
  });

  test('an interactive envelope presses a confirm button', async () => {
    await h.engine.submit({ to: ['a@sink.test'], subject: 's', text: 't' });
    const ask = await h.command(OPERATOR, 'queue flush');
    expect(ask.visibleTo).toBe(OPERATOR.id);
    await h.press(OPERATOR, ask, byKind('confirm'));
    await h.fake.waitFor(() => /Queue flushed/.test(textOf(ask)), 5000, 'the flush result');
    // Progress of a private message goes through the response_url before the result.
    expect(ask.history.some((v) => JSON.stringify(v.blocks).includes('hourglass'))).toBe(true);
    expect(h.fake.calls('chat.update')).toHaveLength(0);
  });
});

describe('the password modal', () => {
  test('a viewer asking for the prompt is denied before any modal', async () => {
    const m = await h.command(VIEWER, 'config set sasl-password');
    expect(textOf(m)).toMatch(/needs the admin role/);
    expect(textOf(m)).not.toContain('Enter password');
  });

  test('Enter password opens a modal; the value is stored and never shown, logged or recorded', async () => {
    const prompt = await h.command(ADMIN, 'config set sasl-password --share');
    // A prompt is only for the one who asked, even with --share.
    expect(prompt.visibleTo).toBe(ADMIN.id);
    expect(textOf(prompt)).toContain('Enter password');

    const { payload } = await h.press(ADMIN, prompt, byActionId('smtp.secret'));
    const open = await h.fake.waitFor(() => h.fake.calls('views.open')[0], 5000, 'views.open');
    expect(open.body.trigger_id).toBe(payload.trigger_id);
    const view = h.fake.views[0];
    expect(view.callback_id).toBe('smtp.secret.modal');

    // An empty value keeps the dialog open with an error on the field.
    const empty = await h.driver.interactive(h.fake.viewSubmission(ADMIN, view, { [SECRET_BLOCK_ID]: { [SECRET_INPUT_ID]: '' } }));
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { [SECRET_BLOCK_ID]: expect.stringContaining('sasl-password') } });
    expect((await h.engine.getSettings()).saslPassword).toBe('(not set)');

    const ok = await h.driver.interactive(h.fake.viewSubmission(ADMIN, view, { [SECRET_BLOCK_ID]: { [SECRET_INPUT_ID]: SECRET } }));
    expect(ok.body ?? {}).not.toHaveProperty('response_action');
    expect((await h.engine.getSettings()).saslPassword).toBe('********');

    // The prompt message is replaced with the outcome (masked).
    await h.fake.waitFor(() => /Settings updated/.test(textOf(prompt)), 5000, 'the prompt to be replaced');
    expect(textOf(prompt)).toContain('********');

    const events = (await h.engine.eventList({ limit: 100 })).items;
    expect(events.some((e) => e.code === 'config.changed')).toBe(true);
    const everything = [
      JSON.stringify(h.fake.requests),
      JSON.stringify(h.fake.messages),
      JSON.stringify(events),
      h.logs.join('\n'),
    ];
    for (const where of everything) expect(where).not.toContain(SECRET);
  });

  test('an expired trigger tells the user to press again', async () => {
    const prompt = await h.command(ADMIN, 'config set sasl-password');
    const payload = h.fake.buttonPress(ADMIN, prompt, byActionId('smtp.secret'));
    payload.trigger_id = 'never-issued';
    await h.driver.interactive(payload);
    const notice = await h.posted(payload.response_url);
    expect(notice.text).toMatch(/Could not open the password dialog \(invalid_trigger_id\)/);
    expect(prompt.history).toHaveLength(0);
  });

  test('a modal for a non-secret field is answered with the rule, not stored', async () => {
    const prompt = await h.command(ADMIN, 'config set intake-password');
    await h.press(ADMIN, prompt, byActionId('smtp.secret'));
    const view = await h.fake.waitFor(() => h.fake.views.find((v) => v.private_metadata.includes('intake-password')), 5000, 'second modal');
    const forged = { ...view, private_metadata: JSON.stringify({ field: 'relay-host' }) };
    const res = await h.driver.interactive(h.fake.viewSubmission(ADMIN, forged, { [SECRET_BLOCK_ID]: { [SECRET_INPUT_ID]: 'evil.example' } }));
    expect(res.body).toMatchObject({ response_action: 'errors' });
    expect((await h.engine.getSettings()).relayHost).toBe('');
  });
});

describe('startSlack from the environment', () => {
  test('SLACK_BOT_TOKEN + SLACK_APP_TOKEN + SLACK_API_URL: Socket Mode against the given API', async () => {
    const fake = await FakeSlack.start();
    const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-slack-env-'));
    const engine = await createEngine({ storeDir: dir, worker: false });
    const env = { SLACK_BOT_TOKEN: fake.botToken, SLACK_APP_TOKEN: fake.appToken, SLACK_API_URL: fake.apiUrl, SMTP_OPS_ADMINS: 'slack:UADMIN' };
    const handle = await startSlack(engine, createRunner(engine, { env }), env);
    try {
      expect(handle?.mode).toBe('socket');
      await fake.waitForSocket();
      expect(fake.calls('auth.test')[0].headers.authorization).toBe(`Bearer ${fake.botToken}`);
      const form = fake.slashCommand(ADMIN, 'access list');
      await new SocketDriver(fake).slash(form);
      const m = await fake.waitFor(() => fake.postedTo(form.response_url)[0], 5000, 'the reply');
      expect(JSON.stringify(m.blocks)).toContain('slack:UADMIN');
    } finally {
      await handle?.stop();
      await fake.waitForSocketsClosed();
      await fake.stop();
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a wrong bot token fails at start with the Slack error', async () => {
    const fake = await FakeSlack.start();
    const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-slack-env-'));
    const engine = await createEngine({ storeDir: dir, worker: false });
    try {
      const env = { SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_SIGNING_SECRET: 's', SLACK_PORT: '0', SLACK_HOST: '127.0.0.1', SLACK_API_URL: fake.apiUrl };
      await expect(startSlack(engine, createRunner(engine, { env }), env)).rejects.toThrow(/invalid_auth/);
      expect(fake.calls('auth.test')).toHaveLength(1);
    } finally {
      await fake.stop();
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('teardown', () => {
  test('stop() disconnects the socket cleanly', async () => {
    const other = await Harness.start({ mode: 'socket' });
    expect(other.fake.socketCount).toBe(1);
    await other.handle.stop();
    await other.fake.waitForSocketsClosed();
    expect(other.fake.socketCount).toBe(0);
    await other.close();
  });
});
