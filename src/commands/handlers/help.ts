/** `help [command]`: generated from the grammar. */
import { commandPaths, usageOf } from '../grammar.js';
import type { ErrorReply, FieldsReply, TableReply } from '../reply.js';
import { SETTINGS, closest } from '../../engine/index.js';
import type { CommandSpec } from '../types.js';
import type { Handler } from './context.js';

function overview(commands: readonly CommandSpec[], terminal: boolean): TableReply {
  return {
    kind: 'table',
    title: 'smtp-ops commands',
    columns: [
      { key: 'usage', label: 'Command' },
      { key: 'summary', label: 'What it does' },
      { key: 'role', label: 'Role' },
    ],
    rows: commands.map((c) => ({ usage: usageOf(c, { terminal }), summary: c.summary, role: c.role })),
    empty: 'No commands.',
    footer: '`help <command>` for details and examples.',
    data: { commands: commands.map((c) => ({ path: c.path.join(' '), usage: usageOf(c, { terminal }), summary: c.summary, role: c.role })) },
  };
}

/** Detailed help of one command. */
export function commandHelp(spec: CommandSpec, terminal: boolean): FieldsReply {
  const fields: FieldsReply['fields'] = [{ label: 'Usage', value: usageOf(spec, { terminal }) }];
  for (const a of spec.args) fields.push({ label: `<${a.name}>`, value: `${a.description}${a.required ? '' : ' (optional)'}` });
  for (const o of spec.options) {
    if (o.terminalOnly && !terminal) continue;
    fields.push({ label: `--${o.name}${o.alias ? `, -${o.alias}` : ''}`, value: `${o.description}${o.choices ? ` (${o.choices.join(', ')})` : ''}` });
  }
  if (spec.aliases?.length) fields.push({ label: 'Also', value: spec.aliases.map((a) => a.join(' ')).join(', ') });
  fields.push({ label: 'Role', value: `${spec.role} or above${spec.destructive ? '; asks for confirmation' : ''}` });
  if (spec.path.join(' ') === 'config set') {
    fields.push({ label: 'Settings', value: SETTINGS.map((s) => `${s.key}: ${s.help}`).join('\n') });
  }
  fields.push({ label: 'Examples', value: spec.examples.join('\n') });
  return { kind: 'fields', title: spec.summary, fields, data: { path: spec.path.join(' '), usage: usageOf(spec, { terminal }), role: spec.role, examples: spec.examples } };
}

export const help: Handler = async (cmd, { commands, ctx }) => {
  const terminal = ctx.surface === 'terminal';
  const topic = ((cmd.args.command as string[] | undefined) ?? []).map((w) => w.toLowerCase());
  if (!topic.length) return overview(commands, terminal);
  const paths = commandPaths(commands);
  const exact = paths.find((p) => p.words.join(' ') === topic.join(' '));
  if (exact) return commandHelp(exact.spec, terminal);
  const group = commands.filter((c) => c.path[0] === topic[0]);
  if (topic.length === 1 && group.length) return { ...overview(group, terminal), title: `${topic[0]} commands` };
  const hit = closest(topic.join(' '), paths.map((p) => p.words.join(' ')));
  const err: ErrorReply = { kind: 'error', code: 'usage', ok: false, message: `no command "${topic.join(' ').slice(0, 60)}"`, usage: 'help [command]' };
  if (hit) err.suggestion = `did you mean \`help ${hit}\`?`;
  return err;
};
