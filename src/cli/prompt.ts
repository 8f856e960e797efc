/** Terminal prompts of the one-shot CLI: hidden password input, y/N, and reading a secret from stdin. */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import readline from 'node:readline';
import { hiddenKey } from './hidden-line.js';

/**
 * Read a line without echoing it (TTY input only). Rejects on Ctrl-C. Echo goes
 * off before the question is shown; whatever was typed before that was echoed
 * by the terminal, so it is dropped rather than taken as (part of) the secret.
 */
export function readHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    if (dropTypeahead(input)) output.write('(ignored what was typed before this prompt: the terminal showed it)\n');
    output.write(question);
    readline.emitKeypressEvents(input);
    let value = '';
    const done = (err: Error | null) => {
      input.off('keypress', onKey);
      input.setRawMode?.(wasRaw ?? false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onKey = (s: string | undefined, key: readline.Key | undefined) => {
      const line = hiddenKey(value, s, key);
      value = line.value;
      if (line.done) done(line.done === 'cancel' ? new Error('cancelled') : null);
    };
    input.on('keypress', onKey);
    input.resume();
  });
}

/**
 * Read away the input waiting on a terminal in raw mode, as getpass's
 * TCSAFLUSH does (node has no tcflush): a second, non-blocking open of the
 * same terminal. True when something was waiting.
 */
function dropTypeahead(input: NodeJS.ReadStream): boolean {
  const fd = (input as { fd?: unknown }).fd;
  if (!input.isTTY || typeof fd !== 'number') return false;
  let tty: number;
  try {
    tty = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return false;
  }
  const buf = Buffer.alloc(4096);
  let dropped = false;
  try {
    while (readSync(tty, buf) > 0) dropped = true;
  } catch {
    // EAGAIN: nothing more is waiting.
  } finally {
    closeSync(tty);
  }
  return dropped;
}

/** Ask a yes/no question; anything but y/yes is no, and so are Ctrl-C and Ctrl-D. */
export function askYesNo(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, output, terminal: Boolean(input.isTTY) });
    rl.question(`${question} [y/N] `, (a) => {
      // Answer first: close() emits 'close' at once, which would answer no.
      resolve(/^y(es)?$/i.test(a.trim()));
      rl.close();
    });
    // Without a listener readline would only pause, and the prompt would hang.
    rl.on('SIGINT', () => {
      output.write('^C\n');
      resolve(false);
      rl.close();
    });
    rl.once('close', () => resolve(false));
  });
}

/** The whole of stdin as text, without the final line break (`--password-stdin`). */
export async function readStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
