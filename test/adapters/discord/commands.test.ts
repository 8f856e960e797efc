/**
 * Every `/smtp` command through an unmodified discord.js client against the
 * fake Discord, with the real runner, grammar and engine.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildRegistration } from '../../../src/adapters/discord/register.js';
import { ADMIN, CB, OPERATOR, VIEWER, buttons, startHarness, textOf, type Harness } from './harness.js';

let h: Harness;
const cli = { platform: 'cli' as const, id: 'test' };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('start-up', () => {
  test('registers /smtp as a guild command generated from the runner grammar, with the bot token', () => {
    const put = h.fake.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/api/v10/applications/${h.fake.identity.applicationId}/guilds/${h.fake.identity.guildId}/commands`);
    expect(put?.authorization).toBe(`Bot ${h.fake.identity.token}`);
    expect(put?.body).toEqual(buildRegistration(h.runner.commands).body);
  });

  test('identifies on the gateway with the token and the Guilds intent', () => {
    const identify = h.fake.gateway.received.find((f) => f.op === 2);
    expect(identify?.d.token).toBe(h.fake.identity.token);
    expect(identify?.d.intents & 1).toBe(1);
  });
});

describe('commands', () => {
  test('status answers ephemerally with the dashboard', async () => {
    const x = await h.command(VIEWER, ['status']);
    expect(x.callback.body.type).toBe(CB.reply);
    expect(x.ephemeral).toBe(true);
    expect(x.message.embeds.length).toBeGreaterThan(0);
    expect(textOf(x.message)).toMatch(/queue/i);
  });

  test('share: true posts the reply visibly', async () => {
    const x = await h.command(VIEWER, ['status'], { share: true });
    expect(x.callback.body.type).toBe(CB.reply);
    expect(x.ephemeral).toBe(false);
  });
});
