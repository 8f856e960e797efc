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
import util from 'node:util';
import vm from 'node:vm';
import { processTopLevelAwait } from 'node-repl-await';
import { COMMANDS } from '../commands/grammar.js';
import type { Action, Reply } from '../commands/reply.js';
import { localActor, openBackend } from './backend.js';
import type { Backend } from './backend.js';
import { complete } from './complete.js';
import { progressLine, renderReply, wantColor } from './render.js';

export interface ReplOptions {
  storeDir: string;
  env: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

/** An output stream that can be muted while a password is typed. */
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
  const output = new MutableOutput(target);
  target.on('resize', () => output.emit('resize'));
  const width = () => target.columns ?? 100;
  const paging: { next?: Action; prev?: Action } = {};
  const queueIds: string[] = [];
  target.write(
    `smtp-ops REPL on ${o.storeDir} (${backend.mode === 'socket' ? 'through the running serve' : 'store opened here'}). ` +
      `Type \`help\`, Tab to complete, \`.exit\` to leave.${backend.engine ? ' `.js <code>` / `await ...` runs JavaScript on `engine`.' : ''}\n`,
  );

  const server = repl.start({
    prompt: 'smtp> ',
    input,
    output,
    terminal: Boolean(input.isTTY && target.isTTY),
    useColors: color,
    ignoreUndefined: true,
    preview: false,
    completer: (line: string) => complete(line, COMMANDS, { queueIds: () => queueIds }),
    eval: (cmd, _context, _file, cb) => {
      const line = cmd.replace(/\r?\n$/, '');
      if (!line.trim()) return cb(null, undefined);
      if (/^\s*await\s/.test(line)) {
        void evalJs(line).then(() => cb(null, undefined));
        return;
      }
      void command(line).then(() => cb(null, undefined));
    },
  });

  const print = (text: string) => target.write(`${text}\n`);
  const show = (r: Reply) => {
    if (r.kind === 'table') {
      paging.next = r.page?.next;
      paging.prev = r.page?.prev;
      const ids = (r.data as { items?: { id?: unknown; state?: unknown }[] } | undefined)?.items;
      if (r.title.startsWith('Mail queue') && Array.isArray(ids)) queueIds.splice(0, queueIds.length, ...ids.map((i) => String(i.id)));
    }
    print(
      renderReply(r, {
        color,
        width: width(),
        pageHint: (a) => (a.kind === 'page-next' ? '`.next` for older' : '`.prev` for newer'),
      }),
    );
  };
  const question = (q: string, hidden = false) =>
    new Promise<string>((resolve) => {
      server.question(q, (a) => {
        output.muted = false;
        if (hidden) target.write('\n');
        resolve(a);
      });
      // The prompt itself is written; what follows (the typed secret) is not.
      if (hidden) output.muted = true;
    });

  let progressShown = false;
  const call = {
    onProgress: (p: { label: string; done: number; total: number }) => {
      progressShown = true;
      target.write(`\r${progressLine(p.label, p.done, p.total, width(), color)}`);
    },
    followUp: (r: Reply) => {
      target.write('\n');
      show(r);
      server.displayPrompt(true);
    },
  };

  async function handle(reply: Reply): Promise<void> {
    if (progressShown) {
      target.write('\n');
      progressShown = false;
    }
    if (reply.kind === 'confirm') {
      show(reply);
      const a = await question(`${reply.yes.label}? [y/N] `);
      return handle(await backend.action(/^y(es)?$/i.test(a.trim()) ? reply.yes.id : reply.no.id, call));
    }
    if (reply.kind === 'secret-prompt') {
      show(reply);
      const value = await question(`${reply.field}: `, true);
      if (!value) return show({ kind: 'message', tone: 'info', text: `Nothing typed; ${reply.field} is unchanged.` });
      return handle(await backend.secret(reply.field, value, call));
    }
    show(reply);
  }

  async function command(line: string): Promise<void> {
    try {
      await handle(await backend.run(line, call));
    } catch (e) {
      print(`error: ${(e as Error).message}`);
    }
  }

  const jsContext = vm.createContext({ engine: backend.engine, console, setTimeout, clearTimeout, Buffer, URL });
  async function evalJs(code: string): Promise<void> {
    if (!backend.engine) {
      print('The JavaScript escape needs the store in this process; `serve` holds it now. Stop serve, or use commands.');
      return;
    }
    try {
      const wrapped = processTopLevelAwait(code) || code;
      const result: unknown = await vm.runInContext(wrapped, jsContext, { filename: 'repl-js' });
      if (result !== undefined) print(util.inspect(result, { colors: color, depth: 4 }));
    } catch (e) {
      print(util.inspect(e, { colors: color }));
    }
  }

  server.defineCommand('js', {
    help: 'Evaluate JavaScript (top-level await) with the live `engine`',
    action(code: string) {
      void evalJs(code).then(() => this.displayPrompt());
    },
  });
  const page = (which: 'next' | 'prev') => ({
    help: `${which === 'next' ? 'Next (older)' : 'Previous (newer)'} page of the last list`,
    action(this: repl.REPLServer) {
      const a = paging[which];
      if (!a) {
        print(`No ${which} page.`);
        this.displayPrompt();
        return;
      }
      void backend.action(a.id, call).then(handle).then(() => this.displayPrompt());
    },
  });
  server.defineCommand('next', page('next'));
  server.defineCommand('prev', page('prev'));

  await new Promise<void>((resolve) => {
    server.setupHistory(path.join(o.storeDir, '.repl_history'), () => resolve());
  });
  void backend.lost?.then(() => {
    print('\nThe serve process went away; restart the REPL.');
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
