/**
 * Buttons, confirmations, access roles, the secret modal, autocomplete and
 * malformed input, through discord.js against the fake Discord with the real
 * runner and engine.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, CB, OPERATOR, OPERATOR_ROLE, STRANGER, VIEWER, buttons, startHarness, textOf, wireOptions, type Harness } from './harness.js';

let h: Harness;
const cli = { platform: 'cli' as const, id: 'test' };

beforeAll(async () => {
  h = await startHarness();
  for (let i = 0; i < 25; i++) await h.engine.submit({ from: 'app@example.com', to: [`oncall${i}@sink.test`], subject: `alert ${i}`, text: 'disk full' }, cli);
});
afterAll(async () => {
  await h?.close();
});

const flushed = async () => (await h.engine.eventList({ limit: 200 })).items.filter((e) => e.code === 'queue.flushed').length;

describe('paging buttons', () => {
  test('Next and Prev replace the message with the neighbouring page', async () => {
    const first = await h.command(VIEWER, ['queue', 'list']);
    const [next] = buttons(first.message);
    expect(next).toMatchObject({ label: 'Next', style: 2 });
    expect(next.custom_id.length).toBeLessThanOrEqual(100);
    const firstIds = first.message.embeds[0].description.match(/0[0-9a-z]{17}/g);
    expect(firstIds).toHaveLength(20);
    // The same data the REPL shows for the same line.
    const repl = await h.runner.run('queue list', { actor: { platform: 'repl', id: 'ops' }, surface: 'terminal' });
    expect((repl.data as { items: { id: string }[] }).items.map((m) => m.id)).toEqual(firstIds);

    const second = await h.press(VIEWER, next.custom_id);
    expect(second.callback.body.type).toBe(CB.update);
    const secondIds = second.message.embeds[0].description.match(/0[0-9a-z]{17}/g);
    expect(secondIds).toHaveLength(5);
    expect(secondIds.some((id: string) => firstIds.includes(id))).toBe(false);
    const prev = buttons(second.message).find((b) => b.label === 'Prev');
    expect(prev).toBeDefined();

    const back = await h.press(VIEWER, prev!.custom_id);
    expect(back.message.embeds[0].description.match(/0[0-9a-z]{17}/g)).toEqual(firstIds);
  });

  test('another member with access may page; one without gets a private refusal and the message stays', async () => {
    const first = await h.command(ADMIN, ['queue', 'list'], { share: true });
    const [next] = buttons(first.message);
    const other = await h.press(OPERATOR, next.custom_id);
    expect(other.callback.body.type).toBe(CB.update);
    const stranger = await h.press(STRANGER, next.custom_id);
    expect(stranger.callback.body.type).toBe(CB.reply);
    expect(stranger.ephemeral).toBe(true);
    expect(stranger.message.embeds[0].title).toBe('Not allowed');
  });
});

describe('confirmations', () => {
  test('flush asks; someone else pressing Yes is refused privately; the requester flushes', async () => {
    const before = await flushed();
    const ask = await h.command(OPERATOR, ['queue', 'flush']);
    expect(ask.message.embeds[0].title).toMatch(/flush/i);
    expect(ask.message.embeds[0].description).toContain(`<@${OPERATOR.id}>`);
    const [yes, no] = buttons(ask.message);
    expect(yes.label).toMatch(/^Flush \d+$/);
    expect(yes.style).toBe(4);
    expect(no).toMatchObject({ label: 'No', style: 2 });

    const intruder = await h.press(ADMIN, yes.custom_id);
    expect(intruder.callback.body.type).toBe(CB.reply);
    expect(intruder.ephemeral).toBe(true);
    expect(intruder.message.embeds[0].title).toBe('Not allowed');
    expect(await flushed()).toBe(before);

    const done = await h.press(OPERATOR, yes.custom_id, { until: (body) => body.embeds?.[0]?.title !== 'flushing' });
    expect([CB.update, CB.deferUpdate]).toContain(done.callback.body.type);
    expect(done.message.embeds[0].title).toBe('Queue flushed');
    expect(buttons(done.message)).toEqual([]);
    expect(await flushed()).toBe(before + 1);

    const again = await h.press(OPERATOR, yes.custom_id);
    expect(again.message.embeds[0].title).toBe('Expired');
    expect(await flushed()).toBe(before + 1);
  });

  test('No cancels and changes nothing', async () => {
    const before = await flushed();
    const ask = await h.command(OPERATOR, ['queue', 'flush']);
    const [, no] = buttons(ask.message);
    const cancelled = await h.press(OPERATOR, no.custom_id);
    expect(cancelled.callback.body.type).toBe(CB.update);
    expect(cancelled.message.embeds[0].title).toBe('Cancelled');
    expect(await flushed()).toBe(before);
  });
});

describe('access roles', () => {
  test('a viewer (by Discord role) may list but not flush; the denial is recorded', async () => {
    const denied = await h.command(VIEWER, ['queue', 'flush']);
    expect(denied.message.embeds[0].title).toBe('Not allowed');
    expect(denied.message.embeds[0].description).toContain(`discord:${VIEWER.id}`);
    expect(buttons(denied.message)).toEqual([]);
    const events = await h.engine.eventList({ limit: 50 });
    expect(events.items.some((e) => e.code === 'access.denied' && e.actor.includes(VIEWER.id))).toBe(true);
  });

  test('a member without any role is refused even reading', async () => {
    const x = await h.command(STRANGER, ['status']);
    expect(x.message.embeds[0].title).toBe('Not allowed');
  });

  test('granting a Discord role gives every member holding it that role', async () => {
    const member = { id: '100000000000000055', roles: [OPERATOR_ROLE] };
    expect((await h.command(member, ['queue', 'flush'])).message.embeds[0].title).toBe('Not allowed');
    await h.command(ADMIN, ['access', 'grant'], { subject: { role: { id: OPERATOR_ROLE, name: 'operators' } }, role: 'operator' });
    const ask = await h.command(member, ['queue', 'flush']);
    expect(buttons(ask.message).map((b) => b.label)).toEqual([expect.stringMatching(/^Flush( \d+)?$/), 'No']);
  });
});

describe('secret modal', () => {
  const SECRET = 'relay-secret-9f8e7d';

  test('config set sasl-password offers a button; it opens a modal; the submit sets the password privately', async () => {
    const prompt = await h.command(ADMIN, ['config', 'set'], { assignments: 'sasl-password' });
    expect(prompt.ephemeral).toBe(true);
    const [enter] = buttons(prompt.message);
    expect(enter.label).toBe('Enter password');

    const modal = await h.press(ADMIN, enter.custom_id);
    expect(modal.callback.body.type).toBe(CB.modal);
    const input = modal.callback.body.data.components[0].components[0];
    expect(input).toMatchObject({ type: 4, style: 1, required: true });

    const done = await h.exchange(h.ix.modalSubmit(ADMIN, modal.callback.body.data.custom_id, { [input.custom_id]: SECRET }));
    expect(done.callback.body.type).toBe(CB.reply);
    expect(done.ephemeral).toBe(true);
    expect(done.message.embeds[0].color).not.toBe(0xed4245);
    expect((await h.engine.getSettings()).saslPassword).toBe('********');
    // The secret never travels back to Discord, nor into events.
    expect(JSON.stringify(h.fake.requests.map((r) => r.body))).not.toContain(SECRET);
    expect(JSON.stringify((await h.engine.eventList({ limit: 200 })).items)).not.toContain(SECRET);
  });

  test('the password prompt stays private even with share', async () => {
    const prompt = await h.command(ADMIN, ['config', 'set'], { assignments: 'intake-password', share: true });
    expect(prompt.ephemeral).toBe(true);
    expect(buttons(prompt.message)[0].custom_id).toBe('smtp-ops:secret:intake-password');
  });

  test('a modal submit from someone who may not set it is refused and changes nothing', async () => {
    await h.engine.updateSettings({ 'sasl-password': 'original-secret' }, cli);
    const x = await h.exchange(h.ix.modalSubmit(OPERATOR, 'smtp-ops:secret-modal:sasl-password', { value: 'attacker-value' }));
    expect(x.message.embeds[0].title).toBe('Not allowed');
  });
});

describe('autocomplete', () => {
  test('queue ids come from the live queue, only for members with a role', async () => {
    const { items } = await h.engine.queueList({ limit: 1 });
    const id = items[0].id;
    const x = await h.exchange(h.ix.autocomplete(VIEWER, ['queue', 'show'], [{ name: 'id', type: 3, value: id.slice(0, 12), focused: true }]));
    expect(x.callback.body.type).toBe(CB.autocomplete);
    expect(x.callback.body.data.choices.map((c: { value: string }) => c.value)).toContain(id);
    expect(x.callback.body.data.choices.length).toBeLessThanOrEqual(25);
    const none = await h.exchange(h.ix.autocomplete(STRANGER, ['queue', 'show'], [{ name: 'id', type: 3, value: '', focused: true }]));
    expect(none.callback.body.data.choices).toEqual([]);
  });


  test('assignments complete the last word to a setting key', async () => {
    const x = await h.exchange(h.ix.autocomplete(ADMIN, ['config', 'set'], [{ name: 'assignments', type: 3, value: 'relay-host=a.example sasl-u', focused: true }]));
    expect(x.callback.body.data.choices.map((c: { value: string }) => c.value)).toContain('relay-host=a.example sasl-username=');
  });
});

describe('malformed interactions never crash the adapter', () => {
  test('garbage, unknown subcommands, unknown buttons and modals, wrong option types', async () => {
    // No data, no member: discord.js drops it.
    h.fake.interact({ id: '1', type: 2, token: 't' });
    h.fake.interact({ type: 99 });
    // A command from an older registration.
    const stale = await h.exchange(h.ix.command(ADMIN, ['bogus']));
    expect(stale.ephemeral).toBe(true);
    expect(stale.message.embeds[0].title).toBe('Usage');
    // A button nobody issued.
    const unknown = await h.press(ADMIN, 'no-such-token');
    expect(unknown.message.embeds[0].title).toBe('Expired');
    // A string where an integer belongs.
    const bad = await h.exchange(h.ix.command(VIEWER, ['queue', 'list'], wireOptions({ page: 'abc' })));
    expect(bad.message.embeds[0].title).toMatch(/Usage|Invalid input/);
    // A modal of someone else's app: ignored, no answer.
    const from = h.fake.requests.length;
    const foreign = h.ix.modalSubmit(ADMIN, 'other-app:modal', { value: 'x' });
    h.fake.interact(foreign);
    // Still serving.
    const ok = await h.command(VIEWER, ['status']);
    expect(ok.message.embeds.length).toBeGreaterThan(0);
    expect(h.fake.requests.slice(from).filter((r) => r.path.includes(String(foreign.token)))).toEqual([]);
    expect(h.logged.filter((l) => l.startsWith('dropped a malformed interaction'))).toHaveLength(2);
  });
});
