/**
 * `queue flush|delete|hold|release` on many messages: every message, or those
 * a filter selects (`--domain`, `--to`, `--from`, `--state`, `--older-than`),
 * as postqueue -s and postsuper do. The confirmation states how many match
 * and in which states; the reply how many were acted on.
 */
import type { QueueFilter, QueueMatch } from '../../engine/index.js';
import type { ErrorReply, Reply } from '../reply.js';
import type { HandlerEnv } from './context.js';
import type { ParsedCommand } from '../types.js';
import { confirmReply } from './confirm.js';
import { formatCount, plural } from './format.js';
import { flushReply, releaseReply } from './flush-reply.js';
import { filterOf, filterWords, hasFilter } from './queue-filter.js';

type Bulk = 'flush' | 'delete' | 'hold' | 'release';

/** The states each command acts on: a flush retries what waits, a hold parks it, a release frees what is held. */
const ACTS_ON: Record<Bulk, readonly string[]> = { flush: ['queued', 'deferred'], delete: ['queued', 'sending', 'deferred', 'held'], hold: ['queued', 'deferred'], release: ['held'] };

function usage(which: Bulk, message: string): ErrorReply {
  const usage = which === 'flush' ? 'queue flush [--domain D] [--to A] [--from A] [--state S] [--older-than 2h]' : `queue ${which} <id> | queue ${which} --all | queue ${which} [--domain D] [--to A] [--from A]${which === 'release' ? '' : ' [--state S]'} [--older-than 2h]`;
  return { kind: 'error', code: 'usage', ok: false, message, usage };
}

function progress(env: HandlerEnv) {
  const on = env.ctx.onProgress;
  return on ? (p: { done: number; total: number; label: string }) => on({ kind: 'progress', label: p.label, done: p.done, total: p.total }) : undefined;
}

/** `3 queued, 9 deferred` of the states a command acts on. */
function statesText(m: QueueMatch, which: Bulk): string {
  return ACTS_ON[which].map((s) => `${formatCount(m.byState[s as keyof QueueMatch['byState']])} ${s}`).join(', ');
}

/** The selection: the filter narrowed to the states the command acts on (a release: held only). */
function selection(f: QueueFilter, which: Bulk): QueueFilter {
  return which === 'release' ? { ...f, state: 'held' } : f;
}

/** The question, with how many messages match; undefined when the line is not a bulk one. */
async function ask(cmd: ParsedCommand, env: HandlerEnv, which: Bulk, f: QueueFilter): Promise<Reply> {
  const sel = selection(f, which);
  const m = await env.engine.queueMatch(sel);
  const n = which === 'delete' || which === 'release' ? m.count : ACTS_ON[which].reduce((a, s) => a + m.byState[s as keyof QueueMatch['byState']], 0);
  const words = filterWords(f);
  const scope = words ? ` ${words}` : which === 'delete' ? ' in the queue' : '';
  const data = { count: n, match: m, filter: f };
  if (which === 'flush') {
    const text = n === 0
      ? `No queued or deferred message${scope ? ` ${scope.trim()}` : ''}: there is nothing to flush. Flush anyway?`
      : `This will retry ${plural(n, 'message')}${scope} now (${statesText(m, which)}). Nothing is deleted; held messages stay held.`;
    return confirmReply(cmd, env, words ? 'Flush these messages?' : 'Flush the mail queue?', text, n ? `Flush ${formatCount(n)}` : 'Flush', data);
  }
  if (which === 'delete') {
    const o = m.withOtherRecipients;
    const others = o ? ` ${o === 1 ? '1 of them also goes to other recipients, who will not get it' : `${formatCount(o)} of them also go to other recipients, who will not get them`} either.` : '';
    const text = n === 0
      ? `No message${scope}: there is nothing to delete. Delete anyway?`
      : `This will permanently delete ${words ? '' : 'all '}${plural(n, 'message')}${scope} (${statesText(m, which)}). They will not be sent or regenerated.${others}`;
    return confirmReply(cmd, env, words ? 'Delete these messages?' : 'Delete the whole queue?', text, `Delete ${formatCount(n)}`, data);
  }
  if (which === 'hold') {
    const text = n === 0 ? `No queued or deferred message${scope}: there is nothing to hold. Hold anyway?` : `This will hold ${plural(n, 'message')}${scope} (${statesText(m, which)}): they are not attempted until released (\`queue release\`).`;
    return confirmReply(cmd, env, 'Hold these messages?', text, n ? `Hold ${formatCount(n)}` : 'Hold', data);
  }
  const text = n === 0 ? `No held message${scope}: there is nothing to release. Release anyway?` : `This will release ${plural(n, 'held message')}${scope}: ${n === 1 ? 'it is' : 'they are'} due now and attempted at once.`;
  return confirmReply(cmd, env, 'Release these messages?', text, n ? `Release ${formatCount(n)}` : 'Release', data);
}

/**
 * A bulk line (`--all` or filters): ask, or, confirmed, act. null when the
 * line names one message (the caller handles it); an error for a line that
 * mixes an id with --all or filters.
 */
export async function bulk(cmd: ParsedCommand, env: HandlerEnv, which: Bulk): Promise<Reply | null> {
  const id = typeof cmd.args.id === 'string' ? cmd.args.id : undefined;
  const all = cmd.options.all === true;
  const parsed = filterOf(cmd);
  if (!parsed.ok) return parsed.error;
  const f = parsed.filter;
  const filtered = hasFilter(f);
  if (id && (all || filtered)) return usage(which, `queue ${which} takes a queue id, or --all, or filters: not an id with them`);
  if (id) return null;
  if (which !== 'flush' && !all && !filtered) return usage(which, `queue ${which} needs a queue id, --all, or a filter (--domain, --to, --from${which === 'release' ? '' : ', --state'}, --older-than)`);
  if (all && filtered) return usage(which, `queue ${which} takes --all or filters, not both: filters already narrow the whole queue`);
  if (f.state && !ACTS_ON[which].includes(f.state)) return usage(which, `queue ${which} acts on ${ACTS_ON[which].join(' and ')} messages; --state ${f.state} selects none of them${which === 'flush' && f.state === 'held' ? ' (release held ones: `queue release --state held` is `queue release --all`)' : ''}`);
  if (!env.ctx.confirmed) return ask(cmd, env, which, f);
  const sel = selection(f, which);
  const words = filterWords(f);
  const opts = { wait: cmd.options.wait === true, signal: env.ctx.signal };
  if (which === 'flush') return flushReply(await env.engine.queueFlush(env.ctx.actor, progress(env), { ...opts, ...(filtered ? { filter: sel } : {}) }), words);
  if (which === 'release') return releaseReply(undefined, await env.engine.queueReleaseAll(sel, env.ctx.actor, progress(env), opts), words);
  if (which === 'hold') {
    const { count } = await env.engine.queueHoldAll(sel, env.ctx.actor, progress(env));
    return { kind: 'message', tone: 'success', title: 'Messages held', text: `${plural(count, 'message')}${words ? ` ${words}` : ''} held: not attempted until released (\`queue release${words ? ' …' : ' --all'}\`).`, data: { count, filter: f } };
  }
  const { count } = await env.engine.queueDeleteAll(env.ctx.actor, progress(env), filtered ? sel : undefined);
  return { kind: 'message', tone: 'success', title: filtered ? 'Messages deleted' : 'Queue deleted', text: `${plural(count, 'message')}${words ? ` ${words}` : ''} deleted.`, data: filtered ? { count, filter: f } : { count } };
}
