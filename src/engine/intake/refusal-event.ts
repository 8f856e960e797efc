/**
 * The `intake.rejected` event: one shape for every refusal the listener makes
 * (client, sender policy, address rules, parameters, size, recipient limit),
 * read by the alerts (one group per reason, `code` and `status` as its SMTP
 * code and enhanced status) and the reports (per hour and by reason).
 */
import type { SMTPServerSession } from 'smtp-server';
import type { RefusalReason } from './command-check.js';

/** A refusal as the listener reports it. */
export interface Refusal {
  reason: RefusalReason | 'client' | 'sender' | 'connections';
  /** SMTP reply code sent. */
  code: number;
  /** RFC 3463 enhanced status code sent. */
  status: string;
  /** Reply text after the codes. */
  text: string;
  /** The command refused (none for a refused connection). */
  verb?: 'MAIL' | 'RCPT' | 'DATA';
  /** The path the command carried, as given. */
  address?: string;
  /** Extra words for people (why, how much). */
  detail?: string;
}

/**
 * `data` of `intake.rejected`. `count` is how many refusals the event stands
 * for: 1, or the number summarised by a rate-limited summary event; the sum of
 * `count` over events is the number of refusals.
 */
export interface RefusalEventData {
  client: string;
  /** EHLO/HELO name, when the client sent one. */
  helo?: string;
  /** The envelope sender (`''` for `<>`), or null before MAIL FROM was accepted or read. */
  sender: string | null;
  reason: Refusal['reason'];
  code: number;
  status: string;
  count: number;
  [key: string]: unknown;
}

function what(r: Refusal): string {
  const a = r.address !== undefined ? ` <${r.address}>` : '';
  if (r.verb === 'MAIL') return `sender${a}`;
  if (r.verb === 'RCPT') return `recipient${a}`;
  if (r.verb === 'DATA') return 'message';
  return 'client';
}

/** Event text and data for `count` refusals like `r` (a summary when `summary`). */
export function refusalEvent(session: SMTPServerSession, client: string, r: Refusal, count: number, summary: boolean): { message: string; data: RefusalEventData } {
  const from = session.envelope?.mailFrom;
  const sender = r.verb === 'MAIL' ? (r.address ?? null) : from ? from.address : null;
  const helo = session.hostNameAppearsAs || undefined;
  const reply = `${r.code} ${r.status} ${r.text}`;
  const message = summary
    ? `Refused ${count} more submissions from ${client} in the last minute (${r.reason}; latest: ${what(r)}: ${reply})`
    : `Refused ${what(r)} from ${client}: ${reply}${r.detail ? ` (${r.detail})` : ''}`;
  return { message, data: { client, ...(helo ? { helo } : {}), sender, reason: r.reason, code: r.code, status: r.status, count } };
}
