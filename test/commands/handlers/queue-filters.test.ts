/**
 * queue list/summary/flush/delete/hold/release with filters, through the runner on a real engine:
 * confirmations state how many messages match, replies how many were acted on, mistakes are usage errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfirmReply, GroupReply, MessageReply, Reply, RunContext } from '../../../src/commands/reply.js';
import { exitCodeOf } from '../../../src/commands/reply.js';
import { createRunner } from '../../../src/commands/run.js';
import type { Runner } from '../../../src/commands/types.js';
import { renderReply } from '../../../src/commands/render/text.js';
import { cli, openStore, slack, type TestStore } from '../setup.js';

let store: TestStore;
let runner: Runner;
const term = (over: Partial<RunContext> = {}): RunContext => ({ actor: cli, surface: 'terminal', ...over });
const chat: RunContext = { actor: slack('UADMIN'), surface: 'chat', channel: { platform: 'slack', channel: 'C1' } };

function kind<K extends Reply['kind']>(r: Reply, k: K): Extract<Reply, { kind: K }> {
  expect(r.kind, JSON.stringify(r)).toBe(k);
  return r as Extract<Reply, { kind: K }>;
}

beforeEach(async () => {
  store = await openStore();
  runner = createRunner(store.engine, { admins: ['slack:UADMIN'] });
  await runner.run('config set enabled=off', term());
  const to = ['a@example.com', 'b@example.com', 'c@example.com', 'd@other.org', 'e@third.net'];
  for (const t of to) await store.engine.submit({ to: [t], subject: t, text: 'x', source: 'api' }, cli);
  await store.engine.submit({ to: ['f@example.com', 'g@other.org'], subject: 'two', text: 'x', source: 'api' }, cli);
});
afterEach(async () => {
  await store.close();
});

describe('queue list with filters', () => {
  it('shows the matches, says how many of the queue match, and keeps the filters on the next page', async () => {
    const r = kind(await runner.run('queue list --domain example.com', term()), 'table');
    expect(r.title).toBe('Mail queue (domain example.com)');
    expect(r.rows).toHaveLength(4);
    expect(r.footer).toBe('4 of 6 messages match: 6 queued, 0 sending, 0 deferred, 0 held in the whole queue');
    expect(kind(await runner.run('queue list --domain nowhere.test', term()), 'table').empty).toBe('No message matches.');
    expect(kind(await runner.run('queue list --state held', term()), 'table').empty).toBe('No held messages.');
    for (let i = 0; i < 20; i++) await store.engine.submit({ to: [`x${i}@example.com`], subject: 'm', text: 'x', source: 'api' }, cli);
    const p1 = kind(await runner.run('queue list --domain example.com --older-than 0', chat), 'table');
    expect(p1.page).toMatchObject({ number: 1, of: 2, nextLine: 'queue list --domain example.com --older-than 0 --page 2' });
    const p2 = kind(await runner.action(p1.page!.next!.id, chat), 'table');
    expect(p2.rows).toHaveLength(4);
    expect(p2.title).toBe('Mail queue (domain example.com, older than 0s)');
  });

  it('--all: pages of 200 whose Next keeps --all (the CLI streams them); a bad --older-than names the option', async () => {
    const r = kind(await runner.run('queue list --all', term()), 'table');
    expect(r.rows).toHaveLength(6);
    const bad = kind(await runner.run('queue list --older-than soon', term()), 'error');
    expect(bad).toMatchObject({ code: 'validation', issues: [{ field: 'older-than', rule: 'duration' }] });
    expect(exitCodeOf(bad)).toBe(2);
    expect(kind(await runner.run('queue list --domain "a b"', term()), 'error').issues?.[0]).toMatchObject({ field: 'domain', rule: 'domain' });
  });
});

describe('queue summary', () => {
  it('prints qshape\'s table (TOTAL first, T, then the age buckets) and the messages by last error', async () => {
    const r = kind(await runner.run('queue summary', term()), 'group') as GroupReply;
    const text = renderReply(r, { color: false, width: 120 });
    expect(text).toMatch(/Domain +T +5 +10 +20 +40 +80 +160 +320 +640 +1280 +1280\+/);
    expect(text).toMatch(/TOTAL +7 +7 +0 +0/);
    expect(text).toMatch(/example\.com +4 +4 /);
    expect(text).toMatch(/other\.org +2 +2 /);
    expect(text).toMatch(/6 +3 +\(not tried yet\)/);
    expect(r.data).toMatchObject({ total: { messages: 6, recipients: 7 }, truncated: false });
    const d = kind(await runner.run('queue summary --domain other.org', term()), 'group');
    expect(d.title).toBe('Queue summary (domain other.org)');
    expect(kind(await runner.run('queue shape --domain nowhere.test', term()), 'message').text).toBe('No message matches.');
  });
});

describe('bulk commands state how many messages match', () => {
  it('delete: the count, the states, and the other recipients a delete takes with it', async () => {
    const ask = kind(await runner.run('queue delete --domain other.org', chat), 'confirm') as ConfirmReply;
    expect(ask.title).toBe('Delete these messages?');
    expect(ask.text).toBe('This will permanently delete 2 messages with a recipient at other.org (2 queued, 0 sending, 0 deferred, 0 held). They will not be sent or regenerated. 1 of them also goes to other recipients, who will not get it either.');
    expect(ask.yes.label).toBe('Delete 2');
    expect(ask.data).toMatchObject({ confirm: 'queue delete --domain other.org', count: 2 });
    const done = kind(await runner.action(ask.yes.id, chat), 'message') as MessageReply;
    expect(done.text).toBe('2 messages with a recipient at other.org deleted.');
    expect((await store.engine.queueCounts()).total).toBe(4);
  });

  it('flush, hold and release with filters ask with the count, then act on exactly those', async () => {
    const flush = kind(await runner.run('queue flush --domain example.com', term()), 'confirm');
    expect(flush.text).toBe('This will retry 4 messages with a recipient at example.com now (4 queued, 0 deferred). Nothing is deleted; held messages stay held.');
    const hold = kind(await runner.run('queue hold --domain example.com --yes', term()), 'message');
    expect(hold.text).toBe('4 messages with a recipient at example.com held: not attempted until released (`queue release …`).');
    expect((await store.engine.queueCounts()).held).toBe(4);
    const rel = kind(await runner.run('queue release --to b@example.com', term()), 'confirm');
    expect(rel.text).toBe('This will release 1 held message to b@example.com: it is due now and attempted at once.');
    const done = kind(await runner.action(rel.yes.id, term()), 'message');
    expect(done.text).toBe('1 held message to b@example.com released: due now, but SMTP is disabled: nothing is sent until `config set enabled=on`.');
    const all = kind(await runner.run('queue release --all --yes', term()), 'message');
    expect(all.text).toMatch(/^3 held messages released: due now/);
    const none = kind(await runner.run('queue hold --domain nowhere.test', term()), 'confirm');
    expect(none.text).toBe('No queued or deferred message with a recipient at nowhere.test: there is nothing to hold. Hold anyway?');
  });

  it('an id with --all or filters, a filter with --all, or a state the command does not act on, is a usage error', async () => {
    const cases: [string, RegExp][] = [
      ['queue delete 0000000000000abcde --domain example.com', /takes a queue id, or --all, or filters: not an id with them/],
      ['queue hold --all --domain example.com', /takes --all or filters, not both/],
      ['queue hold', /needs a queue id, --all, or a filter/],
      ['queue release', /needs a queue id, --all, or a filter \(--domain, --to, --from, --older-than\)/],
      ['queue delete', /needs a queue id, --all, or a filter/],
    ];
    for (const [line, re] of cases) {
      const r = kind(await runner.run(line, term()), 'error');
      expect(r.code, line).toBe('usage');
      expect(r.message, line).toMatch(re);
    }
    // The grammar's own choices: a flush acts on queued and deferred messages only.
    expect(kind(await runner.run('queue flush --state held', term()), 'error').message).toMatch(/--state must be one of queued, deferred/);
    expect(kind(await runner.run('queue release --state held', term()), 'error').message).toMatch(/unknown option --state/);
  });
});
