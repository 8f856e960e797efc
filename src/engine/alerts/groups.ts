/**
 * Alert groups as data: what one more failure does to a group, and what a group needs now
 * (Alertmanager's timing: wait `group_wait` before the first notification, send changes at most
 * every `group_interval`, repeat every `repeat_interval` while firing, resolve when the condition
 * clears). Pure functions of the group, the time and the settings.
 */
import type { EventLevel, SmtpStage } from '../types.js';
import { normReason } from '../reports/normalize.js';
import type { AlertGroup, AlertReason, AlertScope } from './types.js';
import type { ClearRule } from './kinds.js';

/** One occurrence (or a summary of several) of a warning or error, as groups count it. */
export interface AlertSignal {
  level: EventLevel;
  code: string;
  message: string;
  time: number;
  scope: AlertScope;
  /** Occurrences it stands for (a rate-limited summary stands for many). */
  count: number;
  /** The message it is about (failures of delivery). */
  messageId?: string;
  /** Recipients of that message with this failure. */
  recipients?: number;
  /** The message was an alert email itself. */
  alertMail?: boolean;
  reasons: { smtpCode: number | null; enhanced: string | null; stage: SmtpStage | null; text: string; count: number }[];
}

/** Reasons kept per group (the rest fold into the least frequent). */
const MAX_REASONS = 10;
const MAX_EXAMPLES = 5;
const LEVELS: readonly EventLevel[] = ['info', 'warning', 'error'];

export function groupKey(code: string, scope: AlertScope): string {
  return `${code}|${scope.kind}:${scope.value.toLowerCase()}`;
}

export function newGroup(id: string, s: AlertSignal): AlertGroup {
  return {
    id,
    code: s.code,
    level: s.level,
    scope: s.scope,
    state: 'firing',
    version: 0,
    firstAt: s.time,
    lastAt: s.time,
    resolvedAt: null,
    resolution: null,
    occurrences: 0,
    messages: 0,
    recipients: 0,
    reasons: [],
    examples: [],
    lastMessage: '',
    alertMail: 0,
    recoveredAt: null,
    notified: { version: 0, at: null, postedAt: null, count: 0 },
  };
}

/**
 * Count one signal into a firing group (in place). `firstOfMessage` says the message was not
 * counted in this group before (a deferred message retried is one message, however often it fails).
 */
export function addSignal(g: AlertGroup, s: AlertSignal, firstOfMessage: boolean): void {
  g.version++;
  g.lastAt = Math.max(g.lastAt, s.time);
  g.firstAt = Math.min(g.firstAt, s.time);
  g.recoveredAt = null;
  g.lastMessage = s.message.slice(0, 500);
  if (LEVELS.indexOf(s.level) > LEVELS.indexOf(g.level)) g.level = s.level;
  g.occurrences += s.count;
  if (s.messageId && firstOfMessage) {
    g.messages++;
    g.recipients += s.recipients ?? 0;
    if (s.alertMail) g.alertMail++;
    if (g.examples.length < MAX_EXAMPLES) g.examples.push(s.messageId);
  }
  for (const r of s.reasons) mergeReason(g.reasons, { ...r, text: normReason(r.text) });
  g.reasons.sort((a, b) => b.count - a.count);
}

function mergeReason(list: AlertReason[], r: AlertReason): void {
  const same = list.find((x) => x.smtpCode === r.smtpCode && x.enhanced === r.enhanced && x.stage === r.stage && x.text === r.text);
  if (same) {
    same.count += r.count;
    return;
  }
  if (list.length < MAX_REASONS) {
    list.push({ ...r });
    return;
  }
  // Full: the rarest reason stands for every other one from now on.
  const last = list[list.length - 1];
  last.count += r.count;
}

/** The timing settings, in ms. */
export interface Timing {
  wait: number;
  interval: number;
  /** 0 = never repeat. */
  repeat: number;
  /** retry-max: the longest a deferred message waits between tries. */
  retryMax: number;
}

export type Decision =
  /** Nothing now; look again at `at` (null: only a new signal changes anything). */
  | { action: 'none'; at: number | null }
  /** Notify: first post, an edit of the changes, or a new post repeating it. */
  | { action: 'notify'; kind: 'firing' | 'update' | 'repeat' }
  /** The condition cleared: resolve and tell the targets that were told it fired. */
  | { action: 'resolve'; resolution: string }
  /** Cleared before anyone was told: forget it. */
  | { action: 'drop'; resolution: string };

/** Why a firing group has cleared by `now`, or null. */
function clearedBy(g: AlertGroup, now: number, rule: ClearRule, t: Timing): string | null {
  if (g.recoveredAt !== null && g.recoveredAt >= g.lastAt) return 'recovered';
  if (rule === 'quiet') return now - g.lastAt >= t.interval ? 'quiet' : null;
  // Nothing failed for longer than any deferred message waits between tries: nothing waits any more.
  return now - g.lastAt >= t.retryMax + t.interval ? 'quiet' : null;
}

/** When a clearing could next be noticed (for the timer). */
function clearsAt(g: AlertGroup, rule: ClearRule, t: Timing): number {
  return g.lastAt + (rule === 'quiet' ? t.interval : t.retryMax + t.interval);
}

/**
 * What a firing group needs at `now`. `muted` holds back notices of changes and repeats (a
 * resolution is still told, so the card in the channel does not stay red).
 */
export function decide(g: AlertGroup, now: number, rule: ClearRule, t: Timing, muted: boolean): Decision {
  if (g.state !== 'firing') return { action: 'none', at: null };
  const told = g.notified.version > 0;
  const due = told ? (g.notified.at ?? now) + t.interval : g.firstAt + t.wait;
  const cleared = clearedBy(g, now, rule, t);
  if (cleared) {
    if (!told) return { action: 'drop', resolution: cleared };
    if (now >= due) return { action: 'resolve', resolution: cleared };
    return { action: 'none', at: due };
  }
  const candidates = [clearsAt(g, rule, t)];
  if (!muted) {
    if (g.version > g.notified.version) {
      if (now >= due) return { action: 'notify', kind: told ? 'update' : 'firing' };
      candidates.push(due);
    }
    if (told && t.repeat > 0 && g.notified.postedAt !== null) {
      const repeatAt = g.notified.postedAt + t.repeat;
      if (now >= repeatAt && now >= due) return { action: 'notify', kind: 'repeat' };
      candidates.push(Math.max(repeatAt, due));
    }
  }
  return { action: 'none', at: Math.min(...candidates) };
}

/** Record a notification (in place). */
export function markNotified(g: AlertGroup, kind: 'firing' | 'update' | 'repeat', now: number): void {
  g.notified = {
    version: g.version,
    at: now,
    postedAt: kind === 'update' ? g.notified.postedAt : now,
    count: g.notified.count + 1,
  };
}

/** Resolve (in place). */
export function markResolved(g: AlertGroup, resolution: string, now: number): void {
  g.state = 'resolved';
  g.resolvedAt = now;
  g.resolution = resolution;
  g.version++;
  g.notified = { ...g.notified, version: g.version, at: now, count: g.notified.count + 1 };
}
