/** `smtp-ops <words...>`: run one command, print it, exit with 0/1/2. */
import { exitCodeOf } from '../commands/reply.js';
import { writeChartFiles, withNotes } from '../commands/render/chart-files.js';
import type { Action, ProgressReply, Reply, TableReply } from '../commands/reply.js';
import { quoteWords } from '../commands/tokenize.js';
import type { Backend, Call } from './backend.js';
import { openBackend, localActor } from './backend.js';
import { askYesNo, readHidden, readStdin } from './prompt.js';
import { newSteps, outputWidth, progressLine, renderReply, stepLine, wantColor } from '../commands/render/text.js';

export interface OneShotOptions {
  storeDir: string;
  words: string[];
  json: boolean;
  yes: boolean;
  passwordStdin: boolean;
  wait: boolean;
  env: NodeJS.ProcessEnv;
}

/** The JSON printed by `--json`: the reply's data, or a minimal object for replies without one. */
export function jsonOf(r: Reply): unknown {
  if (r.data !== undefined) return r.data;
  if (r.kind === 'message') return { message: r.text, tone: r.tone };
  return { kind: r.kind };
}

/** The command's words, without a leading `smtp` or `/smtp`, lower case. */
function commandWords(words: string[]): string[] {
  const w = words.map((x) => x.toLowerCase());
  return w[0] === 'smtp' || w[0] === '/smtp' ? w.slice(1) : w;
}

/** Commands that start delivery attempts: opened here (no serve), nothing else would make them, so the CLI waits for them. */
function startsDelivery(words: string[]): boolean {
  const [a, b] = commandWords(words);
  return a === 'test' || (a === 'queue' && (b === 'flush' || b === 'release'));
}

/** A terminal has no buttons: the command line of the other page. */
const pageHint = (a: Action, line?: string) => (line ? `${a.kind === 'page-next' ? 'next' : 'previous'}: smtp-ops ${line}` : undefined);

/** Run one command line; returns the exit code. */
export async function oneShot(o: OneShotOptions): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  const color = !o.json && wantColor(out, o.env);
  const isTest = commandWords(o.words)[0] === 'test';
  let backend: Backend;
  try {
    backend = await openBackend({ storeDir: o.storeDir, actor: localActor('cli'), worker: isTest, env: o.env });
  } catch (e) {
    const message = (e as Error).message;
    if (o.json) out.write(`${JSON.stringify({ error: 'failed', message })}\n`);
    else err.write(`error: ${message}\n`);
    return 1;
  }
  const words = [...o.words];
  // Opened here, nothing else would attempt the messages: run the worker here and wait for the attempts, as sendmail -q does.
  // Through serve, serve's worker attempts them and the reply says so (--wait waits there too).
  if (o.wait || (startsDelivery(o.words) && backend.mode === 'local')) words.push('--wait');
  // Ctrl-C while waiting: stop waiting, report what happened so far (the rest stays due). A second one exits at once.
  const giveUp = new AbortController();
  const onSigint = () => {
    if (giveUp.signal.aborted) process.exit(130);
    err.write('\n(Ctrl-C: no more waiting; what happened so far follows. Ctrl-C again exits at once.)\n');
    giveUp.abort();
  };
  if (backend.mode === 'local') process.on('SIGINT', onSigint);
  let progressShown = false;
  const stepsShown = new Map<string, number>();
  const call = {
    confirmed: o.yes,
    signal: giveUp.signal,
    onProgress: (p: ProgressReply) => {
      if (!err.isTTY) return;
      progressShown = true;
      const color = wantColor(err, o.env);
      for (const st of newSteps(p, stepsShown)) err.write(`\r\u001b[2K${stepLine(st, color)}\n`);
      err.write(`\r${progressLine(p.label, p.done, p.total, err.columns ?? 100, color)}`);
    },
  };
  try {
    let reply = await backend.run(quoteWords(words), call);
    if (reply.kind === 'secret-prompt') reply = await answerSecret(reply.field, reply.title, o, backend, call);
    if (reply.kind === 'confirm') {
      const interactive = !o.json && process.stdin.isTTY && err.isTTY;
      if (!interactive) {
        const message = `${reply.text} Nothing was done: add --yes to confirm.`;
        if (o.json) out.write(`${JSON.stringify({ ...(reply.data as object), error: 'usage', message })}\n`);
        else err.write(`${renderReply({ ...reply, text: message }, { color })}\n`);
        return 2;
      }
      err.write(`${renderReply(reply, { color })}\n`);
      const yes = await askYesNo(reply.yes.label + '?');
      reply = await backend.action(yes ? reply.yes.id : reply.no.id, call);
    }
    if (progressShown) err.write('\n');
    if (reply.kind === 'table' && words.includes('--all')) return await everyPage(reply, backend, call, o, color);
    const notes = await writeChartFiles(reply);
    if (o.json) for (const n of notes) err.write(`${n.text}\n`);
    else reply = withNotes(reply, notes);
    if (o.json) out.write(`${JSON.stringify(jsonOf(reply))}\n`);
    else (reply.kind === 'error' ? err : out).write(`${renderReply(reply, { color, width: outputWidth(out, o.env), pageHint })}\n`);
    return Math.max(exitCodeOf(reply), notes.some((n) => n.ok === false) ? 1 : 0);
  } finally {
    process.off('SIGINT', onSigint);
    await backend.close();
  }
}

/**
 * `queue list --all`: every page, as it comes (memory stays one page, however
 * long the queue). With --json one object per message per line, as
 * `postqueue -j` prints; otherwise the rows of every page under one title.
 */
async function everyPage(first: TableReply, backend: Backend, call: Call, o: OneShotOptions, color: boolean): Promise<number> {
  const out = process.stdout;
  const width = outputWidth(out, o.env);
  // A reader that goes away (`| head -1`) ends the listing quietly, as it ends `ls`.
  let gone = false;
  const onError = () => void (gone = true);
  out.on('error', onError);
  try {
    let page: Reply = first;
    for (let pages = 0; !gone; pages++) {
      if (page.kind !== 'table') {
        (page.kind === 'error' ? process.stderr : out).write(`${renderReply(page, { color })}\n`);
        return exitCodeOf(page);
      }
      const items = (page.data as { items?: unknown[] } | undefined)?.items ?? [];
      const next = page.page?.next;
      const text = o.json
        ? items.map((i) => `${JSON.stringify(i)}\n`).join('')
        : `${renderReply({ ...page, page: undefined, ...(next ? { footer: undefined } : {}) }, { color, width, tableRowsOnly: pages > 0 })}\n`;
      if (text && !out.write(text)) await new Promise((r) => (out.once('drain', r), out.once('error', r)));
      if (!next) return 0;
      page = await backend.action(next.id, call);
    }
    return 0;
  } finally {
    out.off('error', onError);
  }
}

async function answerSecret(field: string, title: string, o: OneShotOptions, backend: Backend, call: object): Promise<Reply> {
  let value: string;
  if (o.passwordStdin) value = await readStdin();
  else if (process.stdin.isTTY) value = await readHidden(`${title} (hidden): `);
  else {
    return { kind: 'error', code: 'usage', ok: false, message: `${field} is read privately: pipe it with --password-stdin`, usage: `printf '%s' "$PASSWORD" | smtp-ops config set ${field} --password-stdin` };
  }
  return backend.secret(field, value, call);
}
