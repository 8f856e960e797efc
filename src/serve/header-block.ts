/**
 * The header block of a locally submitted message, edited on its bytes: the
 * body and every header not touched are kept byte for byte (latin1 maps each
 * byte to one character and back).
 */

/** One header field: its name and its raw text, folded lines and line ends included. */
export interface HeaderField {
  name: string;
  raw: string;
}

export interface SplitMessage {
  /** The message's line end (`\r\n` when its first line ends so, else `\n`). */
  eol: string;
  fields: HeaderField[];
  /** Everything after the header fields: the empty separator line and the body (a separator is inserted when the body began without one). */
  rest: string;
}

const FIELD = /^([!-9;-~]+)[ \t]*:/;

/**
 * Split a message into header fields and the rest. A leading mbox `From `
 * line (or `>From `) is dropped, as Postfix's sendmail does. The headers end
 * at the first empty line, or at the first line that is not a header field
 * (then an empty line is inserted before it, as Postfix's cleanup does).
 */
export function splitMessage(raw: Buffer): SplitMessage {
  let text = raw.toString('latin1');
  const firstEnd = text.indexOf('\n');
  const eol = firstEnd > 0 && text[firstEnd - 1] === '\r' ? '\r\n' : '\n';
  if (/^>*From /.test(text)) text = firstEnd < 0 ? '' : text.slice(firstEnd + 1);
  const fields: HeaderField[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, end);
    const bare = line.replace(/\r?\n$/, '');
    if (bare === '') break;
    if (/^[ \t]/.test(bare) && fields.length > 0) {
      fields[fields.length - 1].raw += line;
      pos = end;
      continue;
    }
    const m = FIELD.exec(bare);
    if (!m) {
      // The body began without an empty line: insert one so the headers end where they do.
      return { eol, fields, rest: eol + text.slice(pos) };
    }
    // A last header line without a line end (a message of headers only) gets one.
    fields.push({ name: m[1], raw: nl < 0 ? line + eol : line });
    pos = end;
  }
  return { eol, fields, rest: text.slice(pos) };
}

/** Join fields and rest back into bytes. */
export function joinMessage(m: SplitMessage): Buffer {
  return Buffer.from(m.fields.map((f) => f.raw).join('') + m.rest, 'latin1');
}

/** The unfolded value of a field (line ends removed, the name stripped). */
export function fieldValue(f: HeaderField): string {
  return f.raw
    .slice(f.raw.indexOf(':') + 1)
    .replace(/\r?\n([ \t])/g, '$1')
    .replace(/\r?\n$/, '')
    .trim();
}

export function hasField(m: SplitMessage, name: string): boolean {
  const n = name.toLowerCase();
  return m.fields.some((f) => f.name.toLowerCase() === n);
}

/** Fields named one of `names` (case-insensitive). */
export function fieldsNamed(m: SplitMessage, names: readonly string[]): HeaderField[] {
  const set = new Set(names.map((n) => n.toLowerCase()));
  return m.fields.filter((f) => set.has(f.name.toLowerCase()));
}

/** Remove every field named one of `names`; returns how many went. */
export function dropFields(m: SplitMessage, names: readonly string[]): number {
  const set = new Set(names.map((n) => n.toLowerCase()));
  const before = m.fields.length;
  m.fields = m.fields.filter((f) => !set.has(f.name.toLowerCase()));
  return before - m.fields.length;
}

/** Append a field at the end of the header block, in the message's own line ends. */
export function appendField(m: SplitMessage, name: string, value: string): void {
  m.fields.push({ name, raw: `${name}: ${value}${m.eol}` });
}
