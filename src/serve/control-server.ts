/** The control socket `serve` (and a store-owning REPL) listen on, so other terminals can talk to the one process that holds the store. */
import { chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Reply, RunContext } from '../commands/reply.js';
import type { Runner } from '../commands/types.js';
import type { Actor } from '../engine/index.js';
import { MAX_REQUEST_BYTES, MAX_SUBMIT_BYTES, SOCKET_NAME, SUBMIT_PREFIX } from './control-protocol.js';
import type { ControlMessage, ControlRequest } from './control-protocol.js';

/** What a `serve` adds to the socket besides grammar lines. */
export interface ControlOptions {
  /** Queue a message from `smtp-ops sendmail` (the `submit` request). */
  submit?: (req: NonNullable<ControlRequest['submit']>, actor: Actor) => Promise<Reply>;
}

export interface ControlServer {
  path: string;
  close(): Promise<void>;
}

/** Whether something answers on `socketPath`. */
export function probe(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function badRequest(message: string): Reply {
  return { kind: 'error', code: 'usage', ok: false, message, data: { error: 'usage', message } };
}

/** Only local terminal identities travel over the socket (mode 0600: the store owner). */
function terminalActor(a: unknown): Actor | null {
  if (!a || typeof a !== 'object') return null;
  const { platform, id, name } = a as Record<string, unknown>;
  if ((platform !== 'cli' && platform !== 'repl') || typeof id !== 'string' || !id || id.length > 128) return null;
  return { platform, id, ...(typeof name === 'string' ? { name: name.slice(0, 128) } : {}) };
}

async function handle(runner: Runner, req: ControlRequest, send: (m: ControlMessage) => void, opts: ControlOptions): Promise<void> {
  const id = typeof req.id === 'number' ? req.id : 0;
  const actor = terminalActor(req.actor);
  if (!actor) return send({ id, type: 'reply', reply: badRequest('control request needs actor {platform: "cli"|"repl", id}') });
  const ctx: RunContext = {
    actor,
    surface: 'terminal',
    confirmed: req.confirmed === true,
    onProgress: (p) => send({ id, type: 'progress', reply: p }),
    ...(req.followUps === false ? {} : { followUp: (r: Reply) => send({ id, type: 'followUp', reply: r }) }),
  };
  let reply: Reply;
  if (req.submit && typeof req.submit === 'object') reply = opts.submit ? await opts.submit(req.submit, actor) : badRequest('this process does not take messages (no serve): open the store instead');
  else if (req.secret && typeof req.secret === 'object') reply = await runner.secret(String(req.secret.field), String(req.secret.value), ctx);
  else if (typeof req.action === 'string') reply = await runner.action(req.action, ctx);
  else if (typeof req.text === 'string') reply = await runner.run(req.text, ctx);
  else reply = badRequest('control request needs text, action or secret');
  send({ id, type: 'reply', reply });
}

/**
 * Listen on `<storeDir>/control.sock` (mode 0600). A stale socket file left by
 * a crash is replaced; a live one means another process owns the store.
 */
export async function startControlServer(runner: Runner, storeDir: string, opts: ControlOptions = {}): Promise<ControlServer> {
  const socketPath = path.join(storeDir, SOCKET_NAME);
  // sun_path holds 108 bytes on Linux (104 on macOS); a longer path fails with an obscure EINVAL.
  if (Buffer.byteLength(socketPath) > 103) throw new Error(`the control socket path ${socketPath} is too long for a Unix socket (at most 103 bytes); use a shorter --store path`);
  if (await probe(socketPath)) throw new Error(`another smtp-ops process is already serving ${socketPath}`);
  await unlink(socketPath).catch(() => undefined);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setEncoding('utf8');
    const send = (m: ControlMessage) => {
      if (!sock.destroyed && sock.writable) sock.write(`${JSON.stringify(m)}\n`);
    };
    let buf = '';
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const max = buf.startsWith(SUBMIT_PREFIX) ? MAX_SUBMIT_BYTES : MAX_REQUEST_BYTES;
      if (buf.length > max && !buf.includes('\n')) {
        send({ id: 0, type: 'reply', reply: badRequest(`control request longer than ${max} bytes`) });
        sock.end();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        let req: ControlRequest;
        try {
          req = JSON.parse(line) as ControlRequest;
        } catch {
          send({ id: 0, type: 'reply', reply: badRequest('control request is not valid JSON') });
          continue;
        }
        void handle(runner, req, send, opts);
      }
    });
  });
  // Created 0600 from the start: the umask covers the window before chmod.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  await chmod(socketPath, 0o600);
  return {
    path: socketPath,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.end();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2000).unref();
      });
      await unlink(socketPath).catch(() => undefined);
    },
  };
}
