/** Who pressed or typed: a Discord user, with the guild role ids access roles map from. */
import type { Interaction } from 'discord.js';
import type { Actor } from '../../engine/index.js';

/** The actor of an interaction; `roles` are the member's role ids (not @everyone). */
export function actorOf(i: Interaction): Actor {
  const member = i.member;
  let roles: string[] = [];
  if (member) {
    // Cached guilds give a GuildMember; uncached ones the raw API member with role ids.
    roles = Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
  }
  return {
    platform: 'discord',
    id: i.user.id,
    name: i.user.globalName ?? i.user.username,
    roles: roles.filter((r) => r !== i.guildId),
  };
}
