/** The editing rules of every hidden prompt, key by key as node:readline reports them. */
import { generateKeyPairSync } from 'node:crypto';
import { emitKeypressEvents, type Key } from 'node:readline';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hiddenKey, pemUnfinished, type HiddenLine } from '../../src/cli/hidden-line.js';

/** Feed raw terminal input through node's own keypress parser into the rules. */
function typed(raw: string): HiddenLine {
  const input = new PassThrough();
  emitKeypressEvents(input);
  let line: HiddenLine = { value: '' };
  input.on('keypress', (s: string | undefined, key: Key | undefined) => {
    if (!line.done) line = hiddenKey(line.value, s, key);
  });
  input.write(raw);
  return line;
}

describe('a hidden line', () => {
  it('ends at Enter (CR or LF) and keeps what was typed, spaces and non-ASCII included', () => {
    expect(typed('pass wörd ✓\r')).toEqual({ value: 'pass wörd ✓', done: 'enter' });
    expect(typed('abc\n')).toEqual({ value: 'abc', done: 'enter' });
  });

  it('edits with Backspace (by character) and Ctrl-U, ignores arrows, Tab and other control keys', () => {
    expect(typed('abcd\x7f\x7fx\r')).toEqual({ value: 'abx', done: 'enter' });
    expect(typed('é😀\x7f\r')).toEqual({ value: 'é', done: 'enter' });
    expect(typed('typo\x15real\r')).toEqual({ value: 'real', done: 'enter' });
    expect(typed('a\x1b[Ab\x1b[D\tc\x01\r')).toEqual({ value: 'abc', done: 'enter' });
  });

  it('cancels on Ctrl-C with nothing kept', () => {
    expect(typed('half\x03more\r')).toEqual({ value: '', done: 'cancel' });
  });

  it('reads a pasted PEM private key to its END line, and only that far', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd();
    const line = typed(`${pem.replace(/\n/g, '\r')}\rnext command\r`);
    expect(line).toEqual({ value: pem, done: 'enter' });
    expect(pemUnfinished('-----BEGIN RSA PRIVATE KEY-----\nMIIB')).toBe(true);
    expect(pemUnfinished('-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----')).toBe(true);
    expect(pemUnfinished('-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----')).toBe(false);
    expect(pemUnfinished('plain password with -----')).toBe(false);
  });
});
