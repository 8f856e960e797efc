/**
 * Entry of the Discord adapter: `startDiscord(engine, runner, env)` registers
 * `/smtp` (guild or global), logs the bot in over the gateway and handles
 * interactions; returns null when DISCORD_TOKEN is unset.
 */
import { Client, GatewayIntentBits, REST, type ClientOptions } from 'discord.js';
import type { Engine } from '../../engine/index.js';
import { chartPng } from '../../commands/render/chart-image.js';
import { renderReply as renderText } from '../../commands/render/text.js';
import type { Runner } from '../../commands/types.js';
import { attachDiscordAdapter } from './adapter.js';
import { discordConfigFromEnv, type DiscordConfig } from './config.js';
import { buildRegistration, commandsRoute } from './register.js';
import type { RenderOptions } from './render.js';

export { discordConfigFromEnv, DiscordConfigError, type DiscordConfig } from './config.js';
export { buildRegistration, RegistrationError } from './register.js';
export { renderReply, renderAlert } from './render.js';

/** A running Discord adapter. */
export interface DiscordHandle {
  /** Stop handling interactions, post follow-ups in flight (bounded), disconnect. */
  stop(): Promise<void>;
}

/** Knobs that are not environment settings (tests, embedding). */
export interface DiscordStartOptions {
  /** Merged into discord.js's ClientOptions (tests pass a no-wait identify throttler). */
  client?: Partial<ClientOptions>;
  deferAfterMs?: number;
  editEveryMs?: number;
  /** Rendering extras; by default charts get a PNG (the reports module's `chartPng`) and oversized replies a text file (the text renderer, `commands/render/text.ts`). */
  render?: RenderOptions;
  /** ms to wait for the gateway READY (default 30 000). */
  readyTimeoutMs?: number;
  /** ms `stop()` waits for follow-ups under way (default 10 000). */
  drainMs?: number;
  log?: (message: string, error?: unknown) => void;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Which setting a failed registration points at (Discord's HTTP status), never the token itself. */
function registrationHint(e: unknown, config: DiscordConfig): string {
  const message = e instanceof Error ? e.message : String(e);
  const status = typeof (e as { status?: unknown })?.status === 'number' ? (e as { status: number }).status : 0;
  if (status === 401) return `DISCORD_TOKEN was rejected (${message})`;
  if (status === 403 || status === 404) {
    const where = config.guildId ? 'DISCORD_APPLICATION_ID or DISCORD_GUILD_ID (is the bot in that server, invited with the applications.commands scope?)' : 'DISCORD_APPLICATION_ID';
    return `check ${where} (${message})`;
  }
  return message;
}

/** Start from explicit settings. */
export async function startDiscordWith(engine: Engine, runner: Runner, config: DiscordConfig, opts: DiscordStartOptions = {}): Promise<DiscordHandle> {
  const registration = buildRegistration(runner.commands);
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: { parse: [] },
    ...opts.client,
    rest: { ...(config.apiUrl ? { api: config.apiUrl } : {}), ...opts.client?.rest },
  });
  client.rest.setToken(config.token);
  try {
    // Register before connecting, so `/smtp` exists when the bot shows online.
    await client.rest.put(commandsRoute(config.applicationId, config.guildId), { body: registration.body });
  } catch (e) {
    await client.destroy();
    throw new Error(`Discord: registering /smtp failed: ${registrationHint(e, config)}`, { cause: e });
  }
  // Alerts get their own REST client: no retries and no waiting on rate limits inside it, the engine's outbox does both durably.
  const alertRest = new REST({ version: '10', retries: 0, rejectOnRateLimit: () => true, timeout: 15_000, ...(config.apiUrl ? { api: config.apiUrl } : {}) }).setToken(config.token);
  const adapter = attachDiscordAdapter({ engine, runner, client, registration, deferAfterMs: opts.deferAfterMs, editEveryMs: opts.editEveryMs, render: { chartPng: (c) => chartPng(c), plainText: (r) => renderText(r, { color: false }), ...opts.render }, log: opts.log, alertRest });
  try {
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    await client.login(config.token);
    await withTimeout(ready, opts.readyTimeoutMs ?? 30_000, 'Discord gateway READY');
  } catch (e) {
    await adapter.detach();
    await client.destroy();
    throw new Error(`Discord: connecting the bot failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }

  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= (async () => {
        await withTimeout(adapter.detach(), opts.drainMs ?? 10_000, 'Discord follow-ups').catch((e) => opts.log?.('stopping', e));
        await client.destroy();
      })();
      return stopped;
    },
  };
}

/**
 * Start the Discord adapter from DISCORD_TOKEN, DISCORD_APPLICATION_ID,
 * DISCORD_GUILD_ID and DISCORD_API_URL; null when DISCORD_TOKEN is unset.
 */
export async function startDiscord(engine: Engine, runner: Runner, env: NodeJS.ProcessEnv, opts: DiscordStartOptions = {}): Promise<DiscordHandle | null> {
  const config = discordConfigFromEnv(env);
  return config ? startDiscordWith(engine, runner, config, opts) : null;
}
