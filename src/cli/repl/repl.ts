/**
 * `smtp-ops repl`: node:repl taking grammar lines. Tab completion from the
 * grammar, persistent history in the store directory, y/N confirmations, a
 * hidden password prompt, `.next`/`.prev` paging, and a debugging escape:
 * `.js <code>` (or any line starting with `await `) evaluates JavaScript with
 * top-level await against the live `engine`.
 */
import path from 'node:path';
import repl from 'node:repl';
import { Writable } from 'node:stream';
import { COMMANDS } from '../../commands/grammar.js';
import { localActor, openBackend } from '../backend.js';
import type { Backend } from '../backend.js';
import { complete } from './complete.js';
import { outputWidth, wantColor } from '../../commands/render/text.js';
import { runScript } from './script.js';
import { createSession, type Session } from './session.js';
import { gateKeys, type KeyGate, type KeyedRepl } from './key-gate.js';

export interface ReplOptions {
  storeDir: string;
  env: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

/** readline's output, muted while a password is typed so nothing it redraws (a resize, a follow-up) lands on the hidden prompt. */
class MutableOutput extends Writable {
  muted = false;
  constructor(readonly target: NodeJS.WriteStream) {
    super();
  }
  get isTTY() {
    return this.target.isTTY;
  }
  get columns() {
    return this.target.columns;
  }
  get rows() {
    return this.target.rows;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    // Complete at once: a buffered write would be judged by a later `muted` state.
    if (!this.muted) this.target.write(chunk);
    cb();
  }
}

/** Start the REPL; resolves with the exit code when the user leaves. */
export async function startRepl(o: ReplOptions): Promise<number> {
  const input = o.input ?? process.stdin;
  const target = o.output ?? process.stdout;
  const color = wantColor(target, o.env);
  let backend: Backend;
  try {
    backend = await openBackend({ storeDir: o.storeDir, actor: localActor('repl'), worker: true, serveSocket: true, env: o.env });
  } catch (e) {
    target.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
  target.write(
    `smtp-ops REPL on ${o.storeDir} (${backend.mode === 'socket' ? 'through the running serve' : 'store opened here'}). ` +
      `Type \`help\`, Tab to complete, \`.exit\` to leave.${backend.engine ? ' `.js <code>` / `await ...` runs JavaScript on `engine`.' : ''}\n`,
  );
  if (!input.isTTY) {
    // Piped lines must run one at a time so answers reach their question.
    try {
      return await runScript(backend, input, target, color, o.env);
    } finally {
      await backend.close();
    }
  }

  const output = new MutableOutput(target);
  target.on('resize', () => output.emit('resize'));
  let session: Session | undefined;
  let gate: KeyGate | undefined;
  const server = repl.start({
    prompt: 'smtp> ',
    input,
    output,
    // A person types at this terminal: readline owns the echo (raw mode), even when output goes to a pipe.
    terminal: true,
    useColors: color,
    ignoreUndefined: true,
    preview: false,
    completer: (line: string) => complete(line, COMMANDS, { queueIds: () => session?.queueIds ?? [], queueDomains: () => session?.queueDomains ?? [] }),
    eval: (cmd, _context, _file, cb) => {
      const line = cmd.replace(/\r?\n$/, '');
      if (!line.trim() || !session) return cb(null, undefined);
      gate?.hold();
      void session.line(line).then(() => {
        cb(null, undefined);
        gate?.release();
      });
    },
  });
  session = createSession(backend, {
    print: (t) => target.write(`${t}\n`),
    write: (t) => target.write(t),
    ask: (q, hidden) =>
      new Promise<string>((resolve) => {
        const keys = gate!;
        if (hidden) {
          // Muted and on screen before any key is read; the keys go to the hidden line, never to readline
          // (so node:repl's Ctrl-C handler never sees them either).
          output.muted = true;
          target.write(q);
          keys.hidden((value) => {
            output.muted = false;
            target.write('\n');
            keys.hold();
            resolve(value);
          });
          keys.release();
          return;
        }
        // Ctrl-C cancels the question (an empty answer: no) instead of leaving it to catch the next line.
        // node:repl's own Ctrl-C handler must not run meanwhile: it prints "(To exit, press Ctrl+C again…)"
        // and arms a second Ctrl-C to leave the REPL.
        const ac = new AbortController();
        const replHandlers = server.listeners('SIGINT') as ((...a: unknown[]) => void)[];
        server.removeAllListeners('SIGINT');
        const onSigint = () => {
          target.write('^C\n');
          ac.abort();
        };
        // An answer is not a command: it stays out of the history.
        const forget = (history: string[]) => history.shift();
        const finish = (a: string) => {
          server.off('SIGINT', onSigint);
          for (const h of replHandlers) server.on('SIGINT', h);
          server.off('history', forget);
          keys.hold();
          resolve(a);
        };
        ac.signal.addEventListener('abort', () => finish(''), { once: true });
        server.on('SIGINT', onSigint);
        server.on('history', forget);
        server.question(q, { signal: ac.signal }, finish);
        keys.release();
      }),
    interrupt: () => server.displayPrompt(true),
    color,
    progress: true,
    width: () => outputWidth(target, o.env),
  });
  const s = session;
  const keys = gateKeys(server as unknown as KeyedRepl);
  gate = keys;

  // Node's dot commands for editing JavaScript files mean nothing here; `.help` lists only ours and `.exit`.
  for (const c of ['break', 'clear', 'editor', 'load', 'save']) delete (server.commands as Record<string, unknown>)[c];
  server.defineCommand('js', {
    help: 'Evaluate JavaScript (top-level await) with the live `engine`',
    action(code: string) {
      keys.hold();
      void s.evalJs(code).then(() => {
        this.displayPrompt();
        keys.release();
      });
    },
  });
  for (const which of ['next', 'prev'] as const) {
    server.defineCommand(which, {
      help: `${which === 'next' ? 'Next (older)' : 'Previous (newer)'} page of the last list`,
      action() {
        keys.hold();
        void s.page(which).then(() => {
          this.displayPrompt();
          keys.release();
        });
      },
    });
  }

  await new Promise<void>((resolve) => {
    server.setupHistory(path.join(o.storeDir, '.repl_history'), () => resolve());
  });
  void backend.lost?.then(() => {
    target.write('\nThe serve process went away; restart the REPL.\n');
    server.close();
  });

  return new Promise<number>((resolve) => {
    server.on('exit', () => {
      void backend.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    });
  });
}
