/**
 * The Slack adapter over Bolt's HTTP receiver, against the fake Slack: signed
 * slash commands and button payloads, every command, roles, confirmations,
 * paging, and requests Slack did not sign.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blockProblems } from '../../doubles/slack/block-rules.js';
import { ADMIN, Harness, OPERATOR, STRANGER, VIEWER, byKind, textOf } from './harness.js';

let h: Harness;
/** Runner clock offset, to expire confirmation buttons. */
let skew = 0;
const ids: string[] = [];

beforeAll(async () => {
  h = await Harness.start({ mode: 'http', now: () => Date.now() + skew });
  for (let i = 0; i < 25; i++) {
    const r = await h.engine.submit({ to: [`user${i}@sink.test`], subject: `paging ${i}`, text: 'hello' });
    ids.push(r.id);
  }
  await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', { platform: 'cli', id: 'setup' });
  await h.engine.accessGrant(`slack:${VIEWER.id}`, 'viewer', { platform: 'cli', id: 'setup' });
});

afterAll(async () => {
  await h?.close();
});

describe('slash commands', () => {
  test('acks at once with an empty 200 and answers ephemerally through response_url', async () => {
    const { responseUrl, delivered } = await h.slash(ADMIN, 'status');
    expect(delivered.status).toBe(200);
    expect(delivered.body).toBeUndefined();
    const m = await h.posted(responseUrl);
    expect(m.visibleTo).toBe(ADMIN.id);
    expect(m.blocks[0]).toMatchObject({ type: 'header' });
    expect(textOf(m)).toContain('Mail queue');
    expect(textOf(m)).toContain('*Total*\\n25');
    const post = h.fake.requests.find((r) => r.kind === 'response_url' && responseUrl.endsWith(r.name))!;
    expect(post.headers['content-type']).toContain('application/json');
    expect(post.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  });

  test('--share posts in the channel', async () => {
    const m = await h.command(ADMIN, 'queue list --share');
    expect(m.visibleTo).toBeUndefined();
    expect(textOf(m)).toContain('Mail queue');
  });

  const lines: [string, RegExp][] = [
    ['', /help|Commands/i],
    ['help', /queue flush/],
    ['help queue flush', /queue flush/],
    ['config', /relay-host/],
    ['config show', /relay-host/],
    ['config set hostname=mail.example.test', /Settings updated/],
    ['config set relay-port=70000', /relay-port/],
    ['config set sasl-password=hunter2', /must not be typed in a channel/],
    ['test', /Usage|address/i],
    ['queue', /Mail queue/],
    ['queue list --state deferred', /No deferred messages/],
    ['queue show nonexistent', /queue id/i],
    ['queue show zzzzzzzzzzzzzzzzzz', /not found/i],
    ['log', /log/i],
    ['events', /config\.changed|Events/i],
    ['report', /Totals/],
    ['report yesterday', /Totals/],
    ['doctor', /Doctor[\s\S]*Relay permission|Doctor[\s\S]*Connection/],
    ['alerts list', /alert|subscri/i],
    ['access list', /slack:UOPER/],
    ['qeueu flush', /did you mean/i],
    ['queue flush --yes', /unknown option --yes/],
    ['events --level warning', /Events \(warning\)/],
    ['log --status sent', /Mail log \(status sent\)/],
    ['alerts unsubscribe', /not subscribed/],
  ];
  test.each(lines)('`/smtp %s` renders within Slack limits', async (line, expected) => {
    const m = await h.command(ADMIN, line);
    // Work that reports progress (the doctor) posts it first; the result replaces it.
    await h.fake.waitFor(() => !/hourglass_flowing_sand/.test(textOf(m)), 15_000, 'the final reply');
    for (const v of m.history) expect(blockProblems(v.blocks)).toEqual([]);
    expect(blockProblems(m.blocks)).toEqual([]);
    expect(m.text.length).toBeGreaterThan(0);
    expect(textOf(m)).toMatch(expected);
    expect(textOf(m)).not.toMatch(/internal error/);
  });

  test('queue show, hold and release of one message', async () => {
    expect(textOf(await h.command(ADMIN, `queue show ${ids[0]}`))).toContain('paging 0');
    expect(textOf(await h.command(OPERATOR, `queue hold ${ids[0]}`))).toContain('is held');
    expect((await h.engine.queueShow(ids[0])).state).toBe('held');
    await h.command(OPERATOR, `queue release ${ids[0]}`);
    expect((await h.engine.queueShow(ids[0])).state).not.toBe('held');
  });

  test('Slack user mentions become access subjects', async () => {
    const m = await h.command(ADMIN, 'access grant <@UNEW|newbie> viewer');
    expect(textOf(m)).toContain('slack:UNEW');
    expect((await h.engine.accessList()).some((g) => g.subject === 'slack:UNEW' && g.role === 'viewer')).toBe(true);
    await h.command(ADMIN, 'access revoke <@UNEW>');
    expect((await h.engine.accessList()).some((g) => g.subject === 'slack:UNEW')).toBe(false);
  });

  test('a denied role gets a clear reply and a warning event naming the actor', async () => {
    const m = await h.command(VIEWER, 'queue flush');
    expect(textOf(m)).toMatch(/needs the operator role/);
    const s = await h.command(STRANGER, 'queue list');
    expect(textOf(s)).toMatch(/needs the viewer role/);
    const events = (await h.engine.eventList({ limit: 50 })).items.filter((e) => e.code === 'access.denied');
    expect(events.some((e) => e.level === 'warning' && e.actor.includes('slack:UVIEW'))).toBe(true);
    expect(events.some((e) => e.actor.includes('slack:USTRANGE'))).toBe(true);
    expect(await h.engine.queueCounts()).toMatchObject({ total: 25 });
  });
});

describe('charts and files', () => {
  test('a shared report uploads the chart as a PNG to the channel with files.uploadV2', async () => {
    const m = await h.command(ADMIN, 'report --share', 'C0REPORT');
    expect(m.visibleTo).toBeUndefined();
    expect(textOf(m)).toContain('```');
    const done = await h.fake.waitFor(() => h.fake.calls('files.completeUploadExternal').find((r) => r.body.channel_id === 'C0REPORT'), 5000, 'the upload');
    const fileId = done.body.files[0].id as string;
    const upload = h.fake.uploads.get(fileId)!;
    expect(upload.filename).toMatch(/\.png$/);
    expect(upload.data!.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(upload.data!.length).toBe(upload.length);
  });

  test('a private report attaches nothing', async () => {
    const before = h.fake.calls('files.getUploadURLExternal').length;
    await h.command(ADMIN, 'report');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.fake.calls('files.getUploadURLExternal')).toHaveLength(before);
  });

  test('when the upload is refused the requester is told privately why', async () => {
    h.fake.failures.set('files.getUploadURLExternal', 'not_in_channel');
    try {
      const { responseUrl } = await h.slash(ADMIN, 'report --share', 'C0NOTIN');
      const note = await h.posted(responseUrl, 2);
      expect(note.visibleTo).toBe(ADMIN.id);
      expect(note.text).toMatch(/Could not attach .*not_in_channel/);
    } finally {
      h.fake.failures.delete('files.getUploadURLExternal');
    }
  });
});

describe('buttons', () => {
  test('paging: Next replaces the message with the next page, which has Prev', async () => {
    const first = await h.command(ADMIN, 'queue list');
    expect(textOf(first)).toContain('user24@sink.test');
    expect(textOf(first)).not.toContain('user4@sink.test');
    expect(first.blocks.some((b) => b.type === 'actions' && b.elements.some(byKind('page-prev')))).toBe(false);
    const { delivered } = await h.press(ADMIN, first, byKind('page-next'));
    expect(delivered.status).toBe(200);
    await h.fake.waitFor(() => first.history.length === 1, 5000, 'the page to be replaced');
    expect(textOf(first)).toContain('user4@sink.test');
    expect(textOf(first)).not.toContain('user24@sink.test');
    expect(first.blocks.some((b) => b.type === 'actions' && b.elements.some(byKind('page-prev')))).toBe(true);
  });

  test('confirm: someone else pressing Yes is refused privately and the message stays', async () => {
    const ask = await h.command(OPERATOR, 'queue flush --share');
    expect(ask.visibleTo).toBeUndefined();
    expect(textOf(ask)).toContain('<@UOPER>');
    expect(textOf(ask)).toMatch(/expires <!date\^\d+\^/);
    const before = h.runner.calls.action;
    const { payload } = await h.press(STRANGER, ask, byKind('confirm'));
    const refusal = await h.posted(payload.response_url);
    expect(refusal.visibleTo).toBe(STRANGER.id);
    expect(textOf(refusal)).toMatch(/only|denied|not yours|requester/i);
    expect(h.runner.calls.action).toBe(before + 1);
    expect(ask.history).toHaveLength(0);

    // The requester can still answer: Yes runs the flush and updates the message in place.
    await h.press(OPERATOR, ask, byKind('confirm'));
    await h.fake.waitFor(() => /Queue flushed/.test(textOf(ask)), 5000, 'the flush result');
    expect(ask.history.some((v) => JSON.stringify(v.blocks).includes('hourglass'))).toBe(true);
    const flushed = (await h.engine.eventList({ limit: 50 })).items.find((e) => e.code === 'queue.flushed');
    expect(flushed?.actor).toContain('slack:UOPER');
  });

  test('confirm: No cancels and changes nothing', async () => {
    const ask = await h.command(ADMIN, `queue delete ${ids[1]}`);
    await h.press(ADMIN, ask, byKind('cancel'));
    await h.fake.waitFor(() => /Cancelled/.test(textOf(ask)), 5000, 'the cancel');
    expect((await h.engine.queueShow(ids[1])).id).toBe(ids[1]);
  });

  test('confirm: an expired button is refused and the message stays', async () => {
    const ask = await h.command(ADMIN, `queue delete ${ids[2]}`);
    skew = 6 * 60_000;
    try {
      const { payload } = await h.press(ADMIN, ask, byKind('confirm'));
      const refusal = await h.posted(payload.response_url);
      expect(textOf(refusal)).toMatch(/expired/i);
      expect(ask.history).toHaveLength(0);
      expect((await h.engine.queueShow(ids[2])).id).toBe(ids[2]);
    } finally {
      skew = 0;
    }
  });

  test('confirm: Yes deletes one message', async () => {
    const ask = await h.command(ADMIN, `queue delete ${ids[3]}`);
    await h.press(ADMIN, ask, byKind('confirm'));
    await h.fake.waitFor(() => /Message deleted/.test(textOf(ask)), 5000, 'the delete');
    await expect(h.engine.queueShow(ids[3])).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});

describe('queue delete --all', () => {
  test('Yes deletes every message, with progress, and records who did it', async () => {
    const total = (await h.engine.queueCounts()).total;
    expect(total).toBeGreaterThan(0);
    const ask = await h.command(ADMIN, 'queue delete --all');
    expect(textOf(ask)).toContain(`Delete ${total}`);
    await h.press(ADMIN, ask, byKind('confirm'));
    await h.fake.waitFor(() => /Queue deleted/.test(textOf(ask)), 5000, 'the delete');
    expect(textOf(ask)).toContain(`${total} messages deleted`);
    expect(ask.history.some((v) => /hourglass.*deleting/.test(JSON.stringify(v.blocks)))).toBe(true);
    expect(await h.engine.queueCounts()).toMatchObject({ total: 0 });
    const ev = (await h.engine.eventList({ limit: 50 })).items.find((e) => e.code === 'queue.deleted');
    expect(ev?.actor).toContain('slack:UADMIN');
  });
});

describe('request signatures', () => {
  const form = () => h.fake.slashCommand(ADMIN, 'queue delete --all');

  test.each([
    ['a wrong signing secret', { secret: 'not-the-secret' }],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['no signature headers', { unsigned: true }],
  ])('%s gets 401 and the handler never runs', async (_name, opts) => {
    const before = { ...h.runner.calls };
    const posts = h.fake.requests.length;
    const f = form();
    const res = await h.http.slash(f, opts);
    expect(res.status).toBe(401);
    // Give a wrongly accepted request time to show itself.
    await new Promise((r) => setTimeout(r, 200));
    expect(h.runner.calls).toEqual(before);
    expect(h.fake.requests.length).toBe(posts);
    expect(h.fake.postedTo(f.response_url)).toHaveLength(0);
  });

  test('a tampered body with a valid-looking signature is refused too', async () => {
    const before = h.runner.calls.run;
    const body = new URLSearchParams(form()).toString();
    const { slackSignature } = await import('../../doubles/slack/drivers.js');
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`http://127.0.0.1:${h.handle.port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature('fake-signing-secret-0123456789', ts, body) },
      body: body.replace('delete', 'flush'),
    });
    expect(res.status).toBe(401);
    expect(h.runner.calls.run).toBe(before);
  });
});
