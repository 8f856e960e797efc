/**
 * What one key does to a line typed without echo: the editing rules every
 * hidden prompt shares (the one-shot CLI's and the REPL's). A pasted PEM block
 * reads on to its END line, so no part of a private key ends the prompt early
 * and runs as the next command (or reaches the shell).
 */
import type { Key } from 'node:readline';

/** The line so far; `done` once Enter ends it or Ctrl-C cancels it (value empty). */
export interface HiddenLine {
  value: string;
  done?: 'enter' | 'cancel';
}

/** True while `value` holds a PEM BEGIN line without its END line. */
export function pemUnfinished(value: string): boolean {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(value);
  return m !== null && !value.includes(`-----END ${m[1]}-----`, m.index);
}

/** Apply one keypress (as node:readline's emitKeypressEvents reports it) to a hidden line. */
export function hiddenKey(value: string, s: string | undefined, key: Key = {}): HiddenLine {
  if (key.ctrl && key.name === 'c') return { value: '', done: 'cancel' };
  if (key.name === 'return' || key.name === 'enter') return pemUnfinished(value) ? { value: `${value}\n` } : { value, done: 'enter' };
  if (key.name === 'backspace') return { value: Array.from(value).slice(0, -1).join('') };
  if (key.ctrl && key.name === 'u') return { value: '' };
  // Other control keys, arrows and escape sequences are not part of a secret.
  if (key.ctrl || key.meta || !s || /[\u0000-\u001f\u007f]/.test(s)) return { value };
  return { value: value + s };
}
