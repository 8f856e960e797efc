/**
 * Every `/smtp` command through an unmodified discord.js client against the
 * fake Discord, with the real runner, grammar and engine.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildRegistration } from '../../../src/adapters/discord/register.js';
import { ADMIN, ALERT_CHANNEL, CB, OPERATOR, VIEWER, buttons, startHarness, textOf, type Harness } from './harness.js';
import { pickOption } from '../../doubles/discord/interactions.js';

let h: Harness;
const cli = { platform: 'cli' as const, id: 'test' };
const submit = (n: number) => h.engine.submit({ from: 'app@example.com', to: [`oncall${n}@sink.test`], subject: `alert ${n}`, text: 'disk full' }, cli);

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('start-up', () => {
  test('registers /smtp as a guild command generated from the runner grammar, with the bot token', () => {
    const put = h.fake.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/api/v10/applications/${h.fake.identity.applicationId}/guilds/${h.fake.identity.guildId}/commands`);
    expect(put?.authorization).toBe(`Bot ${h.fake.identity.token}`);
    expect(put?.body).toEqual(buildRegistration(h.runner.commands).body);
  });

  test('identifies on the gateway with the token and the Guilds intent', () => {
    const identify = h.fake.gateway.received.find((f) => f.op === 2);
    expect(identify?.d.token).toBe(h.fake.identity.token);
    expect(identify?.d.intents & 1).toBe(1);
  });

  test('heartbeats are acknowledged, so the session stays up (one identify, no resume)', async () => {
    await expect.poll(() => h.fake.gateway.received.filter((f) => f.op === 1).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(h.fake.gateway.received.filter((f) => f.op === 2 || f.op === 6)).toHaveLength(1);
  });
});

describe('reading', () => {
  test('status answers ephemerally with the dashboard', async () => {
    const x = await h.command(VIEWER, ['status']);
    expect(x.callback.body.type).toBe(CB.reply);
    expect(x.ephemeral).toBe(true);
    expect(x.message.content).toMatch(/\S/);
    expect(textOf(x.message)).toMatch(/queue/i);
  });

  test('share: true posts the reply visibly', async () => {
    const x = await h.command(VIEWER, ['status'], { share: true });
    expect(x.callback.body.type).toBe(CB.reply);
    expect(x.ephemeral).toBe(false);
  });

  test('config show lists settings as embed fields, secrets masked', async () => {
    await h.engine.updateSettings({ 'relay-host': 'smtp.example.com' }, cli);
    const x = await h.command(VIEWER, ['config', 'show']);
    const fields = x.message.embeds.flatMap((e: any) => e.fields ?? []);
    expect(fields.length).toBeGreaterThan(5);
    expect(textOf(x.message)).toContain('smtp.example.com');
  });

  test('log and events render tables (code blocks) or their empty text', async () => {
    const log = await h.command(VIEWER, ['log'], { status: 'received' });
    expect(log.message.embeds[0].title).toMatch(/log/i);
    const events = await h.command(VIEWER, ['events'], { level: 'info' });
    expect(events.message.embeds[0].title).toMatch(/event/i);
    expect(textOf(events.message)).toMatch(/config\.changed|```/);
  });

  test('report: sections as embeds, the hourly chart as Unicode bars plus a PNG attachment', async () => {
    const report = await h.command(VIEWER, ['report'], { day: 'today' });
    expect(report.message.content).toMatch(/report/i);
    expect(report.message.embeds.length).toBeGreaterThan(1);
    const chart = report.message.embeds.find((e: any) => e.image);
    expect(chart.description).toMatch(/^```\n[\s\S]*│[\s\S]*```$/);
    const png = report.callback.files.find((f) => f.name === chart.image.url.replace('attachment://', ''));
    expect(png?.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  test('report --full: what does not fit in embeds comes whole as a text file', async () => {
    const report = await h.command(VIEWER, ['report'], { full: true });
    const file = report.callback.files.find((f) => f.name.endsWith('.txt'));
    expect(file?.data.toString('utf8')).toMatch(/Senders by message count/);
  });

  test('doctor answers with every check', async () => {
    const doctor = await h.command(VIEWER, ['doctor']);
    expect(doctor.message.embeds.length).toBeGreaterThan(0);
    expect(textOf(doctor.message)).toMatch(/relay|dns|tls|hostname/i);
  });

  test('help, and help for one command', async () => {
    const all = await h.command(VIEWER, ['help']);
    expect(textOf(all.message)).toContain('queue flush');
    const one = await h.command(VIEWER, ['help'], { command: 'queue delete' });
    expect(textOf(one.message)).toMatch(/--all/);
  });
});

describe('changing', () => {
  test('config set passes variadic assignments through with their quoting', async () => {
    const x = await h.command(ADMIN, ['config', 'set'], { assignments: 'from-name="Ops Team" from-address=ops@example.com relay-port=2525' });
    expect(x.message.embeds[0].color).not.toBe(0xed4245);
    const s = await h.engine.getSettings();
    expect(s.fromName).toBe('Ops Team');
    expect(s.fromAddress).toBe('ops@example.com');
    expect(s.relayPort).toBe(2525);
  });

  test('config set with a bad value names the field and the rule; nothing changes', async () => {
    const x = await h.command(ADMIN, ['config', 'set'], { assignments: 'relay-port=70000' });
    expect(x.message.embeds[0].title).toBe('Invalid input');
    expect(x.message.embeds[0].fields.map((f: { name: string }) => f.name)).toEqual([expect.stringMatching(/^relay-port \(\w[\w-]*\)$/)]);
    expect((await h.engine.getSettings()).relayPort).toBe(2525);
  });

  test('an inline password is refused in chat and never echoed', async () => {
    const x = await h.command(ADMIN, ['config', 'set'], { assignments: 'sasl-password=hunter2-inline' });
    expect(JSON.stringify(x.message)).not.toContain('hunter2-inline');
    expect((await h.engine.getSettings()).saslPassword).toBe('(not set)');
  });

  test('test queues a message and says the outcome follows', async () => {
    const x = await h.command(OPERATOR, ['test'], { address: 'oncall@sink.test' });
    expect(textOf(x.message)).toMatch(/queued/i);
    const list = await h.engine.queueList({});
    expect(list.items.some((m) => m.to.includes('oncall@sink.test') && m.source === 'test')).toBe(true);
  });

  test('queue show, hold and release a message by id', async () => {
    const { id } = await submit(1);
    const show = await h.command(VIEWER, ['queue', 'show'], { id });
    expect(show.message.embeds[0].title).toContain(id);
    expect(textOf(show.message)).toContain('oncall1@sink.test');
    await h.command(OPERATOR, ['queue', 'hold'], { id });
    expect((await h.engine.queueShow(id)).state).toBe('held');
    await h.command(OPERATOR, ['queue', 'release'], { id });
    expect((await h.engine.queueShow(id)).state).not.toBe('held');
  });

  test('queue show of an unknown id says not found', async () => {
    const { id } = await submit(3);
    await h.engine.queueDelete(id, cli);
    const x = await h.command(VIEWER, ['queue', 'show'], { id });
    expect(x.message.embeds[0].title).toBe('Not found');
  });

  test('queue delete asks, and Yes deletes', async () => {
    const { id } = await submit(2);
    const ask = await h.command(ADMIN, ['queue', 'delete'], { id });
    const [yes] = buttons(ask.message);
    expect(textOf(ask.message)).toContain(id);
    const done = await h.press(ADMIN, yes.custom_id);
    expect(done.callback.body.type).toBe(CB.update);
    expect(buttons(done.message)).toEqual([]);
    await expect(h.engine.queueShow(id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  test('alerts subscribe, list and unsubscribe name the channel of the interaction', async () => {
    await h.command(OPERATOR, ['alerts', 'subscribe'], { level: 'error' });
    expect(await h.engine.alertList()).toEqual([expect.objectContaining({ platform: 'discord', channel: h.fake.identity.channelId, minLevel: 'error' })]);
    const list = await h.command(VIEWER, ['alerts', 'list']);
    expect(textOf(list.message)).toContain(h.fake.identity.channelId);
    await h.command(OPERATOR, ['alerts', 'unsubscribe']);
    expect(await h.engine.alertList()).toEqual([]);
  });

  test('access grant, list and revoke: the subject is picked with Discord\'s member and role picker', async () => {
    const newbie = { id: '100000000000000042', username: 'newbie' };
    const granted = await h.command(ADMIN, ['access', 'grant'], { subject: { user: newbie }, role: 'operator' });
    expect(textOf(granted.message)).toContain('discord:100000000000000042 is now operator');
    await h.command(ADMIN, ['access', 'grant'], { subject: { role: { id: '900000000000000077', name: 'oncall' } }, role: 'viewer' });
    const list = await h.command(ADMIN, ['access', 'list']);
    expect(textOf(list.message)).toContain('discord:100000000000000042');
    expect(textOf(list.message)).toContain('discord-role:900000000000000077');
    await h.command(ADMIN, ['access', 'revoke'], { subject: { user: newbie } });
    await h.command(ADMIN, ['access', 'revoke'], { subject: { role: { id: '900000000000000077', name: 'oncall' } } });
    const left = (await h.engine.accessList()).map((g) => g.subject);
    expect(left).not.toContain('discord:100000000000000042');
    expect(left).not.toContain('discord-role:900000000000000077');
  });

  test('the interaction carries the pick in resolved, as Discord sends it; an id Discord did not resolve grants nothing', async () => {
    const payload = h.ix.command(ADMIN, ['access', 'grant'], [pickOption('subject', { user: { id: '100000000000000043', username: 'x' } }), { name: 'role', type: 3, value: 'viewer' }]);
    const data = payload.data as { options: { options: { options: { name: string; type: number; value: string }[] }[] }[]; resolved: { users: Record<string, unknown>; members: Record<string, unknown> } };
    expect(data.options[0].options[0].options[0]).toEqual({ name: 'subject', type: 9, value: '100000000000000043' });
    expect(Object.keys(data.resolved.users)).toEqual(['100000000000000043']);
    expect(data.resolved.members['100000000000000043']).not.toHaveProperty('user');
    expect(textOf((await h.exchange(payload)).message)).toContain('discord:100000000000000043 is now viewer');
    // The same id without resolved data: nothing says whether it is a member or a role.
    const bare = await h.exchange(h.ix.command(ADMIN, ['access', 'grant'], [{ name: 'subject', type: 9, value: '100000000000000044' }, { name: 'role', type: 3, value: 'viewer' }]));
    expect(textOf(bare.message)).toMatch(/access grant needs <subject>/);
    expect((await h.engine.accessList()).map((g) => g.subject)).not.toContain('discord:100000000000000044');
  });
});

describe('alerts into channels', () => {
  test('an alert for a subscribed channel is posted there with the bot token', async () => {
    await h.engine.alertSubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, 'warning', cli);
    const from = h.fake.requests.length;
    await h.engine.alert({ level: 'error', title: 'Message bounced', text: 'oncall@sink.test: 550 no such user' });
    const post = await h.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/api/v10/channels/${ALERT_CHANNEL}/messages`, { from });
    expect(post.authorization).toBe(`Bot ${h.fake.identity.token}`);
    expect(post.body.embeds[0]).toMatchObject({ title: 'ALERT: Message bounced', color: 0xed4245 });
    expect(post.body.embeds[0].description).toContain('550 no such user');
    expect(post.body).toMatchObject({ enforce_nonce: true, allowed_mentions: { parse: [] } });
    expect(String(post.body.nonce).length).toBeLessThanOrEqual(25);
    await h.engine.alertUnsubscribe({ platform: 'discord', channel: ALERT_CHANNEL }, cli);
  });

  test('a rate-limited post (429) is retried after Retry-After, not lost', async () => {
    const from = h.fake.requests.length;
    h.fake.rateLimit(new RegExp(`^/api/v10/channels/${ALERT_CHANNEL}/messages$`), 1, 0.2);
    await h.engine.alert({ level: 'warning', title: 'relay.unreachable', text: 'relay 127.0.0.1:1 refused', target: { platform: 'discord', channel: ALERT_CHANNEL } });
    const path = `/api/v10/channels/${ALERT_CHANNEL}/messages`;
    const first = await h.fake.waitForRequest((r) => r.path === path, { from });
    await h.fake.waitForRequest((r) => r.path === path, { from: h.fake.requests.indexOf(first) + 1 });
    const posts = h.fake.requests.slice(from).filter((r) => r.path === path);
    expect(posts).toHaveLength(2);
    expect(posts[1].time - posts[0].time).toBeGreaterThanOrEqual(150);
    expect(posts[1].body.embeds[0].title).toBe('ALERT: relay.unreachable');
    expect(h.fake.channelMessages(ALERT_CHANNEL).filter((m) => m.embeds[0]?.title === 'ALERT: relay.unreachable')).toHaveLength(1);
  });
});
