/**
 * The delivery worker: claims due messages up to the concurrency limit,
 * hands each to the deliverer, records the outcome, and sleeps until the next
 * message is due (or it is kicked).
 */
import type { DeliveryRequest, RecipientResult, Settings } from '../types.js';
import type { Clock } from '../facade.js';
import type { Queue, QueueRecord } from './queue.js';

export interface WorkerDeps {
  queue: Queue;
  clock: Clock;
  settings(): Settings;
  /** One attempt on the current deliverer. */
  deliver(req: DeliveryRequest): Promise<RecipientResult[]>;
  body(id: string): Promise<Buffer | undefined>;
  /** After an attempt is recorded. */
  attempted(rec: QueueRecord, results: RecipientResult[]): Promise<void>;
  /** Due mail was found while sending is disabled. */
  disabled(due: number): void;
  /** A fault the worker survived (store errors); it retries after a pause. */
  fault(e: unknown): void;
  pollMs: number;
}

export class Worker {
  private active = 0;
  private running = false;
  private looping = false;
  private again = false;
  private timer: unknown = null;
  private readonly idle: (() => void)[] = [];
  /** The last fault, until a loop pass completes cleanly (the health check reads it). */
  private lastFault: string | null = null;

  constructor(private readonly d: WorkerDeps) {}

  start(): void {
    this.running = true;
    this.kick();
  }

  /** Whether the loop runs, and the fault it is recovering from, if any. */
  state(): { running: boolean; fault: string | null } {
    return { running: this.running, fault: this.lastFault };
  }

  /** Run the loop soon (after a submit, a flush, a settings change). */
  kick(): void {
    if (!this.running) return;
    if (this.timer !== null) {
      this.d.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    setImmediate(() => void this.loop());
  }

  /** Stop claiming; resolves when in-flight deliveries are recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
    while (this.active > 0 || this.looping) await new Promise<void>((r) => this.idle.push(r));
  }

  private async loop(): Promise<void> {
    if (this.looping) {
      this.again = true;
      return;
    }
    this.looping = true;
    try {
      do {
        this.again = false;
        if (!this.running) break;
        const s = this.d.settings();
        if (!s.enabled) {
          const due = await this.d.queue.nextDue();
          if (due !== null && due <= this.d.clock.now()) this.d.disabled(due);
          this.sleep(this.d.pollMs);
          break;
        }
        const room = s.concurrency - this.active;
        // Claim in batches: one index scan and one write for several messages, not one per freed slot.
        if (room <= 0 || (this.active > 0 && room < Math.ceil(s.concurrency / 4))) break;
        const claimed = await this.d.queue.claimDue(room);
        for (const rec of claimed) this.run(rec);
        if (claimed.length === room) this.again = true;
        else if (claimed.length === 0) {
          // Nothing due now: sleep until the next message is. (When some were claimed, their completion wakes us.)
          const due = await this.d.queue.nextDue();
          if (due !== null) this.sleep(Math.max(0, Math.min(due - this.d.clock.now(), this.d.pollMs)));
        }
      } while (this.again);
      this.lastFault = null;
    } catch (e) {
      this.lastFault = e instanceof Error ? e.message : String(e);
      this.d.fault(e);
      this.sleep(1000);
    } finally {
      this.looping = false;
      this.settle();
    }
  }

  private run(rec: QueueRecord): void {
    this.active++;
    void this.deliver(rec)
      .catch((e) => {
        this.lastFault = e instanceof Error ? e.message : String(e);
        this.d.fault(e);
      })
      .finally(() => {
        this.active--;
        this.settle();
        if (this.running) this.kick();
      });
  }

  private async deliver(rec: QueueRecord): Promise<void> {
    const raw = await this.d.body(rec.id);
    let results: RecipientResult[];
    if (!raw) {
      results = rec.to.map((to) => ({ to, status: 'bounced' as const, response: 'the stored message body is missing (store damaged); cannot deliver', failure: 'config' as const, stage: 'local' as const }));
    } else {
      results = await this.d.deliver({ id: rec.id, from: rec.from, to: rec.to, raw, ...(rec.body ? { body: rec.body } : {}), ...(rec.smtputf8 ? { smtputf8: true } : {}) });
    }
    await this.d.attempted(rec, results);
  }

  private sleep(ms: number): void {
    if (!this.running) return;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
    if (ms <= 0) {
      setImmediate(() => void this.loop());
      return;
    }
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      void this.loop();
    }, ms);
  }

  private settle(): void {
    if (this.active === 0 && !this.looping) for (const r of this.idle.splice(0)) r();
  }
}
