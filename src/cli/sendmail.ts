/**
 * `smtp-ops sendmail` (or the program run as `sendmail`, `mailq`, `newaliases`):
 * the sendmail command line of every MTA. A message goes to the running
 * `serve` through the control socket; with no serve it is queued straight
 * into the store (synced before the exit status says so), and the next serve
 * delivers it. Exit codes are sysexits.h's.
 */
import { createEngine } from '../engine/index.js';
import type { Engine } from '../engine/index.js';
import { connectControl } from '../repl/client.js';
import { pickup, toSysexit, type PickupRequest } from '../serve/pickup.js';
import { mailq, queueFlush } from './mailq.js';
import { modeOfName, parseSendmailArgs } from './sendmail-args.js';
import { readMessage } from './sendmail-input.js';
import { EX, SysexitError, type Sysexit } from './sysexits.js';

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
    return fail(name, toSysexit(e));
  }
  try {
    switch (args.mode) {
      case 'mailq':
        return await mailq(o.storeDir, o.env);
      case 'flush':
        return await queueFlush(o.storeDir, o.env);
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
    return fail(name, toSysexit(e));
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
    let engine: Engine;
    try {
      engine = await createEngine({ storeDir, worker: false });
    } catch (e) {
      const msg = (e as Error).message;
      if (/in use by another/i.test(msg) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw openError(storeDir, e);
    }
    try {
      await pickup(engine, req, actor);
      return;
    } finally {
      await engine.close();
    }
  }
}

/** Why the store could not be opened, as an exit code. */
export function openError(storeDir: string, e: unknown): SysexitError {
  const err = e as NodeJS.ErrnoException & { cause?: { message?: string } };
  const text = `${err.code ?? ''} ${err.message ?? ''} ${err.cause?.message ?? ''}`;
  if (/EACCES|EPERM|permission denied/i.test(text)) return new SysexitError(EX.NOPERM, `no permission to use the store ${storeDir} or its control socket (run as the store's owner or root): ${err.message}`);
  if (/in use by another/i.test(text)) return new SysexitError(EX.TEMPFAIL, `${err.message}; nothing was queued, try again`);
  if (/SMTP_OPS_SECRET_KEY|secret key|ENOTDIR|EROFS/i.test(text)) return new SysexitError(EX.CONFIG, err.message);
  return new SysexitError(EX.TEMPFAIL, `cannot open the store ${storeDir}: ${err.message}; nothing was queued`);
}
