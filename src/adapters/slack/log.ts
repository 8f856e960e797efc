/**
 * The logger handed to Bolt. Bolt and its Socket Mode client log whole
 * payloads at debug level, and a modal submission payload carries the
 * password typed into it, so every line passes through a redaction first.
 */
import { LogLevel, type Logger } from '@slack/bolt';

const ORDER: Record<LogLevel, number> = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };
const JSON_VALUE = /"value"\s*:\s*"(?:[^"\\]|\\.)*"/g;
const ENCODED_VALUE = /%22value%22%3A%22.*?%22(?=%2C|%7D)/gi;

/** Remove typed input values from a log line that carries an input (modal) payload. */
export function redactInputs(line: string): string {
  if (!/view_submission|plain_text_input/.test(line)) return line;
  return line.replace(JSON_VALUE, '"value":"[redacted]"').replace(ENCODED_VALUE, '%22value%22%3A%22[redacted]%22');
}

function render(msg: unknown[]): string {
  return msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
}

/** Wrap `inner` (default: the console) so nothing logged can carry a typed secret. */
export function redactingLogger(inner: Logger | undefined, level: LogLevel = LogLevel.INFO): Logger {
  let current = level;
  let name = 'slack';
  const out = (l: LogLevel, write: (line: string) => void) => (...msg: unknown[]) => {
    if (!inner && ORDER[l] < ORDER[current]) return;
    write(redactInputs(render(msg)));
  };
  const sink = inner ?? {
    debug: (s: string) => console.debug(`[DEBUG] ${name} ${s}`),
    info: (s: string) => console.info(`[INFO] ${name} ${s}`),
    warn: (s: string) => console.warn(`[WARN] ${name} ${s}`),
    error: (s: string) => console.error(`[ERROR] ${name} ${s}`),
  };
  return {
    debug: out(LogLevel.DEBUG, (s) => sink.debug(s)),
    info: out(LogLevel.INFO, (s) => sink.info(s)),
    warn: out(LogLevel.WARN, (s) => sink.warn(s)),
    error: out(LogLevel.ERROR, (s) => sink.error(s)),
    setLevel: (l) => {
      current = l;
      inner?.setLevel(l);
    },
    getLevel: () => (inner ? inner.getLevel() : current),
    setName: (n) => {
      name = n;
      inner?.setName(n);
    },
  };
}
