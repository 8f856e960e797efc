/** `events` and `log` through the runner on a real engine: levels at or above, and "page N of M" with the way to the next page. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply, RunContext, TableReply } from '../../../src/commands/reply.js';
import { createRunner } from '../../../src/commands/run.js';
import type { Runner } from '../../../src/commands/types.js';
import { renderReply } from '../../../src/commands/render/text.js';
import { cli, openStore, type TestStore } from '../setup.js';

let store: TestStore;
let runner: Runner;
const term: RunContext = { actor: cli, surface: 'terminal' };

function table(r: Reply): TableReply {
  expect(r.kind, JSON.stringify(r)).toBe('table');
  return r as TableReply;
}

beforeEach(async () => {
  store = await openStore();
  runner = createRunner(store.engine, { admins: [] });
});
afterEach(async () => {
  await store.close();
});

describe('events --level', () => {
  it('means "at or above", as journalctl -p and alerts subscribe read it', async () => {
    for (const [level, code] of [['info', 'test.one'], ['warning', 'test.two'], ['error', 'test.three'], ['info', 'test.four'], ['warning', 'test.five']] as const) {
      await store.engine.recordEvent(level, code, `${level} event`, cli);
    }
    const codes = async (line: string) => (table(await runner.run(line, term)).data as { items: { code: string }[] }).items.map((e) => e.code).filter((c) => c.startsWith('test.'));
    expect(await codes('events --level info')).toEqual(['test.five', 'test.four', 'test.three', 'test.two', 'test.one']);
    expect(await codes('events --level warning')).toEqual(['test.five', 'test.three', 'test.two']);
    expect(await codes('events --level error')).toEqual(['test.three']);
    const w = table(await runner.run('events -l warning', term));
    expect(w.title).toBe('Events (warning and above)');
    expect(table(await runner.run('events --level error', term)).title).toBe('Events (error)');
  });

  it('counts at or above a level from the level indexes', async () => {
    for (let i = 0; i < 25; i++) await store.engine.recordEvent(i % 5 === 0 ? 'error' : i % 5 === 1 ? 'warning' : 'info', 'test.n', `n${i}`, cli);
    const all = table(await runner.run('events --level warning', term));
    expect(all.data).toMatchObject({ total: 10 });
    expect(all.page).toBeUndefined();
    const info = table(await runner.run('events', term));
    expect((info.data as { total: number }).total).toBeGreaterThanOrEqual(25);
    expect(info.page).toMatchObject({ number: 1, of: 2 });
  });
});

describe('log paging', () => {
  it('says "page N of M" and how to get the next page, in the REPL, the CLI and chat alike', async () => {
    for (let i = 0; i < 45; i++) await store.engine.submit({ to: [`u${i}@example.com`], subject: `m${i}`, text: 'x', source: 'api' }, cli);
    const p1 = table(await runner.run('log', term));
    expect(p1.page).toMatchObject({ number: 1, of: 3, nextLine: 'log --page 2' });
    expect(p1.data).toMatchObject({ total: 45 });
    const cliText = renderReply(p1, { color: false, width: 200, pageHint: (a, line) => (line ? `${a.kind === 'page-next' ? 'next' : 'previous'}: smtp-ops ${line}` : undefined) });
    expect(cliText).toContain('page 1 of 3 · next: smtp-ops log --page 2');
    const p2 = table(await runner.run('log --page 2', term));
    expect(p2.page).toMatchObject({ number: 2, of: 3, prevLine: 'log --page 1', nextLine: 'log --page 3' });
    const replText = renderReply(p2, { color: false, width: 200, pageHint: (a) => (a.kind === 'page-next' ? '`.next` for older' : '`.prev` for newer') });
    expect(replText).toContain('page 2 of 3 · `.prev` for newer · `.next` for older');
    // The Next button runs page 3 from the cursor and still knows its number.
    const p3 = table(await runner.action(p2.page!.next!.id, term));
    expect(p3.rows).toHaveLength(5);
    expect(p3.page).toMatchObject({ number: 3, of: 3 });
    expect(p3.page?.next).toBeUndefined();
    // Filters are counted too: an indexed one by its keys, the others by reading entries.
    const one = table(await runner.run('log --to u7@example.com', term));
    expect(one.data).toMatchObject({ total: 1 });
    const received = table(await runner.run('log --status received --from nobody@example.com', term));
    expect(received.data).toMatchObject({ total: 0 });
    expect(table(await runner.run('log --status received', term)).data).toMatchObject({ total: 45 });
  });
});
