/**
 * Wire-format objects of the fake Discord: the bot user, the guild and its
 * channel, shaped as Discord's API v10 sends them.
 */

/** Fixed identities the fake speaks for; tests refer to them by name. */
export interface FakeIdentity {
  applicationId: string;
  botUserId: string;
  guildId: string;
  channelId: string;
  /** The token the bot must present (`Bot <token>`). */
  token: string;
}

export const DEFAULT_IDENTITY: FakeIdentity = {
  applicationId: '1100000000000000001',
  botUserId: '1100000000000000001',
  guildId: '1200000000000000001',
  channelId: '1300000000000000001',
  token: 'fake-bot-token',
};

export function botUser(id: FakeIdentity) {
  return { id: id.botUserId, username: 'smtp-ops', discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0 };
}

export function textChannel(id: FakeIdentity, channelId = id.channelId) {
  return { id: channelId, type: 0, guild_id: id.guildId, name: `ops-${channelId.slice(-4)}`, position: 0, permission_overwrites: [], nsfw: false, parent_id: null, topic: null, last_message_id: null, rate_limit_per_user: 0 };
}

export function guild(id: FakeIdentity, extraChannels: string[] = [], roleIds: string[] = []) {
  return {
    id: id.guildId,
    name: 'On-call',
    icon: null,
    owner_id: '1400000000000000009',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [id.guildId, ...roleIds].map((r, i) => ({ id: r, name: i === 0 ? '@everyone' : `role-${r.slice(-4)}`, color: 0, hoist: false, position: i, permissions: '0', managed: false, mentionable: false, flags: 0 })),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: 1,
    voice_states: [],
    members: [],
    channels: [textChannel(id), ...extraChannels.map((c) => textChannel(id, c))],
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    premium_tier: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
  };
}

/** A message object as Discord returns it after a create or edit. */
export function message(id: FakeIdentity, messageId: string, channelId: string, body: Record<string, unknown>) {
  return {
    id: messageId,
    channel_id: channelId,
    guild_id: id.guildId,
    author: botUser(id),
    content: typeof body.content === 'string' ? body.content : '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    pinned: false,
    type: 0,
    flags: typeof body.flags === 'number' ? body.flags : 0,
    application_id: id.applicationId,
  };
}
