/**
 * Test set-up for the Discord adapter: the fake Discord on loopback, a real
 * engine on a temp store, the real runner and grammar, and the adapter started
 * through `startDiscord` with an unmodified discord.js client. Users act by
 * dispatching interactions the way Discord's gateway delivers them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index.js';
import { createRunner } from '../../../src/commands/run.js';
import type { Runner } from '../../../src/commands/types.js';
import { startDiscord, type DiscordHandle, type DiscordStartOptions } from '../../../src/adapters/discord/index.js';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../doubles/discord/fake-discord.js';
import { interactionFactory, pickOption, type FakeMember, type InteractionFactory, type Picked, type WireOption } from '../../doubles/discord/interactions.js';

export const VIEWER_ROLE = '900000000000000001';
export const OPERATOR_ROLE = '900000000000000002';
export const ADMIN: FakeMember = { id: '100000000000000001', username: 'ada' };
export const OPERATOR: FakeMember = { id: '100000000000000002', username: 'otto' };
export const VIEWER: FakeMember = { id: '100000000000000003', username: 'vera', roles: [VIEWER_ROLE] };
export const STRANGER: FakeMember = { id: '100000000000000004', username: 'sam' };
export const ALERT_CHANNEL = '1300000000000000077';
/** A channel members can use but the bot may not post in. */
export const READ_ONLY_CHANNEL = '1300000000000000088';

/** Callback types of Discord's interaction responses. */
export const CB = { reply: 4, deferReply: 5, deferUpdate: 6, update: 7, autocomplete: 8, modal: 9 } as const;

/** What Discord received for one interaction. */
export interface Exchange {
  callback: RecordedRequest;
  /** The message the user ends up seeing: the callback's data, or the last edit of a deferred one. */
  message: any;
  /** Edits of the original response and follow-ups, in order. */
  edits: RecordedRequest[];
  ephemeral: boolean;
}

export interface Harness {
  fake: FakeDiscord;
  engine: Engine;
  runner: Runner;
  handle: DiscordHandle;
  ix: InteractionFactory;
  logged: string[];
  /** Dispatch an interaction and collect Discord's side of the conversation. */
  exchange(payload: Record<string, unknown>, opts?: ExchangeOptions): Promise<Exchange>;
  /** `/smtp words...` with options by name (types inferred: string 3, integer 4, boolean 5). */
  command(member: FakeMember, words: string[], options?: Record<string, OptionInput>): Promise<Exchange>;
  press(member: FakeMember, customId: string, opts?: ExchangeOptions): Promise<Exchange>;
  close(): Promise<void>;
}

export interface ExchangeOptions {
  /** How long no further request for the interaction means the adapter is done (default 150 ms). */
  quietMs?: number;
  /** For deferred answers: wait for an edit whose body passes this (the final one, not progress). */
  until?: (body: any) => boolean;
}

export interface HarnessOptions {
  engine?: Partial<EngineOptions>;
  discord?: DiscordStartOptions;
  env?: NodeJS.ProcessEnv;
}

/** An option's value by name: text, integer, boolean, or a member or role picked (MENTIONABLE). */
export type OptionInput = string | number | boolean | Picked;

export function wireOptions(options: Record<string, OptionInput>): WireOption[] {
  return Object.entries(options).map(([name, value]) =>
    typeof value === 'object' ? pickOption(name, value) : { name, value, type: typeof value === 'boolean' ? 5 : typeof value === 'number' ? 4 : 3 },
  );
}

/** Every button custom_id of a message body. */
export function buttons(message: any): { custom_id: string; label: string; style: number }[] {
  return (message?.components ?? []).flatMap((r: any) => r.components);
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-ops-discord-'));
  const engine = await createEngine({ storeDir: dir, worker: false, alerts: true, ...opts.engine });
  const runner = createRunner(engine, { admins: [`discord:${ADMIN.id}`] });
  await engine.accessGrant(`discord:${OPERATOR.id}`, 'operator', { platform: 'cli', id: 'test' });
  await engine.accessGrant(`discord-role:${VIEWER_ROLE}`, 'viewer', { platform: 'cli', id: 'test' });
  // A short heartbeat so discord.js heartbeats (and would reconnect on a missing ACK) within a test run.
  const fake = await startFakeDiscord({ channels: [ALERT_CHANNEL, READ_ONLY_CHANNEL], forbiddenChannels: [READ_ONLY_CHANNEL], roles: [VIEWER_ROLE, OPERATOR_ROLE], heartbeatIntervalMs: 1000 });
  const logged: string[] = [];
  const env = {
    DISCORD_TOKEN: fake.identity.token,
    DISCORD_APPLICATION_ID: fake.identity.applicationId,
    DISCORD_GUILD_ID: fake.identity.guildId,
    DISCORD_API_URL: fake.apiUrl,
    ...opts.env,
  };
  const handle = await startDiscord(engine, runner, env, {
    client: { ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } } as DiscordStartOptions['client'],
    deferAfterMs: 2000,
    editEveryMs: 50,
    log: (m, e) => void logged.push(`${m} ${e instanceof Error ? e.message : String(e ?? '')}`),
    ...opts.discord,
  });
  if (!handle) throw new Error('startDiscord returned null with DISCORD_TOKEN set');
  const ix = interactionFactory(fake.identity);

  async function exchange(payload: Record<string, unknown>, { quietMs = 150, until = () => true }: ExchangeOptions = {}): Promise<Exchange> {
    const from = fake.requests.length;
    const { id, token } = payload as { id: string; token: string };
    fake.interact(payload);
    const callback = await fake.waitForRequest((r) => r.path === `/api/v10/interactions/${id}/${token}/callback`, { from });
    const mine = (r: RecordedRequest) => r.path.startsWith(`/api/v10/webhooks/${fake.identity.applicationId}/${token}`);
    const deferred = callback.body.type === CB.deferReply || callback.body.type === CB.deferUpdate;
    if (deferred) await fake.waitForRequest((r) => mine(r) && r.method === 'PATCH' && until(r.body), { from, timeoutMs: 20_000 });
    // Let the adapter finish: no more requests for this interaction for quietMs.
    let seen = -1;
    while (seen !== fake.requests.filter(mine).length) {
      seen = fake.requests.filter(mine).length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    const edits = fake.requests.slice(from).filter(mine);
    const patches = edits.filter((r) => r.method === 'PATCH');
    const message = deferred ? patches[patches.length - 1].body : callback.body.data;
    const flags = callback.body.data?.flags ?? 0;
    return { callback, message, edits, ephemeral: (flags & 64) === 64 };
  }

  return {
    fake,
    engine,
    runner,
    handle,
    ix,
    logged,
    exchange,
    command: (member, words, options = {}) => exchange(ix.command(member, words, wireOptions(options))),
    press: (member, customId, opts) => exchange(ix.button(member, customId), opts),
    async close() {
      await handle.stop();
      await fake.close();
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** All text of a rendered message (content, embed titles, descriptions, fields, footers). */
export function textOf(message: any): string {
  const parts: string[] = [message?.content ?? ''];
  for (const e of message?.embeds ?? []) {
    parts.push(e.title ?? '', e.description ?? '', e.footer?.text ?? '');
    for (const f of e.fields ?? []) parts.push(f.name, f.value);
  }
  return parts.join('\n');
}
