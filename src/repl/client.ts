/** Client side of the control socket: used by the one-shot CLI and the REPL when `serve` runs. */
import net from 'node:net';
import path from 'node:path';
import type { ProgressReply, Reply } from '../commands/reply.js';
import type { ControlMessage, ControlRequest } from './protocol.js';
import { SOCKET_NAME } from './protocol.js';

export interface RequestHandlers {
  onProgress?: (p: ProgressReply) => void;
  followUp?: (r: Reply) => void;
}

export interface ControlClient {
  request(req: Omit<ControlRequest, 'id'>, handlers?: RequestHandlers): Promise<Reply>;
  close(): void;
  /** Resolves when the server goes away. */
  readonly closed: Promise<void>;
}

/** Connect to `<storeDir>/control.sock`; null when no server listens there. */
export function connectControl(storeDir: string): Promise<ControlClient | null> {
  const socketPath = path.join(storeDir, SOCKET_NAME);
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    sock.once('error', () => resolve(null));
    sock.once('connect', () => {
      sock.removeAllListeners('error');
      resolve(makeClient(sock));
    });
  });
}

function makeClient(sock: net.Socket): ControlClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; handlers: RequestHandlers; done: boolean }>();
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  sock.setEncoding('utf8');
  let buf = '';
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let m: ControlMessage;
      try {
        m = JSON.parse(line) as ControlMessage;
      } catch {
        continue;
      }
      const p = pending.get(m.id);
      if (!p) continue;
      if (m.type === 'progress') p.handlers.onProgress?.(m.reply);
      else if (m.type === 'followUp') p.handlers.followUp?.(m.reply);
      else if (!p.done) {
        p.done = true;
        p.resolve(m.reply);
        // Keep listening for follow-ups only if the caller wants them.
        if (!p.handlers.followUp) pending.delete(m.id);
      }
    }
  });
  const fail = () => {
    for (const [id, p] of pending) {
      if (!p.done) p.reject(new Error('the smtp-ops server closed the control connection'));
      pending.delete(id);
    }
    closedResolve();
  };
  sock.on('close', fail);
  sock.on('error', () => sock.destroy());
  return {
    closed,
    request(req, handlers = {}) {
      const id = nextId++;
      return new Promise<Reply>((resolve, reject) => {
        if (sock.destroyed) return reject(new Error('the control connection is closed'));
        pending.set(id, { resolve, reject, handlers, done: false });
        sock.write(`${JSON.stringify({ ...req, id })}\n`);
      });
    },
    close() {
      sock.end();
    },
  };
}
