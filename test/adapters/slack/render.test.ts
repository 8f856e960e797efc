/** The Block Kit renderer: every Reply kind, Slack's limits, escaping. */
import { describe, expect, test } from 'vitest';
import { renderAlert, renderReply } from '../../../src/adapters/slack/render.js';
import type { Reply, TableReply } from '../../../src/commands/reply.js';
import { blockProblems } from '../../doubles/slack/block-rules.js';

const json = (x: unknown) => JSON.stringify(x);

function table(rows: number, width = 20): TableReply {
  return {
    kind: 'table',
    title: 'Mail queue',
    columns: [
      { key: 'id', label: 'Id' },
      { key: 'to', label: 'To' },
      { key: 'size', label: 'Size', align: 'right' },
    ],
    rows: Array.from({ length: rows }, (_, i) => ({ id: `id${i}`, to: `${'x'.repeat(width)}${i}@sink.test`, size: `${i * 10} B` })),
    empty: 'The queue is empty.',
    page: { next: { id: 'tok-next', label: 'Next', style: 'default', kind: 'page-next' }, prev: { id: 'tok-prev', label: 'Prev', style: 'default', kind: 'page-prev' } },
    footer: `${rows} messages`,
  };
}

const samples: Reply[] = [
  { kind: 'message', tone: 'success', title: 'Queue flushed', text: '3 messages are due now; the delivery worker is attempting them.' },
  { kind: 'fields', title: 'SMTP settings', fields: Array.from({ length: 27 }, (_, i) => ({ label: `key-${i}`, value: `value ${i}` })), footer: 'Delivery: relay' },
  table(20),
  table(0),
  { kind: 'confirm', title: 'Flush?', text: 'This will retry 12 messages.', yes: { id: 'y', label: 'Flush', style: 'danger', kind: 'confirm' }, no: { id: 'n', label: 'No', style: 'default', kind: 'cancel' }, requester: 'slack:U1', expiresAt: Date.UTC(2026, 0, 1, 12, 5) },
  { kind: 'error', code: 'validation', message: 'relay-port must be a whole number from 1 to 65535 (got "70000")', usage: 'config set <key=value...>', suggestion: 'did you mean `relay-host`?', issues: [{ field: 'relay-port', rule: 'range', message: 'relay-port must be …' }] },
  { kind: 'progress', label: 'deleting', done: 250, total: 1000 },
  { kind: 'secret-prompt', field: 'sasl-password', title: 'Set sasl-password', text: 'Type it privately.' },
  { kind: 'chart', title: 'Per hour', labels: ['00', '01', '02'], series: [{ name: 'delivered', values: [0, 5, 10] }] },
  { kind: 'file', title: 'Full report', filename: 'report.txt', mime: 'text/plain', content: Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') },
];

describe('every reply kind', () => {
  test.each(samples.map((s) => [s.kind, s] as const))('%s renders blocks Slack accepts', (_kind, reply) => {
    const m = renderReply(reply);
    expect(blockProblems(m.blocks)).toEqual([]);
    expect(m.text.length).toBeGreaterThan(0);
  });

  test('a group of everything stays within 50 blocks and says what was cut', () => {
    const group: Reply = { kind: 'group', title: 'Everything', parts: [...samples, ...samples, ...samples] };
    const m = renderReply(group);
    expect(blockProblems(m.blocks)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(json(m.blocks)).toMatch(/more blocks not shown/);
    // Buttons survive the cut.
    expect(m.blocks.filter((b) => b.type === 'actions').length).toBeGreaterThan(0);
  });
});

describe('limits', () => {
  test('fields are split 10 per section', () => {
    const m = renderReply(samples[1]);
    const sections = m.blocks.filter((b) => b.type === 'section' && 'fields' in b && b.fields);
    expect(sections.map((s) => ('fields' in s ? s.fields!.length : 0))).toEqual([10, 10, 7]);
  });

  test('a long table is split into code sections under 3000 characters each', () => {
    const m = renderReply(table(200, 40));
    const code = m.blocks.filter((b) => b.type === 'section' && json(b).includes('```'));
    expect(code.length).toBeGreaterThan(1);
    for (const b of code) expect((b as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
    expect(json(m.blocks)).toContain('id199');
  });

  test('over-long button labels, headers and values are clipped', () => {
    const m = renderReply({ ...table(1), title: 'T'.repeat(400), page: { next: { id: 'v'.repeat(3000), label: 'L'.repeat(200), style: 'primary', kind: 'page-next' } } });
    expect(blockProblems(m.blocks)).toEqual([]);
  });

  test('paging buttons carry the action token in value and action_id', () => {
    const m = renderReply(table(3));
    const buttons = m.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as { action_id: string; value: string }[];
    expect(buttons.map((b) => b.value)).toEqual(['tok-prev', 'tok-next']);
    expect(buttons.map((b) => b.action_id)).toEqual(['smtp.action.page-prev.tok-prev', 'smtp.action.page-next.tok-next']);
  });
});

describe('content', () => {
  test('confirmations name who may press and when they expire', () => {
    const s = json(renderReply(samples[4]).blocks);
    expect(s).toContain('Only <@U1> can answer');
    expect(s).toContain(`<!date^${Date.UTC(2026, 0, 1, 12, 5) / 1000}^`);
    expect(s).toContain('2026-01-01 12:05 UTC');
    expect(s).toContain('"style":"danger"');
  });

  test('a destructive Yes carries Slack\'s confirm dialog: what will happen, with the counts; No does not', () => {
    const m = renderReply(samples[4]);
    const row = m.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; confirm?: unknown }[] };
    const [yes, no] = row.elements;
    expect(yes.confirm).toEqual({
      title: { type: 'plain_text', text: 'Flush?' },
      text: { type: 'plain_text', text: 'This will retry 12 messages.' },
      confirm: { type: 'plain_text', text: 'Flush' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    });
    expect(no.confirm).toBeUndefined();
    expect(blockProblems(m.blocks)).toEqual([]);
    // Long questions are cut to the dialog's limits (title 100, text 300, buttons 30), not refused by Slack.
    const long = renderReply({ ...samples[4], title: 'T'.repeat(150), text: 'x'.repeat(1000), yes: { ...(samples[4] as { yes: object }).yes, label: `Delete ${'9'.repeat(40)}` } } as Reply);
    expect(blockProblems(long.blocks)).toEqual([]);
  });

  test('the fake refuses a confirm dialog Slack would refuse', () => {
    const bad = [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'Yes' }, confirm: { title: { type: 'mrkdwn', text: 'x' }, text: { type: 'plain_text', text: 'y'.repeat(301) }, confirm: { type: 'plain_text', text: 'ok' } } }] }];
    expect(blockProblems(bad)).toEqual([
      'blocks[0].elements[0].confirm.title must be plain_text',
      'blocks[0].elements[0].confirm.text: text is 301 characters, max 300',
      'blocks[0].elements[0].confirm.deny is required',
    ]);
  });

  test('errors show issues, usage and the suggestion', () => {
    const s = json(renderReply(samples[5]).blocks);
    expect(s).toContain('`relay-port` (range)');
    expect(s).toContain('Usage: `config set &lt;key=value...&gt;`');
    expect(s).toContain('did you mean');
  });

  test('progress is a bar with counts', () => {
    expect(json(renderReply(samples[6]).blocks)).toContain('25%');
  });

  test('user data cannot ping or link: <, > and & are escaped everywhere', () => {
    const evil = '<!channel> <https://evil.example|click> & co';
    for (const r of [
      { kind: 'message', tone: 'info', text: evil } as Reply,
      { kind: 'fields', title: 't', fields: [{ label: evil, value: evil }] } as Reply,
      { ...table(0), empty: evil, footer: evil } as Reply,
      { kind: 'table', title: 't', columns: [{ key: 'a', label: 'A' }], rows: [{ a: evil }], empty: '' } as Reply,
      { kind: 'error', code: 'failed', message: evil } as Reply,
    ]) {
      const s = json(renderReply(r));
      expect(s).not.toContain('<!channel>');
      expect(s).not.toContain('<https://evil');
      expect(s).toContain('&lt;!channel&gt;');
    }
  });

  test('a file is previewed when private and uploaded when shared', () => {
    const file = samples[9];
    const priv = renderReply(file);
    expect(priv.uploads).toEqual([]);
    expect(json(priv.blocks)).toContain('line 0');
    expect(json(priv.blocks)).toContain('--share');
    const shared = renderReply(file, { shared: true });
    expect(shared.uploads).toHaveLength(1);
    expect(shared.uploads[0]).toMatchObject({ filename: 'report.txt' });
  });

  test('a chart is Unicode bars in a code block, plus a PNG when shared and a renderer is given', () => {
    const chart = samples[8];
    const m = renderReply(chart);
    expect(json(m.blocks)).toContain('█');
    expect(m.uploads).toEqual([]);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const shared = renderReply(chart, { shared: true, chartPng: () => png });
    expect(shared.uploads).toEqual([{ filename: 'per-hour.png', title: 'Per hour', content: png, altText: 'Per hour' }]);
  });

  test('an alert shows badge, title, status, counts, reasons, fix, notes and its buttons, escaped', () => {
    const m = renderAlert({
      kind: 'alert',
      tone: 'error',
      badge: 'FIRING',
      title: 'Mail to y.test bounces',
      status: 'Firing since 2026-11-24 03:00:00Z',
      summary: '2 messages to 2 recipients bounced.',
      fields: [{ label: 'Top reasons', value: '550 5.1.1 at RCPT TO ×2: <address>: User unknown <!channel>' }],
      hint: 'Check `log --status bounced`.',
      notes: [],
      footer: 'smtp-ops alert g1 · delivery.bounced · g1.1',
      buttons: [
        { id: 'alert:mute1h:0abcdefgh12', label: 'Mute 1h', style: 'default', line: 'alerts mute y.test 1h' },
        { id: 'alert:log:0abcdefgh12', label: 'Open log', style: 'default', line: 'log --status bounced' },
      ],
      key: 'g1.1',
      time: 0,
    });
    expect(blockProblems(m.blocks)).toEqual([]);
    const s = json(m.blocks);
    expect(s).toContain(':rotating_light: *FIRING: Mail to y.test bounces*');
    expect(s).toContain('550 5.1.1 at RCPT TO');
    expect(s).not.toContain('<!channel>');
    expect(s).toContain('&lt;!channel&gt;');
    const buttons = m.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as { action_id: string; value: string }[];
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['smtp.alert.mute1h', 'alert:mute1h:0abcdefgh12'],
      ['smtp.alert.log', 'alert:log:0abcdefgh12'],
    ]);
    expect(m.text).toContain('Mail to y.test bounces');
  });
});
