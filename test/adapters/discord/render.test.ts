/** Every Reply kind rendered for Discord, within Discord's message limits. */
import { describe, expect, test } from 'vitest';
import type { Action, ChartReply, Reply, TableReply } from '../../../src/commands/reply.js';
import { chartLines } from '../../../src/commands/render/unicode-chart.js';
import { COLORS, SECRET_BUTTON_PREFIX, renderAlert, renderReply } from '../../../src/adapters/discord/render.js';
import type { AlertView } from '../../../src/commands/alert-view.js';
import type { DiscordMessage } from '../../../src/adapters/discord/message.js';

const action = (id: string, kind: Action['kind'], label: string, style: Action['style'] = 'default'): Action => ({ id, kind, label, style });

/** Discord's limits, checked independently of the renderer's own constants. */
function expectWithinLimits(m: DiscordMessage) {
  expect((m.content ?? '').length).toBeLessThanOrEqual(2000);
  expect(m.embeds.length).toBeLessThanOrEqual(10);
  let total = 0;
  for (const e of m.embeds) {
    expect((e.title ?? '').length).toBeLessThanOrEqual(256);
    expect((e.description ?? '').length).toBeLessThanOrEqual(4096);
    expect((e.fields ?? []).length).toBeLessThanOrEqual(25);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    expect((e.footer?.text ?? '').length).toBeLessThanOrEqual(2048);
    total += (e.title ?? '').length + (e.description ?? '').length + (e.footer?.text ?? '').length + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  }
  expect(total).toBeLessThanOrEqual(6000);
  expect(m.components.length).toBeLessThanOrEqual(5);
  for (const row of m.components) {
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const b of row.components) {
      expect(b.custom_id.length).toBeLessThanOrEqual(100);
      expect((b.label ?? '').length).toBeLessThanOrEqual(80);
    }
  }
}

const table = (rows: number, cell = 'x'): TableReply => ({
  kind: 'table',
  title: 'Mail queue',
  columns: [
    { key: 'id', label: 'Id' },
    { key: 'to', label: 'To' },
    { key: 'size', label: 'Size', align: 'right' },
  ],
  rows: Array.from({ length: rows }, (_, i) => ({ id: `id${String(i).padStart(4, '0')}`, to: `${cell}${i}@example.com`, size: `${i} B` })),
  empty: 'The queue is empty.',
  page: { number: 2, prev: action('tokPrev', 'page-prev', 'Prev'), next: action('tokNext', 'page-next', 'Next') },
  footer: '42 messages',
});

describe('each reply kind', () => {
  test('message: tone colour, title and text', () => {
    const m = renderReply({ kind: 'message', tone: 'success', title: 'Queue flushed', text: '3 messages are due now; the delivery worker is attempting them.' });
    expect(m.embeds).toEqual([{ title: 'Queue flushed', description: '3 messages are due now; the delivery worker is attempting them.', color: COLORS.success }]);
    expect(m.components).toEqual([]);
  });

  test('fields: embed fields with inline flags and footer', () => {
    const m = renderReply({ kind: 'fields', title: 'Settings', fields: [{ label: 'Relay', value: 'smtp.example.com:587', inline: true }, { label: 'Empty', value: '' }], footer: 'secrets masked' });
    expect(m.embeds[0].fields).toEqual([{ name: 'Relay', value: 'smtp.example.com:587', inline: true }, { name: 'Empty', value: '\u200b', inline: false }]);
    expect(m.embeds[0].footer?.text).toBe('secrets masked');
  });

  test('table: aligned code block, page number, Prev/Next buttons carrying the action tokens', () => {
    const m = renderReply(table(3));
    const d = m.embeds[0].description!;
    expect(d.startsWith('```\nId')).toBe(true);
    expect(d).toMatch(/\nid0002 {2}x2@example\.com {2,}2 B\n/);
    expect(m.embeds[0].footer?.text).toBe('Page 2 · 42 messages');
    expect(m.components[0].components.map((b) => [b.custom_id, b.label, b.style])).toEqual([
      ['tokPrev', 'Prev', 2],
      ['tokNext', 'Next', 2],
    ]);
  });

  test('table: empty text when there are no rows', () => {
    const m = renderReply({ ...table(0), page: undefined });
    expect(m.embeds[0].description).toBe('The queue is empty.');
    expect(m.components).toEqual([]);
  });

  test('table: cells that would be cut become one field per row instead', () => {
    const m = renderReply({ ...table(3, 'a-very-long-recipient-address-that-goes-on-and-on-'.repeat(2)), columns: [...table(1).columns, { key: 'hint', label: 'What to do', fit: 'wrap' }], rows: table(3).rows.map((r) => ({ ...r, hint: 'Publish an SPF record for the sender domain with this address; receivers distrust senders without one.' })) });
    expect(m.embeds[0].description).toBeUndefined();
    expect(m.embeds[0].fields?.[0]).toEqual({ name: 'id0000 · x0@example.com', value: 'Size: 0 B\nWhat to do: Publish an SPF record for the sender domain with this address; receivers distrust senders without one.' });
  });

  test('confirm: requester mentioned, expiry as a Discord timestamp, Yes/No with tokens', () => {
    const m = renderReply({ kind: 'confirm', title: 'Flush the mail queue?', text: 'This will retry 1,234 messages now.', yes: action('tokYes', 'confirm', 'Flush', 'danger'), no: action('tokNo', 'cancel', 'No'), requester: 'discord:123456789012345678', expiresAt: 1_800_000_000_000 });
    expect(m.embeds[0].description).toContain('This will retry 1,234 messages now.');
    expect(m.embeds[0].description).toContain('<@123456789012345678>');
    expect(m.embeds[0].description).toContain('<t:1800000000:R>');
    expect(m.components[0].components.map((b) => [b.custom_id, b.style])).toEqual([
      ['tokYes', 4],
      ['tokNo', 2],
    ]);
  });

  test('error: title by code, usage, suggestion, one field per issue', () => {
    const m = renderReply({ kind: 'error', code: 'validation', message: 'relay-port must be a whole number from 1 to 65535 (got "70000")', usage: 'config set <assignments...>', suggestion: 'did you mean `config set relay-port=587`?', issues: [{ field: 'relay-port', rule: 'range', message: 'relay-port must be a whole number from 1 to 65535 (got "70000")' }] });
    expect(m.embeds[0].title).toBe('Invalid input');
    expect(m.embeds[0].description).toContain('Usage: `config set <assignments...>`');
    expect(m.embeds[0].description).toContain('did you mean');
    expect(m.embeds[0].fields).toEqual([{ name: 'relay-port (range)', value: 'relay-port must be a whole number from 1 to 65535 (got "70000")' }]);
    expect(renderReply({ kind: 'error', code: 'denied', message: 'no' }).embeds[0]).toMatchObject({ title: 'Not allowed', color: COLORS.error });
  });

  test('progress: a bar with percentage and counts', () => {
    const m = renderReply({ kind: 'progress', label: 'flushing', done: 600, total: 1000 });
    expect(m.embeds[0].title).toBe('flushing');
    expect(m.embeds[0].description).toBe('`████████████░░░░░░░░` 60% · 600 / 1,000');
  });

  test('secret-prompt: a button that opens the private form', () => {
    const m = renderReply({ kind: 'secret-prompt', field: 'sasl-password', title: 'Set sasl-password', text: 'Type it privately.' });
    expect(m.components[0].components[0]).toMatchObject({ custom_id: `${SECRET_BUTTON_PREFIX}sasl-password`, label: 'Enter password', style: 1 });
  });

  test('chart: Unicode bars in a code block, and a PNG attachment when a drawer is given', () => {
    const chart: Reply = { kind: 'chart', title: 'Messages per hour', labels: ['00', '01', '02'], series: [{ name: 'sent', values: [0, 4, 8] }] };
    const text = renderReply(chart);
    expect(text.embeds[0].description).toBe('```\n' + chartLines(chart as ChartReply).join('\n') + '\n```');
    expect(text.embeds[0].description).toMatch(/sent │ {4}██│ max 8/);
    expect(text.files).toEqual([]);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const withPng = renderReply(chart, { chartPng: () => png });
    expect(withPng.files).toEqual([{ name: 'messages-per-hour.png', data: png }]);
    expect(withPng.embeds[0].image).toEqual({ url: 'attachment://messages-per-hour.png' });
  });

  test('file: attached with its name, content intact', () => {
    const content = 'line\n'.repeat(10_000);
    const m = renderReply({ kind: 'file', title: 'Report 2026-11-23', filename: 'report-2026-11-23.txt', mime: 'text/plain', content });
    expect(m.files[0].name).toBe('report-2026-11-23.txt');
    expect(m.files[0].data.toString('utf8')).toBe(content);
    expect(m.embeds[0].description).toContain('50,000 bytes');
  });

  test('group: title as content, parts as embeds, their buttons kept', () => {
    const m = renderReply({ kind: 'group', title: 'SMTP enabled', parts: [{ kind: 'message', tone: 'info', text: 'a' }, table(2)] });
    expect(m.content).toBe('**SMTP enabled**');
    expect(m.embeds).toHaveLength(2);
    expect(m.components[0].components.map((b) => b.custom_id)).toEqual(['tokPrev', 'tokNext']);
  });
});

describe("Discord's limits", () => {
  test('a long table is cut to the description limit, saying how many rows are hidden', () => {
    const m = renderReply(table(400));
    expectWithinLimits(m);
    expect(m.embeds[0].description).toMatch(/… \d+ more rows not shown$/);
  });

  test('more than 25 fields continue in a second embed', () => {
    const m = renderReply({ kind: 'fields', title: 'Headers', fields: Array.from({ length: 30 }, (_, i) => ({ label: `h${i}`, value: `v${i}` })) });
    expectWithinLimits(m);
    expect(m.embeds.map((e) => e.fields?.length)).toEqual([25, 5]);
    expect(m.embeds[1].fields?.[4]).toMatchObject({ name: 'h29', value: 'v29' });
  });

  test('over-long values, titles and texts are clipped and marked', () => {
    const m = renderReply({ kind: 'fields', title: 'T'.repeat(300), fields: [{ label: 'L'.repeat(300), value: 'V'.repeat(2000) }] });
    expectWithinLimits(m);
    expect(m.embeds[0].fields?.[0].value.endsWith('…')).toBe(true);
    const msg = renderReply({ kind: 'message', tone: 'info', text: 'w'.repeat(5000) });
    expectWithinLimits(msg);
    expect(msg.embeds[0].description?.length).toBe(4096);
  });

  test('a group over 6000 characters or 10 embeds is cut with a note, never sent invalid', () => {
    const parts: Reply[] = Array.from({ length: 14 }, (_, i) => ({ kind: 'message', tone: 'info', title: `part ${i}`, text: 'z'.repeat(900) }));
    const m = renderReply({ kind: 'group', title: 'Report', parts });
    expectWithinLimits(m);
    expect(m.embeds[m.embeds.length - 1].footer?.text).toContain("cut to fit Discord's message limits");
    expect(m.files).toEqual([]);
  });

  test('with a plain-text renderer, a cut reply also comes whole as a text file', () => {
    const parts: Reply[] = Array.from({ length: 14 }, (_, i) => ({ kind: 'message', tone: 'info', title: `part ${i}`, text: 'z'.repeat(900) }));
    const group: Reply = { kind: 'group', title: 'SMTP report 2026-11-23', parts };
    const plainText = (r: Reply) => (r.kind === 'group' ? r.parts.map((p) => (p.kind === 'message' ? `${p.title}\n${p.text}` : '')).join('\n\n') : '');
    const m = renderReply(group, { plainText });
    expectWithinLimits(m);
    expect(m.files).toHaveLength(1);
    expect(m.files[0].name).toBe('smtp-report-2026-11-23.txt');
    expect(m.files[0].data.toString('utf8')).toContain('part 13\n' + 'z'.repeat(900));
    // A reply that attaches its own file gets no second one; a reply that fits gets none.
    const withFile: Reply = { ...group, parts: [...parts, { kind: 'file', title: 'Full report', filename: 'full.txt', mime: 'text/plain', content: 'all' }] };
    expect(renderReply(withFile, { plainText }).files.map((f) => f.name)).toEqual(['full.txt']);
    expect(renderReply({ kind: 'message', tone: 'info', text: 'short' }, { plainText }).files).toEqual([]);
  });

  test('more than five buttons in a row or five rows are cut', () => {
    const parts: Reply[] = Array.from({ length: 7 }, (_, i) => ({ ...table(1), title: `t${i}` }));
    const m = renderReply({ kind: 'group', title: 'Many', parts });
    expectWithinLimits(m);
  });
});

test('alerts: badge and title, level colour, timestamp, the post key in the footer, buttons carrying alert tokens', () => {
  const v: AlertView = {
    kind: 'alert',
    tone: 'warning',
    badge: 'FIRING',
    title: 'Relay relay.example.com:587 is deferring mail',
    status: 'Firing since 2026-11-24 03:00:00Z',
    summary: '3 messages to 4 recipients deferred.',
    fields: [{ label: 'Top reasons', value: '451 4.3.0 at RCPT TO ×4: try later' }],
    hint: 'Ask the relay operator; `queue flush` retries.',
    notes: ['Email alerts to a@b.test wait in the queue behind this failure, like any mail.'],
    footer: 'smtp-ops alert g1 · relay.deferred · g1.1',
    buttons: [{ id: 'alert:flush:0abcdefgh12', label: 'Flush', style: 'danger', line: 'queue flush' }],
    key: 'g1.1',
    time: Date.UTC(2026, 10, 24, 3, 0, 0),
  };
  const m = renderAlert(v);
  expect(m.embeds[0]).toMatchObject({ title: 'FIRING: Relay relay.example.com:587 is deferring mail', color: COLORS.warning, timestamp: '2026-11-24T03:00:00.000Z', footer: { text: 'smtp-ops alert g1 · relay.deferred · g1.1' } });
  expect(m.embeds[0].description).toContain('`queue flush`');
  expect(m.embeds[0].fields).toEqual([
    { name: 'Top reasons', value: '451 4.3.0 at RCPT TO ×4: try later', inline: false },
    { name: 'Note', value: 'Email alerts to a@b.test wait in the queue behind this failure, like any mail.', inline: false },
  ]);
  expect(m.components[0].components).toEqual([{ type: 2, custom_id: 'alert:flush:0abcdefgh12', label: 'Flush', style: 4 }]);
  expectWithinLimits(m);
});
