import { expect, test } from 'vitest';
import { COMMANDS, pathOf } from '../../../src/commands/grammar.js';
import { HANDLERS } from '../../../src/commands/handlers/index.js';

test('every command of the grammar has a handler, and every handler a command', () => {
  for (const spec of COMMANDS) expect(typeof HANDLERS[pathOf(spec)], `handler of \`${pathOf(spec)}\``).toBe('function');
  expect(Object.keys(HANDLERS).sort()).toEqual(COMMANDS.map(pathOf).sort());
});
