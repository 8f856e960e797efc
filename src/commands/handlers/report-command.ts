/** `report [today|yesterday|YYYY-MM-DD] [--full]`: the engine builds the day, the reports module shapes the reply. */
import type { Handler } from './context.js';
import { reportReply } from './report.js';

export const report: Handler = async (cmd, { engine }) => {
  const day = typeof cmd.args.day === 'string' ? cmd.args.day.toLowerCase() : 'today';
  const full = cmd.options.full === true;
  return reportReply(await engine.report({ day, full }), full);
};
