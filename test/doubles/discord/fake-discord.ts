/**
 * A loopback fake of Discord (REST API v10 + gateway) that an unmodified
 * discord.js 14 client talks to. Point the client at {@link FakeDiscord.apiUrl}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachGateway, type FakeGateway } from './fake-gateway.js';
import { createRestHandler, type RateLimitRule, type RecordedRequest, type RestState, type StoredMessage } from './fake-rest.js';
import { DEFAULT_IDENTITY, type FakeIdentity } from './wire.js';

export { EXPIRED_TOKEN_PREFIX, type RecordedRequest, type RecordedFile, type StoredMessage } from './fake-rest.js';

export interface FakeDiscord {
  readonly identity: FakeIdentity;
  /** REST base for discord.js's `rest.api` / `DISCORD_API_URL` (`http://127.0.0.1:PORT/api`). */
  readonly apiUrl: string;
  /** Every REST request, in arrival order. */
  readonly requests: RecordedRequest[];
  readonly gateway: FakeGateway;
  /** Answer the next `times` requests whose path matches with 429 Too Many Requests. */
  rateLimit(path: RegExp, times: number, retryAfterSec?: number): void;
  /** Messages posted in channels (what members see), and the outage switches. */
  readonly state: RestState;
  /** The messages a channel shows, oldest first. */
  channelMessages(channelId: string): StoredMessage[];
  /** Send an INTERACTION_CREATE dispatch. */
  interact(payload: unknown): void;
  /** Wait for the first request after index `from` matching `pred`. */
  waitForRequest(pred: (r: RecordedRequest) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export interface FakeDiscordOptions {
  identity?: Partial<FakeIdentity>;
  /** Further text channels in the guild (alert targets). */
  channels?: string[];
  /** Role ids that exist in the guild (members may hold them). */
  roles?: string[];
  /** Heartbeat interval announced in Hello (Discord's is 41,250 ms). */
  heartbeatIntervalMs?: number;
  /** Channels the bot may see but not post in (403 Missing Permissions). */
  forbiddenChannels?: string[];
}

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const identity: FakeIdentity = { ...DEFAULT_IDENTITY, ...opts.identity };
  const requests: RecordedRequest[] = [];
  const limits: RateLimitRule[] = [];
  const state: RestState = { messages: [], outage: null, loseAnswers: 0 };
  const waiters = new Set<() => void>();
  const server = createServer();
  const port = () => (server.address() as AddressInfo).port;
  const handler = createRestHandler(identity, () => `ws://127.0.0.1:${port()}/gateway`, (r) => {
    requests.push(r);
    for (const w of [...waiters]) w();
  }, new Set(opts.forbiddenChannels ?? []), limits, state);
  server.on('request', (req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const gateway = attachGateway(server, identity, opts.channels ?? [], opts.roles ?? [], opts.heartbeatIntervalMs);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    identity,
    apiUrl: `http://127.0.0.1:${port()}/api`,
    requests,
    gateway,
    rateLimit: (path, times, retryAfterSec = 0.2) => void limits.push({ path, times, retryAfterSec }),
    state,
    channelMessages: (channelId) => state.messages.filter((m) => m.channel_id === channelId),
    interact: (payload) => gateway.dispatch('INTERACTION_CREATE', payload),
    waitForRequest(pred, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = requests.slice(from).find(pred);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake Discord: no matching request within ${timeoutMs} ms (saw ${requests.slice(from).map((r) => `${r.method} ${r.path}`).join(', ') || 'none'})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
