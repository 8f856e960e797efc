import { describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/commands/reply.js';
import { outputWidth, progressLine, renderReply, wantColor } from '../../../src/commands/render/text.js';

const action = (kind: 'page-next' | 'page-prev' | 'confirm' | 'cancel') => ({ id: `tok-${kind}`, kind, label: kind, style: 'default' as const });
const plain = { color: false, width: 80 };

describe('terminal renderer', () => {
  it('renders every reply kind as text', () => {
    const replies: [Reply, RegExp][] = [
      [{ kind: 'message', tone: 'success', title: 'Queue flushed', text: '3 messages are due now; the delivery worker is attempting them.' }, /^✓ Queue flushed: 3 messages are due now; the delivery worker is attempting them\.$/],
      [{ kind: 'fields', title: 'Settings', fields: [{ label: 'Route', value: 'relay smtp.example.com:587' }, { label: 'Examples', value: 'a\nb' }], footer: 'foot' }, /^Settings\n {2}Route {5}relay smtp\.example\.com:587\n {2}Examples {2}a\n {12}b\nfoot$/],
      [{ kind: 'confirm', title: 'Delete?', text: 'This will delete 2 messages.', yes: action('confirm'), no: action('cancel'), requester: 'cli:x', expiresAt: 0 }, /\? Delete\?\n {2}This will delete 2 messages\./],
      [{ kind: 'error', code: 'usage', message: 'unknown command "qeue"', suggestion: 'did you mean `queue list`?', usage: 'queue list' }, /^error \(usage\): unknown command "qeue"\n {2}did you mean `queue list`\?\n {2}usage: queue list$/],
      [{ kind: 'error', code: 'validation', message: 'a; b', issues: [{ field: 'a', rule: 'r', message: 'a' }, { field: 'b', rule: 'r', message: 'b' }] }, /\n {2}- a\n {2}- b/],
      [{ kind: 'progress', label: 'deleting', done: 50, total: 100 }, /^\[█+░+\] {2}50% deleting 50\/100$/],
      [{ kind: 'secret-prompt', field: 'sasl-password', title: 'Set sasl-password', text: 'Type it privately.' }, /^\? Set sasl-password: Type it privately\.$/],
      [{ kind: 'chart', title: 'Per hour', labels: ['00', '01', '02'], series: [{ name: 'sent', values: [0, 4, 8] }] }, /^Per hour\n[\s\S]*sent[\s\S]*█/],
      [{ kind: 'file', title: 'Report', filename: 'r.txt', mime: 'text/plain', content: 'line 1\nline 2\n' }, /^Report \(r\.txt\)\nline 1\nline 2$/],
      [{ kind: 'group', title: 'Dashboard', parts: [{ kind: 'message', tone: 'info', text: 'inner' }] }, /^Dashboard\n\ni inner$/],
    ];
    for (const [r, re] of replies) expect(renderReply(r, plain), r.kind).toMatch(re);
  });

  it('aligns tables, right-aligns numbers, wraps free text to the width and shows paging hints', () => {
    const r: Reply = {
      kind: 'table',
      title: 'Mail queue',
      columns: [
        { key: 'id', label: 'Id' },
        { key: 'size', label: 'Size', align: 'right' },
        { key: 'err', label: 'Last error', fit: 'wrap' },
      ],
      rows: [
        { id: 'abc', size: '1 KB', err: 'x'.repeat(200) },
        { id: 'abcdef', size: '12.5 KB', err: 'short' },
      ],
      empty: 'empty',
      page: { number: 2, of: 5, next: action('page-next'), prev: action('page-prev'), nextLine: 'queue list --page 3', prevLine: 'queue list --page 1' },
      footer: '2 messages',
    };
    const lines = renderReply(r, { ...plain, pageHint: (a, line) => `${a.kind === 'page-next' ? 'next' : 'prev'}: ${line}` }).split('\n');
    expect(lines[1]).toMatch(/^ {2}Id {9}Size {2}Last error$/);
    // The long error wraps in its column instead of being cut: every x is there.
    const xs = lines.filter((l) => /x{10}/.test(l));
    expect(xs.length).toBeGreaterThan(1);
    expect(xs.join('').replace(/[^x]/g, '')).toHaveLength(200);
    expect(xs[0]).toMatch(/^ {2}abc {8}1 KB {2}x+$/);
    expect(xs[1]).toMatch(/^ {19}x+$/);
    expect(lines.find((l) => l.includes('abcdef'))).toMatch(/^ {2}abcdef {2}12\.5 KB {2}short$/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines.at(-2)).toBe('  page 2 of 5 · prev: queue list --page 1 · next: queue list --page 3');
    expect(lines.at(-1)).toBe('  2 messages');
    expect(renderReply({ ...r, rows: [] }, plain)).toContain('  empty');
  });

  const queue: Reply = {
    kind: 'table',
    title: 'Mail queue',
    columns: [
      { key: 'id', label: 'Id' },
      { key: 'from', label: 'From', drop: 2 },
      { key: 'to', label: 'To' },
      { key: 'time', label: 'Queued' },
      { key: 'err', label: 'Last error', fit: 'wrap', drop: 1 },
    ],
    rows: [
      { id: '0mx5c6z9j0000abcde', from: 'alerts@monitoring.example.com', to: 'oncall-primary@example.com', time: '2026-12-01 23:15:07Z', err: '451 4.7.1 greylisted, try again in 300 seconds' },
      { id: '0mx5c6z9j0001abcde', from: 'alerts@monitoring.example.com', to: 'b@example.org', time: '2026-12-01 23:16:00Z', err: '' },
    ],
    empty: 'empty',
  };

  it('never cuts an id, an address or a time: columns that may go are left out, and it says which', () => {
    for (const width of [40, 60, 80, 100, 120, 200]) {
      const out = renderReply(queue, { color: false, width });
      for (const whole of ['0mx5c6z9j0000abcde', '0mx5c6z9j0001abcde', 'oncall-primary@example.com', 'b@example.org', '2026-12-01 23:15:07Z', '2026-12-01 23:16:00Z']) expect(out, `width ${width}`).toContain(whole);
      expect(out).not.toContain('…');
      const hidden = /not shown at \d+ columns: ([^;]*);/.exec(out.replace(/\n +/g, ' '))?.[1];
      if (out.includes('alerts@monitoring.example.com')) expect(hidden ?? '').not.toContain('From');
      else expect(hidden).toContain('From');
    }
    // 120 columns: From goes first (the highest drop rank), the error wraps in its column.
    const at120 = renderReply(queue, { color: false, width: 120 }).split('\n');
    expect(at120.join('\n')).toMatch(/greylisted, try\n {103}again in 300\n/);
    for (const l of at120) expect([...l].length).toBeLessThanOrEqual(120);
    // 80 columns: then the error too; ids, addresses and times stay whole.
    const at80 = renderReply(queue, { color: false, width: 80 }).split('\n');
    expect(at80.join('\n')).toContain('(not shown at 80 columns: From, Last error; --json or a');
    for (const l of at80) expect([...l].length).toBeLessThanOrEqual(80);
    // Too narrow even for the columns that always show: the line overflows, nothing is cut.
    const at40 = renderReply(queue, { color: false, width: 40 });
    expect(at40.replace(/\n +/g, ' ')).toContain('From, Last error');
    expect(at40).toMatch(/0mx5c6z9j0000abcde {2}oncall-primary@example\.com {2}2026-12-01 23:15:07Z/);
  });

  it('through a pipe (no width) prints every record whole on one line', () => {
    const out = renderReply(queue, { color: false, width: Infinity }).split('\n');
    expect(out).toHaveLength(4);
    expect(out[2]).toBe('  0mx5c6z9j0000abcde  alerts@monitoring.example.com  oncall-primary@example.com  2026-12-01 23:15:07Z  451 4.7.1 greylisted, try again in 300 seconds');
    expect(out[3]).toBe('  0mx5c6z9j0001abcde  alerts@monitoring.example.com  b@example.org               2026-12-01 23:16:00Z');
  });

  it('takes the width from COLUMNS, else the terminal, else none', () => {
    expect(outputWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(outputWidth({ isTTY: true, columns: 132 }, { COLUMNS: '70' })).toBe(70);
    expect(outputWidth({ isTTY: false }, { COLUMNS: '70' })).toBe(70);
    expect(outputWidth({ isTTY: false }, {})).toBe(Infinity);
    expect(outputWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBe(Infinity);
    expect(outputWidth({ isTTY: false }, { COLUMNS: '0' })).toBe(Infinity);
  });

  it('colours only when asked; NO_COLOR and non-TTY turn colours off', () => {
    const r: Reply = { kind: 'message', tone: 'error', text: 'boom' };
    // eslint-disable-next-line no-control-regex
    expect(renderReply(r, { color: true })).toMatch(/\u001b\[31m/);
    // eslint-disable-next-line no-control-regex
    expect(renderReply(r, { color: false })).not.toMatch(/\u001b/);
    expect(wantColor({ isTTY: true }, {})).toBe(true);
    expect(wantColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantColor({ isTTY: false }, {})).toBe(false);
    expect(wantColor({}, {})).toBe(false);
  });

  it('progress bar bounds', () => {
    expect(progressLine('x', 0, 0)).toContain('100%');
    expect(progressLine('x', 5, 4)).toContain('100%');
    expect(progressLine('x', 1, 1000)).toMatch(/ {3}0% x 1\/1,000$/);
  });
});
