/** `smtp-ops <words...>`: run one command, print it, exit with 0/1/2. */
import { exitCodeOf } from '../commands/reply.js';
import { writeChartFiles, withNotes } from '../commands/render/chart-files.js';
import type { ProgressReply, Reply } from '../commands/reply.js';
import { quoteWords } from '../commands/tokenize.js';
import type { Backend } from './backend.js';
import { openBackend, localActor } from './backend.js';
import { askYesNo, readHidden, readStdin } from './prompt.js';
import { newSteps, progressLine, renderReply, stepLine, wantColor } from '../commands/render/text.js';

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

function commandWord(words: string[]): string {
  const w = words.map((x) => x.toLowerCase());
  return w[0] === 'smtp' || w[0] === '/smtp' ? (w[1] ?? '') : (w[0] ?? '');
}

/** Run one command line; returns the exit code. */
export async function oneShot(o: OneShotOptions): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  const color = !o.json && wantColor(out, o.env);
  const isTest = commandWord(o.words) === 'test';
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
  // Opened here, nothing else would attempt the test message: wait for its first attempt.
  if (o.wait || (isTest && backend.mode === 'local')) words.push('--wait');
  let progressShown = false;
  const stepsShown = new Map<string, number>();
  const call = {
    confirmed: o.yes,
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
    const notes = await writeChartFiles(reply);
    if (o.json) for (const n of notes) err.write(`${n.text}\n`);
    else reply = withNotes(reply, notes);
    if (o.json) out.write(`${JSON.stringify(jsonOf(reply))}\n`);
    else (reply.kind === 'error' ? err : out).write(`${renderReply(reply, { color, width: out.columns ?? 100 })}\n`);
    return Math.max(exitCodeOf(reply), notes.some((n) => n.ok === false) ? 1 : 0);
  } finally {
    await backend.close();
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
