/** Who may see a reply: the runner decides once, for every chat platform. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConfirmReply, Reply, RunContext } from '../../src/commands/reply.js';
import { createRunner } from '../../src/commands/run.js';
import type { Runner } from '../../src/commands/types.js';
import { openStore, slack, type TestStore } from './setup.js';

let store: TestStore;
let runner: Runner;
let now: number;

const chat = (id: string): RunContext => ({ actor: slack(id), surface: 'chat', channel: { platform: 'slack', channel: 'C1' } });
const audience = (r: Reply) => ({ kind: r.kind, code: r.kind === 'error' ? r.code : undefined, audience: r.audience });

beforeEach(async () => {
  store = await openStore();
  now = Date.now();
  runner = createRunner(store.engine, { admins: ['slack:UADMIN'], now: () => now });
});
afterEach(async () => {
  await store.close();
});

it('a refusal, an expired button and a password prompt are for the requester; the rest goes to the channel', async () => {
  expect(audience(await runner.run('status', chat('UADMIN')))).toEqual({ kind: 'group', code: undefined, audience: 'channel' });
  expect(audience(await runner.run('qeue list', chat('UADMIN')))).toEqual({ kind: 'error', code: 'usage', audience: 'channel' });
  expect(audience(await runner.run('queue flush', chat('UNOBODY')))).toEqual({ kind: 'error', code: 'denied', audience: 'requester' });
  expect(audience(await runner.run('config set sasl-password', chat('UADMIN')))).toEqual({ kind: 'secret-prompt', code: undefined, audience: 'requester' });
  const ask = (await runner.run('queue flush', chat('UADMIN'))) as ConfirmReply;
  expect(ask.audience).toBe('channel');
  expect(audience(await runner.action(ask.yes.id, chat('UOTHER')))).toEqual({ kind: 'error', code: 'denied', audience: 'requester' });
  now += 24 * 3600_000;
  expect(audience(await runner.action(ask.yes.id, chat('UADMIN')))).toEqual({ kind: 'error', code: 'expired', audience: 'requester' });
  expect(audience(await runner.secret('sasl-password', 'x', chat('UNOBODY')))).toEqual({ kind: 'error', code: 'denied', audience: 'requester' });
});

it("an alert button's answer is for the presser alone, a confirmation it asks for too: the alert is the channel's", async () => {
  await store.engine.recordEvent('warning', 'relay.deferred', 'relay smtp.example.com:587 deferred 0abc at RCPT: 451 4.3.0 try later', 'system', { relay: 'smtp.example.com:587', smtpCode: 451, enhanced: '4.3.0' });
  const [g] = await store.engine.alertGroups();
  expect(g).toMatchObject({ code: 'relay.deferred', scope: { kind: 'relay', value: 'smtp.example.com:587' } });
  expect(audience(await runner.action(`alert:deferred:${g.id}`, chat('UADMIN')))).toEqual({ kind: 'table', code: undefined, audience: 'requester' });
  expect(audience(await runner.action(`alert:flush:${g.id}`, chat('UADMIN')))).toEqual({ kind: 'confirm', code: undefined, audience: 'requester' });
  expect(audience(await runner.action(`alert:mute1h:${g.id}`, chat('UNOBODY')))).toEqual({ kind: 'error', code: 'denied', audience: 'requester' });
});
