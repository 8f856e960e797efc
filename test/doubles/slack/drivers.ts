/**
 * How the fake delivers what users do to the app under test: signed HTTP
 * posts to the Events endpoint (HTTP receiver) or envelopes over the Socket
 * Mode websocket. Both return what the app acknowledged.
 */
import { createHmac } from 'node:crypto';
import type { FakeSlack } from './fake-slack.js';

type Json = Record<string, any>;

export interface Delivered {
  /** HTTP status (Socket Mode: 200 once acked). */
  status: number;
  /** The ack body: a view_submission's `response_action`, etc. */
  body: Json | string | undefined;
}

export interface SlackDriver {
  slash(form: Record<string, string>): Promise<Delivered>;
  interactive(payload: Json): Promise<Delivered>;
}

/** Slack's request signature: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret. */
export function slackSignature(secret: string, timestamp: number | string, body: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
}

export interface PostOptions {
  /** Sign with this secret instead of the right one. */
  secret?: string;
  /** Request timestamp in seconds (default now). */
  timestamp?: number;
  /** Leave out the signature headers. */
  unsigned?: boolean;
}

export class HttpDriver implements SlackDriver {
  constructor(
    private readonly url: string,
    private readonly signingSecret: string,
  ) {}

  async post(body: string, opts: PostOptions = {}): Promise<Delivered> {
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (!opts.unsigned) {
      headers['x-slack-request-timestamp'] = String(ts);
      headers['x-slack-signature'] = slackSignature(opts.secret ?? this.signingSecret, ts, body);
    }
    const res = await fetch(this.url, { method: 'POST', headers, body });
    const text = await res.text();
    let parsed: Json | string | undefined = text || undefined;
    try {
      parsed = text ? (JSON.parse(text) as Json) : undefined;
    } catch {
      /* plain text ack */
    }
    return { status: res.status, body: parsed };
  }

  slash(form: Record<string, string>, opts?: PostOptions): Promise<Delivered> {
    return this.post(new URLSearchParams(form).toString(), opts);
  }

  interactive(payload: Json, opts?: PostOptions): Promise<Delivered> {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
  }
}

export class SocketDriver implements SlackDriver {
  constructor(private readonly fake: FakeSlack) {}

  async slash(form: Record<string, string>): Promise<Delivered> {
    return { status: 200, body: await this.fake.sendEnvelope('slash_commands', form) };
  }

  async interactive(payload: Json): Promise<Delivered> {
    return { status: 200, body: await this.fake.sendEnvelope('interactive', payload) };
  }
}
