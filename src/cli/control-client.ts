/** Client side of the control socket: used by the one-shot CLI and the REPL when `serve` runs. */
import net from 'node:net';
import path from 'node:path';
import type { ProgressReply, Reply } from '../commands/reply.js';
import type { ControlMessage, ControlRequest } from '../serve/control-protocol.js';
import { SOCKET_NAME } from '../serve/control-protocol.js';

export interface RequestHandlers {
  onProgress?: (p: ProgressReply) => void;
  followUp?: (r: Reply) => void;
}

export interface ControlClient {
  request(req: Omit<ControlRequest, 'id'>, handlers?: RequestHandlers): Promise<Reply>;
  close(): void;
  /** Where follow-ups go that arrive after their request was answered (the outcome of `test`). */
  onFollowUp(fn: ((r: Reply) => void) | undefined): void;
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
  let lateFollowUp: ((r: Reply) => void) | undefined;
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; handlers: RequestHandlers }>();
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
      if (m.type === 'followUp') (p?.handlers.followUp ?? lateFollowUp)?.(m.reply);
      else if (!p) continue;
      else if (m.type === 'progress') p.handlers.onProgress?.(m.reply);
      else {
        pending.delete(m.id);
        p.resolve(m.reply);
      }
    }
  });
  const fail = () => {
    for (const [id, p] of pending) {
      p.reject(new Error('the smtp-ops server closed the control connection'));
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
        pending.set(id, { resolve, reject, handlers });
        sock.write(`${JSON.stringify({ ...req, id })}\n`);
      });
    },
    close() {
      sock.end();
    },
    onFollowUp(fn) {
      lateFollowUp = fn;
    },
  };
}
