/**
 * queue flush / queue release say exactly what happened: with a wait they run the worker in this
 * process and count what each attempt came to (a real SMTP peer on loopback accepts, defers and
 * bounces by recipient); without one they say the messages are due and who attempts them.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageReply, Reply, RunContext } from '../../../src/commands/reply.js';
import { exitCodeOf } from '../../../src/commands/reply.js';
import { createRunner } from '../../../src/commands/run.js';
import type { Runner } from '../../../src/commands/types.js';
import { cli, openStore, relayTo, smtpPeer, type TestStore } from '../setup.js';

let peer: Awaited<ReturnType<typeof smtpPeer>>;
let store: TestStore;
let runner: Runner;
const term = (over: Partial<RunContext> = {}): RunContext => ({ actor: cli, surface: 'terminal', ...over });

function message(r: Reply): MessageReply {
  expect(r.kind, JSON.stringify(r)).toBe('message');
  return r as MessageReply;
}

/** Queue messages with SMTP off, so they wait for the flush. */
async function queue(...to: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const t of to) ids.push((await store.engine.submit({ to: [t], subject: `to ${t}`, text: 'x', source: 'api' }, cli)).id);
  return ids;
}

beforeAll(async () => {
  peer = await smtpPeer();
});
afterAll(async () => {
  await peer.close();
});
beforeEach(async () => {
  // worker: false, as the one-shot CLI opens the store: the flush itself must start the worker.
  store = await openStore({ worker: false });
  runner = createRunner(store.engine, { admins: [] });
  message(await runner.run(relayTo(peer.port), term()).then((r) => ({ ...r, kind: 'message' as const, text: '' }) as Reply));
  await runner.run('config set enabled=off', term());
});
afterEach(async () => {
  await store.close();
});

describe('queue flush --wait (the one-shot CLI without serve)', () => {
  it('attempts every due message here and counts delivered, deferred and bounced; exit 1 unless all were delivered', async () => {
    await queue('a@example.com', 'b@example.com', 'defer@example.com', 'bounce@example.com');
    const held = (await queue('held@example.com'))[0];
    await runner.run(`queue hold ${held}`, term());
    await runner.run('config set enabled=on', term());
    const progress: { done: number; total: number; label: string }[] = [];
    const r = message(await runner.run('queue flush --yes --wait', term({ onProgress: (p) => progress.push(p) })));
    expect(r.text).toBe('4 messages attempted now: 2 delivered, 1 deferred (queued again, retried after their backoff: `queue list --state deferred`), 1 bounced (`log --status bounced`).');
    expect(r.tone).toBe('error');
    expect(exitCodeOf(r)).toBe(1);
    expect(r.data).toMatchObject({ count: 4, disabled: false, attempted: 4, delivered: 2, deferred: 1, bounced: 1, notAttempted: 0, recipients: { sent: 2, deferred: 1, bounced: 1 }, interrupted: false });
    expect(progress.filter((p) => p.label === 'delivering').at(-1)).toMatchObject({ kind: 'progress', label: 'delivering', done: 4, total: 4 });
    // What the reply says is what the queue and the peer saw.
    expect(peer.received.flatMap((m) => m.to).filter((t) => t === 'a@example.com' || t === 'b@example.com')).toHaveLength(2);
    expect(await store.engine.queueCounts()).toMatchObject({ deferred: 1, held: 1, total: 2 });
  });

  it('exit 0 when every message was delivered', async () => {
    await queue('c@example.com', 'd@example.com');
    await runner.run('config set enabled=on', term());
    const r = message(await runner.run('queue flush --yes --wait', term()));
    expect(r).toMatchObject({ tone: 'success', title: 'Queue flushed', text: '2 messages attempted now: 2 delivered.' });
    expect(exitCodeOf(r)).toBe(0);
  });

  it('with SMTP disabled it says nothing was sent (and waits for nothing)', async () => {
    await queue('e@example.com');
    const r = message(await runner.run('queue flush --yes --wait', term()));
    expect(r.text).toBe('1 message is due now, but SMTP is disabled: nothing is sent until `config set enabled=on`.');
    expect(exitCodeOf(r)).toBe(1);
    expect(r.data).toMatchObject({ disabled: true, notAttempted: 1, delivered: 0 });
  });

  it('an empty queue: nothing to flush, exit 0', async () => {
    await runner.run('config set enabled=on', term());
    const r = message(await runner.run('queue flush --yes --wait', term()));
    expect(r.text).toBe('There was nothing to flush: no queued or deferred messages.');
    expect(exitCodeOf(r)).toBe(0);
  });

  it('Ctrl-C (the signal) stops the wait: what was attempted is counted, the rest stays due', async () => {
    await queue('f@example.com');
    // SMTP stays off, so no attempt comes; the wait would end by itself, the signal ends it first.
    await store.engine.updateSettings({ enabled: 'on', 'relay-port': '9' }, cli);
    const giveUp = new AbortController();
    giveUp.abort();
    const r = message(await runner.run('queue flush --yes --wait', term({ signal: giveUp.signal })));
    expect(r.title).toBe('Queue flush interrupted');
    expect(r.text).toContain('1 not attempted (the wait was interrupted: they stay due, and serve or the next flush sends them)');
    expect(exitCodeOf(r)).toBe(1);
  });

  it('a confirmation asked on a terminal keeps --wait', async () => {
    await queue('g@example.com');
    await runner.run('config set enabled=on', term());
    const ask = await runner.run('queue flush --wait', term());
    expect(ask.kind).toBe('confirm');
    expect((ask.data as { confirm: string }).confirm).toBe('queue flush --wait');
    const r = message(await runner.action((ask as { yes: { id: string } }).yes.id, term()));
    expect(r.text).toBe('1 message attempted now: 1 delivered.');
  });
});

describe('queue flush without a wait (serve, the REPL, chat: a worker runs there)', () => {
  it('says the messages are due and the worker attempts them, never "will be retried now"', async () => {
    await queue('h@example.com', 'i@example.com');
    await runner.run('config set enabled=on', term());
    const r = message(await runner.run('queue flush --yes', term()));
    expect(r.text).toBe('2 messages are due now; the delivery worker is attempting them. Follow with `queue list` and `log`.');
    expect(r.text).not.toMatch(/will be retried/);
    expect(r.data).toEqual({ count: 2, disabled: false });
    const off = message(await runner.run('config set enabled=off', term()).then(() => runner.run('queue flush --yes', term())));
    expect(off.text).toBe('2 messages are due now, but SMTP is disabled: nothing is sent until `config set enabled=on`.');
  });
});

describe('queue release', () => {
  it('--wait attempts the released message and says what came of it', async () => {
    const [id] = await queue('defer@example.com');
    await runner.run(`queue hold ${id}`, term());
    await runner.run('config set enabled=on', term());
    const r = message(await runner.run(`queue release ${id} --wait`, term()));
    expect(r.text).toBe(`Message ${id} was released and attempted: 0 delivered, 1 deferred (queued again, retried after their backoff: \`queue list --state deferred\`).`);
    expect(r.data).toMatchObject({ id, state: 'deferred', deferred: 1 });
    expect(exitCodeOf(r)).toBe(1);
    // The worker this wait started keeps running: queue the next one with SMTP off, so it waits for its release.
    await runner.run('config set enabled=off', term());
    const [ok] = await queue('ok@example.com');
    await runner.run(`queue hold ${ok}`, term());
    await runner.run('config set enabled=on', term());
    expect(message(await runner.run(`queue release ${ok} --wait`, term())).text).toBe(`Message ${ok} was released and attempted: 1 delivered.`);
  });

  it('without a wait it is due now and the worker attempts it next; with SMTP off, nothing is sent', async () => {
    const [id] = await queue('j@example.com');
    await runner.run(`queue hold ${id}`, term());
    const off = message(await runner.run(`queue release ${id}`, term()));
    expect(off.text).toBe(`Message ${id} is released and due now, but SMTP is disabled: nothing is sent until \`config set enabled=on\`.`);
    await runner.run(`queue hold ${id}`, term());
    await runner.run('config set enabled=on', term());
    const on = message(await runner.run(`queue release ${id}`, term()));
    expect(on.text).toBe(`Message ${id} is released and due now; the delivery worker attempts it next (\`queue show ${id}\`).`);
  });
});
