/** `alerts subscribe|unsubscribe|list`: which chat channels receive alerts. */
import type { EventLevel } from '../../engine/index.js';
import type { ErrorReply, TableReply } from '../reply.js';
import type { Handler } from './context.js';
import { formatTime } from './format.js';

const needsChannel = (usage: string): ErrorReply => ({
  kind: 'error',
  code: 'usage',
  ok: false,
  message: 'alerts subscribe and unsubscribe act on the chat channel they are typed in; run them from Slack or Discord.',
  usage,
  data: { error: 'usage', message: 'alerts subscribe and unsubscribe act on the chat channel they are typed in' },
});

export const alertsSubscribe: Handler = async (cmd, { engine, ctx }) => {
  if (!ctx.channel) return needsChannel('alerts subscribe [--level <info|warning|error>]');
  const level = (typeof cmd.options.level === 'string' ? cmd.options.level : 'warning') as EventLevel;
  const sub = await engine.alertSubscribe(ctx.channel, level, ctx.actor);
  return { kind: 'message', tone: 'success', text: `This channel now receives alerts at level ${sub.minLevel} and above (bounces count as error, deferrals as warning).`, data: { subscription: sub } };
};

export const alertsUnsubscribe: Handler = async (_cmd, { engine, ctx }) => {
  if (!ctx.channel) return needsChannel('alerts unsubscribe');
  const removed = await engine.alertUnsubscribe(ctx.channel, ctx.actor);
  return removed
    ? { kind: 'message', tone: 'success', text: 'This channel no longer receives alerts.', data: { removed } }
    : { kind: 'message', tone: 'info', text: 'This channel was not subscribed to alerts.', data: { removed } };
};

export const alertsList: Handler = async (_cmd, { engine }) => {
  const subs = await engine.alertList();
  const reply: TableReply = {
    kind: 'table',
    title: 'Alert subscriptions',
    columns: [
      { key: 'platform', label: 'Platform' },
      { key: 'channel', label: 'Channel' },
      { key: 'level', label: 'Least level' },
      { key: 'by', label: 'By', drop: 1 },
      { key: 'since', label: 'Since', drop: 2 },
    ],
    rows: subs.map((s) => ({ platform: s.platform, channel: s.channel, level: s.minLevel, by: s.createdBy, since: formatTime(s.createdAt) })),
    empty: 'No channel receives alerts; type `/smtp alerts subscribe` in one.',
    data: { items: subs },
  };
  return reply;
};
