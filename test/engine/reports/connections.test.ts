import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReports } from '../../../src/engine/reports/index.js';
import { Store } from '../../../src/engine/store.js';
import type { Reports } from '../../../src/engine/reports/types.js';
import { at } from './fixtures.js';

describe('intake connections in the report', () => {
  let dir: string;
  let store: Store;
  let reports: Reports;
  let now = at('2026-06-10T10:00:00Z');
  let batches = 0;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reports-conn-'));
    store = await Store.open(dir);
    batches = 0;
    reports = createReports({ db: store.db, now: () => now, requestBatch: () => void batches++ });
    await reports.open();
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts closed connections per client with their time and HELO name, in the next batch, and asks for one', async () => {
    reports.connection({ kind: 'open', session: 's1', client: '127.0.0.2' });
    reports.connection({ kind: 'open', session: 's2', client: '127.0.0.2' });
    now += 1500;
    reports.connection({ kind: 'close', session: 's1', helo: 'App-B.ok.test' });
    now += 2500;
    reports.connection({ kind: 'close', session: 's2', helo: 'app-b.ok.test' });
    // Refused before onConnect (too many clients): no client known, not counted.
    reports.connection({ kind: 'close', session: 'never-opened' });
    expect(reports.pending).toBe(true);
    await new Promise((r) => setTimeout(r, 2200));
    expect(batches).toBe(1);
    // What the engine does when asked: a batch with nothing logged.
    await store.commit(reports.collect([], []));
    expect(reports.pending).toBe(false);
    const r = await reports.build({ day: '2026-06-10' }, { timezone: 'UTC', now: at('2026-06-11T00:00:00Z') });
    expect(r.connections).toEqual({ total: 2, clients: 1, totalMs: 5500, avgMs: 2750, maxMs: 4000 });
    expect(r.totals).toMatchObject({ connections: 2, connectMs: 5500, clients: 0 });
    expect(r.clients).toEqual([{ client: '127.0.0.2', messages: 0, bytes: 0, connections: 2, avgConnectMs: 2750, maxConnectMs: 4000, rejected: 0, helo: ['app-b.ok.test'] }]);
    expect(r.hourly.find((h) => h.label === '10')).toBeDefined();
  });
});
