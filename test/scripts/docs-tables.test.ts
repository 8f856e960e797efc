/** The README's command and settings tables are the grammar's and the settings table's: `npm run docs:tables` regenerates them. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { COMMANDS } from '../../src/commands/grammar.js';
import { SETTINGS } from '../../src/engine/index.js';
import { README, commandTable, settingsTable, withTables } from '../../scripts/docs-tables.js';

test('README.md holds the generated tables (run `npm run docs:tables` after changing the grammar or a setting)', () => {
  const readme = readFileSync(README, 'utf8');
  expect(withTables(readme) === readme, 'README.md tables differ from the grammar or the settings table: run npm run docs:tables').toBe(true);
});

test('one row per command and per setting', () => {
  expect(commandTable().split('\n')).toHaveLength(COMMANDS.length + 2);
  expect(settingsTable().split('\n')).toHaveLength(SETTINGS.length + 2);
  expect(commandTable()).toContain('| `queue delete [id] [--all] [--yes]` |');
});

test('a README without the markers is an error, not a silent no-op', () => {
  expect(() => withTables('# nothing here\n')).toThrow(/markers/);
});
