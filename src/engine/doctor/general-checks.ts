import type { EventEntry, DoctorCheck, SettingsView } from '../types.js';
import { check } from './check.js';

export function enabledCheck(settings: SettingsView): DoctorCheck {
  return settings.enabled
    ? check('enabled', 'SMTP enabled', 'ok', `enabled; route: ${settings.route}`)
    : check('enabled', 'SMTP enabled', 'fail', 'SMTP is disabled: messages are queued but not sent', 'Turn it on with `config set enabled=on`, then `queue flush`.');
}

/** "Check Logs": a summary of recent warning and error events, by code. */
export function logsCheck(recent: EventEntry[]): DoctorCheck {
  const title = 'Recent warnings and errors (Check Logs)';
  if (recent.length === 0) return check('logs', title, 'ok', 'no warning or error events recently');
  const byCode = new Map<string, { n: number; latest: EventEntry }>();
  for (const e of recent) {
    const cur = byCode.get(e.code);
    if (!cur) byCode.set(e.code, { n: 1, latest: e });
    else {
      cur.n++;
      if (e.time > cur.latest.time) cur.latest = e;
    }
  }
  const errors = recent.filter((e) => e.level === 'error').length;
  const parts = [...byCode.entries()]
    .sort((a, b) => b[1].latest.time - a[1].latest.time)
    .slice(0, 5)
    .map(([code, { n, latest }]) => `${code} x${n} (latest: ${latest.message.slice(0, 120)})`);
  const detail = `${errors} error(s), ${recent.length - errors} warning(s): ${parts.join('; ')}`;
  return check('logs', title, 'warn', detail, 'Read the full entries with `events --level warning`; they name wrong settings, SMTP disabled, unreachable relays and refused logins.');
}

export function spamCheck(): DoctorCheck {
  return check('spam', 'Check SPAM folders', 'skip', 'cannot be checked from here', "Verify messages are not landing in the recipient's SPAM/Junk folder; if they are, fix the SPF/DMARC/reverse DNS findings above or use a relay that may send for your domain.");
}
