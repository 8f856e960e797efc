/**
 * `mailq` (`sendmail -bp`) in Postfix's format, whole queue ids and all:
 *
 * ```
 * -Queue ID-         --Size-- ----Arrival Time---- -Sender/Recipient-------
 * 0mhx3k2b40000abcde*    1234 Tue Dec  2 16:03:27  root@host.example
 *                                                  oncall@example.com
 *
 * -- 2 Kbytes in 1 Request.
 * ```
 *
 * `*` marks a message being sent, `!` one on hold; a deferred message's last
 * error follows in parentheses. Pages through `queue list` oldest first, via
 * the running serve or the store.
 */
import type { Reply } from '../commands/reply.js';
import { quoteWords } from '../commands/tokenize.js';
import type { QueueListItem } from '../commands/handlers/queue.js';
import { localActor, openBackend, type Backend } from './backend.js';
import { EX, SysexitError } from './sysexits.js';
import { openError } from './sysexits.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Tue Dec  2 16:03:27`, local time, as Postfix's showq prints arrival times. */
export function arrival(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The listing of `items` (all of the queue, oldest first). */
export function formatMailq(items: readonly QueueListItem[]): string {
  if (items.length === 0) return 'Mail queue is empty\n';
  const idWidth = Math.max(10, ...items.map((i) => i.id.length + 1));
  const head = '-Queue ID-'.padEnd(idWidth) + ' --Size-- ----Arrival Time---- -Sender/Recipient-------';
  const indent = ' '.repeat(idWidth + 1 + 8 + 1 + 20 + 2);
  const out = [head];
  let bytes = 0;
  for (const m of items) {
    bytes += m.size;
    const mark = m.state === 'sending' ? '*' : m.state === 'held' ? '!' : '';
    out.push(`${(m.id + mark).padEnd(idWidth)} ${String(m.size).padStart(8)} ${arrival(m.createdAt).padEnd(20)}  ${m.from || 'MAILER-DAEMON'}`);
    if (m.lastError && m.state === 'deferred') out.push(`(${m.lastError.replace(/\s+/g, ' ')})`);
    for (const to of m.to) out.push(indent + to);
    out.push('');
  }
  out.push(`-- ${Math.ceil(bytes / 1024)} Kbytes in ${items.length} Request${items.length === 1 ? '' : 's'}.`);
  return out.join('\n') + '\n';
}

async function open(storeDir: string, env: NodeJS.ProcessEnv): Promise<Backend> {
  try {
    return await openBackend({ storeDir, actor: localActor('cli'), worker: false, env });
  } catch (e) {
    throw openError(storeDir, e);
  }
}

function check(r: Reply): Reply {
  if (r.kind === 'error') throw new SysexitError(EX.TEMPFAIL, r.message);
  return r;
}

/** Print the queue; returns the exit code. */
export async function mailq(storeDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const backend = await open(storeDir, env);
  const items: QueueListItem[] = [];
  try {
    let cursor: string | null = null;
    do {
      const reply = check(await backend.run(quoteWords(['queue', 'list', '--order', 'oldest', ...(cursor ? ['--cursor', cursor] : [])])));
      const data = reply.data as { items: QueueListItem[]; next: string | null };
      items.push(...data.items);
      cursor = data.next;
    } while (cursor);
  } finally {
    await backend.close();
  }
  process.stdout.write(formatMailq(items));
  return EX.OK;
}

/** `sendmail -q`: every queued and deferred message is due now. */
export async function queueFlush(storeDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const backend = await open(storeDir, env);
  try {
    check(await backend.run('queue flush', { confirmed: true }));
  } finally {
    await backend.close();
  }
  return EX.OK;
}
