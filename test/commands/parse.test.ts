import { describe, expect, it } from 'vitest';
import { COMMANDS, usageOf } from '../../src/commands/grammar.js';
import { parseLine } from '../../src/commands/parse.js';
import { quoteWords, tokenize } from '../../src/commands/tokenize.js';

type Case = [line: string, path: string, args?: Record<string, unknown>, options?: Record<string, unknown>];

const CASES: Case[] = [
  ['status', 'status'],
  ['dashboard', 'status'],
  ['STATUS', 'status'],
  ['config', 'config show'],
  ['config show', 'config show'],
  ['config set relay-host=smtp.example.com relay-port=587', 'config set', { assignments: ['relay-host=smtp.example.com', 'relay-port=587'] }],
  ['config set "from-name=Alerts Bot" hostname=mx.example.com', 'config set', { assignments: ['from-name=Alerts Bot', 'hostname=mx.example.com'] }],
  ['config set from-name="Alerts Bot"', 'config set', { assignments: ['from-name=Alerts Bot'] }],
  ['config set sasl-password', 'config set', { assignments: ['sasl-password'] }],
  ['test oncall@example.com', 'test', { address: 'oncall@example.com' }],
  ['test oncall@example.com --wait', 'test', { address: 'oncall@example.com' }, { wait: true }],
  ['test oncall@example.com -w', 'test', { address: 'oncall@example.com' }, { wait: true }],
  ['queue', 'queue list'],
  ['queue list', 'queue list'],
  ['queue ls', 'queue list'],
  ['queue list --state deferred', 'queue list', {}, { state: 'deferred' }],
  ['queue list -s HELD', 'queue list', {}, { state: 'held' }],
  ['queue list --state=queued --page 3 --order oldest', 'queue list', {}, { state: 'queued', page: 3, order: 'oldest' }],
  ['queue list --cursor abc123', 'queue list', {}, { cursor: 'abc123' }],
  ['queue list --domain Example.COM --older-than 2h --all', 'queue list', {}, { domain: 'Example.COM', 'older-than': '2h', all: true }],
  ['queue summary', 'queue summary'],
  ['queue shape --state deferred', 'queue summary', {}, { state: 'deferred' }],
  ['queue summary --from <> --to a@b.example', 'queue summary', {}, { from: '<>', to: 'a@b.example' }],
  ['queue show 01ABC', 'queue show', { id: '01ABC' }],
  ['queue show 0123', 'queue show', { id: '0123' }],
  ['queue show -- -odd-id', 'queue show', { id: '-odd-id' }],
  ['queue flush', 'queue flush'],
  ['queue flush --yes', 'queue flush', {}, { yes: true }],
  ['queue flush -y', 'queue flush', {}, { yes: true }],
  ['queue delete --all', 'queue delete', {}, { all: true }],
  ['queue delete 01ABC', 'queue delete', { id: '01ABC' }],
  ['queue rm 01ABC', 'queue delete', { id: '01ABC' }],
  ['queue hold 01ABC', 'queue hold', { id: '01ABC' }],
  ['queue hold --domain example.com --yes', 'queue hold', {}, { domain: 'example.com', yes: true }],
  ['queue release 01ABC', 'queue release', { id: '01ABC' }],
  ['queue release --all --wait', 'queue release', {}, { all: true, wait: true }],
  ['queue flush --domain example.com --state deferred', 'queue flush', {}, { domain: 'example.com', state: 'deferred' }],
  ['queue delete --to x@example.com --from <>', 'queue delete', {}, { to: 'x@example.com', from: '<>' }],
  ['log', 'log'],
  ['logs', 'log'],
  ['mail-log', 'log'],
  ['log --to a@example.com --from b@example.com --status bounced --page 2', 'log', {}, { to: 'a@example.com', from: 'b@example.com', status: 'bounced', page: 2 }],
  ['events', 'events'],
  ['event --level error', 'events', {}, { level: 'error' }],
  ['events -l warning --cursor x', 'events', {}, { level: 'warning', cursor: 'x' }],
  ['report', 'report'],
  ['report yesterday', 'report', { day: 'yesterday' }],
  ['report 2026-11-23 --full', 'report', { day: '2026-11-23' }, { full: true }],
  ['report 2026-11-01..2026-11-30', 'report', { day: '2026-11-01..2026-11-30' }],
  ['report week --problems-first', 'report', { day: 'week' }, { 'problems-first': true }],
  ['report --days 7', 'report', {}, { days: 7 }],
  ['report yesterday -d 3 --png /tmp/chart.png', 'report', { day: 'yesterday' }, { days: 3, png: '/tmp/chart.png' }],
  ['doctor', 'doctor'],
  ['doctor --to oncall@example.com', 'doctor', {}, { to: 'oncall@example.com' }],
  ['doctor --to example.com', 'doctor', {}, { to: 'example.com' }],
  ['dkim keygen', 'dkim keygen'],
  ['dkim keygen --selector s2026 --bits 2048', 'dkim keygen', {}, { selector: 's2026', bits: 2048 }],
  ['dkim keygen --yes', 'dkim keygen', {}, { yes: true }],
  ['dkim', 'dkim show'],
  ['dkim show', 'dkim show'],
  ['alerts', 'alerts list'],
  ['alerts list', 'alerts list'],
  ['alerts subscribe', 'alerts subscribe'],
  ['alerts subscribe --level error', 'alerts subscribe', {}, { level: 'error' }],
  ['alerts unsubscribe', 'alerts unsubscribe'],
  ['alerts subscribe email:oncall@example.com --level error', 'alerts subscribe', { target: 'email:oncall@example.com' }, { level: 'error' }],
  ['alerts subscribe --code relay.unreachable,auth.failed', 'alerts subscribe', {}, { code: 'relay.unreachable,auth.failed' }],
  ['alerts subscribe --report 08:00', 'alerts subscribe', {}, { report: '08:00' }],
  ['alerts unsubscribe slack:C0123 --report', 'alerts unsubscribe', { target: 'slack:C0123' }, { report: true }],
  ['alerts mute example.com 1h', 'alerts mute', { match: 'example.com', duration: '1h' }],
  ['alerts unmute relay.deferred', 'alerts unmute', { match: 'relay.deferred' }],
  ['access', 'access list'],
  ['access list', 'access list'],
  ['access grant slack:U123 operator', 'access grant', { subject: 'slack:U123', role: 'operator' }],
  ['access grant discord-role:789 ADMIN', 'access grant', { subject: 'discord-role:789', role: 'admin' }],
  ['access revoke discord:456', 'access revoke', { subject: 'discord:456' }],
  ['help', 'help'],
  ['?', 'help'],
  ['help queue delete', 'help', { command: ['queue', 'delete'] }],
  ['', 'help'],
];

describe('grammar cases', () => {
  for (const [line, path, args = {}, options = {}] of CASES) {
    it(`"${line}" parses to ${path}, whatever the prefix`, () => {
      const results = ['', '/smtp ', 'smtp ', 'SMTP  '].map((p) => parseLine(p + line));
      for (const r of results) {
        expect(r.ok, JSON.stringify(r)).toBe(true);
        if (!r.ok) return;
        expect(r.command.path.join(' ')).toBe(path);
        expect(r.command.args).toEqual(args);
        expect(r.command.options).toEqual(options);
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    });
  }

  it('covers every command of the grammar', () => {
    const covered = new Set(CASES.map((c) => c[1]));
    for (const c of COMMANDS) expect(covered, c.path.join(' ')).toContain(c.path.join(' '));
  });
});

type ErrCase = [line: string, message: RegExp, suggestion?: RegExp, usage?: string];
const ERRORS: ErrCase[] = [
  ['qeue list', /unknown command "qeue"/, /queue list/, 'queue list'],
  ['stats', /unknown command/, /`status`/, 'status'],
  ['queue flsh', /unknown queue command "flsh"/, /queue flush/, 'queue flush'],
  ['queue lst', /unknown queue command "lst"/, /queue list/, 'queue list'],
  ['alerts sbscribe', /unknown alerts command/, /alerts subscribe/],
  ['config shw', /unknown config command/, /config show/],
  ['frobnicate', /unknown command "frobnicate"/, /help/],
  ['queue show', /queue show needs <id>/, undefined, 'queue show'],
  ['queue show a b', /unexpected argument "b"/, undefined, 'queue show'],
  ['test', /test needs <address>/, undefined, 'test'],
  ['config set', /config set needs <assignments>/],
  ['queue list --state bogus', /--state must be one of queued, sending, deferred, held \(got "bogus"\)/],
  ['queue list --state defered', /--state must be one of/, /--state deferred/],
  ['queue list --page abc', /--page must be a whole number of at least 1 \(got "abc"\)/],
  ['queue list --page 0', /--page must be a whole number/],
  ['queue list --page -3', /./],
  ['queue list --page 1 --page 2', /more than once/],
  ['queue list --bogus', /unknown option --bogus/],
  ['events --level', /--level needs a value/],
  ['access grant slack:U1 superuser', /role must be one of viewer, operator, admin/],
  ['access grant slack:U1 oprator', /role must be one of/, /operator/],
  ['status extra', /unexpected argument "extra"/],
  ['log --constructor', /unknown option/],
  ['log --__proto__ x', /unknown option/],
  ['test "a@b.c', /unbalanced double quote/],
  ["test 'a@b.c", /unbalanced single quote/],
  ['status \u0007', /control character U\+0007/],
  ['status \u001b[31m', /control character U\+001B/],
  ['x'.repeat(5000), /too long/],
];

describe('usage errors', () => {
  for (const [line, message, suggestion, usage] of ERRORS) {
    it(`"${line.slice(0, 40)}" is a usage error`, () => {
      const r = parseLine(line);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.kind).toBe('error');
      expect(r.error.code).toBe('usage');
      expect(r.error.message).toMatch(message);
      if (suggestion) expect(r.error.suggestion).toMatch(suggestion);
      if (usage) expect(r.error.usage).toBe(usageOf(COMMANDS.find((c) => c.path.join(' ') === usage)!));
    });
  }

  it('terminal-only options are not accepted from chat', () => {
    expect(parseLine('queue flush --yes', { terminal: true }).ok).toBe(true);
    const r = parseLine('queue flush --yes', { terminal: false });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/unknown option --yes/);
    expect(parseLine('test a@b.c --wait', { terminal: false }).ok).toBe(false);
    expect(parseLine('report --png x.png', { terminal: false }).ok).toBe(false);
    expect(parseLine('report --days 0').ok).toBe(false);
  });

  it('never repeats an inline secret in an error', () => {
    const r = parseLine('confg set sasl-password=hunter2');
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });
});

describe('tokenizer', () => {
  it('handles quotes, escapes and typographic quotes', () => {
    expect(tokenize(`a "b c" 'd e' f\\ g "h\\"i" \u201csmart quoted\u201d \u2018x y\u2019`)).toEqual({ ok: true, words: ['a', 'b c', 'd e', 'f g', 'h"i', 'smart quoted', 'x y'] });
    expect(tokenize('  \t ')).toEqual({ ok: true, words: [] });
    expect(tokenize("''")).toEqual({ ok: true, words: [''] });
  });

  it('quoteWords round-trips any argv', () => {
    const samples = [['a b', "it's", '"q"', '', 'ünï cödé 🙂', 'x\\y', 'tab\there', 'nl\nx', 'it’s “so”'], ['--to=a b', '$HOME', '*']];
    for (const words of samples) expect(tokenize(quoteWords(words))).toEqual({ ok: true, words });
  });
});

describe('hostile lines', () => {
  // Deterministic pseudo-random generator: failures are reproducible.
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
  }
  const alphabet = ['a', 'q', ' ', '"', "'", '\\', '-', '--', '=', '\u0000', '\u001b', '\u200b', '\ud83d\ude00', '\ud800', 'é', '\u201c', '\n', '\t', 'queue', 'list', '--state', 'config', 'set', 'sasl-password=', '__proto__', 'constructor', '%s', '${x}'];

  it('1,000 random lines all parse or give a usage error, never throw', () => {
    const r = rng(42);
    for (let n = 0; n < 1000; n++) {
      let line = r() < 0.5 ? 'smtp ' : '';
      const len = Math.floor(r() * 30);
      for (let i = 0; i < len; i++) line += alphabet[Math.floor(r() * alphabet.length)];
      const res = parseLine(line);
      if (!res.ok) {
        expect(res.error.kind).toBe('error');
        expect(typeof res.error.message).toBe('string');
        expect(res.error.message).not.toMatch(/\n\s+at /);
      }
    }
  });

  it('very long lines and lone surrogates', () => {
    expect(parseLine(`queue show ${'x'.repeat(3900)}`).ok).toBe(true);
    expect(parseLine('a'.repeat(100_000)).ok).toBe(false);
    expect(parseLine(`status ${'\ud800'}`).ok).toBe(false);
    expect(parseLine('\u{1F600}').ok).toBe(false);
  });
});
