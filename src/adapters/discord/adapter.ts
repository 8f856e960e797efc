/**
 * The Discord adapter: interactions in, grammar words to the shared runner,
 * rendered replies out. Slash commands run lines, buttons run action tokens,
 * the secret modal feeds `runner.secret`; alerts go to channels. Who may see
 * a reply is the runner's decision (`reply.audience`). Nothing that arrives
 * can throw out of here.
 */
import { ComponentType, TextInputStyle, type AutocompleteInteraction, type ButtonInteraction, type ChatInputCommandInteraction, type Client, type Interaction, type ModalSubmitInteraction, type REST } from 'discord.js';
import type { Actor, AlertTarget, Engine } from '../../engine/index.js';
import { ALERT_TOKEN_PREFIX } from '../../commands/alert-actions.js';
import { discordAlertSink } from './alert-sink.js';
import type { Reply, RunContext } from '../../commands/reply.js';
import type { Runner } from '../../commands/types.js';
import { InFlight } from '../shared/in-flight.js';
import { actorOf } from './actor.js';
import { complete } from './autocomplete.js';
import { guardInteractions } from './guard.js';
import type { DiscordMessage } from './message.js';
import { replyOptions, sendOptions } from './payload.js';
import { COMMAND_NAME, SHARE_OPTION, type Registration } from './register.js';
import { SECRET_BUTTON_PREFIX, SECRET_MODAL_PREFIX, renderReply, type RenderOptions } from './render.js';
import { Responder } from './respond.js';
import { lineOf, optionWord } from './words.js';

/** The one text input of the secret modal. */
const SECRET_INPUT = 'value';

export interface DiscordAdapterOptions {
  engine: Engine;
  runner: Runner;
  client: Client;
  registration: Registration;
  /** Defer the first response when the work is not done after this long (Discord allows 3 s). Default 1000. */
  deferAfterMs?: number;
  /** Least time between two progress edits of one message. Default 1000. */
  editEveryMs?: number;
  render?: RenderOptions;
  /** Where adapter faults go (never secrets: only ids and error messages). */
  log?: (message: string, error?: unknown) => void;
  /** REST client for alerts, without retries of its own (the engine's outbox retries); default the client's. */
  alertRest?: REST;
}

export interface DiscordAdapter {
  /** Stop taking interactions, unregister the alert sink, wait for answers and follow-ups under way. */
  detach(): Promise<void>;
}

/** Wire the adapter onto a (not necessarily logged-in) client. */
export function attachDiscordAdapter(opts: DiscordAdapterOptions): DiscordAdapter {
  const { engine, runner, client, registration } = opts;
  const deferAfterMs = opts.deferAfterMs ?? 1000;
  const editEveryMs = opts.editEveryMs ?? 1000;
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(`discord: ${m}`, e instanceof Error ? e.message : (e ?? '')));
  const render = (r: Reply) => renderReply(r, opts.render);
  const inFlight = new InFlight();

  /** Keep work that answers later (follow-ups, interactions under way) so detach() can let it finish. */
  const track = <T>(p: Promise<T>, what: string): void =>
    void inFlight.track(
      p.then(
        () => undefined,
        (e) => log(what, e),
      ),
    );

  /** Run the work and answer with its reply, privately when it is for the requester alone; a fault still gets an answer, so no "thinking…" is left behind. */
  async function answer(responder: Responder, work: () => Promise<Reply>): Promise<void> {
    let reply: Reply;
    try {
      reply = await work();
    } catch (e) {
      log('the runner failed', e);
      reply = { kind: 'error', code: 'internal', message: 'smtp-ops could not answer this; the error is in its log.' };
    }
    if (reply.audience === 'requester' && !responder.private) await responder.finishPrivately(render(reply), render({ kind: 'message', tone: 'info', text: 'Answered privately.' }));
    else await responder.finish(render(reply));
  }

  async function sendToChannel(channelId: string, msg: DiscordMessage, mention?: string): Promise<void> {
    const channel = await client.channels.fetch(channelId);
    if (!channel || !channel.isSendable()) throw new Error(`Discord channel ${channelId} is not a text channel the bot can post in`);
    await channel.send(sendOptions(msg, mention));
  }

  function context(i: Interaction, actor: Actor, progress?: (m: DiscordMessage) => void): RunContext {
    const channel: AlertTarget | undefined = i.channelId ? { platform: 'discord', channel: i.channelId } : undefined;
    return {
      actor,
      surface: 'chat',
      ...(channel ? { channel } : {}),
      ...(progress ? { onProgress: (p) => progress(render(p)) } : {}),
      followUp: (r) => {
        // The outcome of `test` comes after the reply: post it where it was asked, naming the asker.
        const msg = render(r);
        const viaInteraction = () => (i.isRepliable() ? i.followUp(replyOptions(msg, true)).then(() => undefined) : Promise.reject(new Error('no way to answer')));
        // If the bot may not post in the channel, the interaction's own follow-up (valid 15 minutes) still reaches the asker.
        track(channel && r.audience !== 'requester' ? sendToChannel(channel.channel, msg, actor.id).catch(viaInteraction) : viaInteraction(), 'a follow-up could not be posted');
      },
    };
  }

  async function onCommand(i: ChatInputCommandInteraction): Promise<void> {
    if (i.commandName !== COMMAND_NAME) return;
    const route = registration.find(i.options.getSubcommandGroup(false), i.options.getSubcommand(false) ?? '');
    const ephemeral = i.options.getBoolean(SHARE_OPTION, false) !== true;
    if (!route) {
      const stale = render({ kind: 'error', code: 'usage', message: 'This /smtp command is not known to this smtp-ops; its command list may be out of date.', suggestion: 'try `/smtp help`' });
      await i.reply(replyOptions(stale, true));
      return;
    }
    const word = (name: string) => optionWord(i.options.get(name));
    // A required pick Discord did not resolve would shift the words after it: say so instead.
    const unpicked = route.options.find((o) => o.from === 'arg' && o.arg.required && o.arg.complete === 'subject' && word(o.name) === undefined);
    if (unpicked) {
      const what = render({ kind: 'error', code: 'usage', message: `${route.spec.path.join(' ')} needs <${unpicked.name}>: pick a member or a role from Discord's list.` });
      await i.reply(replyOptions(what, true));
      return;
    }
    const line = lineOf(route, word);
    const responder = new Responder(i, { mode: 'reply', ephemeral, deferAfterMs, editEveryMs });
    await answer(responder, () => runner.run(line, context(i, actorOf(i), (m) => responder.progress(m))));
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    if (i.customId.startsWith(SECRET_BUTTON_PREFIX)) {
      const field = i.customId.slice(SECRET_BUTTON_PREFIX.length);
      await i.showModal({
        custom_id: `${SECRET_MODAL_PREFIX}${field}`,
        title: 'smtp-ops: private value',
        // A PEM key is many lines and up to ~3,300 characters (4096 bits); Discord allows 4,000 in a paragraph input.
        components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, custom_id: SECRET_INPUT, label: field.slice(0, 45), ...(field === 'dkim-private-key' ? { style: TextInputStyle.Paragraph, max_length: 4000 } : { style: TextInputStyle.Short, max_length: 1024 }), required: true, min_length: 1 }] }],
      });
      return;
    }
    if (i.customId.startsWith(ALERT_TOKEN_PREFIX)) {
      // A button on an alert: the runner marks the answer for the presser alone; the alert stays as it is.
      const privately = new Responder(i, { mode: 'reply', ephemeral: true, deferAfterMs, editEveryMs });
      await answer(privately, () => runner.action(i.customId, context(i, actorOf(i), (m) => privately.progress(m))));
      return;
    }
    const responder = new Responder(i, { mode: 'update', ephemeral: true, deferAfterMs, editEveryMs });
    await answer(responder, () => runner.action(i.customId, context(i, actorOf(i), (m) => responder.progress(m))));
  }

  async function onModal(i: ModalSubmitInteraction): Promise<void> {
    if (!i.customId.startsWith(SECRET_MODAL_PREFIX)) return;
    const field = i.customId.slice(SECRET_MODAL_PREFIX.length);
    const value = i.fields.getTextInputValue(SECRET_INPUT);
    const responder = new Responder(i, { mode: 'reply', ephemeral: true, deferAfterMs, editEveryMs });
    await answer(responder, () => runner.secret(field, value, context(i, actorOf(i), (m) => responder.progress(m))));
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    if (i.commandName !== COMMAND_NAME) return;
    const route = registration.find(i.options.getSubcommandGroup(false), i.options.getSubcommand(false) ?? '');
    const focused = i.options.getFocused(true);
    const o = route?.options.find((x) => x.name === focused.name);
    const kind = o ? (o.from === 'arg' ? o.arg.complete : o.option.complete) : undefined;
    let choices: Awaited<ReturnType<typeof complete>> = [];
    try {
      choices = await complete(engine, kind, String(focused.value ?? ''), await runner.roleOf(actorOf(i)));
    } catch (e) {
      log('autocomplete failed', e);
    }
    await i.respond(choices);
  }

  async function dispatch(i: Interaction): Promise<void> {
    if (i.isChatInputCommand()) await onCommand(i);
    else if (i.isButton()) await onButton(i);
    else if (i.isModalSubmit()) await onModal(i);
    else if (i.isAutocomplete()) await onAutocomplete(i);
  }

  const onInteraction = (i: Interaction) => track(dispatch(i), `interaction ${i.id} failed`);
  const onError = (e: Error) => log('client error', e);
  const unguard = guardInteractions(client, (m) => log(m));
  client.on('interactionCreate', onInteraction);
  client.on('error', onError);
  const removeSink = engine.addAlertSink('discord', discordAlertSink(opts.alertRest ?? client.rest, opts.render));

  return {
    async detach() {
      unguard();
      client.off('interactionCreate', onInteraction);
      client.off('error', onError);
      removeSink();
      await inFlight.drain();
    },
  };
}
