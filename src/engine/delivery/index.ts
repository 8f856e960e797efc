/**
 * Delivery: the network half of the engine. `createDeliverer` picks relay mode (a smarthost,
 * pooled) or direct mode (MX per recipient domain) from the resolved {@link DeliveryConfig}.
 * `deliver()` never throws: every failure becomes per-recipient results.
 */
import type { Deliverer, DeliveryConfig, DnsResolver, RecipientResult } from '../types.js';
import { createDirectDeliverer } from './direct.js';
import { createRelayDeliverer } from './relay.js';

export { resolverFromEnv, directPortFromEnv } from './dns.js';
export { classifyError, isPermanentCode, stageOf } from './classify.js';
export { resolveMailRoute, type MailRoute, type MailHost } from './mx.js';
export { openSession, type SmtpSession } from './smtp-session.js';

export function createDeliverer(config: DeliveryConfig, resolver: DnsResolver): Deliverer {
  const inner = config.relayHost ? createRelayDeliverer(config) : createDirectDeliverer(config, resolver);
  return {
    async deliver(req): Promise<RecipientResult[]> {
      try {
        return await inner.deliver(req);
      } catch (err) {
        // Belt and braces: a bug below must defer the mail, not crash the worker or lose it.
        const message = (err as Error)?.message ?? String(err);
        const safe = config.auth?.pass ? message.split(config.auth.pass).join('********') : message;
        return req.to.map((to) => ({ to, status: 'deferred', failure: 'protocol', response: `internal error: ${safe}`, stage: 'local' }));
      }
    },
    close: () => inner.close(),
  };
}
