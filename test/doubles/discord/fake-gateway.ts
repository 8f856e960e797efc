/**
 * The gateway half of the fake Discord: a websocket speaking gateway v10 JSON
 * (Hello, heartbeat ACK, READY + GUILD_CREATE after Identify, dispatches).
 * Sessions resume as Discord's do: a bot that drops its connection (discord.js
 * does when a heartbeat is not acknowledged before the next one is due, as
 * after a long event-loop stall) reconnects to `resume_gateway_url`, sends
 * Resume, gets the dispatches it missed replayed and then RESUMED.
 */
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { botUser, guild, type FakeIdentity } from './wire.js';

/** What the bot sent on the gateway (op 2 Identify etc.). */
export interface GatewayFrame {
  op: number;
  d: any;
}

export interface FakeGateway {
  /** Sent frames from the bot, in order. */
  readonly received: GatewayFrame[];
  /** Resolves once a bot identified and received READY + GUILD_CREATE. */
  identified(): Promise<void>;
  /** Send a dispatch (op 0) to every session; one whose bot is reconnecting gets it on Resume. */
  dispatch(t: string, d: unknown): void;
  close(): Promise<void>;
}

interface Session {
  id: string;
  /** The connection, or null while the bot is away (it may resume). */
  ws: WebSocket | null;
  seq: number;
  /** Every dispatch of the session, for replay on Resume. */
  sent: string[];
}

export function attachGateway(server: Server, id: FakeIdentity, extraChannels: string[], roleIds: string[], heartbeatIntervalMs = 41_250): FakeGateway {
  const wss = new WebSocketServer({ server, path: '/gateway' });
  const received: GatewayFrame[] = [];
  const sessions = new Map<string, Session>();
  let made = 0;
  let onIdentified: (() => void)[] = [];

  const sendDispatch = (s: Session, t: string, d: unknown) => {
    s.seq += 1;
    const frame = JSON.stringify({ op: 0, t, s: s.seq, d });
    s.sent.push(frame);
    s.ws?.send(frame);
  };

  wss.on('connection', (ws) => {
    let session: Session | undefined;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: heartbeatIntervalMs }, s: null, t: null }));
    ws.on('message', (raw) => {
      let frame: GatewayFrame;
      try {
        frame = JSON.parse(String(raw));
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      received.push(frame);
      if (frame.op === 1) {
        ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      } else if (frame.op === 2) {
        if (frame.d?.token !== id.token) {
          ws.close(4004, 'Authentication failed.');
          return;
        }
        // A fresh Identify: sessions nobody is connected to can no longer be resumed by this bot.
        for (const [key, old] of sessions) if (!old.ws) sessions.delete(key);
        session = { id: `fake-session-${++made}`, ws, seq: 0, sent: [] };
        sessions.set(session.id, session);
        sendDispatch(session, 'READY', {
          v: 10,
          user: botUser(id),
          guilds: [{ id: id.guildId, unavailable: true }],
          session_id: session.id,
          resume_gateway_url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/gateway`,
          shard: [0, 1],
          application: { id: id.applicationId, flags: 0 },
        });
        sendDispatch(session, 'GUILD_CREATE', guild(id, extraChannels, roleIds));
        const waiting = onIdentified;
        onIdentified = [];
        for (const w of waiting) w();
      } else if (frame.op === 6) {
        const known = sessions.get(frame.d?.session_id);
        if (frame.d?.token !== id.token || !known) {
          // Invalid Session, not resumable: the bot identifies anew.
          ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
          return;
        }
        known.ws?.close(4000, 'Resumed elsewhere');
        known.ws = ws;
        session = known;
        const after = Number(frame.d.seq ?? 0);
        for (const f of known.sent.slice(after)) ws.send(f);
        sendDispatch(known, 'RESUMED', null);
      }
    });
    ws.on('close', () => {
      if (session?.ws === ws) session.ws = null;
    });
  });

  return {
    received,
    identified: () =>
      [...sessions.values()].some((x) => x.ws) ? Promise.resolve() : new Promise<void>((resolve) => onIdentified.push(resolve)),
    dispatch(t, d) {
      for (const s of sessions.values()) sendDispatch(s, t, d);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
