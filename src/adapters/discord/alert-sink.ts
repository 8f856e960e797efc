/**
 * Alerts to Discord channels over REST: `POST /channels/{id}/messages` with a nonce derived from
 * the post's key and `enforce_nonce` (Discord returns the message already created with that nonce
 * instead of a second one), `PATCH /channels/{id}/messages/{message}` for later notices, and the
 * channel's recent messages to find a post whose answer was lost (its footer names the key). It
 * uses a REST client without retries that rejects on rate limits: the engine's outbox retries,
 * durably, after Discord's retry_after.
 */
import { createHash } from 'node:crypto';
import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST, type RawFile } from 'discord.js';
import { AlertDeliveryError, type AlertNotice, type AlertSink } from '../../engine/index.js';
import { alertView } from '../../commands/alert-view.js';
import type { DiscordMessage } from './message.js';
import { renderAlert, renderReply, type RenderOptions } from './render.js';

/** Discord allows 5 messages per 5 s per channel. */
const SPACING_MS = 1000;
const FIND_LIMIT = 50;
/** Discord's Unknown Message error. */
const UNKNOWN_MESSAGE = 10008;

/** A nonce of at most 25 characters naming the post. */
export function nonceOf(key: string): string {
  return key.length <= 25 ? key : createHash('sha256').update(key).digest('base64url').slice(0, 25);
}

export function deliveryError(e: unknown, editing = false): AlertDeliveryError {
  if (e instanceof RateLimitError) return new AlertDeliveryError(`Discord rate limit (retry after ${e.retryAfter} ms)`, { retryAfterMs: Math.max(100, e.retryAfter), definite: true, cause: e });
  if (e instanceof DiscordAPIError) {
    return new AlertDeliveryError(`Discord answered ${e.status} ${e.code}: ${e.message}`, { gone: editing && (e.code === UNKNOWN_MESSAGE || e.status === 404), definite: e.status < 500, cause: e });
  }
  // A 5xx does not say whether the message was created: look (the nonce also guards) before posting again.
  if (e instanceof HTTPError) return new AlertDeliveryError(`Discord answered HTTP ${e.status}`, { definite: e.status < 500, cause: e });
  return new AlertDeliveryError(`Discord unreachable: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** The message of a notice, with the post key visible (in the footer, or a subtext line for reports). */
function messageOf(n: AlertNotice, render: RenderOptions): DiscordMessage {
  const v = alertView(n);
  if (v.kind === 'alert') return renderAlert(v);
  const m = renderReply(v.reply, render);
  return { ...m, content: `${m.content ?? `**${v.title}**`}\n-# ${v.footer}`.slice(0, 2000) };
}

function body(m: DiscordMessage) {
  return {
    content: m.content ?? '',
    embeds: m.embeds,
    components: m.components,
    allowed_mentions: { parse: [] },
    ...(m.files.length ? { attachments: m.files.map((f, i) => ({ id: i, filename: f.name, ...(f.description ? { description: f.description } : {}) })) } : {}),
  };
}

function files(m: DiscordMessage): RawFile[] {
  return m.files.map((f, i) => ({ name: f.name, data: f.data, key: `files[${i}]` }));
}

export function discordAlertSink(rest: REST, render: RenderOptions = {}): AlertSink {
  return {
    spacingMs: SPACING_MS,
    async post(target, notice) {
      const m = messageOf(notice, render);
      try {
        const res = (await rest.post(Routes.channelMessages(target.channel), { body: { ...body(m), nonce: nonceOf(notice.key), enforce_nonce: true }, files: files(m) })) as { id: string };
        return res.id;
      } catch (e) {
        throw deliveryError(e);
      }
    },
    async edit(target, ref, notice) {
      const m = messageOf(notice, render);
      try {
        await rest.patch(Routes.channelMessage(target.channel, ref), { body: body(m), files: files(m) });
      } catch (e) {
        throw deliveryError(e, true);
      }
    },
    async find(target, notice) {
      try {
        const list = (await rest.get(Routes.channelMessages(target.channel), { query: new URLSearchParams({ limit: String(FIND_LIMIT) }) })) as { id: string; content?: string; embeds?: { footer?: { text?: string } }[] }[];
        const mark = ` · ${notice.key}`;
        const hit = list.find((m) => (m.content ?? '').includes(mark) || (m.embeds ?? []).some((e) => (e.footer?.text ?? '').endsWith(mark)));
        return hit?.id ?? null;
      } catch (e) {
        throw deliveryError(e);
      }
    },
  };
}
