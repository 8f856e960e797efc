/** The control socket: a real runner behind startControlServer, clients speaking its newline-delimited JSON. */
import { statSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/commands/run.js';
import type { ProgressReply, Reply } from '../../src/commands/reply.js';
import { connectControl } from '../../src/cli/control-client.js';
import { startControlServer, type ControlServer } from '../../src/serve/control-server.js';
import { cli, openStore, relayTo, smtpPeer, type TestStore } from '../commands/setup.js';

let store: TestStore;
let server: ControlServer;

beforeEach(async () => {
  store = await openStore();
  server = await startControlServer(createRunner(store.engine, { admins: [] }), store.dir);
});
afterEach(async () => {
  await server.close();
  await store.close();
});

/** Raw exchange: write lines, collect parsed messages until `until` holds. */
function raw(lines: string[], until: (msgs: { id: number; type: string; reply: Reply }[]) => boolean): Promise<{ id: number; type: string; reply: Reply }[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.path);
    const msgs: { id: number; type: string; reply: Reply }[] = [];
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        msgs.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      if (until(msgs)) {
        s.end();
        resolve(msgs);
      }
    });
    s.on('error', reject);
    s.on('connect', () => s.write(lines.join('')));
  });
}

describe('control socket', () => {
  it('is a 0600 socket in the store; a second server on the same store is refused; a stale file is replaced', async () => {
    expect(server.path).toBe(join(store.dir, 'control.sock'));
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    await expect(startControlServer(createRunner(store.engine), store.dir)).rejects.toThrow(/already serving/);
    await server.close();
    expect(existsSync(server.path)).toBe(false);
    writeFileSync(join(store.dir, 'control.sock'), 'stale');
    server = await startControlServer(createRunner(store.engine), store.dir);
    const c = await connectControl(store.dir);
    expect(c).not.toBeNull();
    c!.close();
  });

  it('runs lines, streams progress, answers confirmations and actions, multiplexed by id', async () => {
    for (let i = 0; i < 30; i++) await store.engine.submit({ to: [`u${i}@example.com`], subject: 's', text: 't' }, cli);
    const client = (await connectControl(store.dir))!;
    const [status, list] = await Promise.all([client.request({ actor: cli, text: 'status' }), client.request({ actor: cli, text: 'queue list' })]);
    expect(status.kind).toBe('group');
    expect((status.data as { queue: { total: number } }).queue.total).toBe(30);
    expect(list.kind).toBe('table');
    const next = (list as Extract<Reply, { kind: 'table' }>).page!.next!;
    const page2 = await client.request({ actor: cli, action: next.id });
    expect(page2.kind === 'table' && page2.rows.length).toBe(10);

    const ask = await client.request({ actor: cli, text: 'queue delete --all' });
    expect(ask.kind).toBe('confirm');
    const progress: ProgressReply[] = [];
    const done = await client.request({ actor: cli, action: (ask as Extract<Reply, { kind: 'confirm' }>).yes.id }, { onProgress: (p) => progress.push(p) });
    expect(done.data).toEqual({ count: 30 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ kind: 'progress', done: 30, total: 30 });
    client.close();
  });

  it('sets secrets without echoing them', async () => {
    const client = (await connectControl(store.dir))!;
    const r = await client.request({ actor: { platform: 'repl', id: 'me' }, secret: { field: 'sasl-password', value: 'sock-secret-9' } });
    expect(r.kind).toBe('fields');
    expect(JSON.stringify(r)).not.toContain('sock-secret-9');
    expect((await store.engine.getSettings()).saslPassword).toBe('********');
    client.close();
  });

  it('refuses bad JSON, non-terminal actors and empty requests with error replies, and keeps serving', async () => {
    const msgs = await raw(
      ['not json\n', `${JSON.stringify({ id: 1, actor: { platform: 'slack', id: 'U1' }, text: 'access list' })}\n`, `${JSON.stringify({ id: 2, actor: cli })}\n`, `${JSON.stringify({ id: 3, actor: cli, text: 'qeue' })}\n`],
      (m) => m.length >= 4,
    );
    const byId = new Map(msgs.map((m) => [m.id, m.reply]));
    expect(byId.get(0)).toMatchObject({ kind: 'error', code: 'usage', message: expect.stringMatching(/not valid JSON/) });
    expect(byId.get(1)).toMatchObject({ kind: 'error', message: expect.stringMatching(/actor/) });
    expect(byId.get(2)).toMatchObject({ kind: 'error', message: expect.stringMatching(/needs text, action or secret/) });
    expect(byId.get(3)).toMatchObject({ kind: 'error', suggestion: expect.stringContaining('queue') });
  });

  it('no server: connectControl gives null', async () => {
    await server.close();
    expect(await connectControl(store.dir)).toBeNull();
    server = await startControlServer(createRunner(store.engine), store.dir);
  });
});

describe('control socket follow-ups', () => {
  it('the outcome of test arrives after the answer, on the same connection', async () => {
    const peer = await smtpPeer();
    const live = await openStore({ worker: true, pollMs: 200 });
    const srv = await startControlServer(createRunner(live.engine), live.dir);
    const client = (await connectControl(live.dir))!;
    try {
      const late: Reply[] = [];
      const got = new Promise<void>((resolve) =>
        client.onFollowUp((r) => {
          late.push(r);
          resolve();
        }),
      );
      const set = await client.request({ actor: cli, text: relayTo(peer.port) });
      expect(set.kind).toBe('fields');
      const first = await client.request({ actor: cli, text: 'test oncall@sink.test' });
      expect(first).toMatchObject({ kind: 'message', title: 'Test message on its way' });
      await got;
      expect(late[0]).toMatchObject({ kind: 'message', title: 'Test message sent', data: { status: 'sent' } });
    } finally {
      client.close();
      await srv.close();
      await live.close();
      await peer.close();
    }
  });
});
