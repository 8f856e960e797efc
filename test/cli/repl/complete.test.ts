import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/commands/grammar.js';
import { complete } from '../../../src/cli/repl/complete.js';

const c = (line: string, ids: string[] = []) => complete(line, COMMANDS, { queueIds: () => ids });

describe('REPL completion from the grammar', () => {
  it.each([
    ['', 'queue', 'status'],
    ['q', 'queue'],
    ['smtp st', 'status'],
    ['/smtp que', 'queue'],
    ['queue fl', 'flush'],
    ['alerts ', 'subscribe'],
    ['config set rel', 'relay-port='],
    ['config set relay-host=x ho', 'hostname='],
    ['queue list --st', '--state'],
    ['queue list --state d', 'deferred'],
    ['log --status b', 'bounced'],
    ['events --level e', 'error'],
    ['access grant slack:U1 op', 'operator'],
    ['access grant d', 'discord:'],
    ['report y', 'yesterday'],
    ['help queue f', 'flush'],
  ])('"%s" offers %s', (line, ...expected) => {
    const [hits, partial] = c(line);
    for (const e of expected) expect(hits).toContain(e);
    expect(line.endsWith(partial)).toBe(true);
  });

  it('does not offer a setting twice, offers known queue ids, and survives bad input', () => {
    expect(c('config set relay-host=x rel')[0]).toEqual(['relay-port=']);
    expect(c('queue show 01', ['01abc', '02def'])[0]).toEqual(['01abc']);
    expect(c('test "unbalanced')[0]).toEqual([]);
    expect(c('nonsense wo')[0]).toEqual([]);
  });
});
