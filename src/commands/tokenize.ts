/**
 * Split a command line into words the way a POSIX shell would for plain
 * words: whitespace separates, single quotes are literal, double quotes allow
 * `\"` and `\\`, a backslash outside quotes escapes the next character.
 * Chat clients turn quotes into typographic ones, so those count as quotes too.
 */

/** Longest line accepted; longer lines are refused before any parsing. */
export const MAX_LINE = 4000;

export type Tokens = { ok: true; words: string[] } | { ok: false; message: string };

const DOUBLE = new Set(['"', '\u201c', '\u201d', '\u201e']);
const SINGLE = new Set(["'", '\u2018', '\u2019']);
// C0/C1 controls and DEL; tab and newlines are whitespace instead.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Tokenize `line`; never throws. */
export function tokenize(line: string): Tokens {
  if (line.length > MAX_LINE) return { ok: false, message: `the line is too long (${line.length} characters, at most ${MAX_LINE})` };
  const bad = CONTROL.exec(line);
  if (bad) return { ok: false, message: `control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} at position ${bad.index + 1} is not allowed` };
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: 'single' | 'double' | null = null;
  let quoteAt = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === 'single') {
      if (SINGLE.has(c)) quote = null;
      else cur += c;
      continue;
    }
    if (quote === 'double') {
      if (DOUBLE.has(c)) quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (SINGLE.has(c)) {
      quote = 'single';
      quoteAt = i;
    } else if (DOUBLE.has(c)) {
      quote = 'double';
      quoteAt = i;
    } else if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else cur += c;
  }
  if (quote) return { ok: false, message: `unbalanced ${quote} quote opened at position ${quoteAt + 1}` };
  if (inWord) words.push(cur);
  return { ok: true, words };
}

/** Quote words so that {@link tokenize} gives them back unchanged (the CLI passes argv through this). */
export function quoteWords(words: readonly string[]): string {
  return words.map((w) => (w === '' ? "''" : w.replace(/[^A-Za-z0-9@%+=:,./_-]/gu, (c) => `\\${c}`))).join(' ');
}
