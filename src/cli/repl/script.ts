/**
 * The REPL fed from a pipe (`smtp-ops repl < lines.txt`): lines run one after
 * another; the line after a confirmation is its answer, the line after a
 * password prompt is the password (never echoed), or the lines of a PEM
 * private key up to its END line.
 */
import readline from 'node:readline';
import type { Backend } from '../backend.js';
import { createSession } from './session.js';
import { pemUnfinished } from '../hidden-line.js';

export async function runScript(backend: Backend, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, color: boolean): Promise<number> {
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
      let a = (await next()) ?? '';
      // A PEM private key takes the lines up to its END line.
      for (let more: string | null = ''; hidden && pemUnfinished(a) && more !== null; ) {
        more = await next();
        if (more !== null) a += `\n${more}`;
      }
      output.write(hidden ? '\n' : `${a}\n`);
      return a;
    },
    color,
    progress: Boolean((output as { isTTY?: boolean }).isTTY),
    width: () => (output as { columns?: number }).columns ?? 100,
  });
  for (let line = await next(); line !== null; line = await next()) {
    const text = line.trim();
    if (!text) continue;
    output.write(`smtp> ${line}\n`);
    if (text === '.exit') break;
    if (text === '.next' || text === '.prev') await session.page(text === '.next' ? 'next' : 'prev');
    else if (text.startsWith('.js ')) await session.evalJs(text.slice(4));
    else await session.line(text);
  }
  rl.close();
  return 0;
}
