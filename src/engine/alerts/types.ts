/**
 * Public types of alerting: targets and subscriptions, silences, alert groups, the notices the
 * engine hands to sinks, and the sink contract adapters implement.
 */
import type { DailyReport } from '../reports/types.js';
import type { EventLevel, SmtpStage } from '../types.js';

/** Where alerts go. */
export type AlertPlatform = 'slack' | 'discord' | 'email';
export const ALERT_PLATFORMS: readonly AlertPlatform[] = ['slack', 'discord', 'email'];

/** A Slack or Discord channel id, or an email address, in `channel`. Written `slack:C0123`, `discord:123…`, `email:oncall@example.com`. */
export interface AlertTarget {
  platform: AlertPlatform;
  channel: string;
}

/** `slack:C0123`: how targets are written in commands, events and keys. */
export function targetKey(t: AlertTarget): string {
  return `${t.platform}:${t.channel}`;
}

/** What a target receives: events at or above `minLevel`, only of `codes` when given. */
export interface AlertSubscription extends AlertTarget {
  /** Least event level that is forwarded (bounces are errors, deferrals warnings). */
  minLevel: EventLevel;
  /** Only these event codes (`relay.unreachable`, …); empty = every code. */
  codes: string[];
  createdBy: string;
  createdAt: number;
}

/** The daily report posted to a target at a wall-clock time in the report time zone. */
export interface ReportSubscription extends AlertTarget {
  /** `HH:MM`, 24-hour, in the `timezone` setting's zone. */
  at: string;
  /** The last day (`YYYY-MM-DD`) whose report was queued for this target. */
  lastDay: string | null;
  createdBy: string;
  createdAt: number;
}

/** A silence: groups of an event code, or of a relay or domain, are not notified until `until`. */
export interface AlertSilence {
  /** The event code (`relay.deferred`) or the place (`example.com`, `smtp.example.com:587`). */
  match: string;
  kind: 'code' | 'scope';
  until: number;
  createdBy: string;
  createdAt: number;
}

/** What an alert group is about: a relay, a recipient domain, or another place named by the event. */
export interface AlertScope {
  kind: 'relay' | 'domain' | 'queue' | 'target' | 'reason' | 'client' | 'system';
  /** `smtp.example.com:587`, `example.com`, `slack:C0123`, `size`, … ('' for system). */
  value: string;
}

/** One reason inside a group, with the SMTP code and the RFC 3463 status. */
export interface AlertReason {
  smtpCode: number | null;
  enhanced: string | null;
  stage: SmtpStage | null;
  /** The reply (or our own description), queue ids and addresses as the first event gave them. */
  text: string;
  /** Recipients (or occurrences, for events without recipients) with this reason. */
  count: number;
}

/**
 * Failures of one kind at one place, as Alertmanager groups alerts: keyed by (event code, relay
 * or domain), firing until the condition clears, then resolved.
 */
export interface AlertGroup {
  id: string;
  code: string;
  level: EventLevel;
  scope: AlertScope;
  state: 'firing' | 'resolved';
  /** Increases with every change; a notification shows one version. */
  version: number;
  firstAt: number;
  lastAt: number;
  resolvedAt: number | null;
  /** How it cleared: `recovered` (mail got through), `quiet` (nothing new for alert-group-interval), `drained`, `cleared` (an event said so). */
  resolution: string | null;
  /** Failures counted (attempts, or events). */
  occurrences: number;
  /** Distinct messages affected. */
  messages: number;
  /** Recipients of those messages with this failure (each message counted once). */
  recipients: number;
  /** Most frequent reasons first (at most 10 kept). */
  reasons: AlertReason[];
  /** The first few queue ids. */
  examples: string[];
  /** The latest event's text. */
  lastMessage: string;
  /** Of `messages`, how many were alert emails themselves (a group of only those does not email). */
  alertMail: number;
  /** Mail got through to this place at this time, after the last failure (clears at the next notification). */
  recoveredAt: number | null;
  notified: {
    /** Version last notified (0 = never). */
    version: number;
    at: number | null;
    /** Last new post (first notification or repeat). */
    postedAt: number | null;
    count: number;
  };
}

/** What a notice is: a group's card (first post, edit, repeat), the resolved notice, a one-off alert, a daily report. */
export type AlertNoticeKind = 'firing' | 'update' | 'repeat' | 'resolved' | 'event' | 'report';

/** What a sink shows: platform-neutral data; adapters render it. */
export interface AlertNotice {
  /** Stable id of this post (`<group>.<n>`): the same across retries and restarts, so a platform can recognise a repeat. */
  key: string;
  kind: AlertNoticeKind;
  level: EventLevel;
  /** What is wrong and where, e.g. `Relay smtp.example.com:587 is deferring mail`. */
  title: string;
  time: number;
  /** The group as of this notice (cards and resolved notices). */
  group?: AlertGroup;
  /** The likely fix; commands in backticks are real grammar lines. */
  hint?: string;
  /** Mail waits in the queue because of this (deferred, not bounced): showing and flushing it makes sense. */
  mailWaits?: boolean;
  /** Extra facts for readers (e.g. that email alerts wait in the queue behind this failure). */
  notes: string[];
  /** One-off alerts: their text. */
  text?: string;
  /** Report notices: the day's report. */
  report?: DailyReport;
}

/**
 * A platform's way of showing notices. The engine's outbox calls it, one call at a time per
 * target, and retries what throws: an {@link AlertDeliveryError} says how (Retry-After, a message
 * that is gone); anything else is retried with backoff.
 */
export interface AlertSink {
  /** Post a new message; resolves with its id on the platform (Slack ts, Discord message id, queue id). */
  post(target: AlertTarget, notice: AlertNotice): Promise<string>;
  /** Replace a message posted before (absent: the platform cannot edit, e.g. email). */
  edit?(target: AlertTarget, ref: string, notice: AlertNotice): Promise<void>;
  /** After an attempt whose outcome is unknown (a crash, a lost connection): the message posted with `notice.key`, if any. */
  find?(target: AlertTarget, notice: AlertNotice, since: number): Promise<string | null>;
  /** Least ms between two calls for one target (the platform's per-channel rate). */
  spacingMs?: number;
}

/** One-off alert to one target or every matching subscription (not grouped). */
export interface AdhocAlert {
  level: EventLevel;
  title: string;
  text: string;
  target?: AlertTarget;
}

/** One target's delivery state, for `status`. */
export interface AlertTargetStatus {
  target: string;
  /** Notices waiting (posts and edits). */
  pending: number;
  /** Failing since (ms), or null. */
  failingSince: number | null;
  lastError: string | null;
  /** Whether a sink for the platform runs in this process. */
  connected: boolean;
}

/** `alerts` in `status`: groups and deliveries. */
export interface AlertStatus {
  firing: number;
  muted: number;
  targets: AlertTargetStatus[];
}
