/** `report [DAY|FROM..TO|week] [--days N] [--full] [--problems-first] [--png FILE]`: the engine builds the days, the reports module shapes the reply. */
import type { Handler } from './context.js';
import { reportReply } from './report.js';

/** Queued messages a report reads for its queue section (the oldest first; the section says when there were more). */
const QUEUE_LIMIT = 5000;

export const report: Handler = async (cmd, { engine, ctx }) => {
  const day = typeof cmd.args.day === 'string' ? cmd.args.day.toLowerCase() : 'today';
  const full = cmd.options.full === true;
  const days = typeof cmd.options.days === 'number' ? cmd.options.days : undefined;
  const [built, queue] = await Promise.all([engine.report({ day, days, full }), engine.queueSummary({ limit: QUEUE_LIMIT })]);
  const png = ctx.surface === 'terminal' && typeof cmd.options.png === 'string' ? cmd.options.png : undefined;
  return reportReply(built, { full, problemsFirst: cmd.options['problems-first'] === true, queue, png });
};
