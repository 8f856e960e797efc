/**
 * Deliveries as the engine runs them: each attempt on the current deliverer,
 * its outcome recorded in the queue, what became of each recipient handed on
 * (every failure becomes an event and counts in its alert group:
 * alerts/failure-events.ts maps them), and whoever waits on the outcome
 * answered.
 */
import type { AttemptOutcome, Deliverer, DeliveryRequest, RecipientResult, Settings } from '../types.js';
import type { RateLimitedEvents } from '../logs/rate-limited-events.js';
import type { Queue, QueueRecord } from '../queue/queue.js';
import { DkimSigner, withDkim, type DkimConfig } from '../dkim/signer.js';
import { hostPort } from '../settings/syntax.js';
import { outcomesOf, type AttemptFacts } from '../alerts/failure-events.js';
import { DelivererSlot } from './deliverer-slot.js';
import { AttemptOutcomes } from './outcomes.js';
import { AttemptWatch } from './attempt-watch.js';

export interface DeliveriesDeps {
  queue: Queue;
  settings(): Settings;
  /** A deliverer for the current settings. */
  build(): Deliverer;
  /** What DKIM signing needs, or null when it is not fully configured. */
  dkim(): DkimConfig | null;
  events: RateLimitedEvents;
  /**
   * What one attempt meant, per recipient: failures become events (and count in alert groups),
   * what got through clears them. `alertMail`: the message is an alert email of smtp-ops itself.
   */
  attempted(facts: AttemptFacts, alertMail: boolean): Promise<void>;
}

export class Deliveries {
  private readonly slot: DelivererSlot;
  private readonly outcomes = new AttemptOutcomes();
  /** Messages whose attempt is being recorded: out of the queue (sent, bounced) before their outcome is settled. */
  private readonly settling = new Set<string>();

  constructor(private readonly d: DeliveriesDeps) {
    this.slot = new DelivererSlot(() => this.build());
  }

  /** The deliverer for the current settings, signing with the DKIM key in force when it is built. */
  private build(): Deliverer {
    const base = this.d.build();
    // Signed per attempt with the key in force now: see dkim/signer.ts for why not at queue time.
    const dkim = this.d.dkim();
    if (!dkim) return base;
    return withDkim(base, new DkimSigner(dkim), (err) => void this.d.events.record('error', 'dkim.failed', `DKIM signing failed, mail was sent unsigned: ${err.message} (check dkim-private-key; doctor)`));
  }

  /** One delivery attempt (the worker calls it). */
  deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
    return this.slot.deliver(req);
  }

  /** An attempt is done: record it, its failure events, then tell who waits. */
  async attempted(rec: QueueRecord, results: RecipientResult[]): Promise<void> {
    this.settling.add(rec.id);
    try {
      await this.record(rec, results);
    } finally {
      this.settling.delete(rec.id);
    }
  }

  private async record(rec: QueueRecord, results: RecipientResult[]): Promise<void> {
    const log = await this.d.queue.complete(rec, results, this.d.settings());
    const sent = results.filter((r) => r.status === 'sent');
    const bounced = log.filter((e) => e.status === 'bounced' || e.status === 'expired');
    const deferred = log.filter((e) => e.status === 'deferred');
    const status = deferred.length > 0 ? 'deferred' : sent.length > 0 && bounced.length === 0 ? 'sent' : bounced.length > 0 && sent.length === 0 ? 'bounced' : 'sent';
    const outcome: AttemptOutcome = { id: rec.id, status, results, queued: deferred.length > 0 };
    // Events first: whoever waits on the outcome may look at the events next.
    await this.d.attempted({ id: rec.id, relay: this.relayLabel(), outcomes: outcomesOf(log, results) }, rec.source === 'alert');
    this.outcomes.settle(outcome);
  }

  /** Hear the outcomes of attempts from now on, to wait for a set of messages (see attempt-watch.ts). */
  watch(): AttemptWatch {
    return new AttemptWatch(this.outcomes);
  }

  /** `host:port` of the relay in relay mode (`[v6]:port` for an IPv6 literal), null when sending direct. */
  private relayLabel(): string | null {
    const s = this.d.settings();
    return s.relayHost ? hostPort(s.relayHost, s.relayPort ?? 25) : null;
  }

  /** The outcome of the last attempt of `id` if it was recent, else of its next one. */
  async waitForAttempt(id: string, timeoutMs: number): Promise<AttemptOutcome> {
    const done = this.outcomes.last(id);
    if (done) return done;
    // Wait before reading the queue, so an attempt that settles during the read is the one waited for.
    const next = this.outcomes.next(id, timeoutMs);
    // A read slower than the timeout must not leave the rejection unhandled meanwhile; the caller still gets it.
    next.outcome.catch(() => undefined);
    try {
      await this.d.queue.get(id);
    } catch (e) {
      // Not in the queue: sent or bounced meanwhile (its outcome is settled or on its way), else unknown or deleted.
      if (!this.outcomes.last(id) && !this.settling.has(id)) {
        next.cancel();
        throw e;
      }
    }
    return next.outcome;
  }

  /** Settings the deliverer reads changed: the next send builds a new one. */
  reset(): void {
    this.slot.reset();
  }

  /** Close every deliverer; call after the worker stopped. */
  close(): Promise<void> {
    return this.slot.close();
  }
}
