/**
 * Real SMTP clients for the intake tests: swaks and Postfix's smtp-source, run
 * as child processes, plus a raw socket for what they cannot do (hang up
 * mid-DATA). Missing tools fail the suite under CI=true and skip it otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/** Whether an executable is on PATH (or at an absolute path). */
export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Tools missing for a test file; under CI=true a missing tool is an error, not a skip. */
export function missingTools(...names: string[]): string[] {
  const missing = names.filter((n) => !hasTool(n));
  if (missing.length && process.env.CI === 'true') {
    throw new Error(`CI=true and ${missing.join(', ')} missing: run scripts/install-test-deps.sh`);
  }
  return missing;
}

export interface RunResult {
  code: number | null;
  out: string;
}

/** Run a command to its end, stdout and stderr merged. */
export function run(cmd: string, args: string[], input?: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    // A client that exits before reading its input makes the pipe EPIPE; that is not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** swaks against the listener; `args` are extra swaks options. */
export function swaks(port: number, args: string[]): Promise<RunResult> {
  return run('swaks', ['--server', '127.0.0.1', '--port', String(port), '--timeout', '20', '--hide-informational', ...args]);
}

/** Server replies in a swaks transcript (`<-` and `<**` lines), code and text. */
export function replies(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => /^\s*<(-|\*\*)\s/.test(l))
    .map((l) => l.replace(/^\s*<(-|\*\*)\s+/, '').trim());
}

/** A raw SMTP conversation: send lines, read replies. For what no client does on purpose. */
export class RawSmtp {
  private buf = '';
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    // The server may close first (421, QUIT); a late write then fails with EPIPE, which replies() reports by timing out.
    socket.on('error', () => undefined);
    socket.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(port: number): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawSmtp(s)));
      s.once('error', reject);
    });
  }

  /** Wait for the next complete reply (last line `NNN text`) and return it. */
  async reply(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].trim();
      }
      if (Date.now() > deadline) throw new Error(`no SMTP reply within ${timeoutMs} ms (have ${JSON.stringify(this.buf)})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Send one command and return its reply. */
  async cmd(line: string): Promise<string> {
    this.socket.write(line + '\r\n');
    return this.reply();
  }

  write(data: string): void {
    this.socket.write(data);
  }

  /** Hang up hard (RST where possible), as a crashed client would. */
  destroy(): Promise<void> {
    return new Promise((r) => {
      this.socket.once('close', () => r());
      this.socket.resetAndDestroy();
    });
  }
}
