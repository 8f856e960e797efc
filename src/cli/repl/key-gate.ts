/**
 * Where the REPL's keystrokes go. While a command runs they wait, neither
 * echoed nor read, until the REPL reads again: the next prompt, or a question
 * that command asks, so a password typed or pasted ahead of its prompt is not
 * shown, not run as a command and not kept in the history. While a hidden
 * question is open they go to it alone: readline never sees the secret, so
 * neither its echo, its history, its kill ring nor Tab completion can show it.
 */
import type { Key } from 'node:readline';
import { hiddenKey } from '../hidden-line.js';

type TtyWrite = (s: string | undefined, key: Key | undefined) => void;

/** The part of node:repl's REPLServer this uses: the terminal key handler node:repl itself wraps. */
export interface KeyedRepl {
  _ttyWrite: TtyWrite;
}

export interface KeyGate {
  /** A command started: keys wait from now on. */
  hold(): void;
  /** A prompt or a question is on screen: the waiting keys go to it, until a command holds them again. */
  release(): void;
  /** Take the following keys as a hidden line (nothing is drawn) until Enter or Ctrl-C. */
  hidden(done: (value: string, how: 'enter' | 'cancel') => void): void;
}

export function gateKeys(server: KeyedRepl): KeyGate {
  const pass = server._ttyWrite.bind(server);
  const waiting: [string | undefined, Key | undefined][] = [];
  let holding = false;
  let secret: { value: string; done: (value: string, how: 'enter' | 'cancel') => void } | undefined;

  const key: TtyWrite = (s, k) => {
    if (secret) {
      const line = hiddenKey(secret.value, s, k);
      secret.value = line.value;
      if (line.done) {
        const { done } = secret;
        secret = undefined;
        done(line.value, line.done);
      }
      return;
    }
    if (holding) {
      // Ctrl-C still reaches the REPL (it can leave a command that hangs) and drops what was typed ahead.
      if (k?.ctrl && k.name === 'c') {
        waiting.length = 0;
        pass(s, k);
      } else waiting.push([s, k]);
      return;
    }
    pass(s, k);
  };
  server._ttyWrite = key;

  return {
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      while (!holding && waiting.length > 0) key(...waiting.shift()!);
    },
    hidden(done) {
      secret = { value: '', done };
    },
  };
}
