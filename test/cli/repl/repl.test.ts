/** The REPL driven for real in a tmux pseudo-terminal: typing, Tab completion, confirmations, the hidden prompt, the JS escape. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, ROOT } from '../build.js';

const SOCKET = `smtp-ops-repl-test-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
let main: string;
let dir: string;
let store: string;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], {
    encoding: 'utf8',
    // The tmux server starts with this environment; the REPL inherits it.
    env: { PATH: process.env.PATH, HOME: dir, TERM: 'xterm-256color', SMTP_OPS_SECRET_KEY: randomKey, SMTP_OPS_LISTEN: '127.0.0.1:0', LANG: 'C.UTF-8' },
  });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const randomKey = randomBytes(32).toString('hex');

/** The whole pane including scrollback, lines joined where they wrapped. */
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', 'repl');

async function waitFor(re: RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen();
    if (re.test(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re} on screen:\n${s}`);
}

/** How often `re` (global, multiline) matches on screen: a step is done when one more appears, not when an old one is still there. */
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

async function waitForAnother(re: RegExp, before: number, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen();
    if (count(s, re) > before) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for another ${re} on screen:\n${s}`);
}

/** Count of prompts on screen: a command is done when one more appears. */
const prompts = (s: string) => (s.match(/^smtp> /gm) ?? []).length;

async function type(line: string, done: RegExp): Promise<string> {
  const before = prompts(screen());
  tmux('send-keys', '-t', 'repl', '-l', line);
  tmux('send-keys', '-t', 'repl', 'Enter');
  const end = Date.now() + 20_000;
  for (;;) {
    const s = screen();
    if (done.test(s) && prompts(s) > before) return s;
    if (Date.now() > end) throw new Error(`"${line}" did not finish with ${done}:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!hasTmux && process.env.CI !== 'true') return;
  main = buildDist('repl-test-dist');
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-repl-'));
  store = join(dir, 'store');
  tmux('new-session', '-d', '-s', 'repl', '-x', '160', '-y', '50', `cd ${ROOT} && node ${main} repl --store ${store}; echo REPL-EXITED-$?; sleep 120`);
  await waitFor(/^smtp> /m, 60_000);
}, 180_000);

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux && process.env.CI !== 'true')('smtp-ops repl in a terminal', () => {
  it('greets and runs grammar lines with rendered replies', async () => {
    expect(screen()).toMatch(/smtp-ops REPL on .*store opened here/);
    const s = await type('status', /Mail queue[\s\S]*Queued\s+0/);
    expect(s).toMatch(/Route\s+direct \(MX\)/);
    expect(s).toMatch(/Latest events/);
  });

  it('completes commands, subcommands and setting names with Tab', async () => {
    tmux('send-keys', '-t', 'repl', '-l', 'queue fl');
    tmux('send-keys', '-t', 'repl', 'Tab');
    await waitFor(/smtp> queue flush\s*$/m);
    tmux('send-keys', '-t', 'repl', 'C-u');
    tmux('send-keys', '-t', 'repl', '-l', 'config set relay-p');
    tmux('send-keys', '-t', 'repl', 'Tab');
    await waitFor(/smtp> config set relay-port=\s*$/m);
    tmux('send-keys', '-t', 'repl', 'C-u');
    tmux('send-keys', '-t', 'repl', '-l', 'log --status bou');
    tmux('send-keys', '-t', 'repl', 'Tab');
    await waitFor(/smtp> log --status bounced\s*$/m);
    tmux('send-keys', '-t', 'repl', 'C-u');
  });

  it('asks y/N before a destructive command; n cancels, y does it', async () => {
    await type('config set enabled=off', /Settings updated/);
    // SMTP disabled: the test message stays queued, one message to delete.
    await type('test someone@example.com', /Test message queued, SMTP disabled/);
    tmux('send-keys', '-t', 'repl', '-l', 'queue delete --all');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitFor(/permanently delete all 1 message[\s\S]*Delete 1\? \[y\/N\]/);
    tmux('send-keys', '-t', 'repl', 'n', 'Enter');
    await waitFor(/Cancelled: Nothing was changed\./);
    tmux('send-keys', '-t', 'repl', '-l', 'queue delete --all');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitFor(/Delete 1\? \[y\/N\] [\s\S]*Delete 1\? \[y\/N\]/);
    tmux('send-keys', '-t', 'repl', 'y', 'Enter');
    await waitFor(/Queue deleted: 1 message deleted\./);
  }, 60_000);

  it('reads a password without echoing it, typed after its prompt or ahead of it; Ctrl-C cancels the prompt', async () => {
    const asked = /^sasl-password: *$/gm;
    const updated = /^Settings updated \(1\)\n {2}sasl-password {2}\*{8}$/gm;
    // A cancelled prompt stays on screen: each step waits for one more prompt, never for an old one.
    let n = count(screen(), asked);
    tmux('send-keys', '-t', 'repl', '-l', 'config set sasl-password');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitForAnother(asked, n);
    tmux('send-keys', '-t', 'repl', '-l', 'half-typed');
    tmux('send-keys', '-t', 'repl', 'C-c');
    await waitFor(/Nothing typed; sasl-password is unchanged\./);

    // Typed right after the prompt appears, with an erased typo (readline's kill ring must not keep it).
    n = count(screen(), asked);
    let u = count(screen(), updated);
    tmux('send-keys', '-t', 'repl', '-l', 'config set sasl-password');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitForAnother(asked, n);
    tmux('send-keys', '-t', 'repl', '-l', 'killed-typo-3');
    tmux('send-keys', '-t', 'repl', 'C-u');
    tmux('send-keys', '-t', 'repl', '-l', 'hidden-pw-77');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitForAnother(updated, u);

    // Typed ahead: the answer is in the same burst as the command (one write to the terminal), so it
    // arrives while the command runs, before its prompt exists; it waits, unechoed, and answers the prompt.
    n = count(screen(), asked);
    u = count(screen(), updated);
    tmux('send-keys', '-t', 'repl', '-l', 'config set sasl-password\rearly-pw-45\r');
    await waitForAnother(updated, u);
    expect(count(screen(), asked)).toBe(n + 1);

    // Up recalls the command, never an answer; Ctrl-Y yanks no erased part of a secret.
    tmux('send-keys', '-t', 'repl', 'Up');
    await waitFor(/^smtp> config set sasl-password$(?![\s\S]*^smtp>)/m);
    tmux('send-keys', '-t', 'repl', 'Down', 'C-y');
    // Whatever a yank put on the line would run as part of this command and show.
    const s = await type('status', /Mail queue/);
    for (const secret of ['half-typed', 'killed-typo-3', 'hidden-pw-77', 'early-pw-45']) expect(s).not.toContain(secret);
    expect(s).not.toMatch(/unknown command|did you mean/i);
  });

  it('takes a pasted PEM private key whole at the hidden prompt', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const body = pem.split('\n')[1]!;
    const u = count(screen(), /^ {2}dkim-private-key {2}\*{8}$/gm);
    // A terminal pastes line breaks as carriage returns, like Enter.
    tmux('send-keys', '-t', 'repl', '-l', `config set dkim-private-key\r${pem.replace(/\n/g, '\r')}`);
    const s = await waitForAnother(/^ {2}dkim-private-key {2}\*{8}$/gm, u);
    expect(s).not.toContain(body);
    expect(s.slice(s.lastIndexOf('smtp> config set dkim-private-key'))).not.toMatch(/-----(BEGIN|END) PRIVATE KEY-----|unknown command|did you mean/i);
  });

  it('evaluates JavaScript with top-level await on the live engine', async () => {
    const s = await type('await engine.queueCounts()', /total: 0/);
    expect(s).toMatch(/queued: 0/);
    await type('.js (await engine.getSettings()).enabled', /^false$/m);
    await type('.next', /No next page\./);
  });

  it('suggests the closest command for a typo, and keeps history on exit', async () => {
    await type('qeue list', /did you mean `queue list`\?/);
    tmux('send-keys', '-t', 'repl', '-l', '.exit');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitFor(/REPL-EXITED-0/);
    const history = join(store, '.repl_history');
    expect(existsSync(history)).toBe(true);
    const kept = readFileSync(history, 'utf8');
    expect(kept).toContain('qeue list');
    expect(kept).toContain('config set sasl-password');
    // Answers are not commands: no secret, no y/N answer, no line of a pasted key.
    for (const answer of ['hidden-pw-77', 'early-pw-45', 'killed-typo-3', 'half-typed', 'PRIVATE KEY']) expect(kept).not.toContain(answer);
    expect(kept.split('\n')).not.toContain('y');
    expect(kept.split('\n')).not.toContain('n');
  });
});

describe.skipIf(!hasTmux && process.env.CI !== 'true')('smtp-ops repl next to a running serve', () => {
  let serve: ChildProcess | undefined;
  let serveStore: string;

  afterAll(() => {
    serve?.kill('SIGKILL');
  });

  it('talks to serve through the control socket without the user noticing', async () => {
    serveStore = join(dir, 'served');
    let out = '';
    serve = spawn(process.execPath, [main, '--store', serveStore, 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: dir, SMTP_OPS_SECRET_KEY: randomKey, SMTP_OPS_LISTEN: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stdout!.on('data', (c) => (out += c));
    const start = Date.now();
    while (!/running on store/.test(out)) {
      if (Date.now() - start > 30_000) throw new Error(`serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    tmux('new-window', '-t', 'repl', '-n', 'sock', `cd ${ROOT} && node ${main} repl --store ${serveStore}; echo REPL2-EXITED-$?; sleep 120`);
    const target = 'repl:sock';
    const shot = () => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', target);
    const wait = async (re: RegExp) => {
      const end = Date.now() + 30_000;
      while (!re.test(shot())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${shot()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await wait(/through the running serve[\s\S]*^smtp> /m);
    tmux('send-keys', '-t', target, '-l', 'config set enabled=off');
    tmux('send-keys', '-t', target, 'Enter');
    await wait(/Settings updated/);
    tmux('send-keys', '-t', target, '-l', 'status');
    tmux('send-keys', '-t', target, 'Enter');
    await wait(/SMTP DISABLED[\s\S]*Mail queue/);
    tmux('send-keys', '-t', target, '-l', '.js 1 + 1');
    tmux('send-keys', '-t', target, 'Enter');
    await wait(/needs the store in this process/);
    tmux('send-keys', '-t', target, '-l', '.exit');
    tmux('send-keys', '-t', target, 'Enter');
    await wait(/REPL2-EXITED-0/);
    serve.kill('SIGTERM');
    await new Promise((r) => serve!.once('exit', r));
  }, 90_000);
});

describe.skipIf(!hasTmux && process.env.CI !== 'true')('one-shot CLI on a terminal', () => {
  it('asks y/N for a destructive command and reads a password hidden, ignoring what was typed before its prompt', async () => {
    const cliStore = join(dir, 'cli-tty');
    const target = 'repl:tty';
    tmux('new-window', '-t', 'repl', '-n', 'tty', `cd ${ROOT} && node ${main} --store ${cliStore} queue flush; echo FLUSH-EXIT-$?; read go; node ${main} --store ${cliStore} config set sasl-password; echo PW-EXIT-$?; sleep 120`);
    const shot = () => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', target);
    const wait = async (re: RegExp) => {
      const end = Date.now() + 30_000;
      while (!re.test(shot())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${shot()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await wait(/Flush\? \[y\/N\]/);
    tmux('send-keys', '-t', target, 'y', 'Enter');
    await wait(/Queue flushed[\s\S]*FLUSH-EXIT-0/);
    // The shell's `read` takes the first line; the second waits in the terminal, echoed by it, before
    // the CLI even starts: it must not become the password.
    tmux('send-keys', '-t', target, '-l', 'go\rtyped-ahead-9\r');
    await wait(/typed-ahead-9\n\(ignored what was typed before this prompt: the terminal showed it\)\nSet sasl-password \(hidden\): *$/m);
    tmux('send-keys', '-t', target, '-l', 'tty-secret-31');
    tmux('send-keys', '-t', target, 'Enter');
    await wait(/sasl-password +\*{8}[\s\S]*PW-EXIT-0/);
    expect(shot()).not.toContain('tty-secret-31');
  }, 60_000);
});

describe('smtp-ops repl fed from a pipe', () => {
  it('runs lines in order; the line after a question is its answer and a piped password is never echoed', async () => {
    const pipedStore = join(mkdtempSync(join(tmpdir(), 'smtp-ops-repl-pipe-')), 'store');
    const script = ['config set enabled=off', 'test a@example.com', 'queue delete --all', 'n', 'config set sasl-password', 'piped-secret-5', 'queue delete --all', 'yes', 'status', '.exit', 'status'].join('\n');
    const built = main ?? buildDist('repl-pipe-dist');
    const r = spawnSync(process.execPath, [built, 'repl', '--store', pipedStore], {
      cwd: ROOT,
      input: `${script}\n`,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, SMTP_OPS_SECRET_KEY: randomKey, SMTP_OPS_LISTEN: '127.0.0.1:0' },
      timeout: 60_000,
    });
    rmSync(join(pipedStore, '..'), { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('piped-secret-5');
    expect(r.stdout).toMatch(/Delete 1\? \[y\/N\] n\n. Cancelled: Nothing was changed\./);
    expect(r.stdout).toMatch(/sasl-password +\*{8}/);
    expect(r.stdout).toMatch(/Queue deleted: 1 message deleted\./);
    expect(r.stdout).toMatch(/Total +0/);
    // Nothing after .exit runs.
    expect(r.stdout.match(/smtp> status/g)).toHaveLength(1);
  }, 120_000);
});
