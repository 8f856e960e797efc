/**
 * Slack in and out of the shared runner: `/smtp` slash commands, buttons, the
 * secret modal and the alert sink. Translation and rendering only; every
 * decision (parsing, roles, confirmations, who may see a reply) is the runner's.
 */
import type { App, BlockAction, ButtonAction, Logger, RespondArguments } from '@slack/bolt';
import type { Actor, AlertTarget, Engine } from '../../engine/index.js';
import type { ChartReply, ProgressReply, Reply, RunContext } from '../../commands/reply.js';
import type { Runner } from '../../commands/types.js';
import { SECRET_BLOCK_ID, SECRET_CALLBACK_ID, SECRET_INPUT_ID, parseSecretMeta, secretModal } from './modal.js';
import { InFlight } from '../shared/in-flight.js';
import { ProgressUpdater } from '../shared/progress.js';
import { ACTION_PREFIX, ALERT_ACTION_PREFIX, SECRET_ACTION_ID, type SlackMessage, type SlackUpload, mentionOf, renderReply } from './render.js';
import { alertClient, slackAlertSink } from './alert-sink.js';
import { splitShare, unescapeSlackText } from './text.js';

type WebClient = App['client'];
type Respond = (msg: RespondArguments) => Promise<unknown>;

export interface SlackAdapterOptions {
  engine: Engine;
  runner: Runner;
  logger: Logger;
  /** PNG renderer for charts, uploaded with shared replies. */
  chartPng?: (c: ChartReply) => Buffer;
  /** Least ms between two progress updates of one message (default 1000). */
  progressIntervalMs?: number;
  /** fetch used to answer through a saved `response_url` (default: global fetch). */
  fetch?: typeof fetch;
}

export interface SlackAdapter {
  /** Wait (bounded) for replies and follow-ups already under way. */
  drain(timeoutMs: number): Promise<void>;
  /** Unregister the alert sink. */
  dispose(): void;
}

/** Where one reply goes: the requester's response_url, and the channel for shared replies and uploads. */
interface Surface {
  respond: Respond;
  shared: boolean;
  channel?: string;
  client: WebClient;
  /** In-channel message this surface can edit with chat.update (progress without spending response_url posts). */
  message?: { channel: string; ts: string };
}

/** A response_url takes 5 posts; progress may use 3 so the final reply and a follow-up still fit. */
const RESPONSE_URL_PROGRESS_BUDGET = 3;
const CHAT_UPDATE_PROGRESS_BUDGET = 30;

function buttonPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

/** Register the `/smtp` command, buttons, modal and alert sink on a Bolt app. */
export function attachSlackAdapter(app: App, opts: SlackAdapterOptions): SlackAdapter {
  const { engine, runner, logger } = opts;
  const inFlight = new InFlight();
  const postJson = opts.fetch ?? fetch;
  const intervalMs = opts.progressIntervalMs ?? 1000;

  const logFailure = (what: string) => (e: unknown) => logger.error(`slack: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);

  async function upload(s: Surface, u: SlackUpload): Promise<void> {
    if (!s.channel) return;
    try {
      const common = { channel_id: s.channel, filename: u.filename, title: u.title };
      if (typeof u.content === 'string') await s.client.files.uploadV2({ ...common, content: u.content });
      else await s.client.files.uploadV2({ ...common, file: u.content, alt_text: u.altText });
    } catch (e) {
      const why = (e as { data?: { error?: string } }).data?.error ?? (e instanceof Error ? e.message : String(e));
      await s.respond({ response_type: 'ephemeral', replace_original: false, text: `Could not attach ${u.filename}: ${why}. Invite the app to this channel to attach files.` });
    }
  }

  function toSlack(s: Surface, reply: Reply): { msg: SlackMessage; shared: boolean } {
    const shared = s.shared && reply.audience !== 'requester';
    return { msg: renderReply(reply, { shared, chartPng: opts.chartPng }), shared };
  }

  async function show(s: Surface, reply: Reply, replace: boolean): Promise<void> {
    const { msg, shared } = toSlack(s, reply);
    await s.respond({
      response_type: shared ? 'in_channel' : 'ephemeral',
      replace_original: replace,
      text: msg.text,
      blocks: msg.blocks,
    });
    for (const u of msg.uploads) await upload(s, u);
  }

  function progressFor(s: Surface, replace: boolean): ProgressUpdater {
    const viaUpdate = s.message;
    const send = viaUpdate
      ? async (p: ProgressReply) => {
          const { msg } = toSlack(s, p);
          await s.client.chat.update({ channel: viaUpdate.channel, ts: viaUpdate.ts, text: msg.text, blocks: msg.blocks });
        }
      : (p: ProgressReply) => show(s, p, replace);
    return new ProgressUpdater(send, {
      intervalMs,
      maxUpdates: viaUpdate ? CHAT_UPDATE_PROGRESS_BUDGET : RESPONSE_URL_PROGRESS_BUDGET,
      onError: logFailure('progress update'),
    });
  }

  /** Later replies (the outcome of `test`): into the channel when shared, else privately to the requester. */
  function followUpFor(s: Surface, actor: Actor): (r: Reply) => void {
    return (r) => {
      const work = (async () => {
        if (s.shared && s.channel && r.audience !== 'requester') {
          const { msg } = toSlack(s, r);
          try {
            await s.client.chat.postMessage({ channel: s.channel, text: `${mentionOf(`slack:${actor.id}`)} ${msg.text}`, blocks: msg.blocks });
            return;
          } catch (e) {
            logFailure('follow-up chat.postMessage')(e);
          }
        }
        await show({ ...s, shared: false }, r, false);
      })();
      inFlight.track(work.catch(logFailure('follow-up')));
    };
  }

  function context(actor: Actor, s: Surface, progress: ProgressUpdater): RunContext {
    const channel: AlertTarget | undefined = s.channel ? { platform: 'slack', channel: s.channel } : undefined;
    return {
      actor,
      surface: 'chat',
      channel,
      onProgress: (p) => progress.push(p),
      followUp: followUpFor(s, actor),
    };
  }

  app.command('/smtp', async ({ command, ack, respond, client }) => {
    await ack();
    const work = (async () => {
      const { text, shared } = splitShare(unescapeSlackText(command.text ?? ''));
      const actor: Actor = { platform: 'slack', id: command.user_id, name: command.user_name };
      const s: Surface = { respond, shared, channel: command.channel_id, client };
      const progress = progressFor(s, true);
      const reply = await runner.run(text, context(actor, s, progress));
      await progress.close();
      // A progress message already posted is replaced by the result, not followed by it.
      await show(s, reply, progress.sentCount > 0);
    })();
    await inFlight.track(work.catch(logFailure('/smtp reply')));
  });

  app.action<BlockAction<ButtonAction>>(buttonPattern(ACTION_PREFIX), async ({ ack, body, action, respond, client }) => {
    await ack();
    const work = (async () => {
      const actor: Actor = { platform: 'slack', id: body.user.id, name: body.user.username ?? body.user.name };
      const container = body.container as { is_ephemeral?: boolean; channel_id?: string; message_ts?: string };
      const channel = body.channel?.id ?? container.channel_id;
      const shared = container.is_ephemeral === false;
      const message = shared && channel && container.message_ts ? { channel, ts: container.message_ts } : undefined;
      const s: Surface = { respond, shared, channel, client, message };
      const progress = progressFor(s, true);
      const reply = await runner.action(action.value ?? '', context(actor, s, progress));
      await progress.close();
      if (reply.audience === 'requester') {
        // Someone else's or a stale button: tell the presser only, leave the message as it is.
        await show({ ...s, shared: false }, reply, false);
        return;
      }
      await show(s, reply, true);
    })();
    await inFlight.track(work.catch(logFailure('button reply')));
  });

  // A button on an alert: the runner marks its answer (a listing, a confirmation, a refusal) for the
  // presser alone; it never replaces or edits the alert, which is everyone's.
  app.action<BlockAction<ButtonAction>>(buttonPattern(ALERT_ACTION_PREFIX), async ({ ack, body, action, respond, client }) => {
    await ack();
    const work = (async () => {
      const actor: Actor = { platform: 'slack', id: body.user.id, name: body.user.username ?? body.user.name };
      const container = body.container as { channel_id?: string };
      const s: Surface = { respond, shared: false, channel: body.channel?.id ?? container.channel_id, client };
      const progress = progressFor(s, false);
      const reply = await runner.action(action.value ?? '', context(actor, s, progress));
      await progress.close();
      await show(s, reply, progress.sentCount > 0);
    })();
    await inFlight.track(work.catch(logFailure('alert button reply')));
  });

  app.action<BlockAction<ButtonAction>>(buttonPattern(SECRET_ACTION_ID), async ({ ack, body, action, client, respond }) => {
    await ack();
    try {
      const view = secretModal({ field: action.value ?? '', channel: body.channel?.id, responseUrl: body.response_url });
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (e) {
      logFailure('views.open')(e);
      const why = (e as { data?: { error?: string } }).data?.error ?? 'error';
      // Slack's trigger_id lives 3 s: a slow round trip needs another press.
      await respond({ response_type: 'ephemeral', replace_original: false, text: `Could not open the password dialog (${why}); press Enter password again.` }).catch(logFailure('views.open notice'));
    }
  });

  app.view(SECRET_CALLBACK_ID, async ({ ack, view, body }) => {
    const meta = parseSecretMeta(view.private_metadata);
    const value = view.state.values[SECRET_BLOCK_ID]?.[SECRET_INPUT_ID]?.value ?? '';
    if (!meta) {
      await ack({ response_action: 'errors', errors: { [SECRET_BLOCK_ID]: 'This dialog is not from smtp-ops; run the command again.' } });
      return;
    }
    if (!value) {
      await ack({ response_action: 'errors', errors: { [SECRET_BLOCK_ID]: `${meta.field} must not be empty.` } });
      return;
    }
    const actor: Actor = { platform: 'slack', id: body.user.id, name: body.user.name };
    const channel: AlertTarget | undefined = meta.channel ? { platform: 'slack', channel: meta.channel } : undefined;
    const reply = await runner.secret(meta.field, value, { actor, surface: 'chat', channel });
    if (reply.kind === 'error' && reply.code === 'validation') {
      // Keep the dialog open with the rule; the message names the field, never the value.
      await ack({ response_action: 'errors', errors: { [SECRET_BLOCK_ID]: reply.message.slice(0, 150) } });
      return;
    }
    await ack();
    if (!meta.responseUrl) return;
    const responseUrl = meta.responseUrl;
    const respond: Respond = async (msg) => {
      const res = await postJson(responseUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(msg) });
      if (!res.ok) throw new Error(`response_url answered ${res.status}`);
    };
    await inFlight.track(show({ respond, shared: false, channel: meta.channel, client: app.client }, reply, true).catch(logFailure('secret reply')));
  });

  const unregister = engine.addAlertSink('slack', slackAlertSink({ client: alertClient(app.client.token, app.client.slackApiUrl, logger), chartPng: opts.chartPng, logger }));

  return {
    drain: (timeoutMs) => inFlight.drain(timeoutMs),
    dispose: unregister,
  };
}
