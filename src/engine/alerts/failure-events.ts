/**
 * Failure -> event: what one delivery attempt means for the operator. A pure function of the
 * attempt's outcomes; the engine writes the events (rate-limited) and the alert groups count
 * every one.
 *
 * One event per kind and place: a relay's trouble is about the relay (`relay.*`, `auth.failed`,
 * `tls.failed`), a bounce or an expiry is about the recipient's domain, and in direct mode a
 * temporary failure is about the domain whose MX failed. A permanent failure is a bounce only,
 * never also a deferral.
 */
import type { EventLevel, FailureKind, LogEntry, RecipientResult, SmtpStage } from '../types.js';
import { impliedEnhanced, parseEnhanced, parseReplyCode } from './smtp-reply.js';

/** What became of one recipient in this attempt (after the queue applied the lifetime). */
export interface RecipientOutcome {
  to: string;
  status: 'sent' | 'deferred' | 'bounced' | 'expired';
  result: RecipientResult;
}

/** One delivery attempt of one message, as the engine saw it. */
export interface AttemptFacts {
  /** Queue id. */
  id: string;
  /** `host:port` of the relay in relay mode; null when delivering direct by MX. */
  relay: string | null;
  outcomes: RecipientOutcome[];
}

/** One reason inside an event: a reply (or our own description) and how many recipients got it. */
export interface FailureReason {
  smtpCode: number | null;
  enhanced: string;
  stage: SmtpStage | null;
  text: string;
  recipients: number;
}

/** The structured part of every failure event (`EventEntry.data`). */
export interface FailureData {
  /** Queue id of the message. */
  id: string;
  /** The relay (`host:port`) when one was used. */
  relay?: string;
  /** The recipient domain, for bounces, expiries and direct-mode failures. */
  domain?: string;
  /** `host:port` that answered (relay or MX), when one did. */
  host?: string;
  /** SMTP reply code of the first reason, or null when no server answered. */
  smtpCode: number | null;
  /** RFC 3463 status of the first reason (implied as Postfix does when no server gave one). */
  enhanced: string;
  stage: SmtpStage | null;
  failure: FailureKind | null;
  /** Recipients of this message with this kind of failure at this place. */
  recipients: number;
  /** Up to 3 of them. */
  to: string[];
  /** Every distinct reason (most recipients first), at most 5. */
  reasons: FailureReason[];
}

export interface FailureEvent {
  level: EventLevel;
  code: string;
  message: string;
  data: FailureData;
}

/** What accepted mail in this attempt: resolves groups of the relay or domain. */
export interface Recovery {
  relay: string | null;
  domains: string[];
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase() : '';
}

/** The event code of one failed recipient. */
function codeOf(o: RecipientOutcome, relay: boolean): { code: string; level: EventLevel; place: 'relay' | 'domain' } {
  if (o.status === 'bounced') return { code: 'delivery.bounced', level: 'error', place: 'domain' };
  if (o.status === 'expired') return { code: 'delivery.expired', level: 'error', place: 'domain' };
  const r = o.result;
  const place = relay ? 'relay' : 'domain';
  switch (r.failure) {
    case 'auth':
      return { code: 'auth.failed', level: 'error', place };
    case 'tls':
      return { code: 'tls.failed', level: 'error', place };
    case 'config':
      return { code: 'config.invalid', level: 'error', place };
    case 'connection':
    case 'timeout':
      // A relay that cannot be reached (or never greets) is down; one that stops answering mid-session is deferring.
      if (relay) return r.stage === 'timeout' ? { code: 'relay.deferred', level: 'warning', place } : { code: 'relay.unreachable', level: 'error', place };
      return { code: 'delivery.deferred', level: 'warning', place };
    default:
      return relay ? { code: 'relay.deferred', level: 'warning', place } : { code: 'delivery.deferred', level: 'warning', place };
  }
}

function reasonOf(o: RecipientOutcome): Omit<FailureReason, 'recipients'> {
  const r = o.result;
  const text = r.response.trim();
  const smtpCode = r.code ?? parseReplyCode(text);
  const permanent = o.status === 'bounced';
  return {
    smtpCode: smtpCode ?? null,
    enhanced: parseEnhanced(text, smtpCode) ?? impliedEnhanced(r.failure, r.stage, permanent, text),
    stage: r.stage ?? null,
    text: text.slice(0, 300),
  };
}

const MESSAGES: Readonly<Record<string, (d: FailureData, first: string) => string>> = {
  'delivery.bounced': (d, first) => `message ${d.id} to ${plural(d.recipients, 'recipient')} at ${d.domain} bounced: ${first}`,
  'delivery.expired': (d, first) => `message ${d.id} to ${plural(d.recipients, 'recipient')} at ${d.domain} expired in the queue: ${first}`,
  'delivery.deferred': (d, first) => `delivery of ${d.id} to ${d.domain}${d.host ? ` (${d.host})` : ''} deferred${stageText(d)}: ${first}`,
  'relay.deferred': (d, first) => `relay ${d.relay} deferred ${d.id}${stageText(d)}: ${first}`,
  'relay.unreachable': (d, first) => `relay ${d.relay} unreachable: ${first} (mail is kept and retried; check the relay and firewall)`,
  'auth.failed': (d, first) => `authentication failed at ${d.relay ?? d.host ?? d.domain}: ${first} (check sasl-username and sasl-password, then queue flush)`,
  'tls.failed': (d, first) => `TLS failed with ${d.relay ?? d.host ?? d.domain}: ${first} (check use-tls, relay-port, tls-ca)`,
  'config.invalid': (_d, first) => `delivery impossible with the current settings: ${first}`,
};

function stageText(d: FailureData): string {
  return d.stage ? ` at ${d.stage === 'timeout' ? 'a timeout' : d.stage.toUpperCase()}` : '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The failure events of one attempt: one per (code, relay or domain), in first-seen order. */
export function failureEvents(f: AttemptFacts): FailureEvent[] {
  const groups = new Map<string, { code: string; level: EventLevel; place: 'relay' | 'domain'; domain: string; outcomes: RecipientOutcome[] }>();
  for (const o of f.outcomes) {
    if (o.status === 'sent') continue;
    const c = codeOf(o, f.relay !== null);
    const domain = domainOf(o.to);
    const key = `${c.code}|${c.place === 'relay' ? f.relay : domain}`;
    const g = groups.get(key) ?? { ...c, domain, outcomes: [] };
    g.outcomes.push(o);
    groups.set(key, g);
  }
  const out: FailureEvent[] = [];
  for (const g of groups.values()) {
    const reasons = new Map<string, FailureReason>();
    for (const o of g.outcomes) {
      const r = reasonOf(o);
      const k = `${r.smtpCode}|${r.enhanced}|${r.stage}|${r.text}`;
      const cur = reasons.get(k);
      if (cur) cur.recipients++;
      else reasons.set(k, { ...r, recipients: 1 });
    }
    const list = [...reasons.values()].sort((a, b) => b.recipients - a.recipients).slice(0, 5);
    const first = list[0];
    const host = g.outcomes.find((o) => o.result.host)?.result.host;
    const data: FailureData = {
      id: f.id,
      ...(f.relay ? { relay: f.relay } : {}),
      ...(g.place === 'domain' || !f.relay ? { domain: g.domain } : {}),
      ...(host ? { host } : {}),
      smtpCode: first.smtpCode,
      enhanced: first.enhanced,
      stage: first.stage,
      failure: g.outcomes[0].result.failure ?? null,
      recipients: g.outcomes.length,
      to: g.outcomes.slice(0, 3).map((o) => o.to),
      reasons: list,
    };
    const firstText = `${g.outcomes[0].to}: ${first.text}`;
    const message = (MESSAGES[g.code] ?? ((_d, t) => t))(data, firstText).slice(0, 1000);
    out.push({ level: g.level, code: g.code, message, data });
  }
  return out;
}

/** Where this attempt got mail through: the relay (relay mode) and the domains that accepted. */
export function recoveries(f: AttemptFacts): Recovery {
  const sent = f.outcomes.filter((o) => o.status === 'sent');
  return { relay: sent.length > 0 ? f.relay : null, domains: [...new Set(sent.map((o) => domainOf(o.to)))] };
}

/** What became of each recipient in one attempt: the log's verdict (sent, deferred, bounced, expired) with the deliverer's result. */
export function outcomesOf(log: readonly LogEntry[], results: readonly RecipientResult[]): RecipientOutcome[] {
  const byTo = new Map(results.map((r) => [r.to.toLowerCase(), r]));
  const out: RecipientOutcome[] = [];
  for (const e of log) {
    if (e.status !== 'sent' && e.status !== 'deferred' && e.status !== 'bounced' && e.status !== 'expired') continue;
    const to = e.to[0];
    const result: RecipientResult = byTo.get(to.toLowerCase()) ?? { to, status: e.status === 'sent' ? 'sent' : 'deferred', response: e.response ?? '', ...(e.failure ? { failure: e.failure } : {}), ...(e.host ? { host: e.host } : {}) };
    out.push({ to, status: e.status, result });
  }
  return out;
}
