/** Checks that need no network: the settings, the queue and the events, and the reminder the guide ends with. */
import type { DoctorCheck, EventEntry, SettingsView } from '../types.js';
import { check, fixes, isFqdn } from './check.js';
import type { QueueSnapshot } from './context.js';

export const SETTINGS_CHECKS = [
  { id: 'enabled', title: 'SMTP enabled', section: 'settings' as const },
  { id: 'hostname', title: 'Hostname is a fully qualified domain name', section: 'settings' as const },
];
export const QUEUE_CHECKS = [
  { id: 'queue', title: 'Queue backlog', section: 'queue' as const },
  { id: 'last-errors', title: 'Most common last errors of deferred mail', section: 'queue' as const },
  { id: 'logs', title: 'Recent warnings and errors (Check Logs)', section: 'queue' as const },
];
export const REMINDER_CHECKS = [{ id: 'spam', title: 'Check SPAM folders', section: 'reminders' as const }];

export function settingsChecks(s: SettingsView): DoctorCheck[] {
  const enabled = s.enabled
    ? check('settings', 'enabled', SETTINGS_CHECKS[0].title, 'ok', `enabled; route: ${s.route}`)
    : check('settings', 'enabled', SETTINGS_CHECKS[0].title, 'fail', 'SMTP is disabled: messages are queued but not sent', fixes('Turn it on with `config set enabled=on`, then retry the queue with `queue flush`.', 'config set enabled=on', 'queue flush'));
  const host = isFqdn(s.hostname)
    ? check('settings', 'hostname', SETTINGS_CHECKS[1].title, 'ok', `hostname ${s.hostname} (EHLO name and Message-ID domain)`)
    : check('settings', 'hostname', SETTINGS_CHECKS[1].title, 'fail', `hostname "${s.hostname}" is not a fully qualified domain name: relays and receivers refuse or distrust an EHLO name like that`, fixes('Set it to the name this system sends as, e.g. `config set hostname=alerts.example.com`; it is the EHLO name and the Message-ID domain.', 'config set hostname=alerts.example.com'));
  return [enabled, host];
}

function ago(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
}

/** A last error without what differs per message (addresses, ids), so equal causes count together. */
export function normalizeError(text: string): string {
  return text
    .replace(/<[^<>\s]+@[^<>\s]+>/g, '<address>')
    .replace(/\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g, '<address>')
    .replace(/\b(id|queue id|message)[= ][\w.-]+/gi, '$1 …')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

export function queueChecks(q: QueueSnapshot, enabled: boolean, now: number): DoctorCheck[] {
  const c = q.counts;
  const [backlogSpec, errorsSpec] = QUEUE_CHECKS;
  let backlog: DoctorCheck;
  if (c.total === 0) backlog = check('queue', 'queue', backlogSpec.title, 'ok', 'the queue is empty');
  else {
    const age = c.oldest !== null ? `; the oldest was queued ${ago(now - c.oldest)} ago (${new Date(c.oldest).toISOString().slice(0, 16).replace('T', ' ')} UTC)` : '';
    const detail = `${c.total} message(s) waiting: ${c.queued} queued, ${c.sending} sending, ${c.deferred} deferred, ${c.held} held${age}`;
    const stale = c.oldest !== null && now - c.oldest > 3_600_000;
    if (!enabled) backlog = check('queue', 'queue', backlogSpec.title, 'fail', `${detail}; nothing is sent while SMTP is disabled`, fixes('`config set enabled=on`, then `queue flush`.', 'config set enabled=on', 'queue flush'));
    else if (c.deferred > 0 || c.held > 0 || stale) {
      backlog = check('queue', 'queue', backlogSpec.title, 'warn', detail, fixes(`See why with \`queue list --state deferred\`${c.held ? ' (held messages wait for `queue release <id>`)' : ''}; once the failing check is fixed, \`queue flush\` retries everything now.`, 'queue list --state deferred', 'queue flush'));
    } else backlog = check('queue', 'queue', backlogSpec.title, 'ok', `${detail} (being delivered)`);
  }
  let errors: DoctorCheck;
  if (q.deferred.length === 0) errors = check('queue', 'last-errors', errorsSpec.title, 'ok', 'no deferred messages');
  else {
    const counts = new Map<string, number>();
    for (const m of q.deferred) {
      const k = normalizeError(m.lastError ?? '(no error recorded)');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const more = counts.size - top.length;
    const detail = `${top.map(([t, n]) => `${n}x ${t}`).join('; ')}${more > 0 ? `; and ${more} other error(s)` : ''} (of ${q.deferred.length} deferred)`;
    errors = check('queue', 'last-errors', errorsSpec.title, 'warn', detail, fixes('The checks above name the cause of these errors; after fixing it, `queue flush` retries now instead of at the next backoff.', 'queue flush'));
  }
  return [backlog, errors];
}

/** "Check Logs": recent warning and error events, by code. */
export function logsCheck(recent: EventEntry[]): DoctorCheck {
  const title = QUEUE_CHECKS[2].title;
  if (recent.length === 0) return check('queue', 'logs', title, 'ok', 'no warning or error events in the last day');
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
    .map(([code, { n, latest }]) => `${code} x${n} (latest: ${latest.message.slice(0, 160)})`);
  const detail = `${errors} error(s), ${recent.length - errors} warning(s) in the last day: ${parts.join('; ')}`;
  const cmds = errors > 0 ? ['events --level error', 'events --level warning'] : ['events --level warning'];
  return check('queue', 'logs', title, 'warn', detail, fixes(`Read the full entries with ${cmds.map((c) => `\`${c}\``).join(' and ')}; they name wrong settings, SMTP disabled, unreachable relays and refused logins.`, ...cmds));
}

export function spamCheck(): DoctorCheck {
  return check('reminders', 'spam', REMINDER_CHECKS[0].title, 'skip', 'cannot be checked from here', "Verify messages are not landing in the recipient's SPAM/Junk folder; if they are, fix the SPF, DKIM, DMARC, reverse DNS and blocklist findings above, or use a relay that may send for your domain.");
}
