/**
 * The sendmail command line, parsed as Postfix's sendmail parses it: getopt
 * with the option list `A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx`,
 * stopping at the first argument that is not an option (or after `--`); the
 * rest are recipients. Options that mean nothing here are accepted and ignored.
 */
import { EX, SysexitError } from './sysexits.js';

export type SendmailMode = 'enqueue' | 'mailq' | 'flush' | 'newaliases' | 'ignore';

export interface SendmailArgs {
  mode: SendmailMode;
  /** `-f` / `-r`. */
  sender?: string;
  /** `-F`. */
  fullName?: string;
  /** `-t`. */
  extract: boolean;
  /** A line with only `.` ends the message (cleared by `-i` / `-oi`). */
  dotEnds: boolean;
  /** `-B`. */
  bodyType?: '7BIT' | '8BITMIME';
  recipients: string[];
}

const WITH_ARG = new Set('ABCFLNORVXbefhopqr'.split(''));
const FLAGS = new Set('GIUcimntvx'.split(''));

const usage = (msg: string) => new SysexitError(EX.USAGE, msg);

/** The mode a program name selects (`mailq`, `newaliases`; anything else enqueues). */
export function modeOfName(argv0: string): SendmailMode {
  const base = argv0.split('/').pop() ?? '';
  if (base === 'mailq') return 'mailq';
  if (base === 'newaliases') return 'newaliases';
  return 'enqueue';
}

/** Parse; throws {@link SysexitError} (EX_USAGE) naming the option for anything not understood. */
export function parseSendmailArgs(argv: readonly string[], mode: SendmailMode = 'enqueue'): SendmailArgs {
  const out: SendmailArgs = { mode, extract: false, dotEnds: true, recipients: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a === '-q') {
      out.mode = 'flush';
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (FLAGS.has(c)) {
        if (c === 't') out.extract = true;
        else if (c === 'i') out.dotEnds = false;
        else if (c === 'I') out.mode = 'newaliases';
        else if (c === 'n') throw usage('-n option not supported');
        continue;
      }
      if (!WITH_ARG.has(c)) throw usage(`unknown option -${c}`);
      let arg = a.slice(j + 1);
      if (arg === '') {
        if (i + 1 >= argv.length) throw usage(`option -${c} requires an argument`);
        arg = argv[++i];
      }
      option(out, c, arg);
      break;
    }
  }
  out.recipients = argv.slice(i);
  if (out.extract && out.mode !== 'enqueue') throw usage('-t can be used only in delivery mode');
  if (out.mode !== 'enqueue' && out.recipients.length > 0) throw usage(`${out.mode === 'mailq' ? 'display queue' : out.mode === 'flush' ? 'flush queue' : 'this'} mode requires no recipient`);
  return out;
}

function option(out: SendmailArgs, c: string, arg: string): void {
  switch (c) {
    case 'B':
      if (arg !== '8BITMIME' && arg !== '7BIT') throw usage('-B option needs 8BITMIME or 7BIT');
      out.bodyType = arg;
      return;
    case 'F':
      out.fullName = arg;
      return;
    case 'f':
    case 'r':
      out.sender = arg;
      return;
    case 'o':
      // -oi is -i; -oA<db>, -o7, -o8, -om, -oem, -odi, -odb... set things smtp-ops does not have.
      if (arg[0] === 'i') out.dotEnds = false;
      return;
    case 'b':
      switch (arg[0]) {
        case 'm':
          out.mode = 'enqueue';
          return;
        case 'p':
          out.mode = 'mailq';
          return;
        case 'i':
          out.mode = 'newaliases';
          return;
        case 'h':
        case 'H':
          out.mode = 'ignore';
          return;
        case 'd':
          throw usage('-bd (daemon mode) is not supported: run "smtp-ops serve" (or the systemd unit)');
        case 's':
          throw usage('-bs (SMTP on stdin) is not supported: talk SMTP to the intake listener instead');
        case 'v':
          throw usage('-bv (verify recipients) is not supported');
        default:
          throw usage(`unsupported: -b${arg[0] ?? ''}`);
      }
    case 'q':
      // -q<interval> is ignored (Postfix too); -qI<id> and -qR<site> flush one message or site, which smtp-ops does not do.
      if (/^\d/.test(arg)) {
        out.mode = 'ignore';
        return;
      }
      throw usage(`-q${arg[0]} is not supported: use "smtp-ops queue flush" or "queue release <id>"`);
    case 'X':
      throw usage(`unsupported: -X${arg[0] ?? ''}`);
    default:
      // -A -C -L -N -O -R -V -e -h -p: accepted and ignored, as Postfix ignores most of them.
      return;
  }
}
