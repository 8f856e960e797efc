/**
 * Answers one interaction. Discord wants a first response within 3 seconds
 * and allows exactly one; after that the message is edited. Work that is not
 * done after `deferAfterMs` (or that reports progress) is deferred first, and
 * progress edits the same message, at most once per `editEveryMs`.
 */
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import { ProgressUpdater } from '../shared/progress.js';
import type { DiscordMessage } from './message.js';
import { editOptions, replyOptions } from './payload.js';

/** `reply` answers with a new message; `update` replaces the message whose button was pressed. */
export type ResponseMode = 'reply' | 'update';

type Repliable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

export interface ResponderOptions {
  mode: ResponseMode;
  ephemeral: boolean;
  deferAfterMs: number;
  editEveryMs: number;
}

/** One interaction's answer: deferral, progress edits and the final message, in order. */
export class Responder {
  readonly #i: Repliable;
  readonly #opts: ResponderOptions;
  /** Every Discord call goes through this chain, so a defer is never overtaken by an edit. */
  #chain: Promise<void> = Promise.resolve();
  #responded = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #progress: ProgressUpdater<DiscordMessage>;

  constructor(i: Repliable, opts: ResponderOptions) {
    this.#i = i;
    this.#opts = opts;
    this.#timer = setTimeout(() => this.#background(() => this.#defer()), opts.deferAfterMs);
    // A failed edit is not retried; finish() meets the same fault and reports it.
    this.#progress = new ProgressUpdater((m) => this.#enqueue(() => this.#edit(m)), { intervalMs: opts.editEveryMs, maxUpdates: Infinity, onError: () => undefined });
  }

  /** Whether the answer is seen by the user alone anyway (an ephemeral reply, not an update of a pressed message). */
  get private(): boolean {
    return this.#opts.mode === 'reply' && this.#opts.ephemeral;
  }

  /** Show progress by editing the (deferred) response. */
  progress(msg: DiscordMessage): void {
    this.#progress.push(msg);
  }

  /** The final answer: the first response if none was sent yet, else an edit. */
  async finish(msg: DiscordMessage): Promise<void> {
    await this.#stopProgress();
    return this.#enqueue(() => (this.#responded ? this.#edit(msg) : this.#first(msg)));
  }

  /**
   * The final answer as a message only the user sees, for a reply whose
   * audience is the requester: a refusal or an expired button (the pressed
   * message stays as it is), or a password prompt asked for with `share`. A public "thinking…" placeholder
   * of a deferred reply is replaced by a pointer to the private answer.
   */
  async finishPrivately(msg: DiscordMessage, placeholder: DiscordMessage): Promise<void> {
    await this.#stopProgress();
    return this.#enqueue(async () => {
      if (this.#responded) {
        if (this.#opts.mode === 'reply' && !this.#opts.ephemeral) await this.#i.editReply(editOptions(placeholder));
        await this.#i.followUp(replyOptions(msg, true));
      } else {
        this.#responded = true;
        await this.#i.reply(replyOptions(msg, true));
      }
    });
  }

  /** No more progress, and none still on its way: the final answer lands last. */
  async #stopProgress(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#progress.close();
  }

  /** A step nobody awaits (deferral): its failure must not become an unhandled rejection; finish() meets the same fault and reports it. */
  #background(step: () => Promise<void>): void {
    this.#enqueue(step).catch(() => undefined);
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(step);
    // A failed Discord call must not block later ones; the caller of finish() still sees it.
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #defer(): Promise<void> {
    if (this.#responded) return;
    this.#responded = true;
    if (this.#opts.mode === 'update' && this.#i.isButton()) await this.#i.deferUpdate();
    else await this.#i.deferReply(this.#opts.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  }

  async #edit(msg: DiscordMessage): Promise<void> {
    await this.#defer();
    await this.#i.editReply(editOptions(msg));
  }

  async #first(msg: DiscordMessage): Promise<void> {
    this.#responded = true;
    if (this.#opts.mode === 'update' && this.#i.isButton()) await this.#i.update(editOptions(msg));
    else await this.#i.reply(replyOptions(msg, this.#opts.ephemeral));
  }
}
