import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { createEngine, ValidationError, type Engine, type SettingsPatch } from '../../../src/engine/index.js';
import { applyPatch } from '../../../src/engine/settings/patch.js';
import { defaultSettings } from '../../../src/engine/settings/table.js';
import { tlsModeOf } from '../../../src/engine/settings/derived.js';
import { isMailbox, isFqdn } from '../../../src/engine/settings/syntax.js';

const admin = { platform: 'cli' as const, id: 'alice' };
const ED25519_PEM = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const open: Engine[] = [];
async function engine(dir?: string, secretKey?: string) {
  const storeDir = dir ?? (await mkdtemp(join(tmpdir(), 'settings-')));
  const e = await createEngine({ storeDir, worker: false, secretKey });
  open.push(e);
  return { e, storeDir };
}
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

async function rejects(e: Engine, patch: SettingsPatch, field: string, rule: string) {
  const before = await e.getSettings();
  const err = await e.updateSettings(patch, admin).catch((x: unknown) => x);
  expect(err).toBeInstanceOf(ValidationError);
  const issue = (err as ValidationError).issues.find((i) => i.field === field);
  expect(issue, `issue for ${field} in ${(err as Error).message}`).toBeDefined();
  expect(issue!.rule).toBe(rule);
  expect(issue!.message).toContain(field);
  expect(await e.getSettings()).toEqual(before);
}

describe('settings validation', () => {
  const cases: [SettingsPatch, string, string][] = [
    [{ hostname: 'localhost' }, 'hostname', 'fqdn'],
    [{ hostname: 'bad_host.example.com' }, 'hostname', 'fqdn'],
    [{ hostname: 'a..b.com' }, 'hostname', 'fqdn'],
    [{ 'from-address': 'not an address' }, 'from-address', 'email'],
    [{ 'from-address': 'a@b' }, 'from-address', 'email'],
    [{ 'from-address': 'x@y.com\r\nBcc: evil@z.com' }, 'from-address', 'no-crlf'],
    [{ 'from-name': 'Ops\r\nBcc: evil@z.com' }, 'from-name', 'no-crlf'],
    [{ 'from-name': 'Ops\x07' }, 'from-name', 'no-control'],
    [{ 'relay-port': '70000', 'relay-host': 'smtp.example.com' }, 'relay-port', 'range'],
    [{ 'relay-port': '0', 'relay-host': 'smtp.example.com' }, 'relay-port', 'range'],
    [{ 'relay-port': 'abc', 'relay-host': 'smtp.example.com' }, 'relay-port', 'range'],
    [{ 'relay-port': '587' }, 'relay-port', 'direct-needs-blank'],
    [{ 'relay-host': 'bad host!' }, 'relay-host', 'host'],
    [{ 'use-tls': 'maybe' }, 'use-tls', 'boolean'],
    [{ enabled: '2' }, 'enabled', 'boolean'],
    [{ sasl: 'on' }, 'sasl', 'needs-relay'],
    [{ sasl: 'on', 'relay-host': 'smtp.example.com' }, 'sasl-username', 'required'],
    [{ 'tls-ca': '/nonexistent/ca.pem' }, 'tls-ca', 'file'],
    [{ timezone: 'Mars/Olympus' }, 'timezone', 'timezone'],
    [{ 'retry-first': '2h', 'retry-max': '1h' }, 'retry-first', 'le-retry-max'],
    [{ 'retry-first': 'soon' }, 'retry-first', 'duration'],
    [{ concurrency: '0' }, 'concurrency', 'range'],
    [{ listen: 'nowhere' }, 'listen', 'host-port'],
    [{ 'intake-auth': 'on' }, 'intake-username', 'required'],
    [{ 'intake-allow-senders': 'ok@example.com, not-an-address' }, 'intake-allow-senders', 'senders'],
    [{ 'sasl-password': 'a\nb' }, 'sasl-password', 'no-crlf'],
    [{ 'relay-hots': 'x.example.com' } as SettingsPatch, 'relay-hots', 'known-setting'],
    [{ 'dkim-domain': 'not a domain' }, 'dkim-domain', 'fqdn'],
    [{ 'dkim-selector': 'bad_selector' }, 'dkim-selector', 'selector'],
    [{ 'dkim-private-key': 'hunter2' }, 'dkim-private-key', 'pem'],
    [{ 'dkim-private-key': '/nonexistent/dkim.pem' }, 'dkim-private-key', 'file'],
    [{ 'dkim-private-key': '-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----' }, 'dkim-private-key', 'pem'],
    [{ 'dkim-private-key': ED25519_PEM }, 'dkim-private-key', 'rsa'],
    [{ 'dnsbl-zones': 'zen.spamhaus.org, not a zone!' }, 'dnsbl-zones', 'zones'],
  ];
  it.each(cases)('%j is refused naming %s (%s) and changes nothing', async (patch, field, rule) => {
    const { e } = await engine();
    await rejects(e, patch, field, rule);
  });

  it('suggests the setting meant by a typo', () => {
    expect(() => applyPatch(defaultSettings(), { 'relay-hots': 'x' } as SettingsPatch, () => false)).toThrow(/did you mean relay-host/);
  });

  it('applies several fields all-or-nothing', async () => {
    const { e } = await engine();
    await rejects(e, { 'relay-host': 'smtp.example.com', 'relay-port': '99999' }, 'relay-port', 'range');
    expect((await e.getSettings()).relayHost).toBe('');
    const v = await e.updateSettings({ 'relay-host': 'smtp.example.com', 'relay-port': '465', 'from-name': 'Alerts' }, admin);
    expect(v).toMatchObject({ relayHost: 'smtp.example.com', relayPort: 465, fromName: 'Alerts', tlsMode: 'implicit', route: 'relay smtp.example.com:465' });
  });

  it('accepts durations and sizes with units', async () => {
    const { e } = await engine();
    const v = await e.updateSettings({ 'retry-first': '5m', 'retry-max': '2h', 'max-queue-lifetime': '3d', 'intake-max-size': '20m' }, admin);
    expect(v).toMatchObject({ retryFirst: 300, retryMax: 7200, maxQueueLifetime: 259200, intakeMaxSize: 20 * 1048576 });
  });

  it('derives the TLS mode the admin guide describes', () => {
    const s = defaultSettings();
    expect(tlsModeOf({ ...s, relayHost: 'r.example.com', relayPort: 465, useTls: true })).toBe('implicit');
    expect(tlsModeOf({ ...s, relayHost: 'r.example.com', relayPort: 587, useTls: true })).toBe('starttls');
    expect(tlsModeOf({ ...s, relayHost: 'r.example.com', relayPort: 25, useTls: true })).toBe('starttls');
    expect(tlsModeOf({ ...s, relayHost: 'r.example.com', relayPort: 25, useTls: false })).toBe('none');
    expect(tlsModeOf({ ...s, relayHost: '', relayPort: null, useTls: true })).toBe('starttls');
    expect(tlsModeOf({ ...s, relayHost: '', relayPort: null, useTls: false })).toBe('opportunistic');
  });

  it('knows addresses and FQDNs', () => {
    expect(isMailbox('alerts@example.com')).toBe(true);
    expect(isMailbox('"odd name"@example.com')).toBe(true);
    expect(isMailbox('ops@[127.0.0.1]')).toBe(true);
    expect(isMailbox('a'.repeat(65) + '@example.com')).toBe(false);
    expect(isMailbox('@example.com')).toBe(false);
    expect(isFqdn('mail.example.com')).toBe(true);
    expect(isFqdn('example')).toBe(false);
    expect(isFqdn('1.2.3.4')).toBe(false);
  });

  it('takes a DKIM key as PEM, as a PEM flattened onto one line, or as a file path; stores it sealed and shows it masked', async () => {
    const { e, storeDir } = await engine();
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const flat = pem.replace(/\n/g, ' ');
    for (const value of [pem, flat]) {
      const v = await e.updateSettings({ 'dkim-private-key': value, 'dkim-domain': 'Example.COM', 'dkim-selector': 's1' }, admin);
      expect(v).toMatchObject({ dkimPrivateKey: '********', dkimDomain: 'example.com', dkimSelector: 's1' });
    }
    const file = join(storeDir, 'dkim.pem');
    await writeFile(file, pem);
    await e.updateSettings({ 'dkim-private-key': file }, admin);
    const body = pem.split('\n')[1];
    const stored = (await readdir(storeDir)).filter((f) => !f.endsWith('.pem'));
    for (const f of stored) {
      const s = await stat(join(storeDir, f));
      if (s.isFile()) expect(await readFile(join(storeDir, f), 'latin1')).not.toContain(body);
    }
    expect(JSON.stringify((await e.eventList()).items)).not.toContain(body);
  });

  it('warns when DKIM would not sign: a key without domain, a From outside the domain', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const base = { ...defaultSettings(), fromAddress: 'alerts@example.org' };
    expect(applyPatch(base, { 'dkim-private-key': pem }, () => false).warnings.join(' ')).toMatch(/dkim-domain is blank/);
    expect(applyPatch(base, { 'dkim-domain': 'example.com', 'dkim-selector': 's1', 'dkim-private-key': pem }, () => false).warnings.join(' ')).toMatch(/alerts@example\.org is not DKIM-signed/);
    expect(applyPatch(base, { 'dkim-domain': 'example.org', 'dkim-selector': 's1', 'dkim-private-key': pem }, () => false).warnings).toEqual([]);
  });

  it('persists across restarts', async () => {
    const { e, storeDir } = await engine();
    await e.updateSettings({ hostname: 'mail.example.org', 'from-address': 'alerts@example.org' }, admin);
    await e.close();
    open.pop();
    const { e: again } = await engine(storeDir);
    expect(await again.getSettings()).toMatchObject({ hostname: 'mail.example.org', fromAddress: 'alerts@example.org' });
  });
});

describe('secrets', () => {
  const password = 'Sup3r-S3cret-Pa55';

  it('are masked on read, encrypted at rest, and never in events', async () => {
    const { e, storeDir } = await engine();
    await e.updateSettings({ 'relay-host': 'smtp.example.com', 'relay-port': '587', sasl: 'on', 'sasl-username': 'u', 'sasl-password': password }, admin);
    const v = await e.getSettings();
    expect(v.saslPassword).toBe('********');
    expect(JSON.stringify(v)).not.toContain(password);
    const events = await e.eventList();
    expect(JSON.stringify(events)).not.toContain(password);
    expect(events.items[0]).toMatchObject({ code: 'config.changed', actor: 'cli:alice' });
    expect(events.items[0].message).toContain('sasl-password (changed)');
    await e.close();
    open.pop();
    for (const f of await readdir(storeDir)) {
      const bytes = await readFile(join(storeDir, f));
      expect(bytes.includes(Buffer.from(password)), `plaintext in ${f}`).toBe(false);
    }
    expect((await stat(join(storeDir, 'secret.key'))).mode & 0o777).toBe(0o600);
  });

  it('a different key cannot read them and says why', async () => {
    const { e, storeDir } = await engine(undefined, 'a'.repeat(64));
    await e.updateSettings({ 'relay-host': 'smtp.example.com', sasl: 'on', 'sasl-username': 'u', 'sasl-password': password }, admin);
    await e.close();
    open.pop();
    const err = await createEngine({ storeDir, worker: false, secretKey: 'b'.repeat(64) }).catch((x: Error) => x);
    expect((err as Error).message).toMatch(/secret key changed/);
    expect((err as Error).message).not.toContain(password);
  });

  it('refuses a malformed key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'settings-'));
    await writeFile(join(dir, 'secret.key'), 'short\n');
    await expect(createEngine({ storeDir: dir, worker: false })).rejects.toThrow(/32 bytes/);
  });

  it('clearing the password with an empty value', async () => {
    const { e } = await engine();
    await e.updateSettings({ 'relay-host': 'smtp.example.com', sasl: 'on', 'sasl-username': 'u', 'sasl-password': password }, admin);
    const v = await e.updateSettings({ 'sasl-password': '' }, admin);
    expect(v.saslPassword).toBe('(not set)');
    expect((await e.eventList()).items[0].message).toContain('sasl-password (cleared)');
  });

  it('warns when certificates are not verified', async () => {
    const { e } = await engine();
    await e.updateSettings({ 'tls-verify': 'off' }, admin);
    const warn = (await e.eventList({ level: 'warning' })).items[0];
    expect(warn).toMatchObject({ code: 'config.warning' });
    expect(warn.message).toMatch(/not verified/);
  });
});

describe('tls-implicit', () => {
  it('asks for implicit TLS on a port other than 465, or STARTTLS on 465', () => {
    const s = { ...defaultSettings(), relayHost: 'r.example.com', useTls: true };
    expect(tlsModeOf({ ...s, relayPort: 10465, tlsImplicit: 'on' })).toBe('implicit');
    expect(tlsModeOf({ ...s, relayPort: 465, tlsImplicit: 'off' })).toBe('starttls');
    expect(tlsModeOf({ ...s, relayPort: 465, tlsImplicit: 'on', useTls: false })).toBe('none');
    expect(() => applyPatch(defaultSettings(), { 'tls-implicit': 'yes' }, () => false)).toThrow(/tls-implicit must be auto, on or off/);
  });
});
