/**
 * The queue by shape in Slack, over real Bolt and the fake Slack: `queue summary`, the filters of the
 * queue commands, and their confirmations (with Slack's own confirm dialog) stating how many match.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blockProblems } from '../../doubles/slack/block-rules.js';
import { ADMIN, Harness, OPERATOR, VIEWER, byKind, textOf } from './harness.js';

let h: Harness;
const setup = { platform: 'cli' as const, id: 'setup' };

beforeAll(async () => {
  h = await Harness.start({ mode: 'http' });
  await h.engine.updateSettings({ enabled: 'off' }, setup);
  for (let i = 0; i < 30; i++) await h.engine.submit({ to: [i % 3 ? `u${i}@example.com` : `v${i}@stuck.test`], subject: `m${i}`, text: 'x' });
  await h.engine.accessGrant(`slack:${OPERATOR.id}`, 'operator', setup);
  await h.engine.accessGrant(`slack:${VIEWER.id}`, 'viewer', setup);
});
afterAll(async () => {
  await h?.close();
});

/** The Yes button of a confirmation message. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const yesOf = (m: { blocks: any[] }) => m.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).find(byKind('confirm'))!;

describe('queue summary', () => {
  test('shows the domains by age and the messages by last error, within Slack\'s limits', async () => {
    const m = await h.command(VIEWER, 'queue summary');
    expect(blockProblems(m.blocks)).toEqual([]);
    const t = textOf(m);
    expect(t).toContain('Queue summary');
    expect(t).toMatch(/Domain +T +5 +10 +20/);
    expect(t).toMatch(/TOTAL +30 +30/);
    expect(t).toMatch(/example\.com +20 +20/);
    expect(t).toMatch(/stuck\.test +10 +10/);
    expect(t).toContain('not tried yet');
    const d = await h.command(VIEWER, 'queue summary --domain stuck.test');
    expect(textOf(d)).toContain('Queue summary (domain stuck.test)');
    expect(textOf(d)).toMatch(/TOTAL +10 +10/);
  });
});

describe('filters and their confirmations', () => {
  test('queue list --domain lists the matches', async () => {
    const m = await h.command(VIEWER, 'queue list --domain stuck.test');
    expect(textOf(m)).toContain('Mail queue (domain stuck.test)');
    expect(textOf(m)).toContain('10 of 30 messages match');
    expect(textOf(m)).not.toContain('@example.com');
  });

  test('queue flush --domain asks with the count, Slack\'s dialog repeats it, Yes flushes only those', async () => {
    const ask = await h.command(OPERATOR, 'queue flush --domain stuck.test --older-than 0');
    expect(textOf(ask)).toContain('This will retry 10 messages with a recipient at stuck.test, queued more than 0s ago now (10 queued, 0 deferred)');
    const yes = yesOf(ask);
    expect(yes.text.text).toBe('Flush 10');
    expect(yes.confirm).toMatchObject({ title: { text: 'Flush these messages?' }, confirm: { text: 'Flush 10' }, deny: { text: 'Cancel' }, style: 'danger' });
    expect(yes.confirm.text.text).toContain('10 messages with a recipient at stuck.test');
    expect(blockProblems(ask.blocks)).toEqual([]);
    await h.press(OPERATOR, ask, byKind('confirm'));
    await h.fake.waitFor(() => /Queue flushed/.test(textOf(ask)), 5000, 'the flush result');
    expect(textOf(ask)).toContain('10 messages with a recipient at stuck.test, queued more than 0s ago are due now, but SMTP is disabled');
  });

  test('queue hold and queue delete by domain: counted, confirmed, done; an operator may not delete', async () => {
    const hold = await h.command(OPERATOR, 'queue hold --domain stuck.test');
    expect(yesOf(hold).text.text).toBe('Hold 10');
    await h.press(OPERATOR, hold, byKind('confirm'));
    await h.fake.waitFor(() => /Messages held/.test(textOf(hold)), 5000, 'the hold');
    expect((await h.engine.queueCounts()).held).toBe(10);
    const denied = await h.command(OPERATOR, 'queue delete --domain stuck.test');
    expect(textOf(denied)).toMatch(/needs the admin role/);
    const del = await h.command(ADMIN, 'queue delete --domain stuck.test --state held');
    expect(textOf(del)).toContain('This will permanently delete 10 messages with a recipient at stuck.test, held (0 queued, 0 sending, 0 deferred, 10 held)');
    expect(yesOf(del).confirm.confirm.text).toBe('Delete 10');
    await h.press(ADMIN, del, byKind('confirm'));
    await h.fake.waitFor(() => /Messages deleted/.test(textOf(del)), 5000, 'the delete');
    expect(await h.engine.queueCounts()).toMatchObject({ total: 20, held: 0 });
    const logged = await h.engine.logList({ status: 'deleted', limit: 50 });
    expect(logged.items).toHaveLength(10);
    expect(logged.items[0].response).toBe('deleted by slack:UADMIN (queue delete: domain stuck.test, held)');
  });
});
