/**
 * The doctor's checklist in every renderer: wrapped, never cut. Terminal lines fit the width and
 * carry every word; Slack sections stay under 3,000 characters and carry every word; Discord
 * fits one message, shortening passed checks and attaching the full text when it must.
 */
import { describe, expect, it } from 'vitest';
import type { ChecksReply, ProgressReply } from '../../../src/commands/reply.js';
import { checklistLines, wrap } from '../../../src/commands/render/checklist.js';
import { renderReply as renderText } from '../../../src/commands/render/text.js';
import { renderReply as renderSlack } from '../../../src/adapters/slack/render.js';
import { renderReply as renderDiscord } from '../../../src/adapters/discord/render.js';
import { blockProblems } from '../../doubles/slack/block-rules.js';

const KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' + 'x'.repeat(360);
const longHint = `Publish the TXT record that \`dkim show\` prints: "v=DKIM1; k=rsa; p=${KEY}" at s1._domainkey.example.com; ${'then wait for the DNS change to be seen everywhere, '.repeat(8)}and run \`doctor\` again.`;

function reply(n = 1): ChecksReply {
  const items = (i: number) => [
    { status: 'ok' as const, title: `Relay reachable ${i}`, detail: 'TCP connection to relay smtp.example.com:587 in 12 ms' },
    { status: 'fail' as const, title: `Relay permission ${i}`, detail: 'RCPT TO:<postmaster@example.com> refused: 554 5.7.1 <postmaster@example.com>: Relay access denied: the relay does not relay mail from this system', hint: 'Either authenticate: `config set sasl=on sasl-username=USER@example.com`, then `config set sasl-password`; or ask the relay operator to allow this address.' },
    { status: 'warn' as const, title: `DKIM ${i}`, detail: 'no key is published at s1._domainkey.example.com', hint: longHint },
    { status: 'skip' as const, title: `Spam ${i}`, detail: 'cannot be checked from here' },
  ];
  return {
    kind: 'checks',
    title: 'Doctor',
    subtitle: 'relay smtp.example.com:587, TLS starttls · from alerts@example.com',
    sections: Array.from({ length: n }, (_, i) => ({ title: `Section ${i}`, items: items(i) })),
    footer: '1 failed, 1 warning, 1 ok (2.3 s).',
  };
}

/** Every word of every detail and hint, and the titles. */
function words(r: ChecksReply): string[] {
  return r.sections.flatMap((s) => [s.title, ...s.items.flatMap((i) => [i.title, i.detail, i.hint ?? ''])]).join(' ').split(/\s+/).filter(Boolean);
}

describe('wrapping', () => {
  it('wraps at word boundaries and breaks (never drops) a word longer than the line', () => {
    const lines = wrap(`short words then ${KEY} end`, 40);
    expect(lines.every((l) => [...l].length <= 40)).toBe(true);
    expect(lines.join('')).toContain(KEY);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('short words then');
  });
});

describe('terminal', () => {
  it('every line fits the width, and every word is there', () => {
    const r = reply(2);
    for (const width of [60, 100]) {
      const text = renderText(r, { color: false, width });
      for (const l of text.split('\n')) expect([...l].length, l).toBeLessThanOrEqual(width);
      const joined = text.split('\n').map((l) => l.trim()).join(' ');
      const flat = joined.replace(/\s+/g, '');
      for (const w of words(r)) expect(flat).toContain(w.replace(/\s+/g, ''));
      expect(text).toMatch(/ {2}✗ FAIL {2}Relay permission 0\n {10}RCPT TO:/);
      expect(text).toMatch(/fix: Either authenticate: `config set sasl=on/);
    }
    expect(checklistLines(r, 80).length).toBeGreaterThan(10);
  });

  it('progress shows finished and running steps above the bar', () => {
    const p: ProgressReply = { kind: 'progress', label: 'doctor', done: 2, total: 5, steps: [{ status: 'ok', title: 'SMTP enabled' }, { status: 'fail', title: 'Relay reachable (firewall)' }, { status: 'running', title: 'SPF, DKIM and DMARC' }] };
    expect(renderText(p, { color: false })).toMatch(/^ {2}✓ ok {4}SMTP enabled\n {2}✗ FAIL {2}Relay reachable \(firewall\)\n {2}… … {5}SPF, DKIM and DMARC\n\[█+░+\] {2}40% doctor 2\/5$/);
  });
});

describe('Slack', () => {
  it('valid blocks, sections under 3,000 characters, every word present (hints as quotes, commands as code)', () => {
    const r = reply(3);
    const m = renderSlack(r);
    expect(blockProblems(m.blocks)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    const text = m.blocks.map((b) => JSON.stringify(b)).join(' ');
    const all = m.blocks.flatMap((b) => ('text' in b && b.text && typeof b.text === 'object' ? [b.text.text] : 'elements' in b ? (b.elements as { text?: string }[]).map((e) => e.text ?? '') : [])).join('\n');
    for (const b of m.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    for (const w of words(r)) expect(all.replace(/\s+/g, ''), w).toContain(w.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(text).toContain('> Either authenticate: `config set sasl=on sasl-username=USER@example.com`');
    expect(all).not.toContain('…');
  });

  it('progress lists the steps', () => {
    const m = renderSlack({ kind: 'progress', label: 'doctor', done: 1, total: 3, steps: [{ status: 'fail', title: 'Relay reachable' }, { status: 'running', title: 'blocklists' }] });
    expect(blockProblems(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).toMatch(/:x: Relay reachable\\n:hourglass_flowing_sand: blocklists/);
  });
});

describe('Discord', () => {
  const plainText = (x: Parameters<typeof renderText>[0]) => renderText(x, { color: false });

  it('a report that fits is one embed per section with every detail and hint', () => {
    const r = reply(1);
    const m = renderDiscord(r, { plainText });
    expect(m.embeds).toHaveLength(1);
    expect(m.files).toHaveLength(0);
    expect(m.embeds[0].description).toContain(longHint);
    expect(m.content).toBe('**Doctor** · relay smtp.example.com:587, TLS starttls · from alerts@example.com');
  });

  it('a report too big for one message shows problems first in full, the rest by title, nothing cut mid-text, and attaches the whole text', () => {
    const r = reply(6);
    const m = renderDiscord(r, { plainText });
    const size = m.embeds.reduce((n, e) => n + (e.title ?? '').length + (e.description ?? '').length + (e.footer?.text ?? '').length, 0);
    expect(size).toBeLessThanOrEqual(6000);
    expect(JSON.stringify(m.embeds)).not.toContain('cut to fit');
    expect(m.embeds[0].description).toContain(longHint);
    expect(m.embeds.at(-1)!.footer!.text).toMatch(/check\(s\) shown by title only; the full report is attached/);
    // Every check keeps at least its title line.
    for (const s of r.sections) for (const i of s.items) expect(JSON.stringify(m.embeds)).toContain(i.title);
    expect(m.files.map((f) => f.name)).toEqual(['doctor.txt']);
    const file = m.files[0].data.toString('utf8').replace(/\s+/g, '');
    for (const w of words(r)) expect(file).toContain(w.replace(/\s+/g, ''));
  });

  it('progress lists the steps', () => {
    const m = renderDiscord({ kind: 'progress', label: 'doctor', done: 1, total: 3, steps: [{ status: 'ok', title: 'SMTP enabled' }, { status: 'running', title: 'relay connection' }] });
    expect(m.embeds[0].description).toMatch(/✅ SMTP enabled\n⏳ relay connection$/);
  });
});
