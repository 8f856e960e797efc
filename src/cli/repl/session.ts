/**
 * What the REPL does with a line, independent of how lines arrive (an
 * interactive terminal or a piped script): run it, render the reply, ask the
 * confirmation or the secret, remember paging buttons, evaluate the JS escape.
 */
import util from 'node:util';
import vm from 'node:vm';
import { processTopLevelAwait } from 'node-repl-await';
import type { Action, Reply } from '../../commands/reply.js';
import type { Backend, Call } from '../backend.js';
import { newSteps, progressLine, renderReply, stepLine } from '../../commands/render/text.js';
import { writeChartFiles, withNotes } from '../../commands/render/chart-files.js';

export interface SessionIo {
  /** Write a block of text (a newline is added). */
  print(text: string): void;
  /** Write without a newline (progress bars). */
  write(text: string): void;
  /** Ask a question; `hidden` answers are not echoed. */
  ask(question: string, hidden: boolean): Promise<string>;
  /** A follow-up arrived while the user may be typing. */
  interrupt?(): void;
  color: boolean;
  /** Draw progress bars (a terminal); otherwise only the result is printed. */
  progress: boolean;
  width(): number;
}

export interface Session {
  /** Run a grammar line, a `.js`/`await` line. Never throws. */
  line(text: string): Promise<void>;
  evalJs(code: string): Promise<void>;
  page(which: 'next' | 'prev'): Promise<void>;
  /** Queue ids of the last `queue list` (completion). */
  readonly queueIds: readonly string[];
}

export function createSession(backend: Backend, io: SessionIo): Session {
  const paging: { next?: Action; prev?: Action } = {};
  const queueIds: string[] = [];
  let progressShown = false;
  const stepsShown = new Map<string, number>();

  const show = (r: Reply) => {
    if (r.kind === 'table') {
      paging.next = r.page?.next;
      paging.prev = r.page?.prev;
      const items = (r.data as { items?: { id?: unknown }[] } | undefined)?.items;
      if (r.title.startsWith('Mail queue') && Array.isArray(items)) queueIds.splice(0, queueIds.length, ...items.map((i) => String(i.id)));
    }
    io.print(renderReply(r, { color: io.color, width: io.width(), pageHint: (a) => (a.kind === 'page-next' ? '`.next` for older' : '`.prev` for newer') }));
  };

  const call: Call = {
    onProgress: (p) => {
      if (!io.progress) return;
      progressShown = true;
      // Steps that finished (doctor checks) print above the bar as they come.
      for (const st of newSteps(p, stepsShown)) io.write(`\r\u001b[2K${stepLine(st, io.color)}\n`);
      io.write(`\r${progressLine(p.label, p.done, p.total, io.width(), io.color)}`);
    },
    followUp: (r) => {
      io.write('\n');
      show(r);
      io.interrupt?.();
    },
  };

  async function handle(reply: Reply): Promise<void> {
    stepsShown.clear();
    if (progressShown) {
      io.write('\n');
      progressShown = false;
    }
    if (reply.kind === 'confirm') {
      show(reply);
      const a = await io.ask(`${reply.yes.label}? [y/N] `, false);
      return handle(await backend.action(/^y(es)?$/i.test(a.trim()) ? reply.yes.id : reply.no.id, call));
    }
    if (reply.kind === 'secret-prompt') {
      show(reply);
      const value = await io.ask(`${reply.field}: `, true);
      if (!value) return show({ kind: 'message', tone: 'info', text: `Nothing typed; ${reply.field} is unchanged.` });
      return handle(await backend.secret(reply.field, value, call));
    }
    show(withNotes(reply, await writeChartFiles(reply)));
  }

  const jsContext = vm.createContext({ engine: backend.engine, console, setTimeout, clearTimeout, Buffer, URL });
  async function evalJs(code: string): Promise<void> {
    if (!backend.engine) {
      io.print('The JavaScript escape needs the store in this process; `serve` holds it now. Stop serve, or use commands.');
      return;
    }
    try {
      const wrapped = processTopLevelAwait(code) || code;
      const result: unknown = await vm.runInContext(wrapped, jsContext, { filename: 'repl-js' });
      if (result !== undefined) io.print(util.inspect(result, { colors: io.color, depth: 4 }));
    } catch (e) {
      io.print(util.inspect(e, { colors: io.color }));
    }
  }

  async function guarded(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      // Only the transport can fail here (the runner never throws): serve went away.
      io.print(`error: ${(e as Error).message}`);
    }
  }

  return {
    queueIds,
    evalJs,
    line: (text) => guarded(async () => {
      if (/^\s*await\s/.test(text)) return evalJs(text);
      await handle(await backend.run(text, call));
    }),
    page: (which) => guarded(async () => {
      const a = paging[which];
      if (!a) return io.print(`No ${which} page.`);
      await handle(await backend.action(a.id, call));
    }),
  };
}
