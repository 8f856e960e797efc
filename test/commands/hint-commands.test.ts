/**
 * Every hint that names a command names a real one: the alert kinds' fix hints, the doctor's
 * hints, and the lines behind the alert buttons all parse with the grammar.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../src/engine/alerts/kinds.js';
import { ALERT_ACTIONS } from '../../src/commands/alert-actions.js';
import { parseLine } from '../../src/commands/parse.js';
import type { AlertGroup } from '../../src/engine/index.js';

/** Code spans of a hint: `x`. */
function spans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1].trim());
}

/** Code spans in source: `x` inside '…' and "…" strings, \`x\` inside template literals. */
function sourceSpans(src: string): string[] {
  const quoted = [...src.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g)].flatMap((m) => spans(m[0]));
  const escaped = [...src.matchAll(/\\`([^`\\]+)\\`/g)].map((m) => m[1].trim());
  return [...quoted, ...escaped];
}

const COMMAND_WORDS = /^(status|dashboard|config|test|queue|log|logs|events|report|doctor|alerts|access|help)\b/;

function parses(line: string): string | null {
  const r = parseLine(line, { terminal: true });
  return r.ok ? null : `${line}: ${r.error.message}`;
}

describe('commands named in hints', () => {
  it('every alert kind hint', () => {
    const bad: string[] = [];
    for (const [code, k] of Object.entries(ALERT_KINDS)) {
      const lines = spans(k.hint);
      for (const l of lines) {
        const why = parses(l);
        if (why) bad.push(`${code}: ${why}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every alert kind that names a command names at least one real one', () => {
    for (const [code, k] of Object.entries(ALERT_KINDS)) expect(spans(k.hint).length, code).toBeGreaterThan(0);
  });

  it("every doctor hint's command", () => {
    const dir = join(import.meta.dirname, '../../src/engine/doctor');
    const bad: string[] = [];
    let seen = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      for (const l of sourceSpans(readFileSync(join(dir, f), 'utf8')).filter((x) => COMMAND_WORDS.test(x))) {
        seen++;
        const why = parses(l);
        if (why) bad.push(`${f}: ${why}`);
      }
    }
    expect(seen).toBeGreaterThan(3);
    expect(bad).toEqual([]);
  });

  it('every alert button line, for relay, domain and system groups', () => {
    const base: Omit<AlertGroup, 'code' | 'scope'> = { id: '0abcdefgh12', level: 'warning', state: 'firing', version: 1, firstAt: 0, lastAt: 0, resolvedAt: null, resolution: null, occurrences: 1, messages: 1, recipients: 1, reasons: [], examples: [], lastMessage: '', alertMail: 0, recoveredAt: null, notified: { version: 0, at: null, postedAt: null, count: 0 } };
    const groups: AlertGroup[] = [
      { ...base, code: 'relay.deferred', scope: { kind: 'relay', value: 'smtp.example.com:587' } },
      { ...base, code: 'delivery.bounced', scope: { kind: 'domain', value: 'example.com' } },
      { ...base, code: 'delivery.expired', scope: { kind: 'domain', value: 'example.com' } },
      { ...base, code: 'smtp.disabled', scope: { kind: 'system', value: '' } },
      { ...base, code: 'relay.unreachable', scope: { kind: 'relay', value: '[::1]:2525' } },
    ];
    const bad = groups.flatMap((g) => ALERT_ACTIONS.map((a) => parses(a.line(g))).filter((x): x is string => x !== null));
    expect(bad).toEqual([]);
  });
});
