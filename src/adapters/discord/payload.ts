/** Turns a rendered {@link DiscordMessage} into the option objects discord.js methods take. */
import { AttachmentBuilder, MessageFlags, type MessageCreateOptions } from 'discord.js';
import type { DiscordMessage } from './message.js';

function files(msg: DiscordMessage): AttachmentBuilder[] {
  return msg.files.map((f) => new AttachmentBuilder(f.data, { name: f.name, ...(f.description ? { description: f.description } : {}) }));
}

/** For `interaction.reply` (optionally ephemeral). */
export function replyOptions(msg: DiscordMessage, ephemeral: boolean) {
  return {
    ...(msg.content !== undefined ? { content: msg.content } : {}),
    embeds: msg.embeds,
    components: msg.components,
    files: files(msg),
    allowedMentions: { parse: [] },
    ...(ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
  };
}

/** For `editReply` / `update`: replaces the whole message, so content is cleared when the new one has none. */
export function editOptions(msg: DiscordMessage) {
  return { content: msg.content ?? '', embeds: msg.embeds, components: msg.components, files: files(msg), attachments: [], allowedMentions: { parse: [] } };
}

/** For `channel.send`; `mention` pings one user (the requester of a follow-up). */
export function sendOptions(msg: DiscordMessage, mention?: string): MessageCreateOptions {
  return {
    ...(msg.content !== undefined || mention ? { content: [mention ? `<@${mention}>` : '', msg.content ?? ''].filter(Boolean).join(' ') } : {}),
    embeds: msg.embeds,
    components: msg.components,
    files: files(msg),
    allowedMentions: mention ? { users: [mention] } : { parse: [] },
  };
}
