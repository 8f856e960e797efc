import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/commands/reply.js';
import { createRunner } from '../../src/commands/run.js';
import type { Runner } from '../../src/commands/types.js';
import { cli, openStore, relayTo, slack, smtpPeer, type TestStore } from './setup.js';

let store: TestStore;
let peer: Awaited<ReturnType<typeof smtpPeer>>;
let runner: Runner;

beforeAll(async () => {
  peer = await smtpPeer();
  store = await openStore({ worker: true, pollMs: 200 });
  runner = createRunner(store.engine, { admins: ['slack:UADMIN'] });
  const r = await runner.run(relayTo(peer.port), { actor: cli, surface: 'terminal' });
  expect(r.kind, JSON.stringify(r)).toBe('fields');
});
afterAll(async () => {
  await store?.close();
  await peer?.close();
});

function followed(line: string): Promise<{ first: Reply; outcome: Reply }> {
  return new Promise((resolve, reject) => {
    let first: Reply | undefined;
    runner
      .run(line, { actor: slack('UADMIN'), surface: 'chat', channel: { platform: 'slack', channel: 'C1' }, followUp: (outcome) => resolve({ first: first!, outcome }) })
      .then((r) => {
        first = r;
        if (r.kind === 'error') reject(new Error(JSON.stringify(r)));
      }, reject);
  });
}

describe('test <address>', () => {
  it('answers at once, then follows up with the server reply when sent', async () => {
    const { first, outcome } = await followed('test oncall@sink.test');
    expect(first).toMatchObject({ kind: 'message', title: 'Test message on its way' });
    expect(outcome).toMatchObject({ kind: 'message', tone: 'success', title: 'Test message sent' });
    expect((outcome as { text: string }).text).toContain('Queued as TEST123');
    expect(peer.received.some((m) => m.to.includes('oncall@sink.test'))).toBe(true);
  });

  it('reports a deferral (still queued) and a bounce as failures', async () => {
    const deferred = await followed('test defer@sink.test');
    expect(deferred.outcome).toMatchObject({ kind: 'message', tone: 'warning', ok: false, data: { status: 'deferred', queued: true } });
    expect((deferred.outcome as { text: string }).text).toContain('try later');
    const bounced = await followed('test bounce@sink.test');
    expect(bounced.outcome).toMatchObject({ kind: 'message', tone: 'error', ok: false, data: { status: 'bounced' } });
    expect((bounced.outcome as { text: string }).text).toContain('no such user');
  });

  it('--wait (terminal) returns the outcome itself', async () => {
    const r = await runner.run('test oncall@sink.test --wait', { actor: cli, surface: 'terminal' });
    expect(r).toMatchObject({ kind: 'message', title: 'Test message sent', data: { status: 'sent' } });
  });
});
