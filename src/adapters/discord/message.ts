/** The platform shape a Reply is rendered into before discord.js sends it. */
import type { APIActionRowComponent, APIButtonComponentWithCustomId, APIEmbed } from 'discord.js';

/** A file to attach to a message. */
export interface DiscordFile {
  name: string;
  data: Buffer;
  description?: string;
}

/** A message body: plain API JSON that discord.js accepts for reply/editReply/update/send. */
export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  files: DiscordFile[];
}
