import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { modeOfName, parseSendmailArgs } from '../../src/cli/sendmail-args.js';
import { readMessage } from '../../src/cli/sendmail-input.js';
import { EX, SysexitError } from '../../src/cli/sysexits.js';

function usageError(argv: string[]): SysexitError {
  try {
    parseSendmailArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(SysexitError);
    expect((e as SysexitError).exit).toBe(EX.USAGE);
    return e as SysexitError;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('sendmail command line', () => {
  it("parses cron's exact invocation", () => {
    expect(parseSendmailArgs(['-FCronDaemon', '-i', '-B8BITMIME', '-oem', 'alice'])).toEqual({
      mode: 'enqueue',
      fullName: 'CronDaemon',
      dotEnds: false,
      extract: false,
      bodyType: '8BITMIME',
      recipients: ['alice'],
    });
  });

  it('takes option arguments attached or separate, and grouped flags', () => {
    const a = parseSendmailArgs(['-ti', '-f', 'ops@example.com', '-F', 'Ops Team', '-B', '7BIT', '--', '-odd@example.com']);
    expect(a).toMatchObject({ extract: true, dotEnds: false, sender: 'ops@example.com', fullName: 'Ops Team', bodyType: '7BIT', recipients: ['-odd@example.com'] });
    expect(parseSendmailArgs(['-rbounce@example.com', 'x@example.com'])).toMatchObject({ sender: 'bounce@example.com' });
    expect(parseSendmailArgs(['-oi', 'x@example.com']).dotEnds).toBe(false);
  });

  it('accepts the no-op options', () => {
    const a = parseSendmailArgs(['-odi', '-odb', '-oem', '-oee', '-v', '-N', 'never', '-Ooption=value', '-om', '-o7', '-U', '-m', '-L', 'label', '-h', '10', '-Am', 'x@example.com']);
    expect(a).toMatchObject({ mode: 'enqueue', dotEnds: true, extract: false, recipients: ['x@example.com'] });
  });

  it('stops at the first recipient (options after it are recipients)', () => {
    expect(parseSendmailArgs(['a@example.com', '-t']).recipients).toEqual(['a@example.com', '-t']);
  });

  it('modes: -bp and the mailq name list the queue, -q flushes, -bi/-I/newaliases do nothing, -q30m is ignored', () => {
    expect(parseSendmailArgs(['-bp']).mode).toBe('mailq');
    expect(modeOfName('/usr/bin/mailq')).toBe('mailq');
    expect(modeOfName('/usr/sbin/sendmail')).toBe('enqueue');
    expect(parseSendmailArgs(['-q']).mode).toBe('flush');
    expect(parseSendmailArgs(['-bi']).mode).toBe('newaliases');
    expect(parseSendmailArgs(['-I']).mode).toBe('newaliases');
    expect(parseSendmailArgs(['-q30m']).mode).toBe('ignore');
    expect(parseSendmailArgs(['-bm', 'x@example.com']).mode).toBe('enqueue');
  });

  it('refuses what it does not understand with EX_USAGE, naming the option', () => {
    expect(usageError(['-k', 'x@example.com']).message).toMatch(/unknown option -k/);
    expect(usageError(['-f']).message).toMatch(/-f requires an argument/);
    expect(usageError(['-B', '8BIT', 'x@example.com']).message).toMatch(/8BITMIME or 7BIT/);
    expect(usageError(['-bd']).message).toMatch(/smtp-ops serve/);
    expect(usageError(['-bs']).message).toMatch(/not supported/);
    expect(usageError(['-qIabc']).message).toMatch(/not supported/);
    expect(usageError(['-bp', 'x@example.com']).message).toMatch(/requires no recipient/);
    expect(usageError(['-t', '-bp']).message).toMatch(/-t can be used only/);
    expect(usageError(['-n']).message).toMatch(/-n option not supported/);
  });
});

function feed(parts: (string | Buffer)[], dotEnds: boolean): Promise<Buffer> {
  const s = new PassThrough();
  const p = readMessage(s, dotEnds);
  for (const x of parts) s.write(typeof x === 'string' ? Buffer.from(x, 'latin1') : x);
  s.end();
  return p;
}

describe('reading the message', () => {
  it('without -i, a line with only a dot ends it (LF or CRLF), even split across chunks', async () => {
    expect((await feed(['Subject: a\n\nbody\n.\nnot read\n'], true)).toString()).toBe('Subject: a\n\nbody\n');
    expect((await feed(['Subject: a\r\n\r\nbody\r', '\n.', '\r', '\nafter'], true)).toString()).toBe('Subject: a\r\n\r\nbody\r\n');
    expect((await feed(['.\n'], true)).toString()).toBe('');
    expect((await feed(['body\n.'], true)).toString()).toBe('body\n');
  });

  it('a dot that is not alone on its line is data', async () => {
    const text = 'a\n..two dots\n.x\n x.\n. \n';
    expect((await feed([text], true)).toString()).toBe(text);
  });

  it('with -i every byte up to EOF is the message, lone dots and 8-bit bytes included', async () => {
    const raw = Buffer.concat([Buffer.from('Subject: b\n\nline\n.\n', 'latin1'), Buffer.from([0xe9, 0xff, 0x00, 0x0a]), Buffer.from('.\r\n')]);
    expect(await feed([raw.subarray(0, 7), raw.subarray(7)], false)).toEqual(raw);
  });
});
