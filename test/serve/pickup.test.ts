import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pickup, pickupReply, type PickupRequest } from '../../src/serve/pickup.js';
import { splitMessage, joinMessage } from '../../src/serve/header-block.js';
import { EX, SysexitError } from '../../src/cli/sysexits.js';
import { cli, openStore, type TestStore } from '../commands/setup.js';

let t: TestStore;
const when = new Date('2026-12-02T16:03:27Z');

beforeEach(async () => {
  t = await openStore();
  await t.engine.updateSettings({ hostname: 'host.smtp-ops.test' }, cli);
});
afterEach(async () => t.close());

const req = (raw: string | Buffer, over: Partial<PickupRequest> = {}): PickupRequest => ({
  recipients: [],
  extract: false,
  user: 'root',
  uid: 0,
  raw: typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw,
  ...over,
});

async function raw(id: string): Promise<string> {
  // The engine hands the stored bytes to its deliverer; capture them with a one-shot deliverer-free read.
  // The facade does not return bodies; the queue unit (engine.ts's `u.queue`) does.
  const e = t.engine as unknown as { u: { queue: { body(id: string): Promise<Buffer | undefined> } } };
  return (await e.u.queue.body(id))!.toString('latin1');
}

describe('pickup (what cleanup does to a sendmail message)', () => {
  it('-t: recipients from To, Cc and Bcc plus the command line, Bcc removed, the rest byte for byte', async () => {
    const msg = 'From: Ops <ops@example.com>\nTo: a@example.com, "B, Person" <b@example.com>\nCc: c@example.com,\n d@example.com\nBcc: secret@example.com\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <x@example.com>\nSubject: =?UTF-8?B?w6k=?=\n\n\xe9t\xe9\n..dot\n';
    const r = await pickup(t.engine, req(msg, { extract: true, recipients: ['extra@example.com', 'A@EXAMPLE.COM'] }), cli, when);
    expect(r.recipients).toEqual(['extra@example.com', 'A@example.com', 'a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'secret@example.com']);
    expect(r.sender).toBe('root@host.smtp-ops.test');
    const got = await raw(r.id);
    expect(got).toBe(`Received: by host.smtp-ops.test (smtp-ops, from userid 0);\n\tWed, 02 Dec 2026 16:03:27 +0000\n${msg.replace('Bcc: secret@example.com\n', '')}`);
  });

  it('Resent- headers present: recipients come from Resent-To/Cc/Bcc only, and Resent-Bcc goes too', async () => {
    const msg = 'To: old@example.com\nResent-From: fwd@example.com\nResent-To: new@example.com\nResent-Bcc: hidden@example.com\nSubject: x\n\nbody\n';
    const r = await pickup(t.engine, req(msg, { extract: true }), cli, when);
    expect(r.recipients).toEqual(['new@example.com', 'hidden@example.com']);
    expect(await raw(r.id)).not.toMatch(/Resent-Bcc|hidden/);
  });

  it('a bare user name gets @<hostname setting>, as Postfix appends $myorigin; the header text is not rewritten', async () => {
    const r = await pickup(t.engine, req('To: root\nSubject: cron\n\nout\n', { extract: true, recipients: ['alice'], sender: 'cron' }), cli, when);
    expect(r.recipients).toEqual(['alice@host.smtp-ops.test', 'root@host.smtp-ops.test']);
    expect(r.sender).toBe('cron@host.smtp-ops.test');
    expect(await raw(r.id)).toContain('\nTo: root\n');
  });

  it('adds From (with -F), Date and Message-ID when missing, in the message line ends, before the body', async () => {
    const r = await pickup(t.engine, req('Subject: s\r\n\r\nbody\r\n', { recipients: ['x@example.com'], sender: 'ops@example.com', fullName: 'Cron Daemon' }), cli, when);
    const got = await raw(r.id);
    expect(got).toMatch(/^Received: [^\r]*\r\n\t[^\r]*\r\nSubject: s\r\nFrom: Cron Daemon <ops@example\.com>\r\nDate: Wed, 02 Dec 2026 16:03:27 \+0000\r\nMessage-ID: <20261202160327\.[0-9a-f]{12}@host\.smtp-ops\.test>\r\n\r\nbody\r\n$/);
    const named = await pickup(t.engine, req('Subject: s\n\nb\n', { recipients: ['x@example.com'], fullName: 'Dæmon, "the"' }), cli, when);
    expect(await raw(named.id)).toMatch(/\nFrom: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <root@host\.smtp-ops\.test>\n/);
    const quoted = await pickup(t.engine, req('Subject: s\n\nb\n', { recipients: ['x@example.com'], fullName: 'Ops, Team' }), cli, when);
    expect(await raw(quoted.id)).toContain('\nFrom: "Ops, Team" <root@host.smtp-ops.test>\n');
  });

  it('keeps From when the message has one (-F is then unused), and a null sender with -f ""', async () => {
    const r = await pickup(t.engine, req('From: me@example.com\nSubject: s\n\nb\n', { recipients: ['x@example.com'], fullName: 'Ignored', sender: '' }), cli, when);
    const got = await raw(r.id);
    expect(got.match(/^From:/gm)).toHaveLength(1);
    expect(got).not.toContain('Ignored');
    expect(r.sender).toBe('');
  });

  it('a body that starts without an empty line gets one; a leading mbox From_ line is dropped', async () => {
    const r = await pickup(t.engine, req('From someone Tue Dec  1 10:00:00 2026\nSubject: s\nthis is body text\n', { recipients: ['x@example.com'] }), cli, when);
    const got = await raw(r.id);
    expect(got).not.toContain('From someone');
    expect(got).toMatch(/\nSubject: s\nFrom: root@host\.smtp-ops\.test\nDate: [^\n]+\nMessage-ID: [^\n]+\n\nthis is body text\n$/);
  });

  it('refuses with the sysexits code: no recipients 64, a recipient that is no address 67, too big 69', async () => {
    const code = async (p: Promise<unknown>) => p.then(() => -1, (e: SysexitError) => e.exit);
    expect(await code(pickup(t.engine, req('Subject: s\n\nb\n'), cli))).toBe(EX.USAGE);
    expect(await code(pickup(t.engine, req('Subject: s\n\nb\n', { extract: true }), cli))).toBe(EX.USAGE);
    expect(await code(pickup(t.engine, req('Subject: s\n\nb\n', { recipients: ['<>'] }), cli))).toBe(EX.NOUSER);
    expect(await code(pickup(t.engine, req('Subject: s\n\nb\n', { recipients: ['a@@b'] }), cli))).toBe(EX.NOUSER);
    expect(await code(pickup(t.engine, req('Subject: s\n\nb\n', { recipients: ['x@example.com'], sender: 'a@b.test, c@d.test' }), cli))).toBe(EX.USAGE);
    await t.engine.updateSettings({ 'intake-max-size': '1024' }, cli);
    expect(await code(pickup(t.engine, req(`Subject: s\n\n${'x'.repeat(2000)}\n`, { recipients: ['x@example.com'] }), cli))).toBe(EX.UNAVAILABLE);
    expect((await t.engine.queueCounts()).total).toBe(0);
  });

  it('the control-socket reply carries the exit code', async () => {
    const submit = pickupReply(t.engine);
    const ok = await submit({ recipients: ['x@example.com'], extract: false, user: 'root', uid: 0, raw: Buffer.from('Subject: s\n\nb\n').toString('base64') }, cli);
    expect(ok).toMatchObject({ kind: 'message', data: { recipients: ['x@example.com'] } });
    const bad = await submit({ recipients: [], extract: false, user: 'root', uid: 0, raw: Buffer.from('Subject: s\n\nb\n').toString('base64') }, cli);
    expect(bad).toMatchObject({ kind: 'error', ok: false, data: { exit: EX.USAGE } });
  });
});

describe('header block', () => {
  it('split and join give the same bytes back', () => {
    for (const m of ['A: 1\r\nB: 2\r\n folded\r\n\r\nbody\r\n', 'A: 1\n\n', 'A: 1', '', 'no header here\n', 'X: \xff\xfe\n\n\x00\x01']) {
      const s = splitMessage(Buffer.from(m, 'latin1'));
      const back = joinMessage(s).toString('latin1');
      if (/^no header/.test(m)) expect(back).toBe(`\n${m}`);
      else if (m === 'A: 1') expect(back).toBe('A: 1\n');
      else expect(back).toBe(m);
    }
  });
});
