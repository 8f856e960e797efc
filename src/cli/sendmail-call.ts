/** Telling a sendmail call from an `smtp-ops` command line, and who made it. */
import os from 'node:os';
import path from 'node:path';

/** A sendmail call: the name it answers to, the `smtp-ops` global options before it, and sendmail's own arguments. */
export interface SendmailCall {
  name: string;
  globals: string[];
  args: string[];
}

/** The sendmail words: the program's own name, or `[globals...] sendmail|mailq args...` (sendmail's options are not ours to parse). */
export function sendmailCall(argv0: string, argv: string[]): SendmailCall | null {
  const self = path.basename(argv0);
  if (self === 'sendmail' || self === 'mailq' || self === 'newaliases') return { name: self, globals: [], args: argv };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'sendmail' || a === 'mailq') return { name: a, globals: argv.slice(0, i), args: argv.slice(i + 1) };
    if (a === '--store') i++;
    else if (!/^--(store=.*|json|yes|password-stdin|wait)$|^-y$/.test(a)) return null;
  }
  return null;
}

/** The user running the command, read before the process may become the store's owner. */
export function invoker(env: NodeJS.ProcessEnv = process.env): { user: string; uid: number } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { user: os.userInfo().username || String(uid), uid };
  } catch {
    return { user: env.USER || env.LOGNAME || String(uid), uid };
  }
}
