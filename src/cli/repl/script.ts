/**
 * The REPL fed from a pipe (`smtp-ops repl < lines.txt`): lines run one after
 * another; the line after a confirmation is its answer, the line after a
 * password prompt is the password (never echoed), or the lines of a PEM
 * private key up to its END line. Every line runs (a failure does not stop
 * the script); the exit code is that of the first line that failed, as
 * `smtp-ops <line>` would have exited (1 failed, 2 usage, validation or not
 * confirmed), so a script that went wrong anywhere never exits 0. Answering
 * `n` to a question is not a failure.
 */
import readline from 'node:readline';
import type { Backend } from '../backend.js';
import { createSession, type LineCode } from './session.js';
import { outputWidth } from '../../commands/render/text.js';
import { pemUnfinished } from '../hidden-line.js';

export async function runScript(backend: Backend, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, color: boolean, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const rl = readline.createInterface({ input, terminal: false, crlfDelay: Infinity });
  const lines = rl[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  const session = createSession(backend, {
    print: (t) => output.write(`${t}\n`),
    write: (t) => output.write(t),
    ask: async (q, hidden) => {
      output.write(q);
      let a = await next();
      // A PEM private key takes the lines up to its END line.
      for (let more: string | null = ''; hidden && a !== null && pemUnfinished(a) && more !== null; ) {
        more = await next();
        if (more !== null) a += `\n${more}`;
      }
      output.write(hidden || a === null ? '\n' : `${a}\n`);
      return a;
    },
    color,
    progress: Boolean((output as { isTTY?: boolean }).isTTY),
    width: () => outputWidth(output as { isTTY?: boolean; columns?: number }, env),
  });
  let failed: LineCode = 0;
  for (let line = await next(); line !== null; line = await next()) {
    const text = line.trim();
    if (!text) continue;
    output.write(`smtp> ${line}\n`);
    if (text === '.exit') break;
    let code: LineCode;
    if (text === '.next' || text === '.prev') code = await session.page(text === '.next' ? 'next' : 'prev');
    else if (text.startsWith('.js ')) code = await session.evalJs(text.slice(4));
    else code = await session.line(text);
    if (failed === 0) failed = code;
  }
  rl.close();
  return failed;
}
