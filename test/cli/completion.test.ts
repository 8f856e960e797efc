/** `smtp-ops completion` installed in a real bash and a real zsh under tmux: Tab completes from the grammar. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildDist } from './build.js';

const SOCKET = `smtp-ops-completion-test-${process.pid}`;
const has = (cmd: string) => spawnSync(cmd, ['--version']).status === 0;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const ci = process.env.CI === 'true';
let dir: string;
let bin: string;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, TERM: 'xterm-256color', LANG: 'C.UTF-8' } });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function waitFor(target: string, re: RegExp, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = tmux('capture-pane', '-p', '-J', '-t', target);
    if (re.test(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re} in ${target}:\n${s}`);
}

/** Type `line`, press Tab, and wait until the prompt line reads `expected`. */
async function tab(target: string, line: string, expected: RegExp): Promise<void> {
  tmux('send-keys', '-t', target, '-l', line);
  tmux('send-keys', '-t', target, 'Tab');
  await waitFor(target, expected);
  tmux('send-keys', '-t', target, 'C-u');
}

beforeAll(() => {
  if (!hasTmux && !ci) return;
  const main = buildDist('completion-test-dist');
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-completion-'));
  bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  // The scripts call `smtp-ops` by name, as an installed package is found on PATH.
  writeFileSync(join(bin, 'smtp-ops'), `#!/bin/sh\nexec "${process.execPath}" "${main}" "$@"\n`);
  chmodSync(join(bin, 'smtp-ops'), 0o755);
  // The idle first window is named, so no window is renamed after the shell it runs ('bash' twice: an ambiguous target).
  tmux('new-session', '-d', '-s', 'comp', '-n', 'idle', '-x', '160', '-y', '40', 'sleep 600');
  tmux('set-option', '-g', 'automatic-rename', 'off');
}, 180_000);

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux && !ci)('shell completion', () => {
  it('bash: commands, subcommands, setting names and option values', async () => {
    tmux('new-window', '-t', 'comp', '-n', 'bash', `SMTP_OPS_STORE=${dir}/store PS1='bash$ ' bash --norc --noprofile`);
    const t = 'comp:bash';
    await waitFor(t, /^bash\$ /m);
    tmux('send-keys', '-t', t, '-l', 'source <(smtp-ops completion bash)');
    tmux('send-keys', '-t', t, 'Enter');
    await waitFor(t, /^bash\$ .*\n^bash\$ $/m);
    await tab(t, 'smtp-ops queue fl', /^bash\$ smtp-ops queue flush +$/m);
    await tab(t, 'smtp-ops config set relay-p', /^bash\$ smtp-ops config set relay-port=$/m);
    await tab(t, 'smtp-ops events --level err', /^bash\$ smtp-ops events --level error +$/m);
    await tab(t, 'smtp-ops --store /tmp/x serv', /^bash\$ smtp-ops --store \/tmp\/x serve +$/m);
  }, 90_000);

  it.skipIf(!has('zsh') && !ci)('zsh: the same through compinit and _describe', async () => {
    writeFileSync(join(dir, '.zshrc'), "PS1='zsh%% '\nautoload -U compinit && compinit -u\nsource <(smtp-ops completion zsh)\n");
    tmux('new-window', '-t', 'comp', '-n', 'zsh', `SMTP_OPS_STORE=${dir}/store ZDOTDIR=${dir} zsh -i`);
    const t = 'comp:zsh';
    await waitFor(t, /^zsh% /m);
    await tab(t, 'smtp-ops queue fl', /^zsh% smtp-ops queue flush $/m);
    await tab(t, 'smtp-ops config set relay-p', /^zsh% smtp-ops config set relay-port=$/m);
    await tab(t, 'smtp-ops access grant disc', /^zsh% smtp-ops access grant discord/m);
  }, 90_000);
});
