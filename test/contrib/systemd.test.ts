/**
 * contrib/smtp-ops.service checked by systemd's own tools, which work without
 * systemd running as PID 1 (as in this container): `systemd-analyze verify`
 * parses the unit, checks every directive and that ExecStart is executable;
 * `systemd-analyze security --offline=yes` scores the sandbox.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/build.js';

const UNIT = join(ROOT, 'contrib', 'smtp-ops.service');
const have = existsSync('/usr/bin/systemd-analyze');
const dir = mkdtempSync(join(tmpdir(), 'smtp-ops-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with ExecStart pointing at a program that exists here (verify checks it is executable); nothing else changed. */
function unitCopy(): string {
  const text = readFileSync(UNIT, 'utf8');
  expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/smtp-ops serve$/m);
  const p = join(dir, 'smtp-ops.service');
  writeFileSync(p, text.replace(/^ExecStart=\/usr\/local\/bin\/smtp-ops serve$/m, `ExecStart=${process.execPath} ${join(ROOT, 'dist', 'main.js')} serve`));
  return p;
}

describe.skipIf(!have && process.env.CI !== 'true')('contrib/smtp-ops.service', () => {
  it('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', unitCopy()], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('declares what the README promises: notify readiness, a dedicated user, the state directory, the hardening', () => {
    const text = readFileSync(UNIT, 'utf8');
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'User=smtp-ops',
      'StateDirectory=smtp-ops',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      'Restart=on-failure',
      'EnvironmentFile=-/etc/smtp-ops/env',
    ]) {
      expect(text, line).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    // Node's JIT needs writable+executable memory.
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });

  it('scores "OK" (exposure below 2.0) in systemd-analyze security', () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitCopy()], { encoding: 'utf8' });
    const m = /Overall exposure level for smtp-ops\.service: (\d+\.\d+) (\w+)/.exec(out);
    expect(m, out.slice(-500)).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(2.0);
    expect(m![2]).toBe('OK');
  });
});
