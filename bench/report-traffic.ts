/**
 * A day of synthetic traffic through the engine's own write path: the real
 * engine with a fake clock walking through the day, and an injected deliverer
 * that decides each recipient's outcome (no network: what the report
 * benchmark measures is the report, not delivery).
 */
import { createHash } from 'node:crypto';
import type { Clock, Deliverer, DeliveryRequest, Engine, RecipientResult } from '../src/engine/index.js';
import { createEngine } from '../src/engine/index.js';

/** A clock the benchmark moves by hand; timers fire when it passes them. */
export class WalkingClock implements Clock {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Move to `t` (never backwards), firing timers that fell due. */
  moveTo(t: number): void {
    if (t <= this.t) return;
    this.t = t;
    for (const [id, x] of this.timers) {
      if (x.at > t) continue;
      this.timers.delete(id);
      x.fn();
    }
  }
}

/** Deterministic 0..999 from a string (outcomes must not depend on timing). */
function permille(s: string): number {
  return createHash('sha1').update(s).digest().readUInt16BE(0) % 1000;
}

/** Seeded PRNG (mulberry32) so every run generates the same day. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Relative traffic per hour: a working-day curve. */
const HOURLY_WEIGHT = [2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 12, 11, 9, 7, 5, 4, 3, 3, 2];

export interface TrafficOptions {
  storeDir: string;
  messages: number;
  /** First instant of the day (ms) and its length in ms. */
  dayStart: number;
  dayLength: number;
  senders: number;
  recipients: number;
  domains: number;
  log?: (s: string) => void;
}

/** The deliverer: ~1% of recipients bounce, ~3% are deferred once then delivered. */
function deciding(): Deliverer {
  const attempts = new Map<string, number>();
  return {
    async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
      return req.to.map((to) => {
        const k = `${req.id} ${to}`;
        const n = (attempts.get(k) ?? 0) + 1;
        attempts.set(k, n);
        const p = permille(k);
        const domain = to.slice(to.indexOf('@') + 1);
        const host = `mx.${domain}:25`;
        if (p < 10) {
          attempts.delete(k);
          return { to, status: 'bounced', code: 550, failure: 'rejected', host, response: `550 5.1.1 <${to}>: Recipient address rejected: User unknown in virtual mailbox table` };
        }
        if (p < 40 && n === 1) {
          return p < 25
            ? { to, status: 'deferred', code: 451, failure: 'rejected', host, response: `451 4.7.1 <${to}>: Recipient address rejected: Greylisted, try again in ${300 + (p % 7) * 60} seconds` }
            : { to, status: 'deferred', failure: 'connection', host, response: `connect to mx.${domain}[192.0.2.${p % 250}]:25: Connection timed out` };
        }
        attempts.delete(k);
        return { to, status: 'sent', code: 250, host, response: `250 2.0.0 Ok: queued as ${createHash('md5').update(k).digest('hex').slice(0, 10).toUpperCase()}` };
      });
    },
    async close() {},
  };
}

/** Generate the day; resolves with the engine still open, the clock at the day's last minute and the queue empty. */
export async function generateDay(o: TrafficOptions): Promise<{ engine: Engine; clock: WalkingClock }> {
  const clock = new WalkingClock(o.dayStart);
  const engine = await createEngine({ storeDir: o.storeDir, clock, delivererFactory: deciding, pollMs: 60_000 });
  const actor = { platform: 'api' as const, id: 'bench' };
  await engine.updateSettings({ concurrency: '100', 'retry-first': '300', hostname: 'ops.bench.test', 'from-address': 'alerts@ops.bench.test' }, actor);
  const rand = rng(20261124);
  const senders = Array.from({ length: o.senders }, (_, i) => `svc${i}@app${i % 37}.ops.test`);
  const domains = Array.from({ length: o.domains }, (_, i) => `d${i}.example.test`);
  const recipients = Array.from({ length: o.recipients }, (_, i) => `user${i}@${domains[i % o.domains]}`);
  // Skewed picks: a few busy senders/recipients, a long tail.
  const pick = <T>(list: T[]) => list[Math.floor(list.length * rand() ** 2.5)];

  const total = HOURLY_WEIGHT.reduce((a, b) => a + b, 0);
  const hourLen = o.dayLength / HOURLY_WEIGHT.length;
  const times: number[] = [];
  HOURLY_WEIGHT.forEach((w, h) => {
    const n = h === HOURLY_WEIGHT.length - 1 ? o.messages - times.length : Math.round((o.messages * w) / total);
    for (let i = 0; i < n; i++) times.push(o.dayStart + h * hourLen + ((i + 0.5) / n) * hourLen * 0.8);
  });

  const backlog = Math.max(20, Math.round(o.messages / 1000));
  const inflight = new Set<Promise<unknown>>();
  const started = Date.now();
  for (let i = 0; i < times.length; i++) {
    clock.moveTo(Math.floor(times[i]));
    const n = rand() < 0.7 ? 1 : rand() < 0.67 ? 2 : 3 + Math.floor(rand() * 3);
    const to = [...new Set(Array.from({ length: n }, () => pick(recipients)))];
    const from = pick(senders);
    const body = 'x'.repeat(200 + Math.floor(rand() ** 3 * 40_000));
    const raw = `From: ${from}\r\nTo: ${to.join(', ')}\r\nSubject: alert ${i}\r\nMessage-ID: <bench.${i}@ops.bench.test>\r\nDate: ${new Date(clock.now()).toUTCString()}\r\n\r\n${body}\r\n`;
    const p = engine.submit({ from, to, raw, source: 'api' }, actor).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 200) await Promise.race(inflight);
    // Keep delivery in step with the clock, as a real day would be (outcomes stamped near their reception).
    // A backlog of N/1000 messages is about 90 s of the fake day, whatever N.
    if (i % 100 === 0) {
      for (let w = 1; (await engine.queueCounts()).queued > backlog; w++) {
        // The clock stands still while we wait, so nothing time-based wakes the worker: nudge it.
        if (w % 50 === 0) engine.kick();
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    if (i % 20_000 === 0 && i > 0) o.log?.(`  ${i.toLocaleString('en-US')} messages submitted (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  await Promise.all(inflight);
  // Let the worker drain, then walk the last stretch of the day so deferred mail is retried.
  const end = o.dayStart + o.dayLength - 60_000;
  for (;;) {
    const c = await engine.queueCounts();
    if (c.total === 0) break;
    if (c.queued + c.sending === 0) clock.moveTo(Math.min(end, clock.now() + 120_000));
    if (clock.now() >= end && c.sending === 0 && c.queued === 0) {
      const stuck = (await engine.queueList({ limit: 3 })).items.map((m) => `${m.id} ${m.state} attempts=${m.attempts} next=${m.nextAttempt === null ? '-' : new Date(m.nextAttempt).toISOString()}`);
      throw new Error(`the day ended with ${c.total} messages still queued at ${new Date(clock.now()).toISOString()}: ${stuck.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  clock.moveTo(end);
  return { engine, clock };
}
