/** The `/smtp` registration payload, generated from the real grammar. */
import { describe, expect, test } from 'vitest';
import { COMMANDS } from '../../../src/commands/grammar.js';
import type { CommandSpec } from '../../../src/commands/types.js';
import { RegistrationError, buildRegistration, commandsRoute } from '../../../src/adapters/discord/register.js';

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;
const smtp = (commands: readonly CommandSpec[] = COMMANDS) => buildRegistration(commands).body[0] as any;
const sub = (cmd: any, ...names: string[]) => names.reduce((node, n) => node.options.find((o: any) => o.name === n), cmd);

describe('generated from the grammar', () => {
  test('one-word commands are subcommands, two-word commands sit in groups', () => {
    const cmd = smtp();
    expect(cmd).toMatchObject({ name: 'smtp', type: 1, contexts: [0] });
    expect(sub(cmd, 'status').type).toBe(1);
    expect(sub(cmd, 'queue').type).toBe(2);
    expect(sub(cmd, 'queue').options.map((o: any) => o.name)).toEqual(['list', 'summary', 'show', 'flush', 'delete', 'hold', 'release']);
    // Every grammar command has exactly one route.
    const reg = buildRegistration(COMMANDS);
    expect(reg.routes.map((r) => r.spec)).toEqual([...COMMANDS]);
    for (const spec of COMMANDS) expect(reg.find(spec.path.length > 1 ? spec.path[0] : null, spec.path.length > 1 ? spec.path.slice(1).join('-') : spec.path[0])?.spec).toBe(spec);
  });

  test('adding a spec to the grammar adds a subcommand', () => {
    const extra: CommandSpec = { path: ['queue', 'purge'], summary: 'Purge expired messages', args: [{ name: 'older', description: 'Age', required: true }], options: [], examples: [], role: 'admin' };
    const top: CommandSpec = { path: ['ping'], summary: 'Answer pong', args: [], options: [], examples: [], role: 'viewer' };
    const cmd = smtp([...COMMANDS, extra, top]);
    expect(sub(cmd, 'queue', 'purge')).toMatchObject({ type: 1, description: 'Purge expired messages', options: [expect.objectContaining({ name: 'older', type: 3, required: true }), expect.objectContaining({ name: 'share', type: 5 })] });
    expect(sub(cmd, 'ping')).toMatchObject({ type: 1, description: 'Answer pong' });
    expect(smtp().options.length + 1).toBe(cmd.options.length);
  });

  test('options are typed, choices are offered, autocomplete where it helps', () => {
    const cmd = smtp();
    const list = sub(cmd, 'queue', 'list');
    expect(sub(list, 'state')).toMatchObject({ type: 3, choices: [{ name: 'queued', value: 'queued' }, { name: 'sending', value: 'sending' }, { name: 'deferred', value: 'deferred' }, { name: 'held', value: 'held' }] });
    expect(sub(list, 'page')).toMatchObject({ type: 4, required: false });
    expect(sub(sub(cmd, 'queue', 'show'), 'id')).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(sub(sub(cmd, 'config', 'set'), 'assignments')).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(sub(sub(cmd, 'queue', 'delete'), 'all')).toMatchObject({ type: 5 });
    expect(sub(sub(cmd, 'access', 'grant'), 'role').choices.map((c: any) => c.value)).toEqual(['viewer', 'operator', 'admin']);
    // Access subjects: Discord's own member and role picker (MENTIONABLE), no free text.
    expect(sub(sub(cmd, 'access', 'grant'), 'subject')).toMatchObject({ type: 9, required: true });
    expect(sub(sub(cmd, 'access', 'grant'), 'subject')).not.toHaveProperty('autocomplete');
    expect(sub(sub(cmd, 'access', 'revoke'), 'subject')).toMatchObject({ type: 9, required: true });
    expect(sub(sub(cmd, 'test'), 'address')).not.toHaveProperty('autocomplete');
  });

  test('terminal-only options and the internal paging cursor are left out; every subcommand can share its reply', () => {
    const cmd = smtp();
    for (const path of [['queue', 'list'], ['log'], ['events']]) expect((path.length === 2 ? sub(cmd, path[0], path[1]) : sub(cmd, path[0])).options.map((o: any) => o.name)).not.toContain('cursor');
    expect(sub(cmd, 'queue', 'flush').options.map((o: any) => o.name)).toEqual(['domain', 'to', 'from', 'state', 'older-than', 'share']);
    expect(sub(cmd, 'test').options.map((o: any) => o.name)).toEqual(['address', 'share']);
    expect(sub(cmd, 'queue', 'delete').options.map((o: any) => o.name)).toEqual(['id', 'all', 'domain', 'to', 'from', 'state', 'older-than', 'share']);
    // queue list --all streams to a terminal; chat gets pages.
    expect(sub(cmd, 'queue', 'list').options.map((o: any) => o.name)).not.toContain('all');
    expect(sub(sub(cmd, 'queue', 'flush'), 'domain')).toMatchObject({ type: 3, autocomplete: true });
    expect(sub(sub(cmd, 'queue', 'flush'), 'state').choices.map((c: any) => c.value)).toEqual(['queued', 'deferred']);
  });

  test("within Discord's limits: names, descriptions, counts, required options first", () => {
    const walk = (node: any, depth: number) => {
      expect(node.name).toMatch(NAME);
      expect(node.name).toBe(node.name.toLowerCase());
      expect(node.description.length).toBeGreaterThanOrEqual(1);
      expect(node.description.length).toBeLessThanOrEqual(100);
      const opts = node.options ?? [];
      expect(opts.length).toBeLessThanOrEqual(25);
      const req = opts.map((o: any) => o.required === true);
      expect(req).toEqual([...req].sort((a: boolean, b: boolean) => Number(b) - Number(a)));
      for (const o of opts) {
        if (o.type === 1 || o.type === 2) walk(o, depth + 1);
        else expect(o.choices?.length ?? 0).toBeLessThanOrEqual(25);
      }
      expect(depth).toBeLessThanOrEqual(2);
    };
    walk(smtp(), 0);
  });
});

describe('grammar that Discord cannot take is refused, naming the rule', () => {
  const base = { summary: 'x', args: [], options: [], examples: [], role: 'viewer' as const };

  test('a name that is not lowercase or too long', () => {
    expect(() => buildRegistration([{ ...base, path: ['Queue'] }])).toThrow(/"Queue" must be 1-32 lowercase/);
    expect(() => buildRegistration([{ ...base, path: ['x'.repeat(33)] }])).toThrow(RegistrationError);
  });

  test('more than 25 options', () => {
    const options = Array.from({ length: 25 }, (_, i) => ({ name: `o${i}`, type: 'string' as const, description: 'd' }));
    expect(() => buildRegistration([{ ...base, path: ['big'], options }])).toThrow(/26 options \(Discord allows 25\)/);
  });

  test('more than 25 top-level commands', () => {
    const many = Array.from({ length: 26 }, (_, i) => ({ ...base, path: [`c${i}`] }));
    expect(() => buildRegistration(many)).toThrow(/26 subcommands and groups/);
  });

  test('a word that is both a command and a group', () => {
    expect(() => buildRegistration([{ ...base, path: ['queue'] }, { ...base, path: ['queue', 'list'] }])).toThrow(/both a command and a group/);
  });

  test('descriptions longer than 100 characters are cut, not refused', () => {
    const cmd = smtp([{ ...base, path: ['long'], summary: 'y'.repeat(150) }]);
    expect(sub(cmd, 'long').description).toHaveLength(100);
  });
});

test('guild commands when a guild is configured, global ones otherwise', () => {
  expect(commandsRoute('11', '22')).toBe('/applications/11/guilds/22/commands');
  expect(commandsRoute('11')).toBe('/applications/11/commands');
});
