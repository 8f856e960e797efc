import { describe, expect, it } from 'vitest';
import type { Reply } from '../../../src/commands/reply.js';
import { progressLine, renderReply, wantColor } from '../../../src/commands/render/text.js';

const action = (kind: 'page-next' | 'page-prev' | 'confirm' | 'cancel') => ({ id: `tok-${kind}`, kind, label: kind, style: 'default' as const });
const plain = { color: false, width: 80 };

describe('terminal renderer', () => {
  it('renders every reply kind as text', () => {
    const replies: [Reply, RegExp][] = [
      [{ kind: 'message', tone: 'success', title: 'Queue flushed', text: '3 messages will be retried now.' }, /^✓ Queue flushed: 3 messages will be retried now\.$/],
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

  it('aligns tables, right-aligns numbers, fits the width and shows paging hints', () => {
    const r: Reply = {
      kind: 'table',
      title: 'Mail queue',
      columns: [
        { key: 'id', label: 'Id' },
        { key: 'size', label: 'Size', align: 'right' },
        { key: 'err', label: 'Last error' },
      ],
      rows: [
        { id: 'abc', size: '1 KB', err: 'x'.repeat(200) },
        { id: 'abcdef', size: '12.5 KB', err: 'short' },
      ],
      empty: 'empty',
      page: { number: 2, next: action('page-next'), prev: action('page-prev') },
      footer: '2 messages',
    };
    const lines = renderReply(r, { ...plain, pageHint: (a) => (a.kind === 'page-next' ? '.next' : '.prev') }).split('\n');
    expect(lines[1]).toMatch(/^ {2}Id {9}Size {2}Last error$/);
    expect(lines[2]).toMatch(/^ {2}abc {8}1 KB {2}x+…$/);
    expect(lines[3]).toMatch(/^ {2}abcdef {2}12\.5 KB {2}short$/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines[4]).toBe('  page 2 · .prev · .next');
    expect(lines[5]).toBe('  2 messages');
    expect(renderReply({ ...r, rows: [] }, plain)).toContain('  empty');
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
