/**
 * The queue by shape in Discord, over discord.js and the fake Discord: `/smtp queue summary`, the
 * filter options of the queue commands, their confirmations with the count, and domain autocomplete.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, CB, OPERATOR, VIEWER, STRANGER, buttons, startHarness, textOf, type Harness } from './harness.js';

let h: Harness;
const setup = { platform: 'cli' as const, id: 'setup' };

beforeAll(async () => {
  h = await startHarness();
  await h.engine.updateSettings({ enabled: 'off' }, setup);
  for (let i = 0; i < 30; i++) await h.engine.submit({ to: [i % 3 ? `u${i}@example.com` : `v${i}@stuck.test`], subject: `m${i}`, text: 'x' });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('/smtp queue summary', () => {
  test('the domains by age and the messages by last error, as embeds within Discord\'s limits', async () => {
    const x = await h.command(VIEWER, ['queue', 'summary']);
    const t = textOf(x.message);
    expect(x.message.embeds.length).toBeLessThanOrEqual(10);
    expect(t).toContain('Queue summary');
    expect(t).toMatch(/TOTAL +30 +30/);
    expect(t).toMatch(/example\.com +20 +20/);
    expect(t).toMatch(/stuck\.test +10 +10/);
    const d = await h.command(VIEWER, ['queue', 'summary'], { state: 'queued', domain: 'stuck.test' });
    expect(textOf(d.message)).toContain('Queue summary (domain stuck.test, queued)');
  });

  test('domain options autocomplete from the queue, for members with a role', async () => {
    const x = await h.exchange(h.ix.autocomplete(VIEWER, ['queue', 'flush'], [{ name: 'domain', type: 3, value: 'stu', focused: true }]));
    expect(x.callback.body.type).toBe(CB.autocomplete);
    expect(x.callback.body.data.choices).toEqual([{ name: 'stuck.test · 10 recipients', value: 'stuck.test' }]);
    const none = await h.exchange(h.ix.autocomplete(STRANGER, ['queue', 'flush'], [{ name: 'domain', type: 3, value: '', focused: true }]));
    expect(none.callback.body.data.choices).toEqual([]);
  });
});

describe('filters and their confirmations', () => {
  test('queue flush domain: asks with the count, Yes flushes only those', async () => {
    const ask = await h.command(OPERATOR, ['queue', 'flush'], { domain: 'stuck.test' });
    expect(textOf(ask.message)).toContain('This will retry 10 messages with a recipient at stuck.test now (10 queued, 0 deferred)');
    const [yes] = buttons(ask.message);
    expect(yes.label).toBe('Flush 10');
    const done = await h.press(OPERATOR, yes.custom_id);
    expect(textOf(done.message)).toContain('10 messages with a recipient at stuck.test are due now, but SMTP is disabled');
  });

  test('queue hold and queue delete with options; delete needs admin', async () => {
    const hold = await h.command(OPERATOR, ['queue', 'hold'], { domain: 'stuck.test' });
    const [holdYes] = buttons(hold.message);
    expect(holdYes.label).toBe('Hold 10');
    await h.press(OPERATOR, holdYes.custom_id);
    expect((await h.engine.queueCounts()).held).toBe(10);
    expect(textOf((await h.command(OPERATOR, ['queue', 'delete'], { domain: 'stuck.test' })).message)).toMatch(/needs the admin role/);
    const del = await h.command(ADMIN, ['queue', 'delete'], { domain: 'stuck.test', state: 'held', 'older-than': '0' });
    expect(textOf(del.message)).toContain('This will permanently delete 10 messages with a recipient at stuck.test, held, queued more than 0s ago');
    const [delYes] = buttons(del.message);
    expect(delYes.label).toBe('Delete 10');
    const done = await h.press(ADMIN, delYes.custom_id);
    expect(textOf(done.message)).toContain('10 messages with a recipient at stuck.test, held, queued more than 0s ago deleted.');
    expect(await h.engine.queueCounts()).toMatchObject({ total: 20, held: 0 });
  });

  test('a bad filter value is explained, not run', async () => {
    const x = await h.command(OPERATOR, ['queue', 'list'], { 'older-than': 'yesterday' });
    expect(textOf(x.message)).toContain('--older-than must be a duration such as 30m, 2h or 1d');
  });
});
