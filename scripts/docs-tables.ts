/**
 * The README's command table and settings table, generated from the grammar
 * (src/commands/grammar.ts) and the settings table (src/engine/settings/table.ts).
 * `npm run docs:tables` rewrites them between their markers in README.md;
 * test/scripts/docs-tables.test.ts fails when the README is behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS, usageOf } from '../src/commands/grammar.js';
import type { CommandSpec } from '../src/commands/types.js';
import { SETTINGS } from '../src/engine/index.js';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** `| command | what it does | least role |`, one row per command in the order of `help`. */
export function commandTable(commands: readonly CommandSpec[] = COMMANDS): string {
  const rows = commands.map((c) => {
    const also = c.aliases?.length ? ` (also: ${c.aliases.map((a) => `\`${a.join(' ')}\``).join(', ')})` : '';
    return `| \`${cell(usageOf(c))}\` | ${cell(c.summary)}${also} | ${c.role}${c.destructive ? ', confirms' : ''} |`;
  });
  return ['| command | what it does | least role |', '|---|---|---|', ...rows].join('\n');
}

/** `| setting | meaning and rule |`, one row per setting in the table's order. */
export function settingsTable(): string {
  const rows = SETTINGS.map((s) => `| \`${s.key}\` | ${cell(s.help)} |`);
  return ['| setting | meaning and rule |', '|---|---|', ...rows].join('\n');
}

const TABLES: Record<string, () => string> = { commands: () => commandTable(), settings: settingsTable };

/** The README with every generated table brought up to date; throws when a marker is missing. */
export function withTables(readme: string): string {
  let out = readme;
  for (const [name, make] of Object.entries(TABLES)) {
    const begin = `<!-- table: ${name} (npm run docs:tables) -->`;
    const end = `<!-- /table: ${name} -->`;
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md has no ${begin} ... ${end} markers`);
    out = `${out.slice(0, a + begin.length)}\n${make()}\n${out.slice(b)}`;
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(README, 'utf8');
  const after = withTables(before);
  if (after !== before) writeFileSync(README, after);
  process.stdout.write(after === before ? 'README.md tables are current\n' : 'README.md tables rewritten\n');
}
