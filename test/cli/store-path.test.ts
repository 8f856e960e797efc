import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultStore, inCheckout, INSTALLED_STORE } from '../../src/cli/store-path.js';
import { loadCredentials } from '../../src/cli/credentials.js';
import { ROOT } from './build.js';

const dir = mkdtempSync(join(tmpdir(), 'smtp-ops-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('where the store is', () => {
  it('SMTP_OPS_STORE, then STATE_DIRECTORY (its first entry), then ./store in a checkout, else /var/lib/smtp-ops', () => {
    expect(defaultStore({ SMTP_OPS_STORE: 'a', STATE_DIRECTORY: '/b' }, true)).toBe(resolve('a'));
    expect(defaultStore({ STATE_DIRECTORY: '/var/lib/smtp-ops:/var/lib/other' }, true)).toBe('/var/lib/smtp-ops');
    expect(defaultStore({}, true)).toBe(resolve('store'));
    expect(defaultStore({}, false)).toBe(INSTALLED_STORE);
    expect(INSTALLED_STORE).toBe('/var/lib/smtp-ops');
  });

  it('a checkout has src/main.ts beside the package.json above the program; an installed package does not', () => {
    expect(inCheckout(join(ROOT, 'src', 'cli'))).toBe(true);
    expect(inCheckout(join(ROOT, '.tmp', 'test-dist-x', 'cli'))).toBe(true);
    const pkg = join(dir, 'lib', 'node_modules', 'smtp-ops');
    mkdirSync(join(pkg, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{}');
    expect(inCheckout(join(pkg, 'dist', 'cli'))).toBe(false);
  });
});

describe('systemd credentials', () => {
  it('fill unset secret variables from $CREDENTIALS_DIRECTORY (one trailing newline dropped); set ones win', () => {
    const creds = join(dir, 'creds');
    mkdirSync(creds);
    writeFileSync(join(creds, 'SLACK_BOT_TOKEN'), 'xoxb-from-credential\n');
    writeFileSync(join(creds, 'DISCORD_TOKEN'), 'from-credential');
    writeFileSync(join(creds, 'NOT_A_SECRET_WE_READ'), 'x');
    const env: NodeJS.ProcessEnv = { CREDENTIALS_DIRECTORY: creds, DISCORD_TOKEN: 'from-env' };
    expect(loadCredentials(env)).toEqual(['SLACK_BOT_TOKEN']);
    expect(env.SLACK_BOT_TOKEN).toBe('xoxb-from-credential');
    expect(env.DISCORD_TOKEN).toBe('from-env');
    expect(env.NOT_A_SECRET_WE_READ).toBeUndefined();
    expect(loadCredentials({})).toEqual([]);
  });
});
