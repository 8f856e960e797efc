/**
 * Builders of INTERACTION_CREATE payloads in Discord's wire format (API v10):
 * slash commands, autocomplete, button presses and modal submits.
 */
import { message, textChannel, type FakeIdentity } from './wire.js';

/** A guild member as an interaction carries it. */
export interface FakeMember {
  id: string;
  username?: string;
  roles?: string[];
}

/** One application command option as sent by Discord. */
export interface WireOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: WireOption[];
}

export interface InteractionFactory {
  /** `/smtp <group> <sub> opts` (group may be omitted). */
  command(member: FakeMember, words: string[], options?: WireOption[], extra?: Record<string, unknown>): Record<string, unknown>;
  autocomplete(member: FakeMember, words: string[], options: WireOption[]): Record<string, unknown>;
  button(member: FakeMember, customId: string, messageBody?: Record<string, unknown>): Record<string, unknown>;
  modalSubmit(member: FakeMember, customId: string, fields: Record<string, string>): Record<string, unknown>;
  /** Id and token of the last built interaction (they form the callback URL). */
  last(): { id: string; token: string };
}

export function interactionFactory(id: FakeIdentity): InteractionFactory {
  let seq = 0;
  let lastIds = { id: '', token: '' };

  const base = (type: number, member: FakeMember, data: unknown, channelId = id.channelId) => {
    seq += 1;
    lastIds = { id: String(1_700_000_000_000_000_000n + BigInt(seq)), token: `itok-${seq}-${'x'.repeat(20)}` };
    return {
      id: lastIds.id,
      application_id: id.applicationId,
      type,
      token: lastIds.token,
      version: 1,
      guild_id: id.guildId,
      guild: { id: id.guildId, locale: 'en-US', features: [] },
      channel_id: channelId,
      channel: textChannel(id, channelId),
      member: {
        user: { id: member.id, username: member.username ?? `user${member.id.slice(-3)}`, discriminator: '0', global_name: null, avatar: null },
        roles: member.roles ?? [],
        permissions: '2147483647',
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
        nick: null,
        avatar: null,
        premium_since: null,
        pending: false,
      },
      data,
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: '2147483647',
      entitlements: [],
      authorizing_integration_owners: {},
      context: 0,
      attachment_size_limit: 8_388_608,
    };
  };

  const nest = (words: string[], options: WireOption[]): WireOption[] => {
    if (words.length === 2) return [{ name: words[0], type: 2, options: [{ name: words[1], type: 1, options }] }];
    if (words.length === 1) return [{ name: words[0], type: 1, options }];
    return options;
  };

  return {
    command: (member, words, options = [], extra = {}) => ({
      ...base(2, member, { id: '1600000000000000000', name: 'smtp', type: 1, guild_id: id.guildId, options: nest(words, options) }),
      ...extra,
    }),
    autocomplete: (member, words, options) => base(4, member, { id: '1600000000000000000', name: 'smtp', type: 1, guild_id: id.guildId, options: nest(words, options) }),
    button: (member, customId, messageBody = {}) => ({
      ...base(3, member, { custom_id: customId, component_type: 2 }),
      message: message(id, '1500000000000000099', id.channelId, messageBody),
    }),
    modalSubmit: (member, customId, fields) =>
      base(5, member, {
        custom_id: customId,
        components: Object.entries(fields).map(([k, v]) => ({ type: 1, components: [{ type: 4, custom_id: k, value: v }] })),
      }),
    last: () => lastIds,
  };
}
