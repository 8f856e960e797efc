/**
 * Who receives alerts and reports: subscriptions per target (a Slack or Discord channel, an
 * email address), filtered by level and by event codes, and daily report subscriptions.
 *
 * Keys: `sub!<platform>!<channel>` (the layout chat subscriptions always had; email targets use
 * the platform `email` and the lower-cased address, so nothing needs migrating; records written
 * before filters existed read as "every code") and `subr!<platform>!<channel>` for reports.
 */
import type { Actor, EventLevel } from '../types.js';
import { EVENT_LEVELS, actorKey } from '../types.js';
import { ValidationError } from '../errors.js';
import type { Clock } from '../facade.js';
import { isMailbox } from '../settings/syntax.js';
import { closest } from '../suggest.js';
import { K, prefixRange, type Op, type Store } from '../store.js';
import { ALERT_KINDS } from './kinds.js';
import { ALERT_PLATFORMS, type AlertPlatform, type AlertSubscription, type AlertTarget, type ReportSubscription } from './types.js';

const CHANNEL_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Check a target; the email address is kept as given, compared case-insensitively. */
export function checkTarget(t: AlertTarget): AlertTarget {
  if (!t || typeof t !== 'object' || !ALERT_PLATFORMS.includes(t.platform)) {
    throw ValidationError.one('target', 'platform', `target must be slack:<channel id>, discord:<channel id> or email:<address> (got ${JSON.stringify(String((t as AlertTarget)?.platform ?? ''))})`);
  }
  const channel = String(t.channel ?? '').trim();
  if (t.platform === 'email') {
    if (!isMailbox(channel)) throw ValidationError.one('target', 'email', `an email target must be an address like oncall@example.com (got ${JSON.stringify(channel.slice(0, 80))})`);
    return { platform: 'email', channel };
  }
  if (!CHANNEL_RE.test(channel)) throw ValidationError.one('target', 'channel', `channel must be a ${t.platform === 'slack' ? 'Slack' : 'Discord'} channel id (letters, digits, - and _) (got ${JSON.stringify(channel.slice(0, 80))})`);
  return { platform: t.platform, channel };
}

/** `slack:C0123`, `discord:1234`, `email:oncall@example.com` or a bare address. */
export function parseTarget(text: string): AlertTarget {
  const v = String(text ?? '').trim();
  const m = /^([a-z]+):(.*)$/i.exec(v);
  if (m && (ALERT_PLATFORMS as readonly string[]).includes(m[1].toLowerCase())) return checkTarget({ platform: m[1].toLowerCase() as AlertPlatform, channel: m[2] });
  if (v.includes('@') && !v.includes(':')) return checkTarget({ platform: 'email', channel: v });
  throw ValidationError.one('target', 'format', `target must be slack:<channel id>, discord:<channel id> or email:<address> (got ${JSON.stringify(v.slice(0, 80))})`);
}

/** Comma- or space-separated event codes; each must be a code alerts know. */
export function parseCodes(raw: string | string[] | undefined): string[] {
  const items = (Array.isArray(raw) ? raw : String(raw ?? '').split(/[,\s]+/)).map((c) => c.trim().toLowerCase()).filter(Boolean);
  const known = Object.keys(ALERT_KINDS);
  for (const c of items) {
    if (!known.includes(c)) {
      const near = closest(c, known);
      throw ValidationError.one('code', 'known-code', `${c} is not an alert code${near ? ` (did you mean ${near}?)` : ''}; codes are: ${known.join(', ')}`);
    }
  }
  return [...new Set(items)];
}

/** `HH:MM`, 24-hour. */
export function parseReportTime(raw: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(raw ?? '').trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw ValidationError.one('report', 'time', `report must be a time of day HH:MM, e.g. 08:00 (got ${JSON.stringify(String(raw ?? '').slice(0, 20))})`);
  return `${m[1].padStart(2, '0')}:${m[2]}`;
}

function subKey(t: AlertTarget): string {
  return K.sub(t.platform, t.platform === 'email' ? t.channel.toLowerCase() : t.channel);
}

function reportKey(t: AlertTarget): string {
  return K.reportSub(t.platform, t.platform === 'email' ? t.channel.toLowerCase() : t.channel);
}

const rank = (l: EventLevel) => EVENT_LEVELS.indexOf(l);

export class Subscriptions {
  /** In memory: read for every notification. */
  private subs = new Map<string, AlertSubscription>();
  private reports = new Map<string, ReportSubscription>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    for await (const [k, v] of this.store.db.iterator(prefixRange('sub!'))) {
      const s = JSON.parse(v) as Partial<AlertSubscription> & AlertTarget;
      this.subs.set(k, { codes: [], minLevel: 'warning', createdBy: 'unknown', createdAt: 0, ...s });
    }
    for await (const [k, v] of this.store.db.iterator(prefixRange('subr!'))) this.reports.set(k, JSON.parse(v) as ReportSubscription);
  }

  async subscribe(target: AlertTarget, minLevel: EventLevel, actor: Actor, codes: string[] = []): Promise<AlertSubscription> {
    const t = checkTarget(target);
    if (!EVENT_LEVELS.includes(minLevel)) throw ValidationError.one('level', 'choice', `level must be one of ${EVENT_LEVELS.join(', ')} (got ${JSON.stringify(minLevel)})`);
    const sub: AlertSubscription = { ...t, minLevel, codes: parseCodes(codes), createdBy: actorKey(actor), createdAt: this.clock.now() };
    const key = subKey(t);
    await this.store.commit([{ type: 'put', key, value: JSON.stringify(sub) }], true);
    this.subs.set(key, sub);
    return sub;
  }

  /** Ops that remove a subscription (the caller adds the outbox's and commits). */
  unsubscribeOps(target: AlertTarget): { ops: Op[]; had: boolean } {
    const key = subKey(checkTarget(target));
    return { ops: [{ type: 'del', key }], had: this.subs.has(key) };
  }

  forget(target: AlertTarget): void {
    this.subs.delete(subKey(target));
  }

  list(): AlertSubscription[] {
    return [...this.subs.values()];
  }

  /** Targets that want a group of this code and level. */
  matching(code: string, level: EventLevel): AlertSubscription[] {
    return this.list().filter((s) => rank(level) >= rank(s.minLevel) && (s.codes.length === 0 || s.codes.includes(code)));
  }

  // ------------------------------------------------------------ reports

  async subscribeReport(target: AlertTarget, at: string, actor: Actor, lastDay: string | null): Promise<ReportSubscription> {
    const t = checkTarget(target);
    const key = reportKey(t);
    const sub: ReportSubscription = { ...t, at: parseReportTime(at), lastDay: this.reports.get(key)?.lastDay ?? lastDay, createdBy: actorKey(actor), createdAt: this.clock.now() };
    await this.store.commit([{ type: 'put', key, value: JSON.stringify(sub) }], true);
    this.reports.set(key, sub);
    return sub;
  }

  async unsubscribeReport(target: AlertTarget): Promise<boolean> {
    const key = reportKey(checkTarget(target));
    if (!this.reports.has(key)) return false;
    await this.store.commit([{ type: 'del', key }], true);
    this.reports.delete(key);
    return true;
  }

  reportList(): ReportSubscription[] {
    return [...this.reports.values()];
  }

  /** The op that records a report day as queued (written with the outbox entry). */
  reportSentOp(sub: ReportSubscription, day: string): Op {
    const next = { ...sub, lastDay: day };
    this.reports.set(reportKey(sub), next);
    return { type: 'put', key: reportKey(sub), value: JSON.stringify(next) };
  }
}
