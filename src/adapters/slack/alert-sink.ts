/**
 * Alerts to Slack channels: `chat.postMessage` (with message metadata naming the post's key),
 * `chat.update` for later notices, and `conversations.history` to find a post whose answer was
 * lost. It uses its own Web API client without retries and with rate-limited calls rejected:
 * the engine's outbox retries (durably, with Slack's Retry-After), so the client must not sit on
 * a call for half an hour as its default policy would.
 */
import { webApi, type Logger } from '@slack/bolt';
import { AlertDeliveryError, type AlertNotice, type AlertSink } from '../../engine/index.js';
import type { ChartReply } from '../../commands/reply.js';
import { alertView } from '../../commands/alert-view.js';
import { renderAlert, renderReply } from './render.js';

/** Metadata event type of alert posts (how a lost post is found again). */
export const ALERT_EVENT_TYPE = 'smtp_ops_alert';

/** Slack allows about one message per second per channel. */
const SPACING_MS = 1100;
/** How far back a lost post is looked for. */
const FIND_LIMIT = 200;

type Client = InstanceType<typeof webApi.WebClient>;

/** The client the sink uses: the app's token and API URL, no retries of its own. */
export function alertClient(token: string | undefined, slackApiUrl: string, logger?: Logger): Client {
  return new webApi.WebClient(token, { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 15_000, ...(logger ? { logger } : {}) });
}

/** A Web API failure as the outbox reads it. */
export function deliveryError(e: unknown, editing = false): AlertDeliveryError {
  const err = e as { code?: string; message?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  const message = err?.message ?? String(e);
  switch (err?.code) {
    case 'slack_webapi_rate_limited_error':
      return new AlertDeliveryError(`Slack rate limit (retry after ${err.retryAfter} s)`, { retryAfterMs: Math.max(1, err.retryAfter ?? 1) * 1000, definite: true, cause: e });
    case 'slack_webapi_platform_error': {
      const code = err.data?.error ?? 'unknown_error';
      return new AlertDeliveryError(`Slack answered ${code}`, { gone: editing && (code === 'message_not_found' || code === 'cant_update_message'), definite: true, cause: e });
    }
    case 'slack_webapi_http_error':
      // Slack answered, but a 5xx does not say whether the message was created: look before posting again.
      return new AlertDeliveryError(`Slack answered HTTP ${err.statusCode}`, { definite: (err.statusCode ?? 500) < 500, cause: e });
    default:
      return new AlertDeliveryError(`Slack unreachable: ${message}`, { cause: e });
  }
}

export interface SlackSinkOptions {
  client: Client;
  chartPng?: (c: ChartReply) => Buffer;
  logger?: Logger;
}

export function slackAlertSink(o: SlackSinkOptions): AlertSink {
  const { client } = o;
  const message = (n: AlertNotice) => {
    const v = alertView(n);
    if (v.kind === 'report') {
      const m = renderReply(v.reply, { shared: true, chartPng: o.chartPng });
      return { text: m.text, blocks: m.blocks, uploads: m.uploads };
    }
    return renderAlert(v);
  };
  const metadata = (n: AlertNotice) => ({ event_type: ALERT_EVENT_TYPE, event_payload: { key: n.key, group: n.group?.id ?? '', kind: n.kind } });

  return {
    spacingMs: SPACING_MS,
    async post(target, notice) {
      const m = message(notice);
      let ts: string;
      try {
        const res = await client.chat.postMessage({ channel: target.channel, text: m.text, blocks: m.blocks, metadata: metadata(notice), unfurl_links: false, unfurl_media: false });
        ts = String(res.ts);
      } catch (e) {
        throw deliveryError(e);
      }
      // The chart of a report comes as a file next to it; the message already has it as text, so a failed upload is only logged.
      for (const u of m.uploads) {
        const common = { channel_id: target.channel, thread_ts: ts, filename: u.filename, title: u.title };
        const upload = typeof u.content === 'string' ? client.files.uploadV2({ ...common, content: u.content }) : client.files.uploadV2({ ...common, file: u.content, alt_text: u.altText });
        await upload.catch((e: unknown) => o.logger?.warn(`slack: report chart not attached in ${target.channel}: ${deliveryError(e).message}`));
      }
      return ts;
    },
    async edit(target, ref, notice) {
      const m = message(notice);
      try {
        await client.chat.update({ channel: target.channel, ts: ref, text: m.text, blocks: m.blocks });
      } catch (e) {
        throw deliveryError(e, true);
      }
    },
    async find(target, notice) {
      try {
        const res = await client.conversations.history({ channel: target.channel, limit: FIND_LIMIT, include_all_metadata: true });
        const hit = (res.messages ?? []).find((m) => m.metadata?.event_type === ALERT_EVENT_TYPE && (m.metadata.event_payload as { key?: string } | undefined)?.key === notice.key);
        return hit?.ts ?? null;
      } catch (e) {
        const err = deliveryError(e);
        // Without the history scope the post cannot be looked for; posting again is the lesser evil than never posting.
        if ((e as { data?: { error?: string } })?.data?.error === 'missing_scope') {
          o.logger?.warn(`slack: cannot look for a lost alert post in ${target.channel} (add the channels:history scope); posting it again`);
          return null;
        }
        throw err;
      }
    },
  };
}
