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
  /** What a USER (6), ROLE (8) or MENTIONABLE (9) option picked: the fake moves it into `data.resolved`, as Discord sends it. Not on the wire itself. */
  picked?: Picked;
}

/** A guild role as Discord's role objects describe it. */
export interface FakeRole {
  id: string;
  name: string;
}

/** What a member picked in a user, role or mentionable option. */
export type Picked = { user: FakeMember } | { role: FakeRole };

/** A USER (6), ROLE (8) or MENTIONABLE (9) option: its value is the picked id. */
export function pickOption(name: string, picked: Picked, type: 6 | 8 | 9 = 9): WireOption {
  return { name, type, value: 'user' in picked ? picked.user.id : picked.role.id, picked };
}

/** Discord's `resolved` object for the picks among `options` (users with their partial members, roles); undefined when none. */
function resolvedOf(options: WireOption[]): Record<string, Record<string, unknown>> | undefined {
  const users: Record<string, unknown> = {};
  const members: Record<string, unknown> = {};
  const roles: Record<string, unknown> = {};
  const walk = (os: WireOption[]) => {
    for (const o of os) {
      if (o.options) walk(o.options);
      if (!o.picked) continue;
      if ('user' in o.picked) {
        const m = o.picked.user;
        users[m.id] = { id: m.id, username: m.username ?? `user${m.id.slice(-3)}`, discriminator: '0', global_name: null, avatar: null, public_flags: 0 };
        // Resolved members are partial: no user, deaf or mute.
        members[m.id] = { roles: m.roles ?? [], joined_at: new Date(0).toISOString(), nick: null, avatar: null, premium_since: null, pending: false, permissions: '0', flags: 0, communication_disabled_until: null };
      } else {
        const r = o.picked.role;
        roles[r.id] = { id: r.id, name: r.name, color: 0, hoist: false, icon: null, unicode_emoji: null, position: 1, permissions: '0', managed: false, mentionable: true, flags: 0 };
      }
      delete o.picked;
    }
  };
  walk(options);
  const out: Record<string, Record<string, unknown>> = {};
  if (Object.keys(users).length) Object.assign(out, { users, members });
  if (Object.keys(roles).length) out.roles = roles;
  return Object.keys(out).length ? out : undefined;
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
    command: (member, words, options = [], extra = {}) => {
      const opts = options.map((o) => ({ ...o }));
      const resolved = resolvedOf(opts);
      return {
        ...base(2, member, { id: '1600000000000000000', name: 'smtp', type: 1, guild_id: id.guildId, options: nest(words, opts), ...(resolved ? { resolved } : {}) }),
        ...extra,
      };
    },
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
