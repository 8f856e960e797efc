/**
 * Direct mode: per recipient domain, find the mail hosts in DNS and hand the message to the
 * first one that takes a transaction, on `config.directPort`. Recipients of one domain share
 * one transaction; domains are delivered in parallel.
 */
import { isIP } from 'node:net';
import type { NodemailerError } from 'nodemailer';
import type { Deliverer, DeliveryConfig, DeliveryRequest, DnsResolver, RecipientResult } from '../types.js';
import { redactor, resultsFromError, resultsFromInfo, type ResultContext } from './classify.js';
import { resolveMailRoute, type MailHost, type MailRoute } from './mx.js';
import { openSession } from './smtp-session.js';
import { toNodemailerError } from './relay.js';

/** Recipients grouped by lower-cased domain, in first-seen order. */
export function groupByDomain(recipients: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const to of recipients) {
    const at = to.lastIndexOf('@');
    const domain = at > 0 ? to.slice(at + 1).toLowerCase() : '';
    const list = groups.get(domain) ?? [];
    list.push(to);
    groups.set(domain, list);
  }
  return groups;
}

/** Failures that say nothing about the message, only about this host: try the next one. */
function hostLevel(err: NodemailerError): boolean {
  if (err.responseCode === 421) return true;
  if (err.responseCode !== undefined) return false;
  // The message's own needs (SMTPUTF8, SIZE) bounce it like a 5xx would: Postfix does not try the next MX.
  return !['EENVELOPE', 'EAUTH', 'ECONFIG', 'ESMTPUTF8', 'EMESSAGE'].includes(err.code ?? '');
}

/** `user@[192.0.2.1]` names its host directly. */
function literalRoute(domain: string): MailRoute | null {
  const m = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain);
  if (!m || !isIP(m[1])) return null;
  return { kind: 'hosts', implicit: true, hosts: [{ name: m[1], preference: 0, addresses: [m[1]] }] };
}

export function createDirectDeliverer(config: DeliveryConfig, resolver: DnsResolver): Deliverer {
  const redact = redactor(config.auth?.pass, config.auth?.user);
  const port = config.directPort;

  const fail = (to: string[], status: 'deferred' | 'bounced', response: string, failure: RecipientResult['failure'], stage: RecipientResult['stage']): RecipientResult[] =>
    to.map((t) => ({ to: t, status, response, failure, stage }));

  async function tryHosts(hosts: MailHost[], req: DeliveryRequest, to: string[]): Promise<RecipientResult[]> {
    let last: { err: NodemailerError; host: string } | undefined;
    for (const host of hosts) {
      for (const address of host.addresses) {
        const label = `${host.name}:${port}`;
        let session;
        try {
          session = await openSession(config, address, port, isIP(host.name) ? undefined : host.name);
        } catch (err) {
          last = { err: toNodemailerError(err), host: label };
          continue;
        }
        const ctx: ResultContext = { host: label, tls: session.secure, redact };
        try {
          const info = await session.send(req.from, to, req.raw, req);
          return resultsFromInfo(info, to, ctx);
        } catch (err) {
          const e = toNodemailerError(err);
          if (!hostLevel(e)) return resultsFromError(e, to, ctx);
          last = { err: e, host: label };
        } finally {
          session.quit();
        }
      }
    }
    if (!last) return fail(to, 'deferred', 'no mail host to try', 'dns', 'dns');
    return resultsFromError(last.err, to, { host: last.host, redact });
  }

  async function deliverDomain(req: DeliveryRequest, domain: string, to: string[]): Promise<RecipientResult[]> {
    if (!domain) return fail(to, 'bounced', 'recipient address has no domain', 'config', 'local');
    const route = literalRoute(domain) ?? (await resolveMailRoute(resolver, domain));
    if (route.kind === 'none') return fail(to, 'bounced', route.reason, 'dns', 'dns');
    if (route.kind === 'temporary') return fail(to, 'deferred', route.reason, 'dns', 'dns');
    return tryHosts(route.hosts, req, to);
  }

  return {
    async deliver(req: DeliveryRequest): Promise<RecipientResult[]> {
      const groups = [...groupByDomain(req.to)];
      const settled = await Promise.all(
        groups.map(([domain, to]) =>
          deliverDomain(req, domain, to).catch((err: unknown) =>
            fail(to, 'deferred', redact(`internal error: ${(err as Error)?.message ?? String(err)}`), 'protocol', 'local'),
          ),
        ),
      );
      // Back in the order the caller gave, so results line up with req.to.
      const order = new Map(req.to.map((t, i) => [t, i]));
      return settled.flat().sort((a, b) => (order.get(a.to) ?? 0) - (order.get(b.to) ?? 0));
    },
    async close(): Promise<void> {
      // Direct sessions are one per transaction and closed after it: nothing is kept open.
    },
  };
}
