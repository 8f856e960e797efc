/**
 * End to end: a monitoring system (swaks standing in for Grafana/Alertmanager)
 * submits alert mail to the intake listener with AUTH; smtp-ops relays it
 * through the real Postfix relay to smtp-sink; the queue, the mail log and the
 * day's report show it, and a refused sender shows in the report too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type IntakeServer } from '../../../src/engine/index.js';
import { PEERS, peersOrSkip, waitForSink } from '../../peers/peers.js';
import { missingTools, swaks } from './clients.js';

const missing = missingTools('swaks');
const peers = await peersOrSkip('intake end to end');

describe.skipIf(missing.length > 0 || !peers.ok)('a monitoring system pointed at the intake port', () => {
  let dir: string;
  let engine: Engine;
  let intake: IntakeServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ops-intake-e2e-'));
    engine = await createEngine({ storeDir: dir, secretKey: randomBytes(32).toString('hex'), pollMs: 200 });
    await engine.updateSettings(
      {
        hostname: 'ops.smtp-ops.test',
        'relay-host': PEERS.relayHost,
        'relay-port': String(PEERS.relayPlainPort),
        'use-tls': 'off',
        'intake-username': 'grafana',
        'intake-password': 'intake-pw-7c1e',
        'intake-auth': 'on',
        'intake-allow-senders': '@example.com',
      },
      { platform: 'cli', id: 'test' },
    );
    intake = await engine.startIntake({ listen: '127.0.0.1:0' });
  });
  afterAll(async () => {
    await intake?.close();
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets its alert delivered through the relay, visible in queue, log and report', async () => {
    const marker = `intake-e2e-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const auth = ['--auth', 'LOGIN', '--auth-user', 'grafana', '--auth-password', 'intake-pw-7c1e'];
    const r = await swaks(intake.port, [...auth, '--from', 'grafana@example.com', '--to', 'oncall@sink.test', '--header', `Subject: [FIRING:1] DiskFull ${marker}`, '--body', 'db-1 /var is 97% full']);
    const id = /250 2\.0\.0 Ok: queued as (\S+)/.exec(r.out)?.[1];
    expect(id, r.out).toBeDefined();

    const refused = await swaks(intake.port, [...auth, '--from', 'intruder@elsewhere.test', '--to', 'oncall@sink.test']);
    expect(refused.out).toMatch(/<\*\* 550 5\.7\.1 /);

    const outcome = await engine.waitForAttempt(id!, 20_000);
    expect(outcome.status).toBe('sent');
    const got = await waitForSink(marker, 1);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/by ops\.smtp-ops\.test \(smtp-ops\) with ESMTPA id/);

    expect((await engine.queueCounts()).total).toBe(0);
    const log = await engine.logList({ limit: 50 });
    const mine = log.items.filter((e) => e.id === id);
    expect(mine.map((e) => e.status).sort()).toEqual(['received', 'sent']);
    expect(mine.find((e) => e.status === 'received')).toMatchObject({ source: 'intake', client: '127.0.0.1', from: 'grafana@example.com', to: ['oncall@sink.test'] });

    const report = await engine.report({ day: 'today' });
    expect(report.totals).toMatchObject({ received: 1, delivered: 1, rejected: 1 });
    const events = await engine.eventList({ limit: 50 });
    expect(events.items.map((e) => e.code)).toEqual(expect.arrayContaining(['intake.started', 'intake.rejected']));
  });
});
