/**
 * A loopback fake of Slack for tests: the Web API methods smtp-ops uses,
 * `response_url` endpoints, file upload URLs, and the Socket Mode websocket.
 * It speaks Slack's wire format (form-encoded Web API calls with a Bearer
 * token, `ok` envelopes, JSON posts to response URLs, Socket Mode envelopes)
 * and records every request so tests can assert on them.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { blockProblems, viewProblems } from './block-rules.js';

type Json = Record<string, any>;

/** One request the fake received. */
export interface RecordedRequest {
  kind: 'api' | 'response_url' | 'upload';
  /** Web API method (`chat.postMessage`), response URL id, or uploaded file id. */
  name: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed body: form fields (JSON-valued fields such as `blocks` decoded) or the JSON document. */
  body: Json;
  /** The body as received (text; uploads as latin1). */
  raw: string;
  at: number;
}

/** A message as a Slack client would show it. */
export interface FakeMessage {
  ts: string;
  channel: string;
  /** Set for ephemeral messages: the only user who sees it. */
  visibleTo?: string;
  text: string;
  blocks: Json[];
  /** Earlier versions (updates, replace_original). */
  history: { text: string; blocks: Json[] }[];
  via: 'response_url' | 'chat.postMessage';
  deleted?: boolean;
  /** Message metadata (`event_type`, `event_payload`) as posted with chat.postMessage. */
  metadata?: Json;
}

/**
 * A Web API outage: every call of the listed methods (default: all but auth.test and
 * apps.connections.open) fails the way Slack fails: HTTP 5xx, `ok:false` with an error such as
 * `service_unavailable` (HTTP 200), or HTTP 429 with Retry-After.
 */
export type SlackOutage =
  | { kind: 'http'; status?: number; methods?: string[] }
  | { kind: 'ok-false'; error?: string; methods?: string[] }
  | { kind: 'rate-limit'; retryAfterSec?: number; methods?: string[] };

export interface FakeUser {
  id: string;
  name: string;
}

interface ResponseUrlState {
  id: string;
  channel: string;
  user: string;
  uses: number;
  /** The message an interaction came from (replace_original edits it). */
  original?: FakeMessage;
  /** Messages posted through this URL. */
  posted: FakeMessage[];
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  appId?: string;
  botUserId?: string;
}

/** Slack allows this many posts per response_url. */
const RESPONSE_URL_USES = 5;
/** trigger_id lifetime (Slack: 3 s). */
const TRIGGER_TTL_MS = 3000;

export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly requests: RecordedRequest[] = [];
  readonly messages: FakeMessage[] = [];
  readonly views: Json[] = [];
  readonly uploads = new Map<string, { filename: string; length: number; data?: Buffer; title?: string; channel?: string }>();
  /** Web API method -> error it answers (e.g. `chat.postMessage` -> `not_in_channel`). */
  readonly failures = new Map<string, string>();
  /** While set, Web API calls fail as in a Slack outage. */
  outage: SlackOutage | null = null;
  /** The next this-many calls of these methods are carried out but their answer is lost (the connection drops). */
  readonly lostAnswers = new Map<string, number>();
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  private readonly triggers = new Map<string, number>();
  private readonly sockets = new Set<WebSocket>();
  private readonly acks = new Map<string, (payload: Json | undefined) => void>();
  private readonly waiters = new Set<() => void>();
  private seq = 0;
  private server!: Server;
  private wss!: WebSocketServer;
  port = 0;

  private constructor(opts: FakeSlackOptions) {
    this.botToken = opts.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = opts.appToken ?? 'xapp-1-fake-app-token';
    this.teamId = opts.teamId ?? 'T0FAKE';
    this.appId = opts.appId ?? 'A0FAKE';
    this.botUserId = opts.botUserId ?? 'U0BOT';
  }

  static async start(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(opts);
    await fake.listen();
    return fake;
  }

  /** Base URL for `SLACK_API_URL` / `slackApiUrl`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/link/' || !url.searchParams.get('ticket')) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const [, area, name] = url.pathname.split('/');
    if (req.method !== 'POST') return void res.writeHead(405).end();
    if (area === 'api' && name) return this.api(name, req, raw, res);
    if (area === 'response' && name) return this.responseUrl(name, req, raw, res);
    if (area === 'upload' && name) return this.upload(name, req, raw, res);
    res.writeHead(404).end();
  }

  private record(kind: RecordedRequest['kind'], name: string, req: IncomingMessage, body: Json, raw: string): void {
    this.requests.push({ kind, name, headers: { ...req.headers }, body, raw, at: Date.now() });
    this.notify();
  }

  private static parseForm(raw: string): Json {
    const body: Json = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      // The Web API client JSON-encodes object arguments (blocks, view, files).
      body[k] = /^[[{]/.test(v) ? safeJson(v) : v;
    }
    return body;
  }

  private async api(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const type = String(req.headers['content-type'] ?? '');
    const text = raw.toString('utf8');
    const body = type.includes('application/json') ? (safeJson(text) as Json) : FakeSlack.parseForm(text);
    this.record('api', method, req, body, text);
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : String(body.token ?? '');
    const reply = (data: Json): void => void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(data));
    const fail = (error: string, extra: Json = {}): void => reply({ ok: false, error, ...extra });

    if (method === 'apps.connections.open') {
      if (token !== this.appToken) return fail(token.startsWith('xapp-') ? 'invalid_auth' : 'not_allowed_token_type');
      return reply({ ok: true, url: `ws://127.0.0.1:${this.port}/link/?ticket=${randomUUID()}&app_id=${this.appId}` });
    }
    if (!token) return fail('not_authed');
    if (token !== this.botToken) return fail('invalid_auth');
    const o = this.outage;
    if (o && (o.methods ? o.methods.includes(method) : method !== 'auth.test')) {
      if (o.kind === 'http') return void res.writeHead(o.status ?? 503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
      if (o.kind === 'rate-limit') return void res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(o.retryAfterSec ?? 30) }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return fail(o.error ?? 'service_unavailable');
    }
    const forced = this.failures.get(method);
    if (forced) return fail(forced);
    const lose = this.lostAnswers.get(method) ?? 0;
    if (lose > 0) {
      this.lostAnswers.set(method, lose - 1);
      // Carry the call out, then drop the connection before the answer.
      const sink = { writeHead: () => sink, end: () => sink } as unknown as ServerResponse;
      await this.api(method, req, raw, sink).catch(() => undefined);
      req.socket.destroy();
      return;
    }

    switch (method) {
      case 'auth.test':
        return reply({ ok: true, url: 'https://fake.slack.test/', team: 'Fake', user: 'smtp-ops', team_id: this.teamId, user_id: this.botUserId, bot_id: 'B0FAKE', is_enterprise_install: false });
      case 'chat.postMessage': {
        if (!body.channel) return fail('channel_not_found');
        if (!body.text && !body.blocks) return fail('no_text');
        const problems = body.blocks ? blockProblems(body.blocks) : [];
        if (problems.length) return fail('invalid_blocks', { errors: problems });
        const metadata = typeof body.metadata === 'object' && body.metadata ? (body.metadata as Json) : undefined;
        if (metadata && (typeof metadata.event_type !== 'string' || typeof metadata.event_payload !== 'object')) return fail('invalid_metadata_format');
        const m = this.addMessage({ channel: String(body.channel), text: String(body.text ?? ''), blocks: body.blocks ?? [], via: 'chat.postMessage', ...(metadata ? { metadata } : {}) });
        return reply({ ok: true, channel: m.channel, ts: m.ts, message: { type: 'message', text: m.text, blocks: m.blocks, user: this.botUserId, bot_id: 'B0FAKE', ts: m.ts, ...(metadata ? { metadata } : {}) } });
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.channel === body.channel && x.ts === body.ts && !x.visibleTo);
        if (!m) return fail('message_not_found');
        const problems = body.blocks ? blockProblems(body.blocks) : [];
        if (problems.length) return fail('invalid_blocks', { errors: problems });
        this.replace(m, String(body.text ?? ''), body.blocks ?? []);
        return reply({ ok: true, channel: m.channel, ts: m.ts, text: m.text });
      }
      case 'conversations.history': {
        if (!body.channel) return fail('channel_not_found');
        const all = body.include_all_metadata === true || body.include_all_metadata === 'true';
        const limit = Math.min(999, Number(body.limit) || 100);
        const list = this.messages.filter((m) => m.channel === body.channel && !m.visibleTo && !m.deleted).reverse().slice(0, limit);
        return reply({
          ok: true,
          has_more: false,
          pin_count: 0,
          messages: list.map((m) => ({ type: 'message', user: this.botUserId, bot_id: 'B0FAKE', text: m.text, ts: m.ts, blocks: m.blocks, ...(all && m.metadata ? { metadata: m.metadata } : {}) })),
        });
      }
      case 'views.open': {
        const issued = this.triggers.get(String(body.trigger_id));
        if (issued === undefined) return fail('invalid_trigger_id');
        this.triggers.delete(String(body.trigger_id));
        if (Date.now() - issued > TRIGGER_TTL_MS) return fail('expired_trigger_id');
        const problems = viewProblems(body.view);
        if (problems.length) return fail('invalid_arguments', { response_metadata: { messages: problems } });
        const view = { ...body.view, id: `V${this.next()}`, team_id: this.teamId, app_id: this.appId, bot_id: 'B0FAKE', hash: randomUUID(), state: { values: {} } };
        this.views.push(view);
        this.notify();
        return reply({ ok: true, view });
      }
      case 'files.getUploadURLExternal': {
        const length = Number(body.length);
        if (!body.filename || !Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
        const id = `F${this.next()}`;
        this.uploads.set(id, { filename: String(body.filename), length });
        return reply({ ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? body.files : [];
        for (const f of files) {
          const u = this.uploads.get(f.id);
          if (!u?.data) return fail('file_not_found');
          u.title = f.title;
          u.channel = body.channel_id;
        }
        return reply({ ok: true, files: files.map((f: Json) => ({ id: f.id, title: f.title, name: this.uploads.get(f.id)?.filename })) });
      }
      default:
        return fail('unknown_method');
    }
  }

  private async upload(id: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    this.record('upload', id, req, {}, raw.toString('latin1'));
    const u = this.uploads.get(id);
    if (!u) return void res.writeHead(404).end('not found');
    // The Web API client posts the bytes as multipart/form-data.
    const type = String(req.headers['content-type'] ?? 'application/octet-stream');
    let data = raw;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
      const part = [...form.values()][0];
      data = typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
    }
    u.data = data;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${data.length}`);
  }

  private async responseUrl(id: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const text = raw.toString('utf8');
    const body = (safeJson(text) ?? {}) as Json;
    this.record('response_url', id, req, body, text);
    const state = this.responseUrls.get(id);
    const answer = (status: number, data: Json): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    if (!state) return answer(404, { ok: false, error: 'expired_url' });
    if (state.uses >= RESPONSE_URL_USES) return answer(404, { ok: false, error: 'used_url' });
    state.uses++;
    const problems = body.blocks ? blockProblems(body.blocks) : [];
    if (problems.length) return answer(400, { ok: false, error: 'invalid_blocks', errors: problems });
    if (body.delete_original === true || body.delete_original === 'true') {
      const target = state.original ?? state.posted.at(-1);
      if (target) target.deleted = true;
      return answer(200, { ok: true });
    }
    const replace = body.replace_original === true || body.replace_original === 'true';
    const target = replace ? (state.original ?? state.posted.at(-1)) : undefined;
    if (target) {
      this.replace(target, String(body.text ?? ''), body.blocks ?? []);
    } else {
      const m = this.addMessage({
        channel: state.channel,
        visibleTo: body.response_type === 'in_channel' ? undefined : state.user,
        text: String(body.text ?? ''),
        blocks: body.blocks ?? [],
        via: 'response_url',
      });
      state.posted.push(m);
      this.notify();
    }
    answer(200, { ok: true });
  }

  private addMessage(m: Omit<FakeMessage, 'ts' | 'history'>): FakeMessage {
    const msg: FakeMessage = { ...m, ts: `${Math.floor(Date.now() / 1000)}.${String(this.next()).padStart(6, '0')}`, history: [] };
    this.messages.push(msg);
    this.notify();
    return msg;
  }

  private replace(m: FakeMessage, text: string, blocks: Json[]): void {
    m.history.push({ text: m.text, blocks: m.blocks });
    m.text = text;
    m.blocks = blocks;
    this.notify();
  }

  // ------------------------------------------------------------ what users do

  /** A fresh response URL for an interaction by `user` in `channel`. */
  newResponseUrl(channel: string, user: string, original?: FakeMessage): string {
    const id = `R${this.next()}`;
    this.responseUrls.set(id, { id, channel, user, uses: 0, original, posted: [] });
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  /** Messages posted through a response URL (what the requester sees). */
  postedTo(responseUrl: string): FakeMessage[] {
    return this.responseUrls.get(responseUrl.split('/').pop() ?? '')?.posted ?? [];
  }

  newTriggerId(): string {
    const id = `${this.next()}.${randomUUID().slice(0, 8)}`;
    this.triggers.set(id, Date.now());
    return id;
  }

  /** The body of a `/smtp` slash command as Slack sends it (form fields). */
  slashCommand(user: FakeUser, text: string, channel = 'C0OPS'): Record<string, string> {
    return {
      token: 'legacy-verification-token',
      team_id: this.teamId,
      team_domain: 'fake',
      channel_id: channel,
      channel_name: 'ops',
      user_id: user.id,
      user_name: user.name,
      command: '/smtp',
      text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: this.newResponseUrl(channel, user.id),
      trigger_id: this.newTriggerId(),
    };
  }

  /** The `block_actions` payload of `user` pressing the button `actionId` of a message. */
  buttonPress(user: FakeUser, message: FakeMessage, pick: (b: Json) => boolean): Json {
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e: Json) => ({ ...e, block_id: b.block_id })) : b.accessory ? [{ ...b.accessory, block_id: b.block_id }] : []));
    const btn = buttons.find(pick);
    if (!btn) throw new Error(`no such button in message ${message.ts}: ${JSON.stringify(buttons.map((b: Json) => b.action_id))}`);
    const ephemeral = message.visibleTo !== undefined;
    return {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: this.teamId },
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: ephemeral },
      trigger_id: this.newTriggerId(),
      team: { id: this.teamId, domain: 'fake' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: 'ops' },
      ...(ephemeral ? {} : { message: { type: 'message', user: this.botUserId, ts: message.ts, text: message.text, blocks: message.blocks } }),
      state: { values: {} },
      response_url: this.newResponseUrl(message.channel, user.id, message),
      actions: [{ type: 'button', action_id: btn.action_id, block_id: btn.block_id, text: btn.text, value: btn.value, style: btn.style, action_ts: `${Date.now() / 1000}` }],
    };
  }

  /** The `view_submission` payload of `user` submitting an opened modal with input values. */
  viewSubmission(user: FakeUser, view: Json, values: Record<string, Record<string, string>>): Json {
    const state: Json = { values: {} };
    for (const [blockId, inputs] of Object.entries(values)) {
      state.values[blockId] = {};
      for (const [actionId, value] of Object.entries(inputs)) state.values[blockId][actionId] = { type: 'plain_text_input', value };
    }
    return {
      type: 'view_submission',
      team: { id: this.teamId, domain: 'fake' },
      user: { id: user.id, username: user.name, name: user.name, team_id: this.teamId },
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      trigger_id: this.newTriggerId(),
      view: { ...view, state },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
  }

  // ------------------------------------------------------------ Socket Mode

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('message', (data) => {
      const msg = safeJson(data.toString()) as Json | undefined;
      if (msg?.envelope_id) {
        this.acks.get(msg.envelope_id)?.(msg.payload);
        this.acks.delete(msg.envelope_id);
      }
    });
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.notify();
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 18060 }, connection_info: { app_id: this.appId } }));
    this.notify();
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  /** Resolves once an app connected over Socket Mode. */
  waitForSocket(timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.sockets.size > 0, timeoutMs, 'a Socket Mode connection').then(() => undefined);
  }

  /** Resolves once every Socket Mode connection closed. */
  waitForSocketsClosed(timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.sockets.size === 0, timeoutMs, 'Socket Mode connections to close').then(() => undefined);
  }

  /** Send an envelope (`slash_commands`, `interactive`) and resolve with the app's ack payload. */
  sendEnvelope(type: 'slash_commands' | 'interactive', payload: Json, timeoutMs = 5000): Promise<Json | undefined> {
    const ws = [...this.sockets][0];
    if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
    const envelopeId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(envelopeId);
        reject(new Error(`no ack for envelope ${envelopeId} (${type}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(envelopeId, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
      ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: true, retry_attempt: 0, retry_reason: '' }));
    });
  }

  // ------------------------------------------------------------ waiting

  private next(): number {
    return ++this.seq;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolve with the first truthy value of `probe`, re-checked whenever the fake records something. */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Web API calls of one method. */
  calls(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.kind === 'api' && r.name === method);
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
