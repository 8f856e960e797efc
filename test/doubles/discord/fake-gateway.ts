/**
 * The gateway half of the fake Discord: a websocket speaking gateway v10 JSON
 * (Hello, heartbeat ACK, READY + GUILD_CREATE after Identify, dispatches).
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
  /** Send a dispatch (op 0) to every identified connection. */
  dispatch(t: string, d: unknown): void;
  close(): Promise<void>;
}

export function attachGateway(server: Server, id: FakeIdentity, extraChannels: string[], roleIds: string[], heartbeatIntervalMs = 41_250): FakeGateway {
  const wss = new WebSocketServer({ server, path: '/gateway' });
  const received: GatewayFrame[] = [];
  const sessions = new Set<{ ws: WebSocket; seq: number }>();
  let onIdentified: (() => void)[] = [];

  const sendDispatch = (s: { ws: WebSocket; seq: number }, t: string, d: unknown) => {
    s.seq += 1;
    s.ws.send(JSON.stringify({ op: 0, t, s: s.seq, d }));
  };

  wss.on('connection', (ws) => {
    const session = { ws, seq: 0 };
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
        sessions.add(session);
        sendDispatch(session, 'READY', {
          v: 10,
          user: botUser(id),
          guilds: [{ id: id.guildId, unavailable: true }],
          session_id: 'fake-session',
          resume_gateway_url: `ws://${(server.address() as { port: number }).port}`,
          shard: [0, 1],
          application: { id: id.applicationId, flags: 0 },
        });
        sendDispatch(session, 'GUILD_CREATE', guild(id, extraChannels, roleIds));
        const waiting = onIdentified;
        onIdentified = [];
        for (const w of waiting) w();
      }
    });
    ws.on('close', () => sessions.delete(session));
  });

  return {
    received,
    identified: () =>
      sessions.size > 0 ? Promise.resolve() : new Promise<void>((resolve) => onIdentified.push(resolve)),
    dispatch(t, d) {
      for (const s of sessions) sendDispatch(s, t, d);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
