/**
 * The REST half of the fake Discord: the routes discord.js 14 calls, answering
 * in API v10's wire format and recording every request for assertions.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { botUser, message, textChannel, type FakeIdentity } from './wire.js';

/** A file part of a multipart request. */
export interface RecordedFile {
  field: string;
  name: string;
  type: string;
  data: Buffer;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Decoded path without the query, e.g. `/api/v10/webhooks/1/tok/messages/@original`. */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  /** JSON body (or multipart `payload_json`), or null. */
  body: any;
  files: RecordedFile[];
  time: number;
}

/** Interactions whose token starts with this answer 404 Unknown interaction (10062), as Discord does after 3 s / 15 min. */
export const EXPIRED_TOKEN_PREFIX = 'expired-';

/** Gateway address the REST half hands out from `/gateway/bot`. */
export type GatewayUrl = () => string;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ body: any; files: RecordedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: null, files: [] };
  if (type.startsWith('multipart/form-data')) {
    // undici's Response parses multipart the way a real server would.
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    const files: RecordedFile[] = [];
    let body: any = null;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        files.push({ field, name: value.name, type: value.type, data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString('utf8')), files: [] };
}

function send(res: ServerResponse, status: number, json?: unknown): void {
  if (json === undefined) {
    res.writeHead(status).end();
    return;
  }
  const data = Buffer.from(JSON.stringify(json));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length }).end(data);
}

/** Routes of the REST half. Keeps its own message id counter per instance. */
/** Answer the next `times` requests whose path matches with 429, as Discord's per-route limits do. */
export interface RateLimitRule {
  path: RegExp;
  times: number;
  retryAfterSec: number;
}

function sendRateLimited(res: ServerResponse, retryAfterSec: number): void {
  const data = Buffer.from(JSON.stringify({ message: 'You are being rate limited.', retry_after: retryAfterSec, global: false }));
  res
    .writeHead(429, {
      'content-type': 'application/json',
      'content-length': data.length,
      'retry-after': String(retryAfterSec),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': String(retryAfterSec),
      'x-ratelimit-bucket': 'fake-bucket',
      'x-ratelimit-scope': 'user',
    })
    .end(data);
}

/** A message the fake keeps per channel (what the channel shows). */
export interface StoredMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: any[];
  components: any[];
  nonce?: string;
  /** Real time of creation (nonces are unique for a few minutes). */
  createdAt: number;
  /** Earlier versions (edits). */
  history: { content: string; embeds: any[]; components: any[] }[];
  attachments: { filename: string; size: number }[];
}

/** Channel messages, and failures a test switches on. */
export interface RestState {
  messages: StoredMessage[];
  /** While set, channel message routes answer this 5xx status. */
  outage: { status: number } | null;
  /** The next this-many channel message writes are carried out but their answer is lost (the connection drops). */
  loseAnswers: number;
}

/** Discord's window for `enforce_nonce` ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;

export function createRestHandler(id: FakeIdentity, gatewayUrl: GatewayUrl, record: (r: RecordedRequest) => void, forbidden: ReadonlySet<string> = new Set(), limits: RateLimitRule[] = [], state: RestState = { messages: [], outage: null, loseAnswers: 0 }) {
  let nextMessage = 1_500_000_000_000_000_000n;
  const newMessageId = () => String(nextMessage++);
  const stored = (channel: string, b: any, files: RecordedFile[]): StoredMessage => ({
    id: newMessageId(),
    channel_id: channel,
    content: typeof b?.content === 'string' ? b.content : '',
    embeds: Array.isArray(b?.embeds) ? b.embeds : [],
    components: Array.isArray(b?.components) ? b.components : [],
    ...(b?.nonce !== undefined ? { nonce: String(b.nonce) } : {}),
    createdAt: Date.now(),
    history: [],
    attachments: files.map((f) => ({ filename: f.name, size: f.data.length })),
  });
  const wire = (m: StoredMessage) => ({ ...message(id, m.id, m.channel_id, { content: m.content, embeds: m.embeds, components: m.components }), ...(m.nonce ? { nonce: m.nonce } : {}), edited_timestamp: m.history.length ? new Date().toISOString() : null, attachments: m.attachments.map((a, i) => ({ id: String(i), filename: a.filename, size: a.size, url: `https://cdn.fake/${a.filename}` })) });

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    const raw = await readBody(req);
    let parsed: { body: any; files: RecordedFile[] };
    try {
      parsed = await parseBody(req, raw);
    } catch {
      send(res, 400, { code: 50109, message: 'The request body contains invalid JSON.' });
      return;
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, query: url.searchParams, authorization: req.headers.authorization, body: parsed.body, files: parsed.files, time: Date.now() };
    record(rec);

    const limited = limits.find((l) => l.times > 0 && l.path.test(path));
    if (limited) {
      limited.times -= 1;
      sendRateLimited(res, limited.retryAfterSec);
      return;
    }
    const m = (re: RegExp) => re.exec(path);
    const isBot = req.headers.authorization === `Bot ${id.token}`;
    const needsBot = !path.startsWith('/api/v10/interactions/') && !path.startsWith('/api/v10/webhooks/');
    if (needsBot && !isBot) {
      send(res, 401, { message: '401: Unauthorized', code: 0 });
      return;
    }

    if (req.method === 'GET' && path === '/api/v10/gateway/bot') {
      send(res, 200, { url: gatewayUrl(), shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
      return;
    }
    if (req.method === 'GET' && path === '/api/v10/users/@me') {
      send(res, 200, botUser(id));
      return;
    }
    let hit = m(/^\/api\/v10\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/);
    if (hit && req.method === 'PUT') {
      const [, app, guildId] = hit;
      if (app !== id.applicationId || (guildId !== undefined && guildId !== id.guildId)) {
        send(res, 404, { message: 'Unknown Application', code: 10002 });
        return;
      }
      const list = Array.isArray(parsed.body) ? parsed.body : [];
      send(res, 200, list.map((c: Record<string, unknown>, i: number) => ({ ...c, id: String(1_600_000_000_000_000_000n + BigInt(i)), application_id: app, guild_id: guildId, version: '1', default_member_permissions: null, type: c.type ?? 1 })));
      return;
    }
    hit = m(/^\/api\/v10\/interactions\/(\d+)\/([^/]+)\/callback$/);
    if (hit && req.method === 'POST' && hit[2].startsWith(EXPIRED_TOKEN_PREFIX)) {
      send(res, 404, { message: 'Unknown interaction', code: 10062 });
      return;
    }
    if (hit && req.method === 'POST') {
      if (url.searchParams.get('with_response') === 'true') {
        const msg = message(id, newMessageId(), id.channelId, parsed.body?.data ?? {});
        send(res, 200, { interaction: { id: hit[1], type: 2, response_message_id: msg.id, response_message_loading: false, response_message_ephemeral: false }, resource: { type: parsed.body?.type, message: msg } });
      } else {
        send(res, 204);
      }
      return;
    }
    hit = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)/);
    if (hit && hit[2].startsWith(EXPIRED_TOKEN_PREFIX)) {
      send(res, 404, { message: 'Unknown Webhook', code: 10015 });
      return;
    }
    hit = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/);
    if (hit && (req.method === 'PATCH' || req.method === 'GET')) {
      send(res, 200, message(id, newMessageId(), id.channelId, parsed.body ?? {}));
      return;
    }
    hit = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)$/);
    if (hit && req.method === 'POST') {
      send(res, 200, message(id, newMessageId(), id.channelId, parsed.body ?? {}));
      return;
    }
    hit = m(/^\/api\/v10\/channels\/(\d+)\/messages(?:\/(\d+))?$/);
    if (hit && state.outage) {
      send(res, state.outage.status, { message: `${state.outage.status}: Service Unavailable`, code: 0 });
      return;
    }
    if (hit && req.method !== 'GET' && state.loseAnswers > 0) {
      state.loseAnswers -= 1;
      // Carried out below, but the answer never arrives.
      const lost = { writeHead: () => lost, end: () => lost, headersSent: false } as unknown as ServerResponse;
      res = lost;
      setImmediate(() => req.socket.destroy());
    }
    if (hit && !hit[2] && req.method === 'POST' && forbidden.has(hit[1])) {
      send(res, 403, { message: 'Missing Permissions', code: 50013 });
      return;
    }
    if (hit && !hit[2] && req.method === 'POST') {
      const b = parsed.body ?? {};
      if (b.nonce !== undefined && (typeof b.nonce !== 'string' && typeof b.nonce !== 'number' || String(b.nonce).length > 25)) {
        send(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } });
        return;
      }
      if (b.enforce_nonce === true && b.nonce !== undefined) {
        const same = state.messages.find((x) => x.channel_id === hit![1] && x.nonce === String(b.nonce) && Date.now() - x.createdAt < NONCE_WINDOW_MS);
        if (same) {
          send(res, 200, wire(same));
          return;
        }
      }
      const msg = stored(hit[1], b, parsed.files);
      state.messages.push(msg);
      send(res, 200, wire(msg));
      return;
    }
    if (hit && !hit[2] && req.method === 'GET') {
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 50) || 50);
      send(res, 200, state.messages.filter((x) => x.channel_id === hit![1]).slice().reverse().slice(0, limit).map((x) => { const w = wire(x); delete (w as { nonce?: string }).nonce; return w; }));
      return;
    }
    if (hit && hit[2] && req.method === 'PATCH') {
      const msg = state.messages.find((x) => x.channel_id === hit![1] && x.id === hit![2]);
      if (!msg) {
        send(res, 404, { message: 'Unknown Message', code: 10008 });
        return;
      }
      const b = parsed.body ?? {};
      msg.history.push({ content: msg.content, embeds: msg.embeds, components: msg.components });
      if (typeof b.content === 'string') msg.content = b.content;
      if (Array.isArray(b.embeds)) msg.embeds = b.embeds;
      if (Array.isArray(b.components)) msg.components = b.components;
      send(res, 200, wire(msg));
      return;
    }
    hit = m(/^\/api\/v10\/channels\/(\d+)$/);
    if (hit && req.method === 'GET') {
      send(res, 200, textChannel(id, hit[1]));
      return;
    }
    send(res, 404, { message: '404: Not Found', code: 0 });
  };
}
