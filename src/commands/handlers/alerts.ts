/** `alerts subscribe|unsubscribe|list|mute|unmute`: who receives alerts and reports, and silences. */
import { parseAlertTarget, targetKey } from '../../engine/index.js';
import type { AlertTarget, EventLevel } from '../../engine/index.js';
import type { ErrorReply, GroupReply, MessageReply, Reply, TableReply } from '../reply.js';
import type { ParsedCommand } from '../types.js';
import type { Handler, HandlerEnv } from './context.js';
import { formatCount, formatRelative, formatTime } from './format.js';

const usage = (line: string, message: string): ErrorReply => ({ kind: 'error', code: 'usage', ok: false, message, usage: line, data: { error: 'usage', message, usage: line } });

/** The explicit target, or in chat the channel the command was typed in. */
function targetOf(cmd: ParsedCommand, env: HandlerEnv, line: string): AlertTarget | ErrorReply {
  const raw = cmd.args.target;
  if (typeof raw === 'string') return parseAlertTarget(raw);
  if (env.ctx.channel) return env.ctx.channel;
  return usage(line, `${cmd.path.join(' ')} needs a target from a terminal: slack:<channel id>, discord:<channel id> or email:<address>`);
}

/** `This channel` when the target is where the command was typed, else the target itself. */
function named(t: AlertTarget, env: HandlerEnv): string {
  const here = env.ctx.channel && env.ctx.channel.platform === t.platform && env.ctx.channel.channel === t.channel;
  return here ? 'This channel' : targetKey(t);
}

const SUBSCRIBE = 'alerts subscribe [target] [--level <info|warning|error>] [--code <codes>] [--report HH:MM]';
const UNSUBSCRIBE = 'alerts unsubscribe [target] [--report]';

export const alertsSubscribe: Handler = async (cmd, env) => {
  const { engine, ctx } = env;
  const t = targetOf(cmd, env, SUBSCRIBE);
  if ('kind' in t) return t;
  if (typeof cmd.options.report === 'string') {
    if (cmd.options.level !== undefined || cmd.options.code !== undefined) return usage(SUBSCRIBE, '--report subscribes to the daily report; give --level and --code in a separate alerts subscribe');
    const sub = await engine.alertReportSubscribe(t, cmd.options.report, ctx.actor);
    const zone = (await engine.getSettings()).timezone || 'the system time zone';
    return { kind: 'message', tone: 'success', text: `${named(t, env)} gets yesterday's report every day at ${sub.at} (${zone}); the first one comes at the next ${sub.at}.`, data: { report: sub } };
  }
  const level = (typeof cmd.options.level === 'string' ? cmd.options.level : 'warning') as EventLevel;
  const codes = typeof cmd.options.code === 'string' ? cmd.options.code.split(/[,\s]+/).filter(Boolean) : [];
  const sub = await engine.alertSubscribe(t, level, ctx.actor, codes);
  const which = sub.codes.length ? ` of ${sub.codes.join(', ')}` : '';
  const how =
    t.platform === 'email'
      ? ' Alert emails go through smtp-ops itself: when the mail path is what fails, they wait in the queue like any mail (chat alerts say so).'
      : ' A burst becomes one post after alert-group-wait, edited in place as it grows; a resolved notice follows when it clears.';
  return { kind: 'message', tone: 'success', text: `${named(t, env)} now receives alerts${which} at level ${sub.minLevel} and above (bounces are errors, deferrals warnings).${how}`, data: { subscription: sub } };
};

export const alertsUnsubscribe: Handler = async (cmd, env) => {
  const { engine, ctx } = env;
  const t = targetOf(cmd, env, UNSUBSCRIBE);
  if ('kind' in t) return t;
  const who = named(t, env);
  if (cmd.options.report === true) {
    const removed = await engine.alertReportUnsubscribe(t, ctx.actor);
    return removed
      ? { kind: 'message', tone: 'success', text: `${who} no longer gets the daily report.`, data: { removed } }
      : { kind: 'message', tone: 'info', text: `${who} did not get the daily report.`, data: { removed } };
  }
  const removed = await engine.alertUnsubscribe(t, ctx.actor);
  return removed
    ? { kind: 'message', tone: 'success', text: `${who} no longer receives alerts; notices still waiting for it were dropped.`, data: { removed } }
    : { kind: 'message', tone: 'info', text: `${who} was not subscribed to alerts.`, data: { removed } };
};

export const alertsList: Handler = async (_cmd, { engine, now }) => {
  const [subs, reports, silences, groups] = await Promise.all([engine.alertList(), engine.alertReportList(), engine.alertSilences(), engine.alertGroups()]);
  const t = now();
  const subscriptions: TableReply = {
    kind: 'table',
    title: 'Alert subscriptions',
    columns: [
      { key: 'target', label: 'Target' },
      { key: 'level', label: 'Least level' },
      { key: 'codes', label: 'Codes', fit: 'wrap' },
      { key: 'by', label: 'By', drop: 1 },
      { key: 'since', label: 'Since', drop: 2 },
    ],
    rows: subs.map((s) => ({ target: targetKey(s), level: s.minLevel, codes: s.codes.length ? s.codes.join(', ') : 'all', by: s.createdBy, since: formatTime(s.createdAt) })),
    empty: 'Nothing receives alerts: `alerts subscribe` in a channel, or `alerts subscribe email:oncall@example.com`.',
  };
  const daily: TableReply = {
    kind: 'table',
    title: 'Daily reports',
    columns: [
      { key: 'target', label: 'Target' },
      { key: 'at', label: 'At' },
      { key: 'last', label: 'Last day sent' },
    ],
    rows: reports.map((r) => ({ target: targetKey(r), at: r.at, last: r.lastDay ?? '-' })),
    empty: 'No daily reports: `alerts subscribe --report 08:00`.',
  };
  const mutes: TableReply = {
    kind: 'table',
    title: 'Silences',
    columns: [
      { key: 'match', label: 'Muted' },
      { key: 'until', label: 'Until' },
      { key: 'by', label: 'By', drop: 1 },
    ],
    rows: silences.map((s) => ({ match: `${s.kind === 'code' ? 'code' : 'place'} ${s.match}`, until: `${formatTime(s.until)} (${formatRelative(s.until, t)})`, by: s.createdBy })),
    empty: 'Nothing is muted.',
  };
  const open: TableReply = {
    kind: 'table',
    title: 'Open alert groups',
    columns: [
      { key: 'state', label: 'State' },
      { key: 'code', label: 'Code' },
      { key: 'where', label: 'Where' },
      { key: 'messages', label: 'Messages', align: 'right' },
      { key: 'recipients', label: 'Recipients', align: 'right', drop: 2 },
      { key: 'last', label: 'Last', drop: 1 },
      { key: 'id', label: 'Group' },
    ],
    rows: groups.map((g) => ({
      state: g.state,
      code: g.code,
      where: g.scope.value || g.scope.kind,
      messages: formatCount(g.messages),
      recipients: formatCount(g.recipients),
      last: formatRelative(g.lastAt, t),
      id: g.id,
    })),
    empty: 'No alert group is open.',
  };
  const reply: GroupReply = { kind: 'group', title: 'Alerts', parts: [subscriptions, daily, mutes, open], data: { items: subs, reports, silences, groups } };
  return reply;
};

export const alertsMute: Handler = async (cmd, { engine, ctx }) => {
  const match = String(cmd.args.match);
  const s = await engine.alertMute(match, String(cmd.args.duration), ctx.actor);
  const what = s.kind === 'code' ? `${s.match} alerts` : `Alerts about ${s.match}`;
  const reply: MessageReply = {
    kind: 'message',
    tone: 'success',
    text: `${what} are muted until ${formatTime(s.until)}. They are still counted; \`alerts unmute ${s.match}\` posts what was held back.`,
    data: { silence: s },
  };
  return reply;
};

export const alertsUnmute: Handler = async (cmd, { engine, ctx }) => {
  const s = await engine.alertUnmute(String(cmd.args.match), ctx.actor);
  const reply: Reply = s
    ? { kind: 'message', tone: 'success', text: `${s.match} is no longer muted; what the silence held back is posted now.`, data: { removed: true, silence: s } }
    : { kind: 'message', tone: 'info', text: `Nothing was muted for ${String(cmd.args.match)}; \`alerts list\` shows the silences.`, data: { removed: false } };
  return reply;
};
