/**
 * Slow work: deferReply/deferUpdate first, then the reply edited in place,
 * with progress shown by editing the same message. The queue holds more
 * messages than the engine deletes in one chunk (1,000), so a delete reports
 * progress between its start and its end.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EXPIRED_TOKEN_PREFIX } from '../../doubles/discord/fake-discord.js';
import { ADMIN, CB, VIEWER, buttons, startHarness, type Harness } from './harness.js';

let h: Harness;
const cli = { platform: 'cli' as const, id: 'test' };
const MESSAGES = 2500;
/** Submits in flight at once: all 2,500 at once stall the event loop for seconds, which nothing here is about. */
const BATCH = 100;

beforeAll(async () => {
  // deferAfterMs 0: anything not answered at once is deferred.
  h = await startHarness({ discord: { deferAfterMs: 0, editEveryMs: 0 } });
  for (let first = 0; first < MESSAGES; first += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, MESSAGES - first) }, (_, k) => first + k);
    await Promise.all(batch.map((i) => h.engine.submit({ from: 'app@example.com', to: [`r${i}@sink.test`], subject: `m${i}`, text: 'x' }, cli)));
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
});

test('a deferred command answers with deferReply (ephemeral) and then edits @original', async () => {
  const x = await h.command(VIEWER, ['queue', 'list']);
  expect(x.callback.body).toEqual({ type: CB.deferReply, data: { flags: 64 } });
  const patch = x.edits.find((r) => r.method === 'PATCH');
  expect(patch?.path).toBe(`/api/v10/webhooks/${h.fake.identity.applicationId}/${x.callback.path.split('/')[5]}/messages/@original`);
  expect(x.message.embeds[0].title).toBe('Mail queue');
  expect(buttons(x.message).map((b) => b.label)).toEqual(['Next']);
});

test('a confirmed delete of the whole queue shows progress by editing the message, then the result', async () => {
  const ask = await h.command(ADMIN, ['queue', 'delete'], { all: true });
  const [yes] = buttons(ask.message);
  expect(yes.label).toBe(`Delete ${MESSAGES.toLocaleString('en-US')}`);
  const done = await h.press(ADMIN, yes.custom_id, { until: (body) => body.embeds?.[0]?.title !== 'deleting' });
  expect(done.callback.body.type).toBe(CB.deferUpdate);
  const titles = done.edits.filter((r) => r.method === 'PATCH').map((r) => r.body.embeds[0].title);
  expect(titles[0]).toBe('deleting');
  expect(titles[titles.length - 1]).toBe('Queue deleted');
  const progress = done.edits.filter((r) => r.body?.embeds?.[0]?.title === 'deleting').map((r) => r.body.embeds[0].description as string);
  // Edited while the work goes on: a count between the start and the end, of the whole queue.
  const counts = progress.map((d) => new RegExp(`([\\d,]+) / ${MESSAGES.toLocaleString('en-US')}`).exec(d)?.[1]).map((c) => Number(c?.replace(/,/g, '')));
  expect(counts.some((c) => c > 0 && c < MESSAGES), progress.join('\n')).toBe(true);
  expect(done.message.embeds[0].description).toBe(`${MESSAGES.toLocaleString('en-US')} messages deleted.`);
  expect(buttons(done.message)).toEqual([]);
  expect((await h.engine.queueCounts()).total).toBe(0);
});

test('a shared password prompt that was deferred publicly comes as a private follow-up', async () => {
  const payload = h.ix.command(ADMIN, ['config', 'set'], [{ name: 'assignments', type: 3, value: 'sasl-password' }, { name: 'share', type: 5, value: true }]);
  const x = await h.exchange(payload);
  expect(x.callback.body).toEqual({ type: CB.deferReply, data: { flags: 0 } });
  expect(x.message.embeds[0].description).toBe('Answered privately.');
  const followUp = x.edits.find((r) => r.method === 'POST');
  expect(followUp?.body.flags).toBe(64);
  expect(followUp?.body.components[0].components[0].custom_id).toBe('smtp-ops:secret:sasl-password');
});

test('an interaction Discord no longer knows (expired token) is logged, and the adapter keeps serving', async () => {
  const base = h.ix.command(VIEWER, ['status']);
  const payload = { ...base, token: `${EXPIRED_TOKEN_PREFIX}abc` };
  const from = h.fake.requests.length;
  h.fake.interact(payload);
  await h.fake.waitForRequest((r) => r.path.includes(EXPIRED_TOKEN_PREFIX), { from });
  await expect.poll(() => h.logged.some((l) => l.startsWith(`interaction ${String(base.id)} failed`)), { timeout: 10_000 }).toBe(true);
  const ok = await h.command(VIEWER, ['status']);
  expect(ok.message.embeds.length).toBeGreaterThan(0);
});
