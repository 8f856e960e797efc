/**
 * `doctor` and `dkim` through the runner on a real engine: the checks reply with its sections,
 * progress with steps as checks finish, `--json` data; `dkim keygen` confirming before it replaces
 * a key; `dkim show`; the DKIM key set privately in chat (a path is allowed inline, a PEM is not).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner } from '../../../src/commands/run.js';
import type { ChecksReply, ConfirmReply, FieldsReply, ProgressReply, Reply, RunContext } from '../../../src/commands/reply.js';
import type { Runner } from '../../../src/commands/types.js';
import { parseLine } from '../../../src/commands/parse.js';
import { resolverFromEnv } from '../../../src/engine/delivery/dns.js';
import type { DoctorCheck } from '../../../src/engine/index.js';
import { ensureZone, PEERS, peersOrSkip } from '../../peers/peers.js';
import { cli, openStore, slack, type TestStore } from '../setup.js';

const peers = await peersOrSkip('doctor command tests');
let store: TestStore;
let runner: Runner;
const term = (over: Partial<RunContext> = {}): RunContext => ({ actor: cli, surface: 'terminal', ...over });
const chat = (over: Partial<RunContext> = {}): RunContext => ({ actor: slack('UADMIN'), surface: 'chat', channel: { platform: 'slack', channel: 'C1' }, ...over });

function kind<K extends Reply['kind']>(r: Reply, k: K): Extract<Reply, { kind: K }> {
  expect(r.kind, JSON.stringify(r).slice(0, 400)).toBe(k);
  return r as Extract<Reply, { kind: K }>;
}

beforeEach(async () => {
  if (peers.ok) await ensureZone();
  store = await openStore({ resolver: resolverFromEnv({ SMTP_OPS_DNS: PEERS.dns }) });
  runner = createRunner(store.engine, { admins: ['slack:UADMIN', 'cli:tester'] });
});
afterEach(async () => {
  await store.close();
});

describe.skipIf(!peers.ok)('doctor command', () => {
  it('answers with a checklist in the admin guide sections, streams steps as checks finish, and keeps the --json shape', async () => {
    await runner.run('config set hostname=mail.doctor.test from-address=alerts@fail.doctor.test relay-host=127.0.0.1 relay-port=9 use-tls=off dnsbl-zones=dnsbl.doctor.test', term());
    const progress: ProgressReply[] = [];
    const r = kind(await runner.run('doctor --to oncall@example.com', term({ onProgress: (p) => progress.push(p) })), 'checks') as ChecksReply;
    expect(r.sections.map((s) => s.title)).toEqual(['Settings', 'Connection (firewall, SMTP, TLS)', 'Authentication', 'Relay permission', 'Sender domain (SPF, DKIM, DMARC)', 'Reverse DNS', 'Blocklists', 'Queue and events (Check Logs)', 'Reminders']);
    expect(r.subtitle).toBe('relay 127.0.0.1:9, TLS none · from alerts@fail.doctor.test · test recipient oncall@example.com');
    expect(r.ok).toBe(false);
    // The runner marks who may see the checklist and its progress, as for every other reply.
    expect(r.audience).toBe('channel');
    expect(r.footer).toMatch(/^\d+ failed, \d+ warnings?, \d+ ok \(\d+\.\d s\)\.$/);
    const data = r.data as { checks: DoctorCheck[]; summary: Record<string, number>; elapsedMs: number };
    for (const c of data.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'title', 'status', 'detail', 'section']));
    expect(data.checks.find((c) => c.id === 'relay-permission')?.title).toBe('Relay accepts mail from alerts@fail.doctor.test to oncall@example.com');
    expect(data.summary.fail).toBeGreaterThan(0);
    // Progress: steps grow as checks finish; the last one has every task done and nothing running.
    expect(progress.length).toBeGreaterThan(2);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ kind: 'progress', label: 'doctor', done: last.total });
    expect(last.steps!.every((s) => s.status !== 'running')).toBe(true);
    expect(progress.some((p) => p.steps?.some((s) => s.status === 'running'))).toBe(true);
    expect(progress.every((p) => p.audience === 'channel')).toBe(true);
    // Every hint's commands parse.
    for (const c of data.checks) for (const cmd of [...(c.hint ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1])) expect(parseLine(cmd).ok, cmd).toBe(true);
  });

  it('--to that is neither an address nor a domain is a validation error naming the field', async () => {
    const r = kind(await runner.run('doctor --to "not an address"', term()), 'error');
    expect(r).toMatchObject({ code: 'validation', issues: [expect.objectContaining({ field: 'to', rule: 'email' })] });
  });
});

describe('dkim commands', () => {
  it('dkim show before any key says how to make one; keygen prints the record; show prints it again, never the key', async () => {
    await runner.run('config set from-address=alerts@example.org', term());
    const none = kind(await runner.run('dkim show', term()), 'message');
    expect(none).toMatchObject({ tone: 'warning', ok: false, text: expect.stringMatching(/`dkim keygen`/) });
    const made = kind(await runner.run('dkim keygen --bits 1024 --selector s1', term()), 'fields') as FieldsReply;
    const field = (r: FieldsReply, label: string) => r.fields.find((f) => f.label === label)?.value;
    expect(field(made, 'Name')).toBe('s1._domainkey.example.org');
    expect(field(made, 'Value')).toMatch(/^v=DKIM1; k=rsa; p=MI[A-Za-z0-9+/]+=*$/);
    expect(made.footer).toMatch(/Publish this TXT record in the DNS of example\.org/);
    const shown = kind(await runner.run('dkim', term()), 'fields') as FieldsReply;
    expect(field(shown, 'Value')).toBe(field(made, 'Value'));
    expect(JSON.stringify([made, shown])).not.toMatch(/PRIVATE KEY/);
  });

  it('keygen asks before it replaces a key (naming the selector and the rotation advice); Yes makes a new one', async () => {
    await runner.run('config set from-address=alerts@example.org', term());
    const first = kind(await runner.run('dkim keygen --bits 1024 --selector s1', term()), 'fields') as FieldsReply;
    const ask = kind(await runner.run('dkim keygen --bits 1024', chat()), 'confirm') as ConfirmReply;
    expect(ask.text).toMatch(/replaces the DKIM key of selector s1 of example\.org.*keep the old s1\._domainkey record for a few days/);
    expect((await store.engine.getSettings()).dkimSelector).toBe('s1');
    const same = kind(await runner.run('dkim keygen --selector s1', chat()), 'confirm') as ConfirmReply;
    expect(same.text).toMatch(/under the same selector/);
    const done = kind(await runner.action(ask.yes.id, chat()), 'fields') as FieldsReply;
    expect(done.fields.find((f) => f.label === 'Value')?.value).not.toBe(first.fields.find((f) => f.label === 'Value')?.value);
    expect((await store.engine.getSettings()).dkimSelector).toMatch(/^smtp-ops-\d{8}$/);
  });

  it('the private key is set privately: a PEM typed in chat is refused, a path on the host is taken, the prompt explains both', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const flat = pem.replace(/\n/g, ' ').trim();
    const refused = kind(await runner.run(`config set "dkim-private-key=${flat}"`, chat()), 'error');
    expect(refused).toMatchObject({ code: 'validation', issues: [expect.objectContaining({ rule: 'secret-inline' })] });
    expect(JSON.stringify(refused)).not.toContain(flat.slice(40, 80));
    const file = join(store.dir, 'dkim.pem');
    writeFileSync(file, pem);
    const set = kind(await runner.run(`config set dkim-private-key=${file} dkim-domain=example.org dkim-selector=s1`, chat()), 'fields');
    expect(JSON.stringify(set.data)).toContain('"dkimPrivateKey":"********"');
    const prompt = kind(await runner.run('config set dkim-private-key', chat()), 'secret-prompt');
    expect(prompt.text).toMatch(/Paste the PEM private key .* absolute path of a PEM file/);
    const viaModal = kind(await runner.secret('dkim-private-key', flat, chat()), 'fields');
    expect(viaModal.title).toBe('Settings updated (1)');
    const bad = kind(await runner.secret('dkim-private-key', 'not a key', chat()), 'error');
    expect(bad.issues?.[0]).toMatchObject({ field: 'dkim-private-key', rule: 'pem' });
  });
});
