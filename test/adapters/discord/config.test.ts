/** Environment settings of the Discord adapter, and how startDiscord uses them. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DiscordConfigError, discordConfigFromEnv, startDiscord, type DiscordStartOptions } from '../../../src/adapters/discord/index.js';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { createRunner } from '../../../src/commands/run.js';
import { startFakeDiscord, type FakeDiscord } from '../../doubles/discord/fake-discord.js';

const APP = '110000000000000000';

describe('discordConfigFromEnv', () => {
  test('not configured without DISCORD_TOKEN', () => {
    expect(discordConfigFromEnv({})).toBeNull();
    expect(discordConfigFromEnv({ DISCORD_TOKEN: '  ', DISCORD_APPLICATION_ID: APP })).toBeNull();
  });

  test('DISCORD_APPLICATION_ID is required with a token, and must be a snowflake', () => {
    expect(() => discordConfigFromEnv({ DISCORD_TOKEN: 't' })).toThrow(/^DISCORD_APPLICATION_ID is required when DISCORD_TOKEN is set/);
    expect(() => discordConfigFromEnv({ DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: 'abc' })).toThrow(/DISCORD_APPLICATION_ID must be a Discord id of 17 to 20 digits \(got "abc"\)/);
  });

  test('DISCORD_GUILD_ID and DISCORD_API_URL are checked and normalised', () => {
    expect(() => discordConfigFromEnv({ DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: APP, DISCORD_GUILD_ID: '12' })).toThrow(DiscordConfigError);
    expect(() => discordConfigFromEnv({ DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: APP, DISCORD_API_URL: 'ftp://x' })).toThrow(/DISCORD_API_URL must be an http\(s\) URL/);
    expect(discordConfigFromEnv({ DISCORD_TOKEN: ' t ', DISCORD_APPLICATION_ID: APP, DISCORD_API_URL: 'http://127.0.0.1:9/api/v10/' })).toEqual({ token: 't', applicationId: APP, guildId: undefined, apiUrl: 'http://127.0.0.1:9/api' });
  });

  test('errors never carry the token', () => {
    try {
      discordConfigFromEnv({ DISCORD_TOKEN: 'secret-token-value', DISCORD_APPLICATION_ID: 'bad' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('secret-token-value');
    }
  });
});

describe('startDiscord', () => {
  let dir: string;
  let engine: Engine;
  let fake: FakeDiscord;
  const fast = { client: { ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } } } as DiscordStartOptions;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ops-discord-cfg-'));
    engine = await createEngine({ storeDir: dir, worker: false, alerts: true });
    fake = await startFakeDiscord();
  });
  afterAll(async () => {
    await fake?.close();
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('returns null when DISCORD_TOKEN is unset', async () => {
    expect(await startDiscord(engine, createRunner(engine, { admins: [] }), {})).toBeNull();
  });

  test('registers global commands without DISCORD_GUILD_ID, at the REST base given', async () => {
    const from = fake.requests.length;
    const handle = await startDiscord(engine, createRunner(engine, { admins: [] }), { DISCORD_TOKEN: fake.identity.token, DISCORD_APPLICATION_ID: fake.identity.applicationId, DISCORD_API_URL: `${fake.apiUrl}/v10` }, fast);
    try {
      const put = fake.requests.slice(from).find((r) => r.method === 'PUT');
      expect(put?.path).toBe(`/api/v10/applications/${fake.identity.applicationId}/commands`);
      expect(fake.requests.slice(from).some((r) => r.path === '/api/v10/gateway/bot')).toBe(true);
    } finally {
      await handle?.stop();
    }
  });

  test('a rejected token fails start-up with a clear error that does not contain it', async () => {
    const attempt = startDiscord(engine, createRunner(engine, { admins: [] }), { DISCORD_TOKEN: 'wrong-token-123', DISCORD_APPLICATION_ID: fake.identity.applicationId, DISCORD_API_URL: fake.apiUrl }, fast);
    await expect(attempt).rejects.toThrow(/^Discord: registering \/smtp failed: DISCORD_TOKEN was rejected/);
    await attempt.catch((e: Error) => expect(e.message).not.toContain('wrong-token-123'));
  });

  test('an unknown guild names the settings to check', async () => {
    const attempt = startDiscord(engine, createRunner(engine, { admins: [] }), { DISCORD_TOKEN: fake.identity.token, DISCORD_APPLICATION_ID: fake.identity.applicationId, DISCORD_GUILD_ID: '999999999999999999', DISCORD_API_URL: fake.apiUrl }, fast);
    await expect(attempt).rejects.toThrow(/check DISCORD_APPLICATION_ID or DISCORD_GUILD_ID/);
  });

  test('stop() unregisters the alert sink', async () => {
    const handle = await startDiscord(engine, createRunner(engine, { admins: [] }), { DISCORD_TOKEN: fake.identity.token, DISCORD_APPLICATION_ID: fake.identity.applicationId, DISCORD_API_URL: fake.apiUrl }, fast);
    await handle!.stop();
    const from = fake.requests.length;
    await engine.alert({ level: 'error', title: 't', text: 'x', target: { platform: 'discord', channel: fake.identity.channelId } });
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.requests.slice(from)).toEqual([]);
  });
});
