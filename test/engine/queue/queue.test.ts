import { describe, it, expect, afterEach, vi } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Deliverer, type DeliveryRequest, type Engine, type EngineOptions, type RecipientResult } from '../../../src/engine/index.js';
import { FakeClock, until } from '../../doubles/clock.js';
import { startPeer, type Peer } from '../delivery/smtp-peer.js';
import { Store, type Op } from '../../../src/engine/store.js';

const op = { platform: 'cli' as const, id: 'bob' };
const engines: Engine[] = [];
const peers: Peer[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const p of peers.splice(0)) await p.close();
});

async function make(opts: Partial<EngineOptions> = {}) {
  const storeDir = opts.storeDir ?? (await mkdtemp(join(tmpdir(), 'queue-')));
  const e = await createEngine({ storeDir, ...opts });
  engines.push(e);
  return { e, storeDir };
}

async function relayTo(e: Engine, peer: Peer) {
  await e.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': String(peer.port), 'use-tls': 'off', hostname: 'ops.example.com', 'from-address': 'alerts@example.com' }, op);
}

/** A deliverer the test drives by hand: each delivery waits until released. */
function gate() {
  const waiting: { req: DeliveryRequest; release: (r: RecipientResult[]) => void }[] = [];
  const factory = (): Deliverer => ({
    deliver: (req) => new Promise((release) => waiting.push({ req, release })),
    close: async () => {},
  });
  return { waiting, factory };
}

describe('queue', () => {
  it('a submitted message is on disk when submit resolves', async () => {
    const { e, storeDir } = await make({ worker: false });
    const { id } = await e.submit({ to: ['a@example.com'], subject: 'disk', text: 'hello' }, op);
    await e.close();
    engines.pop();
    const { e: again } = await make({ storeDir, worker: false });
    const shown = await again.queueShow(id);
    expect(shown).toMatchObject({ id, state: 'queued', to: ['a@example.com'], attempts: 0 });
    expect(shown.headers['subject']).toBe('disk');
    expect(shown.headers['message-id']).toMatch(new RegExp(`^<${id}@`));
    expect((await again.queueCounts()).queued).toBe(1);
  });

  it('lists newest or oldest first with cursors, O(page)', async () => {
    const clock = new FakeClock();
    const { e } = await make({ worker: false, clock });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await e.submit({ to: [`r${i}@example.com`], subject: `m${i}`, text: 'x' }, op)).id);
      clock.advance(1000);
    }
    const p1 = await e.queueList({ limit: 3 });
    expect(p1.items.map((i) => i.id)).toEqual([ids[6], ids[5], ids[4]]);
    expect(p1.prev).toBeNull();
    const p2 = await e.queueList({ limit: 3, cursor: p1.next! });
    expect(p2.items.map((i) => i.id)).toEqual([ids[3], ids[2], ids[1]]);
    const p3 = await e.queueList({ limit: 3, cursor: p2.next! });
    expect(p3.items.map((i) => i.id)).toEqual([ids[0]]);
    expect(p3.next).toBeNull();
    const back = await e.queueList({ limit: 3, cursor: p3.prev! });
    expect(back.items.map((i) => i.id)).toEqual([ids[3], ids[2], ids[1]]);
    const oldest = await e.queueList({ limit: 4, order: 'oldest' });
    expect(oldest.items.map((i) => i.id)).toEqual(ids.slice(0, 4));
    const oldest2 = await e.queueList({ limit: 4, order: 'oldest', cursor: oldest.next! });
    expect(oldest2.items.map((i) => i.id)).toEqual(ids.slice(4));
    expect((await e.queueList({ limit: 3, page: 2 })).items.map((i) => i.id)).toEqual([ids[3], ids[2], ids[1]]);
    const item = p1.items[0];
    expect(Object.keys(item).sort()).toEqual(['attempts', 'createdAt', 'from', 'id', 'lastError', 'nextAttempt', 'size', 'source', 'state', 'subject', 'to'].sort());
    await expect(e.queueList({ limit: 0 })).rejects.toThrow(/limit must be/);
    await expect(e.queueList({ state: 'lost' as never })).rejects.toThrow(/state must be one of/);
    await expect(e.queueList({ cursor: 'garbage!' })).rejects.toThrow(/cursor/);
  });

  it('holds, releases and deletes one message, with events', async () => {
    const { e } = await make({ worker: false });
    const { id } = await e.submit({ to: ['a@example.com'], subject: 's', text: 't' }, op);
    await e.queueHold(id, op);
    expect((await e.queueCounts()).held).toBe(1);
    expect((await e.queueList({ state: 'held' })).items[0].id).toBe(id);
    await expect(e.queueHold(id, op)).rejects.toThrow(/already held/);
    await e.queueRelease(id, op);
    expect(await e.queueCounts()).toMatchObject({ queued: 1, held: 0 });
    await e.queueDelete(id, op);
    expect((await e.queueCounts()).total).toBe(0);
    await expect(e.queueShow(id)).rejects.toThrow(/not found/);
    await expect(e.queueDelete(id, op)).rejects.toThrow(/not found/);
    await expect(e.queueDelete('../etc', op)).rejects.toThrow(/id must be a queue id/);
    const codes = (await e.eventList()).items.map((ev) => ev.code);
    expect(codes).toEqual(expect.arrayContaining(['queue.held', 'queue.released', 'queue.message-deleted']));
    expect((await e.logList({ status: 'deleted' })).items[0]).toMatchObject({ id, status: 'deleted' });
  });

  it('rejects bad messages and changes nothing', async () => {
    const { e } = await make({ worker: false });
    await expect(e.submit({ to: [], subject: 's', text: 't' }, op)).rejects.toThrow(/at least one recipient/);
    await expect(e.submit({ to: ['nope'], subject: 's', text: 't' }, op)).rejects.toThrow(/email address/);
    await expect(e.submit({ to: ['a@example.com'], subject: 'a\r\nBcc: x@y.com', text: 't' }, op)).rejects.toThrow(/subject/);
    await expect(e.submit({ from: 'a@example.com', to: ['a@example.com'], raw: '' }, op)).rejects.toThrow(/empty/);
    await expect(e.sendTest('not-an-address', op)).rejects.toThrow(/address must be an email/);
    expect((await e.queueCounts()).total).toBe(0);
  });
});

describe('delivery worker', () => {
  it('sends through the relay with From, Date and Message-ID, and logs it', async () => {
    const peer = await startPeer();
    peers.push(peer);
    const { e } = await make();
    await relayTo(e, peer);
    await e.updateSettings({ 'from-name': 'Ops Alerts' }, op);
    const { id } = await e.sendTest('oncall@example.com', op);
    const outcome = await e.waitForAttempt(id, 10_000);
    expect(outcome).toMatchObject({ id, status: 'sent', queued: false });
    const raw = peer.received[0].raw;
    expect(raw).toMatch(/^From: Ops Alerts <alerts@example.com>/m);
    expect(raw).toMatch(/^Date: /m);
    expect(raw).toMatch(new RegExp(`^Message-ID: <${id}@ops.example.com>`, 'm'));
    expect(raw).toContain(`relay 127.0.0.1:${peer.port}`);
    expect(raw).toContain('TLS mode:     none');
    expect(peer.received[0].ehlo).toBe('ops.example.com');
    const log = await e.logList();
    expect(log.items.map((l) => l.status)).toEqual(['sent', 'received']);
    expect(log.items[0]).toMatchObject({ id, to: ['oncall@example.com'], from: 'alerts@example.com', host: `127.0.0.1:${peer.port}` });
    expect(log.items[0].response).toMatch(/^250/);
    expect((await e.queueCounts()).total).toBe(0);
  });

  it('defers 4xx with backoff, bounces 5xx at once, retries when due', async () => {
    const clock = new FakeClock();
    let tempFail = true;
    const peer = await startPeer({ rcptReply: (to) => (to.startsWith('temp') && tempFail ? '450 4.2.0 mailbox busy' : to.startsWith('gone') ? '550 5.1.1 no such user' : undefined) });
    peers.push(peer);
    const { e } = await make({ clock });
    await relayTo(e, peer);
    const { id } = await e.submit({ to: ['ok@example.com', 'temp@example.com', 'gone@example.com'], subject: 's', text: 't' }, op);
    const first = await e.waitForAttempt(id, 10_000);
    expect(first.status).toBe('deferred');
    expect(first.queued).toBe(true);
    const item = (await e.queueList()).items[0];
    expect(item).toMatchObject({ state: 'deferred', to: ['temp@example.com'], attempts: 1 });
    expect(item.lastError).toMatch(/450/);
    expect(item.nextAttempt).toBe(clock.now() + 300_000);
    expect((await e.logList({ status: 'bounced' })).items[0]).toMatchObject({ to: ['gone@example.com'] });
    expect((await e.logList({ to: 'ok@example.com' })).items.map((l) => l.status)).toEqual(['sent', 'received']);
    const bounceEvent = (await e.eventList({ level: 'error' })).items.find((ev) => ev.code === 'delivery.bounced');
    expect(bounceEvent?.message).toMatch(/gone@example.com: 550/);
    tempFail = false;
    clock.advance(299_000);
    await new Promise((r) => setTimeout(r, 100));
    expect((await e.queueCounts()).deferred).toBe(1);
    clock.advance(1_000);
    await until(async () => (await e.queueCounts()).total === 0, 10_000, 'retry');
    expect((await e.logList({ to: 'temp@example.com', status: 'sent' })).items).toHaveLength(1);
    expect(peer.received.filter((r) => r.to.includes('ok@example.com'))).toHaveLength(1);
  });

  it('expires a message that outlives max-queue-lifetime', async () => {
    const clock = new FakeClock();
    const peer = await startPeer({ rcptReply: () => '451 4.3.0 try later' });
    peers.push(peer);
    const { e } = await make({ clock });
    await relayTo(e, peer);
    await e.updateSettings({ 'retry-first': '60', 'retry-max': '60', 'max-queue-lifetime': '150' }, op);
    const { id } = await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    await e.waitForAttempt(id, 10_000);
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await new Promise((r) => setTimeout(r, 150));
    }
    await until(async () => (await e.queueCounts()).total === 0, 10_000, 'expiry');
    expect((await e.logList({ status: 'expired' })).items[0].response).toMatch(/expired.*451/);
  });

  it('a disabled engine queues, sends nothing, and says so; enabling sends', async () => {
    const peer = await startPeer();
    peers.push(peer);
    const { e } = await make({ pollMs: 50 });
    await relayTo(e, peer);
    await e.updateSettings({ enabled: 'off' }, op);
    await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    await until(async () => (await e.eventList({ level: 'warning' })).items.some((ev) => ev.code === 'smtp.disabled'), 5_000, 'smtp.disabled event');
    expect(peer.received).toHaveLength(0);
    expect((await e.queueCounts()).queued).toBe(1);
    await e.updateSettings({ enabled: 'on' }, op);
    await until(() => peer.received.length === 1, 5_000, 'delivery after enable');
  });

  it('flush counts a message once when its deferral lands on disk while flush reads the queue', async () => {
    // The first attempt waits for the test; the retry the flush asks for is sent.
    let first: ((r: RecipientResult[]) => void) | null = null;
    let attempts = 0;
    const factory = (): Deliverer => ({
      deliver: (req) => (++attempts === 1 ? new Promise((release) => (first = release)) : Promise.resolve(req.to.map((to) => ({ to, status: 'sent' as const, response: '250 2.0.0 ok' })))),
      close: async () => {},
    });
    const { e } = await make({ delivererFactory: factory, pollMs: 50 });
    const { id } = await e.submit({ to: ['a@example.com'], subject: 's', text: 't' }, op);
    await until(() => first !== null, 5_000, 'the attempt');
    // Hold the attempt's deferral (its due key) on its way to disk, and let it land once flush has noted what is being sent.
    let landed!: () => void;
    const deferralLanded = new Promise<void>((r) => (landed = r));
    let releaseDeferral: (() => void) | null = null;
    let held = false;
    const commit = Store.prototype.commit;
    const keys = Store.prototype.keys;
    const spies = [
      vi.spyOn(Store.prototype, 'commit').mockImplementation(async function (this: Store, ops: Op[], sync?: boolean) {
        if (!held && ops.some((o) => o.type === 'put' && o.key.startsWith('d!') && o.key.endsWith(`!${id}`))) {
          held = true;
          await new Promise<void>((r) => (releaseDeferral = r));
          await commit.call(this, ops, sync);
          landed();
          return;
        }
        return commit.call(this, ops, sync);
      }),
      vi.spyOn(Store.prototype, 'keys').mockImplementation(async function (this: Store, q) {
        if (releaseDeferral && (q as { gt?: string }).gt === 'd!') {
          releaseDeferral();
          releaseDeferral = null;
          await deferralLanded;
          await new Promise((r) => setTimeout(r, 20));
        }
        return keys.call(this, q);
      }),
    ];
    try {
      first!([{ to: 'a@example.com', status: 'deferred', response: '451 4.3.0 try later', code: 451, failure: 'rejected' }]);
      await until(() => releaseDeferral !== null, 5_000, 'the deferral on its way to disk');
      const { count } = await e.queueFlush(op);
      expect(count).toBe(1);
      await until(async () => (await e.queueCounts()).total === 0, 5_000, 'the retry the flush asked for');
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('flush makes deferred mail due now and says how many', async () => {
    const clock = new FakeClock();
    let down = true;
    const peer = await startPeer({ rcptReply: () => (down ? '421 4.3.2 shutting down' : undefined) });
    peers.push(peer);
    const { e } = await make({ clock });
    await relayTo(e, peer);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await e.submit({ to: [`u${i}@example.com`], subject: 's', text: 't' }, op)).id);
    await until(async () => (await e.queueCounts()).deferred === 5, 10_000, 'all deferred');
    down = false;
    const progress: number[] = [];
    const { count } = await e.queueFlush(op, (p) => progress.push(p.done));
    expect(count).toBe(5);
    expect(progress[progress.length - 1]).toBe(5);
    await until(async () => (await e.queueCounts()).total === 0, 10_000, 'flushed mail delivered');
    expect(new Set(peer.received.map((r) => r.to[0])).size).toBe(5);
    expect(peer.received).toHaveLength(5);
    const ev = (await e.eventList()).items.find((x) => x.code === 'queue.flushed');
    expect(ev).toMatchObject({ actor: 'cli:bob', data: { count: 5 } });
  });

  it('a message being sent when the queue is flushed is retried at once if that attempt defers', async () => {
    const clock = new FakeClock();
    const g = gate();
    const { e } = await make({ clock, delivererFactory: g.factory });
    await e.updateSettings({ 'relay-host': 'relay.example.com' }, op);
    const { id } = await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    await until(() => g.waiting.length === 1, 5_000, 'in flight');
    expect((await e.queueFlush(op)).count).toBe(1);
    g.waiting[0].release([{ to: 'x@example.com', status: 'deferred', response: '451 relay was down' }]);
    // No clock advance: without the flush it would wait retry-first (300 s).
    await until(() => g.waiting.length === 2, 5_000, 'the retry right after the flush');
    expect(g.waiting[1].req.id).toBe(id);
    g.waiting[1].release([{ to: 'x@example.com', status: 'sent', response: '250 ok' }]);
    await until(async () => (await e.queueCounts()).total === 0, 5_000, 'delivered');
  });

  it('delete-all while a message is being sent does not re-queue it', async () => {
    const g = gate();
    const { e } = await make({ delivererFactory: g.factory });
    await e.updateSettings({ 'relay-host': 'relay.example.com', 'relay-port': '25' }, op);
    const { id } = await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    await e.submit({ to: ['y@example.com'], subject: 's', text: 't' }, op);
    await until(() => g.waiting.length === 2, 5_000, 'both in flight');
    await e.updateSettings({ enabled: 'off' }, op);
    for (let i = 0; i < 3; i++) await e.submit({ to: [`z${i}@example.com`], subject: 's', text: 't' }, op);
    expect((await e.queueList({ state: 'sending' })).items).toHaveLength(2);
    const { count } = await e.queueDeleteAll(op);
    expect(count).toBe(5);
    expect((await e.queueCounts()).total).toBe(0);
    g.waiting[0].release([{ to: g.waiting[0].req.to[0], status: 'deferred', response: '451 later' }]);
    g.waiting[1].release([{ to: g.waiting[1].req.to[0], status: 'sent', response: '250 ok' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await e.queueCounts()).toMatchObject({ total: 0, queued: 0, deferred: 0, sending: 0 });
    await expect(e.queueShow(id)).rejects.toThrow(/not found/);
    const ev = (await e.eventList()).items.find((x) => x.code === 'queue.deleted');
    expect(ev).toMatchObject({ level: 'warning', data: { count: 5 } });
  });

  it('after a crash, messages found sending go back to queued', async () => {
    const g = gate();
    const storeDir = await mkdtemp(join(tmpdir(), 'queue-'));
    const { e } = await make({ storeDir, delivererFactory: g.factory });
    await e.updateSettings({ 'relay-host': 'relay.example.com' }, op);
    await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    await until(() => g.waiting.length === 1, 5_000, 'in flight');
    expect((await e.queueCounts()).sending).toBe(1);
    // Simulate the process dying mid-send: close the store under the worker, never answer the send.
    await (e as unknown as { store: { close(): Promise<void> } }).store.close();
    engines.pop();
    const { e: again } = await make({ storeDir, worker: false });
    expect(await again.queueCounts()).toMatchObject({ queued: 1, sending: 0, total: 1 });
    expect((await again.queueList()).items[0].state).toBe('queued');
  });

  it('relay unreachable: deferred, an error event, nothing lost', async () => {
    const { e } = await make();
    await e.updateSettings({ 'relay-host': '127.0.0.1', 'relay-port': '1', 'use-tls': 'off' }, op);
    const { id } = await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    const o = await e.waitForAttempt(id, 15_000);
    expect(o.status).toBe('deferred');
    expect(o.results[0].failure).toBe('connection');
    expect((await e.queueCounts()).deferred).toBe(1);
    const ev = (await e.eventList({ level: 'error' })).items.find((x) => x.code === 'relay.unreachable');
    expect(ev?.message).toContain('127.0.0.1:1');
  });
});

describe('alerts and access', () => {
  it('fans warnings and errors out to subscribed channels at their level, grouped after alert-group-wait', async () => {
    const clock = new FakeClock();
    const { e } = await make({ worker: false, alerts: true, clock });
    const got: string[] = [];
    e.addAlertSink('slack', { post: async (t, a) => (got.push(`${t.channel}:${a.level}:${a.group?.code}`), `ts${got.length}`) });
    await e.alertSubscribe({ platform: 'slack', channel: 'C1' }, 'warning', op);
    await e.alertSubscribe({ platform: 'slack', channel: 'C2' }, 'error', op);
    await e.recordEvent('info', 'x.info', 'hello', 'system');
    await e.recordEvent('warning', 'x.warn', 'careful', 'system');
    await e.recordEvent('error', 'x.err', 'broken', 'system');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([]);
    clock.advance(30_000);
    await until(() => got.length === 3, 2_000, 'alerts');
    expect(got.sort()).toEqual(['C1:error:x.err', 'C1:warning:x.warn', 'C2:error:x.err']);
    expect((await e.alertList()).map((s) => s.channel).sort()).toEqual(['C1', 'C2']);
    expect(await e.alertUnsubscribe({ platform: 'slack', channel: 'C2' }, op)).toBe(true);
    expect(await e.alertUnsubscribe({ platform: 'slack', channel: 'C2' }, op)).toBe(false);
    await expect(e.alertSubscribe({ platform: 'slack', channel: 'bad channel!' }, 'warning', op)).rejects.toThrow(/channel must be/);
  });

  it('grants and revokes roles with validation and events', async () => {
    const { e } = await make({ worker: false });
    await e.accessGrant('slack:U123', 'operator', op);
    expect(await e.accessList()).toEqual([expect.objectContaining({ subject: 'slack:U123', role: 'operator', grantedBy: 'cli:bob' })]);
    await expect(e.accessGrant('U123', 'operator', op)).rejects.toThrow(/subject must be/);
    await expect(e.accessGrant('slack:U1', 'root' as never, op)).rejects.toThrow(/role must be one of/);
    expect(await e.accessRevoke('slack:U123', op)).toBe(true);
    expect(await e.accessList()).toEqual([]);
    expect((await e.eventList()).items.map((x) => x.code)).toEqual(['access.revoked', 'access.granted']);
  });
});

describe('due index under load', () => {
  it('no message is skipped when submits race the worker (every one attempted once)', async () => {
    const attempts = new Map<string, number>();
    const factory = (): Deliverer => ({
      deliver: async (req) => {
        attempts.set(req.id, (attempts.get(req.id) ?? 0) + 1);
        await new Promise((r) => setImmediate(r));
        return req.to.map((to) => ({ to, status: 'sent' as const, response: '250 ok' }));
      },
      close: async () => {},
    });
    // A clock that ticks on every read: a submit and a scan never share a millisecond, which is
    // what exposes a scan that raises its low-water mark past a submit not yet written.
    const clock = new FakeClock();
    const ticking = { now: () => clock.t++, setTimeout: clock.setTimeout.bind(clock), clearTimeout: clock.clearTimeout.bind(clock) };
    const { e } = await make({ delivererFactory: factory, clock: ticking });
    // Delivery outpaces submission, so the queue keeps running dry while submits are still being written.
    await e.updateSettings({ 'relay-host': 'relay.example.com', concurrency: '20' }, op);
    const ids: string[] = [];
    let next = 0;
    const N = 3000;
    const raw = 'Subject: race\r\n\r\nbody\r\n';
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (next < N) {
          next++;
          ids.push((await e.submit({ from: 'a@example.com', to: ['b@example.com'], raw }, op)).id);
        }
      }),
    );
    await until(async () => (await e.queueCounts()).total === 0, 15_000, `all ${N} delivered (left: ${JSON.stringify(await e.queueCounts())})`);
    expect(ids).toHaveLength(N);
    expect(ids.every((id) => attempts.get(id) === 1)).toBe(true);
  });
});

describe('deliverer lifecycle', () => {
  it('a settings change retires the deliverer: it closes when its last send is done, not before', async () => {
    const made: { closed: boolean; release?: () => void }[] = [];
    const factory = (): Deliverer => {
      const d = { closed: false, release: undefined as undefined | (() => void) };
      made.push(d);
      return {
        deliver: (req) =>
          new Promise((resolve) => {
            d.release = () => resolve(req.to.map((to) => ({ to, status: 'sent' as const, response: '250 ok' })));
          }),
        close: async () => {
          d.closed = true;
        },
      };
    };
    const { e } = await make({ delivererFactory: factory });
    await e.updateSettings({ 'relay-host': 'relay.example.com' }, op);
    await e.submit({ to: ['x@example.com'], subject: 's', text: 't' }, op);
    await until(() => made[0]?.release !== undefined, 5_000, 'a send in flight');
    await e.updateSettings({ 'relay-port': '2525' }, op);
    expect(made[0].closed).toBe(false);
    made[0].release!();
    await until(() => made[0].closed, 5_000, 'the retired deliverer to close');
    await until(async () => (await e.queueCounts()).total === 0, 5_000, 'delivered');
  });
});
