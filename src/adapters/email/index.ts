/**
 * Alerts by email, delivered through smtp-ops itself (`engine.submit`): a plain-text grouped
 * alert (or the daily report as text) to the subscribed address. The submit carries the post's
 * key as its idempotency key, so a retry after a crash queues nothing twice. When the mail path
 * is what fails, these wait in the queue like any mail; chat alerts say so.
 */
import type { Actor, AlertNotice, AlertSink, Engine } from '../../engine/index.js';
import { alertText, alertView } from '../../commands/alert-view.js';
import { renderReply as renderText } from '../../commands/render/text.js';

const ALERTS: Actor = { platform: 'system', id: 'alerts', name: 'smtp-ops alerts' };

/** Subject and body of an alert email. */
export function emailOf(n: AlertNotice): { subject: string; text: string } {
  const v = alertView(n);
  if (v.kind === 'report') return { subject: `[smtp-ops] ${v.title}`, text: `${renderText(v.reply, { color: false })}\n\n-- ${v.footer}` };
  return alertText(v);
}

export function emailAlertSink(engine: Engine): AlertSink {
  return {
    async post(target, notice) {
      const { subject, text } = emailOf(notice);
      const r = await engine.submit(
        {
          to: [target.channel],
          subject,
          text,
          source: 'alert',
          // RFC 3834: automatic mail, so vacation responders and ticket systems do not answer it.
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Smtp-Ops-Alert': notice.key },
          idempotencyKey: `alert:${notice.key}:${target.channel.toLowerCase()}`,
        },
        ALERTS,
      );
      return r.id;
    },
  };
}

/** Register the email sink; returns the unregister function. */
export function attachEmailAlerts(engine: Engine): () => void {
  return engine.addAlertSink('email', emailAlertSink(engine));
}
