import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actorKey } from '../../src/engine/index.js';
import type { ConfirmReply, Reply, RunContext, TableReply } from '../../src/commands/reply.js';
import { createRunner } from '../../src/commands/run.js';
import type { Runner } from '../../src/commands/types.js';
import { cli, discord, openStore, slack, type TestStore } from './setup.js';

let store: TestStore;
let now: number;
let runner: Runner;

const term = (over: Partial<RunContext> = {}): RunContext => ({ actor: cli, surface: 'terminal', ...over });
const chat = (actor = slack('UADMIN'), over: Partial<RunContext> = {}): RunContext => ({ actor, surface: 'chat', channel: { platform: 'slack', channel: 'C1' }, ...over });

function expectKind<K extends Reply['kind']>(r: Reply, kind: K): Extract<Reply, { kind: K }> {
  expect(r.kind, JSON.stringify(r)).toBe(kind);
  return r as Extract<Reply, { kind: K }>;
}

async function submit(n: number) {
  for (let i = 0; i < n; i++) await store.engine.submit({ to: [`user${i}@example.com`], subject: `m${i}`, text: 'hello', source: 'api' }, cli);
}

beforeEach(async () => {
  store = await openStore();
  now = Date.now();
  runner = createRunner(store.engine, { admins: ['slack:UADMIN', 'discord-role:900'], now: () => now });
});
afterEach(async () => {
  await store.close();
});

describe('access roles', () => {
  it('terminal actors are admins; bootstrap admins by user and Discord role; others by grant', async () => {
    expect(await runner.roleOf(cli)).toBe('admin');
    expect(await runner.roleOf({ platform: 'repl', id: 'x' })).toBe('admin');
    expect(await runner.roleOf(slack('UADMIN'))).toBe('admin');
    expect(await runner.roleOf(discord('1', ['900']))).toBe('admin');
    expect(await runner.roleOf(slack('UNOBODY'))).toBeNull();
    expectKind(await runner.run('access grant slack:UVIEW viewer', chat()), 'message');
    expectKind(await runner.run('access grant discord-role:555 operator', chat()), 'message');
    expect(await runner.roleOf(slack('UVIEW'))).toBe('viewer');
    expect(await runner.roleOf(discord('2', ['555']))).toBe('operator');
    expect(await runner.roleOf(discord('2', ['556']))).toBeNull();
    const list = expectKind(await runner.run('access list', chat()), 'table');
    expect(list.rows.map((r) => `${r.subject}=${r.role}`)).toEqual(expect.arrayContaining(['slack:UADMIN=admin', 'discord-role:900=admin', 'slack:UVIEW=viewer', 'discord-role:555=operator']));
    expectKind(await runner.run('access revoke slack:UVIEW', chat()), 'message');
    expect(await runner.roleOf(slack('UVIEW'))).toBeNull();
  });

  it('reads bootstrap admins from SMTP_OPS_ADMINS', async () => {
    const r = createRunner(store.engine, { env: { SMTP_OPS_ADMINS: ' slack:U9 ,discord:7, bogus ' } });
    expect(await r.roleOf(slack('U9'))).toBe('admin');
    expect(await r.roleOf(discord('7'))).toBe('admin');
    expect(await r.roleOf(slack('bogus'))).toBeNull();
  });

  const matrix: [line: string, viewer: boolean, operator: boolean][] = [
    ['status', true, true],
    ['config show', true, true],
    ['queue list', true, true],
    ['log', true, true],
    ['events', true, true],
    ['doctor', true, true],
    ['help', true, true],
    ['alerts list', true, true],
    ['test someone@example.com', false, true],
    ['queue flush', false, true],
    ['queue hold 0000000000000nope', false, true],
    ['queue release 0000000000000nope', false, true],
    ['alerts subscribe', false, true],
    ['alerts unsubscribe', false, true],
    ['config set hostname=x.example.com', false, false],
    ['queue delete --all', false, false],
    ['queue delete 0000000000000nope', false, false],
    ['access list', false, false],
    ['access grant slack:U5 viewer', false, false],
    ['access revoke slack:U5', false, false],
  ];

  it('viewer < operator < admin, denials name the role and leave a warning event with the actor', async () => {
    await runner.run('access grant slack:UV viewer', chat());
    await runner.run('access grant slack:UO operator', chat());
    for (const [line, viewer, operator] of matrix) {
      for (const [who, allowed] of [['UV', viewer], ['UO', operator]] as const) {
        const r = await runner.run(line, chat(slack(who)));
        if (allowed) expect(r.kind === 'error' && r.code === 'denied', `${who} ${line}: ${JSON.stringify(r)}`).toBe(false);
        else {
          const e = expectKind(r, 'error');
          expect(e.code, `${who} ${line}`).toBe('denied');
          expect(e.message).toMatch(/needs the (operator|admin) role/);
          expect(e.message).toContain(`slack:${who}`);
        }
      }
    }
    const nobody = expectKind(await runner.run('status', chat(slack('UX', 'Mallory'))), 'error');
    expect(nobody.code).toBe('denied');
    expect(nobody.message).toContain('no role');
    const events = await store.engine.eventList({ level: 'warning', limit: 200 });
    const denied = events.items.filter((e) => e.code === 'access.denied');
    expect(denied.length).toBeGreaterThanOrEqual(1 + matrix.filter((m) => !m[1]).length);
    expect(denied.some((e) => e.actor.includes('slack:UX') && e.data?.command === 'status' && e.data?.needed === 'viewer')).toBe(true);
  });
});

describe('confirmations', () => {
  it('queue flush asks with counts, Yes by the requester runs it, No cancels', async () => {
    await submit(3);
    const ask = expectKind(await runner.run('queue flush', chat()), 'confirm');
    expect(ask.text).toContain('3 messages');
    expect(ask.requester).toBe('slack:UADMIN');
    expect(ask.expiresAt).toBe(now + 5 * 60_000);
    const done = expectKind(await runner.action(ask.yes.id, chat()), 'message');
    expect(done.data).toEqual({ count: 3, disabled: false });
    expect(done.text).toBe('3 messages are due now; the delivery worker is attempting them. Follow with `queue list` and `log`.');
    // Both buttons are used up.
    expect(expectKind(await runner.action(ask.no.id, chat()), 'error').code).toBe('expired');

    const again = expectKind(await runner.run('queue flush', chat()), 'confirm');
    const no = expectKind(await runner.action(again.no.id, chat()), 'message');
    expect(no.title).toBe('Cancelled');
  });

  it('a press by someone else is denied and leaves the question open; an expired one says so', async () => {
    await submit(2);
    await runner.run('access grant slack:UOTHER admin', chat());
    const ask = expectKind(await runner.run('queue delete --all', chat()), 'confirm') as ConfirmReply;
    expect(ask.text).toMatch(/permanently delete all 2 messages/);
    const foreign = expectKind(await runner.action(ask.yes.id, chat(slack('UOTHER'))), 'error');
    expect(foreign.code).toBe('denied');
    expect((await store.engine.queueCounts()).total).toBe(2);
    now += 5 * 60_000 + 1;
    const late = expectKind(await runner.action(ask.yes.id, chat()), 'error');
    expect(late.code).toBe('expired');
    expect((await store.engine.queueCounts()).total).toBe(2);
  });

  it('terminal --yes and ctx.confirmed skip the question; progress is reported for big deletes', async () => {
    await submit(5);
    const progress: number[] = [];
    const r = expectKind(await runner.run('queue delete --all --yes', term({ onProgress: (p) => progress.push(p.done) })), 'message');
    expect(r.data).toEqual({ count: 5 });
    expect((await store.engine.queueCounts()).total).toBe(0);
    expect(progress.length).toBeGreaterThan(0);
    await submit(1);
    const [item] = (await store.engine.queueList()).items;
    const one = expectKind(await runner.run(`queue delete ${item.id}`, term()), 'confirm');
    expect(one.text).toContain(item.id);
    expectKind(await runner.run(`queue delete ${item.id}`, term({ confirmed: true })), 'message');
    expect(expectKind(await runner.run(`queue delete ${item.id}`, term()), 'error').code).toBe('not-found');
  });

  it('queue delete needs an id or --all, not both', async () => {
    expect(expectKind(await runner.run('queue delete', term()), 'error').code).toBe('usage');
    expect(expectKind(await runner.run('queue delete 01X --all', term()), 'error').code).toBe('usage');
  });
});

describe('paging', () => {
  it('Next/Prev tokens carry the command with its filters; anyone allowed may press them', async () => {
    await submit(25);
    const first = expectKind(await runner.run('queue list', chat()), 'table') as TableReply;
    expect(first.rows).toHaveLength(20);
    expect(first.page?.next).toBeDefined();
    const data = first.data as { items: { id: string; state: string; to: string[]; size: number; attempts: number; nextAttempt: unknown; lastError: unknown; from: string }[]; next: string | null };
    expect(Object.keys(data.items[0]).sort()).toEqual(['attempts', 'createdAt', 'from', 'id', 'lastError', 'nextAttempt', 'size', 'state', 'to']);
    expect(first.page).toMatchObject({ number: 1, of: 2, nextLine: 'queue list --page 2' });
    expect(first.data).toMatchObject({ total: 25 });
    await runner.run('access grant slack:UV viewer', chat());
    const second = expectKind(await runner.action(first.page!.next!.id, chat(slack('UV'))), 'table');
    expect(second.rows).toHaveLength(5);
    expect(second.rows.map((r) => r.id)).not.toContain(first.rows[0].id);
    expect(second.page?.prev).toBeDefined();
    // The button carried the page number beside the cursor: the page still knows where it is.
    expect(second.page).toMatchObject({ number: 2, of: 2, prevLine: 'queue list --page 1' });
    expect(second.page?.next).toBeUndefined();
    const back = expectKind(await runner.action(second.page!.prev!.id, chat()), 'table');
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(back.page).toMatchObject({ number: 1, of: 2 });
    // A paging press still needs the role to run the words.
    expect(expectKind(await runner.action(first.page!.next!.id, chat(slack('UNONE'))), 'error').code).toBe('denied');
    now += 61 * 60_000;
    expect(expectKind(await runner.action(first.page!.next!.id, chat()), 'error').code).toBe('expired');
  });

  it('--page N and filters', async () => {
    await submit(3);
    const p2 = expectKind(await runner.run('queue list --page 2', term()), 'table');
    expect(p2.rows).toHaveLength(0);
    expect(p2.page?.number).toBe(2);
    const held = expectKind(await runner.run('queue list --state held', term()), 'table');
    expect(held.rows).toHaveLength(0);
    expect(held.empty).toMatch(/No held messages/);
  });
});

describe('secrets', () => {
  it('an inline password in chat is refused, never echoed, never in events', async () => {
    const r = expectKind(await runner.run('config set sasl=on sasl-password=hunter2secret', chat()), 'error');
    expect(r.code).toBe('validation');
    expect(r.issues?.[0]).toMatchObject({ field: 'sasl-password', rule: 'secret-inline' });
    expect(JSON.stringify(r)).not.toContain('hunter2secret');
    expect((await store.engine.getSettings()).saslPassword).toBe('(not set)');
    const events = await store.engine.eventList({ limit: 200 });
    expect(JSON.stringify(events)).not.toContain('hunter2secret');
    expect(events.items.find((e) => e.code === 'config.secret-inline')).toMatchObject({ level: 'warning', data: { field: 'sasl-password', channel: 'C1' } });
  });

  it('a bare password key asks privately; Runner.secret applies it masked', async () => {
    const p = expectKind(await runner.run('config set sasl-password', chat()), 'secret-prompt');
    expect(p.field).toBe('sasl-password');
    expect(expectKind(await runner.run('config set sasl-password hostname=x.example.com', chat()), 'error').code).toBe('validation');
    const done = expectKind(await runner.secret('sasl-password', 's3cr3t-value', chat()), 'fields');
    expect(JSON.stringify(done)).not.toContain('s3cr3t-value');
    expect(done.fields[0]).toEqual({ label: 'sasl-password', value: '********', inline: true });
    const shown = expectKind(await runner.run('config show', chat()), 'fields');
    expect(JSON.stringify(shown)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(await store.engine.eventList({ limit: 200 }))).not.toContain('s3cr3t-value');
    // Only admins, only secret fields.
    await runner.run('access grant slack:UO operator', chat());
    expect(expectKind(await runner.secret('sasl-password', 'x', chat(slack('UO'))), 'error').code).toBe('denied');
    expect(expectKind(await runner.secret('hostname', 'x', chat()), 'error').code).toBe('validation');
  });

  it('terminals may set a password inline', async () => {
    const r = expectKind(await runner.run('config set sasl-password=inline-ok', term()), 'fields');
    expect(JSON.stringify(r)).not.toContain('inline-ok');
    expect((await store.engine.getSettings()).saslPassword).toBe('********');
  });
});

describe('settings and errors', () => {
  it('config set is all-or-nothing and maps validation issues by field', async () => {
    const before = await store.engine.getSettings();
    const r = expectKind(await runner.run('config set hostname=ok.example.com relay-host=relay.example.com relay-port=70000', term()), 'error');
    expect(r.code).toBe('validation');
    expect(r.issues?.map((i) => i.field)).toContain('relay-port');
    expect(r.usage).toBe('config set <assignments...>');
    expect((await store.engine.getSettings()).hostname).toBe(before.hostname);
    const ok = expectKind(await runner.run('config set hostname=ok.example.com "from-name=Alerts Bot"', term()), 'fields');
    expect(ok.data).toMatchObject({ changed: ['hostname', 'from-name'] });
    expect((await store.engine.getSettings()).fromName).toBe('Alerts Bot');
  });

  it('unknown setting keys get a suggestion; bare keys need a value', async () => {
    const r = expectKind(await runner.run('config set relay-prot=25', term()), 'error');
    expect(r.suggestion).toContain('relay-port');
    expect(expectKind(await runner.run('config set hostname', term()), 'error').issues?.[0].rule).toBe('required');
  });

  it('not found ids, usage errors and hostile input never throw', async () => {
    expect(expectKind(await runner.run('queue show 0000000000000nope', term()), 'error').code).toBe('not-found');
    expect(expectKind(await runner.run('queue hold 0000000000000nope', term()), 'error').code).toBe('not-found');
    for (const line of ['\u0000', '"', 'x'.repeat(10_000), 'queue show \ud800', '/smtp', null as unknown as string]) {
      const r = await runner.run(line, chat());
      expect(['error', 'table']).toContain(r.kind);
    }
    expect(expectKind(await runner.action('no-such-token', chat()), 'error').code).toBe('expired');
  });

  it('status is the admin guide\'s dashboard: settings, queue counts and the five newest queue entries, mail log entries and events', async () => {
    await submit(7);
    const r = expectKind(await runner.run('status', term()), 'group');
    expect(r.parts.map((p) => ('title' in p ? p.title : p.kind))).toEqual(['Settings', 'Mail queue', 'Latest in the mail queue', 'Alerts', 'Latest mail log', 'Latest events']);
    const q = r.parts[2] as TableReply;
    const newest = (await store.engine.queueList({ limit: 5 })).items.map((m) => m.id);
    expect(q.rows.map((row) => row.id)).toEqual(newest);
    expect(q.footer).toBe('2 more: `queue list`, by domain and age: `queue summary`');
    expect((r.parts[4] as TableReply).rows).toHaveLength(5);
    const data = r.data as Record<string, unknown>;
    expect((data.queueItems as { id: string }[]).map((m) => m.id)).toEqual(newest);
    expect(Object.keys(data).sort()).toEqual(['alerts', 'enabled', 'events', 'log', 'queue', 'queueItems', 'settings']);
    expect(data.queue).toMatchObject({ queued: 7, sending: 0, deferred: 0, held: 0, total: 7 });
    expect(Array.isArray(data.log)).toBe(true);
    expect(JSON.stringify(data)).not.toMatch(/"sasl-password":"(?!\(not set\)|\*{8})/);
    expect(data.settings).toMatchObject({ 'sasl-password': '(not set)', 'from-address': expect.any(String), 'tls-mode': expect.any(String), route: expect.any(String) });
  });

  it('help is generated from the grammar', async () => {
    const all = expectKind(await runner.run('help', term()), 'table');
    expect(all.rows.length).toBe(runner.commands.length);
    const one = expectKind(await runner.run('help queue delete', term()), 'fields');
    expect(one.fields.find((f) => f.label === 'Examples')?.value).toContain('queue delete --all');
    const chatHelp = expectKind(await runner.run('help queue flush', chat()), 'fields');
    expect(JSON.stringify(chatHelp)).not.toContain('--yes');
    expect(expectKind(await runner.run('help queue flsh', term()), 'error').suggestion).toContain('queue flush');
  });

  it('hold and release', async () => {
    await submit(1);
    const [item] = (await store.engine.queueList()).items;
    expectKind(await runner.run(`queue hold ${item.id}`, term()), 'message');
    expect((await store.engine.queueShow(item.id)).state).toBe('held');
    const shown = expectKind(await runner.run(`queue show ${item.id}`, term()), 'fields');
    expect(shown.fields.find((f) => f.label === 'State')?.value).toBe('held');
    expectKind(await runner.run(`queue release ${item.id}`, term()), 'message');
    expect((await store.engine.queueShow(item.id)).state).not.toBe('held');
  });

  it('alerts act on the channel they are typed in, or on an explicit target from any surface', async () => {
    const needs = expectKind(await runner.run('alerts subscribe', term()), 'error');
    expect(needs.code).toBe('usage');
    expect(needs.message).toContain('needs a target from a terminal');
    expectKind(await runner.run('alerts subscribe --level error', chat()), 'message');
    const list = expectKind(await runner.run('alerts list', chat()), 'group');
    const subs = list.parts[0] as TableReply;
    expect(subs.rows).toEqual([expect.objectContaining({ target: 'slack:C1', level: 'error', codes: 'all', by: expect.stringContaining(actorKey(slack('UADMIN'))) })]);
    expect(expectKind(await runner.run('alerts unsubscribe', chat()), 'message').data).toEqual({ removed: true });
    // From a terminal with an explicit target; filters by level and codes.
    const sub = expectKind(await runner.run('alerts subscribe email:oncall@example.com --level error --code relay.unreachable,auth.failed', term()), 'message');
    expect(sub.data).toMatchObject({ subscription: { platform: 'email', channel: 'oncall@example.com', minLevel: 'error', codes: ['relay.unreachable', 'auth.failed'] } });
    expectKind(await runner.run('alerts subscribe slack:C0123', term()), 'message');
    const bad = expectKind(await runner.run('alerts subscribe email:not-an-address', term()), 'error');
    expect(bad).toMatchObject({ code: 'validation', issues: [expect.objectContaining({ field: 'target', rule: 'email' })] });
    const badCode = expectKind(await runner.run('alerts subscribe slack:C9 --code relay.unreachble', term()), 'error');
    expect(badCode.issues?.[0]).toMatchObject({ field: 'code', rule: 'known-code' });
    expect(badCode.message).toContain('did you mean relay.unreachable');
    expect((await store.engine.alertList()).map((s) => `${s.platform}:${s.channel}`).sort()).toEqual(['email:oncall@example.com', 'slack:C0123']);
    expectKind(await runner.run('alerts unsubscribe email:oncall@example.com', term()), 'message');
    // Report subscriptions and silences.
    const rep = expectKind(await runner.run('alerts subscribe slack:C0123 --report 8:05', term()), 'message');
    expect(rep.data).toMatchObject({ report: { at: '08:05' } });
    expect(expectKind(await runner.run('alerts subscribe slack:C0123 --report 25:00', term()), 'error').issues?.[0]).toMatchObject({ field: 'report', rule: 'time' });
    const mute = expectKind(await runner.run('alerts mute example.com 2h', term()), 'message');
    expect(mute.data).toMatchObject({ silence: { match: 'example.com', kind: 'scope' } });
    expect(expectKind(await runner.run('alerts mute example.com forever', term()), 'error').issues?.[0]).toMatchObject({ field: 'duration' });
    expect(expectKind(await runner.run('alerts mute relay.deferred 30m', term()), 'message').data).toMatchObject({ silence: { kind: 'code' } });
    const all = expectKind(await runner.run('alerts list', term()), 'group');
    expect(all.data).toMatchObject({ items: [expect.objectContaining({ channel: 'C0123' })], reports: [expect.objectContaining({ at: '08:05' })], silences: [expect.objectContaining({ match: 'relay.deferred' }), expect.objectContaining({ match: 'example.com' })] });
    expect(expectKind(await runner.run('alerts unmute example.com', term()), 'message').data).toMatchObject({ removed: true });
    expect(expectKind(await runner.run('alerts unmute example.com', term()), 'message').data).toMatchObject({ removed: false });
    expect(expectKind(await runner.run('alerts unsubscribe slack:C0123 --report', term()), 'message').data).toEqual({ removed: true });
  });

  it('an alert button names an action and a group; an unknown or forgotten one is refused, not guessed', async () => {
    expect(expectKind(await runner.action('alert:flush:0zzzzzzzzzz', chat()), 'error')).toMatchObject({ code: 'expired' });
    expect(expectKind(await runner.action('alert:rm-rf:0zzzzzzzzzz', chat()), 'error')).toMatchObject({ code: 'expired' });
  });
});

describe('error payloads', () => {
  it('every error reply carries a JSON payload naming the code', async () => {
    for (const line of ['queue delete', 'config set relay-prot=1', 'access grant nobody admin', 'help nothing-here', 'alerts subscribe', 'queue show 0000000000000nope', 'qeue']) {
      const r = await runner.run(line, term());
      expect(r.kind, line).toBe('error');
      expect(r.data, line).toMatchObject({ error: (r as { code: string }).code, message: expect.any(String) });
    }
  });
});

describe('hostile input through the runner', () => {
  it('300 random lines from chat and terminal: always a reply, never a throw or a stack', async () => {
    let s = 7;
    const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
    const parts = ['queue', 'list', 'show', 'delete', '--all', 'config', 'set', 'relay-port=', 'x', '"', "'", '\\', '--page', '-1', '99999999999', 'status', 'help', 'access', 'grant', 'slack:U', 'admin', '\u202e', '\ud83d\ude00', '%n', '${{}}', '<script>', ' ', '  ', '\t', '--state', 'held', 'log', '--to', 'a@b', 'test', 'report', '2026-02-30'];
    const kinds = new Set(['message', 'fields', 'table', 'confirm', 'error', 'progress', 'secret-prompt', 'chart', 'file', 'group']);
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(rnd() * 8);
      let line = '';
      for (let j = 0; j < n; j++) line += parts[Math.floor(rnd() * parts.length)] + (rnd() < 0.7 ? ' ' : '');
      const r = await runner.run(line, i % 2 ? chat() : term());
      expect(kinds.has(r.kind), line).toBe(true);
      if (r.kind === 'error') {
        expect(r.code).not.toBe('internal');
        expect(r.message).not.toMatch(/\n\s+at /);
      }
    }
  }, 60_000);
});
