/**
 * The package as users get it: `npm pack` (dist/ built by `prepare`), then
 * `npm install -g --prefix <empty dir> <tarball>` gives a working `smtp-ops`,
 * `smtp-ops sendmail` and a `sendmail` link, with the store found without --store.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './build.js';

const dir = mkdtempSync(join(tmpdir(), 'smtp-ops-pack-'));
const prefix = join(dir, 'prefix');
let tarball: string;
const npm = (args: string[], cwd = ROOT) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  npm(['pack', '--pack-destination', dir]);
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  mkdirSync(prefix);
  // Dependencies come from the npm cache `npm ci` filled (the registry when missing).
  npm(['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], dir);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = randomBytes(32).toString('hex');
function run(bin: string, args: string[], extra: NodeJS.ProcessEnv, stdin = '') {
  // Outside any checkout, with nothing of the repository on PATH.
  return spawnSync(bin, args, { cwd: dir, input: stdin, encoding: 'utf8', env: { PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, HOME: dir, SMTP_OPS_SECRET_KEY: key, ...extra } });
}

describe('npm pack and install', () => {
  it('ships dist/ (built by prepare, entry executable with a node shebang), contrib/ and no sources', () => {
    const list = execFileSync('tar', ['tzvf', tarball], { encoding: 'utf8' });
    expect(list).toMatch(/^-rwxr-xr-x .* package\/dist\/main\.js$/m);
    expect(list).toMatch(/ package\/contrib\/smtp-ops\.service$/m);
    expect(list).toMatch(/ package\/dist\/cli\/sendmail\.js$/m);
    expect(list).not.toMatch(/ package\/(src|test|bench)\//);
    expect(list).not.toMatch(/\.map$/m);
    const installed = join(prefix, 'lib', 'node_modules', 'smtp-ops', 'dist', 'main.js');
    expect(readFileSync(installed, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(installed).mode & 0o111).not.toBe(0);
  });

  it('gives a working smtp-ops whose store is $STATE_DIRECTORY, and sendmail/mailq through a link', () => {
    const bin = join(prefix, 'bin', 'smtp-ops');
    const state = join(dir, 'state');
    const help = run(bin, ['help'], { STATE_DIRECTORY: state });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/queue list/);
    expect(existsSync(join(state, 'CURRENT'))).toBe(true);

    const sent = run(bin, ['sendmail', '-i', 'root'], { STATE_DIRECTORY: state }, 'Subject: installed\n\nhello\n');
    expect(sent.status, sent.stderr).toBe(0);
    const link = join(dir, 'sendmail');
    symlinkSync(bin, link);
    const viaLink = run(link, ['-t'], { STATE_DIRECTORY: state }, 'To: oncall@example.com\nSubject: via link\n\nhello\n');
    expect(viaLink.status, viaLink.stderr).toBe(0);
    const q = run(bin, ['mailq'], { STATE_DIRECTORY: state });
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/-- \d+ Kbytes in 2 Requests\.\n$/);
    expect(q.stdout).toMatch(/\n +oncall@example\.com\n/);

    // SMTP_OPS_STORE wins over STATE_DIRECTORY; --store wins over both.
    const other = join(dir, 'other');
    expect(run(bin, ['status'], { STATE_DIRECTORY: state, SMTP_OPS_STORE: other }).status).toBe(0);
    expect(existsSync(join(other, 'CURRENT'))).toBe(true);
    const third = join(dir, 'third');
    expect(run(bin, ['--store', third, 'status'], { STATE_DIRECTORY: state, SMTP_OPS_STORE: other }).status).toBe(0);
    expect(existsSync(join(third, 'CURRENT'))).toBe(true);
    // Nothing was created in the working directory.
    expect(existsSync(join(dir, 'store'))).toBe(false);
  });
});
