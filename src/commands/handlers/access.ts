/** `access grant|revoke|list`: who may do what from chat. */
import type { Role } from '../../engine/index.js';
import { SUBJECT_PATTERN } from '../access.js';
import type { ErrorReply, TableReply } from '../reply.js';
import type { Handler } from './context.js';
import { formatTime } from './format.js';

function badSubject(subject: string): ErrorReply | null {
  if (SUBJECT_PATTERN.test(subject)) return null;
  const message = `subject must look like slack:U123, discord:456 or discord-role:789 (got "${subject.slice(0, 80)}")`;
  return { kind: 'error', code: 'validation', ok: false, message, issues: [{ field: 'subject', rule: 'subject', message }], usage: 'access grant <subject> <viewer|operator|admin>' };
}

export const accessGrant: Handler = async (cmd, { engine, ctx, admins }) => {
  const subject = String(cmd.args.subject);
  const role = String(cmd.args.role) as Role;
  const bad = badSubject(subject);
  if (bad) return bad;
  const grant = await engine.accessGrant(subject, role, ctx.actor);
  const note = admins.includes(subject) ? ` (${subject} is also a bootstrap admin from SMTP_OPS_ADMINS, which wins)` : '';
  return { kind: 'message', tone: 'success', text: `${subject} is now ${role}${note}.`, data: { grant } };
};

export const accessRevoke: Handler = async (cmd, { engine, ctx, admins }) => {
  const subject = String(cmd.args.subject);
  const bad = badSubject(subject);
  if (bad) return bad;
  const removed = await engine.accessRevoke(subject, ctx.actor);
  const note = admins.includes(subject) ? ` ${subject} stays admin through SMTP_OPS_ADMINS.` : '';
  return removed
    ? { kind: 'message', tone: 'success', text: `${subject} has no role any more.${note}`, data: { removed } }
    : { kind: 'message', tone: 'info', text: `${subject} had no granted role.${note}`, data: { removed } };
};

export const accessList: Handler = async (_cmd, { engine, admins }) => {
  const grants = await engine.accessList();
  const rows = [
    ...admins.map((s) => ({ subject: s, role: 'admin', by: 'SMTP_OPS_ADMINS', since: '-' })),
    ...grants.map((g) => ({ subject: g.subject, role: g.role, by: g.grantedBy, since: formatTime(g.grantedAt) })),
  ];
  const reply: TableReply = {
    kind: 'table',
    title: 'Access',
    columns: [
      { key: 'subject', label: 'Subject' },
      { key: 'role', label: 'Role' },
      { key: 'by', label: 'Granted by', drop: 1 },
      { key: 'since', label: 'Since', drop: 2 },
    ],
    rows,
    empty: 'Nobody has a role in chat yet (terminal users are always admin).',
    footer: 'Terminal users (REPL, CLI) are admin. Roles: viewer < operator < admin.',
    data: { items: grants, admins },
  };
  return reply;
};
