/**
 * `smtp-ops sendmail` (or the program run as `sendmail`, `mailq`, `newaliases`):
 * the sendmail command line of every MTA. A message goes to the running
 * `serve` through the control socket; with no serve it is queued straight
 * into the store (synced before the exit status says so), and the next serve
 * delivers it. Exit codes are sysexits.h's.
 */
// Only what the path through a running serve needs is loaded up front: the engine
// (LevelDB, nodemailer, the reports) costs most of a second of start-up and is
// imported only when no serve answers.
import { connectControl } from './control-client.js';
import type { PickupRequest } from '../serve/pickup.js';
import { modeOfName, parseSendmailArgs } from './sendmail-args.js';
import { readMessage } from './sendmail-input.js';
import { EX, SysexitError, type Sysexit } from './sysexits.js';

function asSysexit(e: unknown): SysexitError {
  return e instanceof SysexitError ? e : new SysexitError(EX.SOFTWARE, e instanceof Error ? e.message : String(e));
}

/** Who runs the command (captured before any switch to the store owner). */
export interface Invoker {
  user: string;
  uid: number;
}

export interface SendmailOptions {
  /** The name the program was run as (`sendmail`, `mailq`, `smtp-ops`). */
  argv0: string;
  args: string[];
  storeDir: string;
  env: NodeJS.ProcessEnv;
  invoker: Invoker;
  stdin?: NodeJS.ReadableStream;
}

/** How long to wait for a store another short-lived process holds (a one-shot command) before giving up with EX_TEMPFAIL. */
const BUSY_WAIT_MS = 10_000;

function fail(name: string, e: SysexitError): Sysexit {
  process.stderr.write(`${name}: ${e.message}\n`);
  return e.exit;
}

/** Run; returns the exit code. */
export async function sendmail(o: SendmailOptions): Promise<number> {
  const name = (o.argv0.split('/').pop() || 'sendmail').replace(/^smtp-ops$/, 'sendmail');
  let args;
  try {
    args = parseSendmailArgs(o.args, modeOfName(o.argv0));
  } catch (e) {
    return fail(name, asSysexit(e));
  }
  try {
    switch (args.mode) {
      case 'mailq':
        return await (await import('./mailq.js')).mailq(o.storeDir, o.env);
      case 'flush':
        return await (await import('./mailq.js')).queueFlush(o.storeDir, o.env);
      case 'newaliases':
        // smtp-ops has no alias database: nothing to build (Postfix too returns 0 without alias_database).
        return EX.OK;
      case 'ignore':
        return EX.OK;
      default:
        break;
    }
    let raw: Buffer;
    try {
      raw = await readMessage((o.stdin ?? process.stdin) as never, args.dotEnds);
    } catch (e) {
      throw new SysexitError(EX.DATAERR, `error reading input: ${(e as Error).message}`);
    }
    const req: PickupRequest = {
      ...(args.sender !== undefined ? { sender: args.sender } : {}),
      recipients: args.recipients,
      extract: args.extract,
      ...((args.fullName ?? o.env.NAME) ? { fullName: args.fullName ?? o.env.NAME } : {}),
      user: o.invoker.user,
      uid: o.invoker.uid,
      raw,
    };
    await submit(o.storeDir, req, o.invoker);
    return EX.OK;
  } catch (e) {
    return fail(name, asSysexit(e));
  }
}

/** Through the control socket of a running serve, else into the store directly; waits out a briefly busy store. */
async function submit(storeDir: string, req: PickupRequest, invoker: Invoker): Promise<void> {
  const actor = { platform: 'cli' as const, id: invoker.user, name: `${invoker.user} (sendmail)` };
  const until = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    const client = await connectControl(storeDir);
    if (client) {
      try {
        const { raw, ...rest } = req;
        // `submit` first (protocol.ts SUBMIT_PREFIX): the server allows a long line only to a request that starts so.
        const reply = await client.request({ submit: { ...rest, raw: raw.toString('base64') }, actor });
        if (reply.kind === 'error') {
          const exit = (reply.data as { exit?: number } | undefined)?.exit;
          throw new SysexitError((typeof exit === 'number' ? exit : EX.TEMPFAIL) as Sysexit, reply.message);
        }
        return;
      } catch (e) {
        if (e instanceof SysexitError) throw e;
        // The server went away before answering: the message may not be on disk. The caller keeps it.
        throw new SysexitError(EX.TEMPFAIL, `${(e as Error).message}; the message may not have been queued, try again`);
      } finally {
        client.close();
      }
    }
    const { submitLocal } = await import('./sendmail-local.js');
    if ((await submitLocal(storeDir, req, actor)) === 'queued') return;
    if (Date.now() >= until) throw new SysexitError(EX.TEMPFAIL, `the store ${storeDir} is in use by another smtp-ops process and nothing answers on its control socket; nothing was queued, try again`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
