/**
 * An alert notice in words: title, status line, counts, top reasons with their SMTP codes,
 * first and last time, example queue ids, the likely fix, notes and buttons. Every platform
 * renders this one view (Slack blocks, Discord embeds, a plain-text email); a report notice is
 * the `report` command's own reply.
 */
import type { AlertGroup, AlertNotice } from '../engine/index.js';
import { ALERT_ACTIONS, alertToken } from './alert-actions.js';
import type { Reply } from './reply.js';
import { formatDuration, formatTime, oneLine, plural } from './handlers/format.js';
import { reportReply } from './handlers/report.js';

export interface AlertButton {
  /** The runner's token. */
  id: string;
  label: string;
  style: 'primary' | 'danger' | 'default';
  /** The line it runs (email lists these instead of buttons). */
  line: string;
}

export interface AlertView {
  kind: 'alert';
  tone: 'info' | 'warning' | 'error' | 'success';
  /** `FIRING`, `STILL FIRING`, `RESOLVED`, `ALERT`. */
  badge: string;
  title: string;
  /** When it started, last happened, or cleared. */
  status: string;
  /** The counts in one sentence. */
  summary: string;
  fields: { label: string; value: string }[];
  hint?: string;
  notes: string[];
  /** Names the notice: group id, code and its post key (platforms find a post again by it). */
  footer: string;
  buttons: AlertButton[];
  key: string;
  time: number;
}

export interface ReportView {
  kind: 'report';
  title: string;
  reply: Reply;
  footer: string;
  key: string;
}

const STAGES: Readonly<Record<string, string>> = {
  dns: 'DNS',
  connect: 'connect',
  greeting: 'greeting',
  ehlo: 'EHLO',
  tls: 'TLS',
  auth: 'AUTH',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO',
  data: 'DATA',
  timeout: 'timeout',
  local: 'before sending',
};

function verb(g: AlertGroup): string {
  if (g.code === 'delivery.bounced') return 'bounced';
  if (g.code === 'delivery.expired') return 'expired';
  if (g.code === 'relay.unreachable' || g.code === 'relay.deferred' || g.code === 'delivery.deferred' || g.code === 'auth.failed' || g.code === 'tls.failed') return 'deferred';
  return 'affected';
}

/** `37 messages to 52 recipients deferred (41 failures)`, or `3 occurrences` for events without mail. */
export function countsLine(g: AlertGroup): string {
  if (g.messages === 0) return `${plural(g.occurrences, 'occurrence')}`;
  const extra = g.occurrences > g.messages ? ` (${plural(g.occurrences, 'failure')} counting retries)` : '';
  return `${plural(g.messages, 'message')} to ${plural(g.recipients, 'recipient')} ${verb(g)}${extra}`;
}

/** `451 4.3.0 at RCPT TO ×30: text`. */
export function reasonLine(r: AlertGroup['reasons'][number]): string {
  const codes = [r.smtpCode ?? '', r.enhanced ?? ''].filter((x) => x !== '').join(' ');
  const where = r.stage ? ` at ${STAGES[r.stage] ?? r.stage}` : '';
  return `${codes || 'no reply'}${where} ×${r.count.toLocaleString('en-US')}: ${oneLine(r.text, 140)}`;
}

function statusLine(n: AlertNotice, g: AlertGroup): string {
  if (g.state === 'resolved') {
    const why = g.resolution === 'recovered' ? 'mail gets through again' : g.resolution === 'quiet' ? 'no new failures' : 'cleared';
    return `Resolved ${formatTime(g.resolvedAt)} (${why}) after ${formatDuration((g.resolvedAt ?? n.time) - g.firstAt)} · first ${formatTime(g.firstAt)} · last ${formatTime(g.lastAt)}`;
  }
  return `Firing since ${formatTime(g.firstAt)} · last ${formatTime(g.lastAt)} (${formatDuration(Math.max(0, n.time - g.lastAt))} ago)`;
}

/** The buttons a group gets (none on a resolved notice or a closed group). */
export function alertButtons(g: AlertGroup, mailWaits: boolean): AlertButton[] {
  if (g.state !== 'firing') return [];
  return ALERT_ACTIONS.filter((a) => a.offered(g, mailWaits)).map((a) => ({ id: alertToken(a.id, g.id), label: a.label, style: a.style, line: a.line(g) }));
}

/** The view of a notice. */
export function alertView(n: AlertNotice): AlertView | ReportView {
  if (n.kind === 'report' && n.report) {
    return { kind: 'report', title: n.title, reply: reportReply(n.report, { full: false }), footer: `smtp-ops daily report · ${n.key}`, key: n.key };
  }
  const g = n.group;
  if (!g) {
    return { kind: 'alert', tone: n.level, badge: 'ALERT', title: n.title, status: formatTime(n.time), summary: n.text ?? '', fields: [], notes: n.notes, footer: `smtp-ops alert · ${n.key}`, buttons: [], key: n.key, time: n.time };
  }
  const resolved = g.state === 'resolved';
  const footer = `smtp-ops alert ${g.id} · ${g.code} · ${n.key}`;
  if (n.kind === 'resolved') {
    return {
      kind: 'alert',
      tone: 'success',
      badge: 'RESOLVED',
      title: n.title,
      status: statusLine(n, g),
      summary: `In all: ${countsLine(g)}.`,
      fields: [],
      notes: [],
      footer,
      buttons: [],
      key: n.key,
      time: n.time,
    };
  }
  const fields: AlertView['fields'] = [];
  if (g.reasons.length) fields.push({ label: 'Top reasons', value: g.reasons.slice(0, 3).map(reasonLine).join('\n') });
  const where = g.scope.value ? `${g.scope.kind} ${g.scope.value}` : g.scope.kind;
  fields.push({ label: 'Where', value: `${where} (${g.code})` });
  if (g.examples.length) fields.push({ label: 'Example queue ids', value: g.examples.join(', ') });
  if (g.lastMessage) fields.push({ label: 'Latest', value: oneLine(g.lastMessage, 300) });
  return {
    kind: 'alert',
    tone: resolved ? 'success' : g.level === 'info' ? 'info' : g.level,
    badge: resolved ? 'RESOLVED' : n.kind === 'repeat' ? 'STILL FIRING' : 'FIRING',
    title: n.title,
    status: statusLine(n, g),
    summary: `${countsLine(g)}.`,
    fields,
    ...(n.hint && !resolved ? { hint: n.hint } : {}),
    notes: n.notes,
    footer,
    buttons: alertButtons(g, n.mailWaits === true),
    key: n.key,
    time: n.time,
  };
}

/** The view as plain text (emails, chat fallbacks, logs): subject line and body. */
export function alertText(v: AlertView): { subject: string; text: string } {
  const lines = [`[${v.badge}] ${v.title}`, '', v.status, v.summary];
  for (const f of v.fields) {
    lines.push('', `${f.label}:`);
    for (const l of f.value.split('\n')) lines.push(`  ${l}`);
  }
  if (v.hint) lines.push('', `Likely fix: ${v.hint}`);
  for (const n of v.notes) lines.push('', n);
  if (v.buttons.length) {
    lines.push('', 'Commands (smtp-ops CLI, REPL, or /smtp in chat):');
    for (const b of v.buttons) lines.push(`  ${b.line}`);
  }
  lines.push('', `-- ${v.footer}`);
  return { subject: `[smtp-ops ${v.badge}] ${v.title}`.slice(0, 200), text: lines.join('\n') };
}
