/**
 * The deliverer in use, built from the current settings on first use. When
 * settings change it is retired: new sends get a new one, and the old one
 * closes when its last send is done.
 */
import type { Deliverer, DeliveryRequest, RecipientResult } from '../types.js';

export class DelivererSlot {
  private current: Deliverer | null = null;
  /** Sends in flight per deliverer. */
  private readonly use = new Map<Deliverer, number>();
  private readonly retired = new Set<Deliverer>();

  constructor(private readonly build: () => Deliverer) {}

  /** One delivery attempt on the current deliverer. */
  async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
    const d = (this.current ??= this.build());
    this.use.set(d, (this.use.get(d) ?? 0) + 1);
    try {
      return await d.deliver(req);
    } finally {
      const left = (this.use.get(d) ?? 1) - 1;
      if (left > 0) this.use.set(d, left);
      else {
        this.use.delete(d);
        if (this.retired.delete(d)) void d.close().catch(() => undefined);
      }
    }
  }

  /** Settings changed: the next send builds a new deliverer. */
  reset(): void {
    const old = this.current;
    this.current = null;
    if (!old) return;
    if (this.use.has(old)) this.retired.add(old);
    else void old.close().catch(() => undefined);
  }

  /** Close every deliverer (the worker has stopped: nothing is in flight). */
  async close(): Promise<void> {
    for (const d of [this.current, ...this.retired]) await d?.close().catch(() => undefined);
  }
}
