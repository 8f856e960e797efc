/** The REPL driven for real in a tmux pseudo-terminal: typing, Tab completion, confirmations, the hidden prompt, the JS escape. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, ROOT } from '../build.js';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createEngine } from '../../../src/engine/index.js';

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
    const s = await type('status', /Mail queue[\s\S]*Queued\s+0[\s\S]*Latest events/);
    expect(s).toMatch(/Route\s+direct \(MX\)/);
    expect(s).toMatch(/Latest in the mail queue\n {2}The queue is empty\./);
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
    // Ctrl-C at the question cancels it, without node:repl's "(To exit, press Ctrl+C again…)" and without arming an exit.
    tmux('send-keys', '-t', 'repl', '-l', 'queue delete --all');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitFor(/Delete 1\? \[y\/N\] [\s\S]*Delete 1\? \[y\/N\] /);
    tmux('send-keys', '-t', 'repl', 'C-c');
    await waitFor(/Delete 1\? \[y\/N\] \^C\n+. Cancelled: Nothing was changed\.\n/);
    expect(screen()).not.toContain('To exit, press Ctrl+C again');
    await type('queue list', /Mail queue/);
    expect(screen()).not.toContain('REPL-EXITED');
    tmux('send-keys', '-t', 'repl', '-l', 'queue delete --all');
    tmux('send-keys', '-t', 'repl', 'Enter');
    await waitFor(/(Delete 1\? \[y\/N\] [\s\S]*){2}Delete 1\? \[y\/N\]/);
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

  it('queue summary shows the shape; --domain then completes the domains it named; filters list the matches', async () => {
    await type('test ops@stuck.test', /Test message queued, SMTP disabled/);
    await type('test oncall@example.com', /Test message queued, SMTP disabled/);
    const s = await type('queue summary', /Messages by last error/);
    expect(s).toMatch(/Domain +T +5 +10 +20 +40 +80 +160 +320 +640 +1280 +1280\+/);
    expect(s).toMatch(/TOTAL +2 +2 /);
    tmux('send-keys', '-t', 'repl', '-l', 'queue list --domain stu');
    tmux('send-keys', '-t', 'repl', 'Tab');
    await waitFor(/smtp> queue list --domain stuck\.test\s*$/m);
    tmux('send-keys', '-t', 'repl', 'Enter');
    const l = await waitFor(/Mail queue \(domain stuck\.test\)[\s\S]*1 of 2 messages match/);
    expect(l.slice(l.lastIndexOf('Mail queue (domain stuck.test)'))).not.toContain('oncall@example.com');
    await type('queue delete --all --yes', /Queue deleted: 2 messages deleted\./);
  }, 60_000);

  it('.help lists the REPL\'s dot commands, not node\'s editor, load and save', async () => {
    const s = await type('.help', /\.next/);
    const help = s.slice(s.lastIndexOf('smtp> .help'));
    for (const c of ['.exit', '.help', '.js', '.next', '.prev']) expect(help).toContain(c);
    for (const c of ['.editor', '.load', '.save', '.break', '.clear']) expect(help).not.toContain(c);
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

  it('queue flush with no serve running attempts the queue here with a progress bar, then the summary', async () => {
    // A loopback peer that takes 150 ms per recipient, so the bar is seen moving; defer@ gets 451.
    const slow = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(a, _s, cb) {
        setTimeout(() => (a.address.startsWith('defer@') ? cb(Object.assign(new Error('4.2.0 try later'), { responseCode: 451 })) : cb()), 150);
      },
      onData(stream, _s, cb) {
        stream.resume();
        stream.on('end', () => cb(null, 'Queued'));
      },
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const port = (slow.server.address() as AddressInfo).port;
    const flushStore = join(dir, 'cli-flush');
    const engine = await createEngine({ storeDir: flushStore, secretKey: randomKey, worker: false });
    await engine.updateSettings({ hostname: 'cli.smtp-ops.test', 'from-address': 'alerts@smtp-ops.test', 'relay-host': '127.0.0.1', 'relay-port': String(port), 'use-tls': 'off', enabled: 'off' }, { platform: 'cli', id: 'test' });
    for (let i = 0; i < 60; i++) await engine.submit({ to: [i === 7 ? 'defer@x.test' : `r${i}@x.test`], subject: `m${i}`, text: 'x', source: 'api' });
    await engine.updateSettings({ enabled: 'on' }, { platform: 'cli', id: 'test' });
    await engine.close();
    try {
      const target = 'repl:flush';
      tmux('new-window', '-t', 'repl', '-n', 'flush', `cd ${ROOT} && node ${main} --store ${flushStore} queue flush --yes; echo FLUSH-EXIT-$?; sleep 120`);
      const shot = () => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', target);
      const end = Date.now() + 60_000;
      let sawBar = false;
      while (!/FLUSH-EXIT-\d/.test(shot())) {
        if (/\[[█░]+\] +\d+% delivering \d+\/60/.test(shot())) sawBar = true;
        if (Date.now() > end) throw new Error(`flush did not end:\n${shot()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const s = shot();
      expect(sawBar || /\[█+\] 100% delivering 60\/60/.test(s)).toBe(true);
      expect(s).toMatch(/! Queue flushed: 60 messages attempted now: 59 delivered, 1 deferred \(queued again, retried after their backoff: `queue list --state deferred`\)\.\nFLUSH-EXIT-1/);
    } finally {
      await new Promise<void>((r) => slow.close(() => r()));
    }
  }, 120_000);

  it('Ctrl-C at the y/N question answers no: nothing is done', async () => {
    const cliStore = join(dir, 'cli-ctrl-c');
    const target = 'repl:ctrlc';
    tmux('new-window', '-t', 'repl', '-n', 'ctrlc', `cd ${ROOT} && node ${main} --store ${cliStore} queue delete --all; echo DEL-EXIT-$?; sleep 120`);
    const shot = () => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', target);
    const end = Date.now() + 30_000;
    while (!/Delete 0\? \[y\/N\]/.test(shot())) {
      if (Date.now() > end) throw new Error(`no question:\n${shot()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    tmux('send-keys', '-t', target, 'C-c');
    while (!/DEL-EXIT-\d/.test(shot())) {
      if (Date.now() > end) throw new Error(`did not end:\n${shot()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(shot()).toMatch(/Delete 0\? \[y\/N\] \^C\n[\s\S]*Cancelled: Nothing was changed\.\nDEL-EXIT-0/);
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
    // Every line succeeded (answering n is a decision, not a failure).
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

describe('smtp-ops repl fed from a pipe: the exit code', () => {
  const run = (lines: string[]) => {
    const store = join(mkdtempSync(join(tmpdir(), 'smtp-ops-repl-code-')), 'store');
    const r = spawnSync(process.execPath, [main ?? buildDist('repl-pipe-dist'), 'repl', '--store', store], {
      cwd: ROOT,
      input: lines.length ? `${lines.join('\n')}\n` : '',
      encoding: 'utf8',
      env: { PATH: process.env.PATH, SMTP_OPS_SECRET_KEY: randomKey, SMTP_OPS_LISTEN: '127.0.0.1:0' },
      timeout: 60_000,
    });
    rmSync(join(store, '..'), { recursive: true, force: true });
    return r;
  };

  it('is the first failing line\'s, as `smtp-ops <line>` would exit; every line still runs', () => {
    const typo = run(['qeue list']);
    expect(typo.status).toBe(2);
    expect(typo.stdout).toMatch(/did you mean `queue list`\?/);
    // 1 (not found) comes first, then a usage error: 1; the status line after them still ran.
    const two = run(['queue show 0000000000000nope', 'qeue list', 'status']);
    expect(two.status).toBe(1);
    expect(two.stdout).toMatch(/smtp> status\n[\s\S]*Mail queue/);
    expect(run(['config set relay-port=70000', 'queue show 0000000000000nope']).status).toBe(2);
    expect(run(['status', 'queue list']).status).toBe(0);
    expect(run([]).status).toBe(0);
  }, 120_000);

  it('a question left without an answer (the script ended) is a failure: nothing was done', () => {
    const r = run(['config set enabled=off', 'test a@example.com', 'queue delete --all']);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/No answer: nothing was done\./);
  }, 60_000);
});
